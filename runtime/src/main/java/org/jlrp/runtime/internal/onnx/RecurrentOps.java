package org.jlrp.runtime.internal.onnx;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import org.jlrp.runtime.internal.model.Activation;
import org.jlrp.runtime.internal.model.RecurrentSpec;
import org.jlrp.runtime.internal.model.RecurrentSpec.Kind;
import org.jlrp.runtime.internal.onnx.OnnxModel.Node;

/**
 * ONNX's {@code LSTM}, {@code GRU} and {@code RNN} ops as jlrp {@link RecurrentSpec}s (Keras's formulas and gate
 * order): the weights {@code W [D, G·H, C]}, {@code R [D, G·H, H]}, {@code B [D, 2·G·H]} per direction, gate blocks
 * reordered (LSTM {@code i,o,f,c} → {@code i,f,c,o}; GRU {@code z,r,h} is Keras's), {@code B} split into its input
 * and recurrent halves (summed, but for a GRU with {@code linear_before_reset = 1}, which is Keras's
 * {@code reset_after = True}: the recurrent half stays inside the reset product). Only what that mapping computes
 * exactly is accepted: the default activations, no clip, no coupled input-forget gate, no peepholes, the time-major
 * layout; everything else is refused with one line.
 */
final class RecurrentOps {

    /** The ops. */
    static final Set<String> OPS = Set.of("LSTM", "GRU", "RNN");

    private RecurrentOps() {
    }

    /** ONNX's default activations per direction: LSTM f, g, h; GRU f, g; RNN f. */
    private static List<String> defaultActivations(Kind kind) {
        return switch (kind) {
            case LSTM -> List.of("sigmoid", "tanh", "tanh");
            case GRU -> List.of("sigmoid", "tanh");
            case SIMPLE_RNN -> List.of("tanh");
        };
    }

    static Kind kind(String op) {
        return switch (op) {
            case "LSTM" -> Kind.LSTM;
            case "GRU" -> Kind.GRU;
            default -> Kind.SIMPLE_RNN;
        };
    }

    /** ONNX gate block g → Keras gate block. */
    private static int kerasBlock(Kind kind, int g) {
        if (kind != Kind.LSTM) {
            return g;
        }
        return switch (g) { // i, o, f, c → i, f, c, o
            case 0 -> 0;
            case 1 -> 3;
            case 2 -> 1;
            default -> 2;
        };
    }

    /** The number of directions, after checking the attributes jlrp cannot map; messages say what is refused. */
    static int directions(Node node, Kind kind) {
        String direction = node.s("direction", "forward");
        int dirs = switch (direction) {
            case "forward", "reverse" -> 1;
            case "bidirectional" -> 2;
            default -> throw new IllegalArgumentException("direction '" + direction + "' is not one of forward, "
                    + "reverse, bidirectional");
        };
        if (node.has("clip")) {
            throw new IllegalArgumentException("clip " + node.f("clip", 0) + " is not supported (jlrp's cells do not "
                    + "clip their pre-activations)");
        }
        if (node.i("input_forget", 0) != 0) {
            throw new IllegalArgumentException("input_forget 1 (a coupled input and forget gate) is not supported");
        }
        if (node.i("layout", 0) != 0) {
            throw new IllegalArgumentException("layout " + node.i("layout", 0) + " (batch-first) is not supported; "
                    + "jlrp reads the default time-major layout 0");
        }
        List<String> activations = node.strings("activations");
        if (activations != null) {
            List<String> expected = new ArrayList<>();
            for (int d = 0; d < dirs; d++) {
                expected.addAll(defaultActivations(kind));
            }
            List<String> given = activations.stream().map(a -> a.toLowerCase(Locale.ROOT)).toList();
            if (!given.equals(expected)) {
                throw new IllegalArgumentException("activations " + activations + " are not supported; jlrp "
                        + "supports the default " + defaultActivations(kind) + " per direction");
            }
        }
        if (node.has("activation_alpha") || node.has("activation_beta")) {
            throw new IllegalArgumentException("activation_alpha/activation_beta are not supported (default "
                    + "activations only)");
        }
        return dirs;
    }

    /**
     * The cell of direction {@code d}.
     *
     * @param w      W's values, {@code [D][G·H][C]}
     * @param r      R's values, {@code [D][G·H][H]}
     * @param b      B's values {@code [D][2·G·H]}, or null
     * @param goBackwards whether this direction reads the sequence from its end
     */
    static RecurrentSpec cell(Node node, Kind kind, String name, String input, double[] w, double[] r, double[] b,
                              int d, int inputSize, int units, boolean goBackwards, boolean returnSequences) {
        int gates = kind.gates();
        int width = gates * units;
        float[] kernel = new float[inputSize * width];
        float[] recurrent = new float[units * width];
        for (int g = 0; g < gates; g++) {
            int kb = kerasBlock(kind, g);
            for (int j = 0; j < units; j++) {
                int row = g * units + j;
                int col = kb * units + j;
                for (int c = 0; c < inputSize; c++) {
                    kernel[c * width + col] = (float) w[(d * width + row) * inputSize + c];
                }
                for (int h = 0; h < units; h++) {
                    recurrent[h * width + col] = (float) r[(d * width + row) * units + h];
                }
            }
        }
        boolean resetAfter = kind == Kind.GRU && node.i("linear_before_reset", 0) != 0;
        float[] bias = null;
        float[] recurrentBias = null;
        if (b != null) {
            bias = new float[width];
            float[] rb = new float[width];
            for (int g = 0; g < gates; g++) {
                int kb = kerasBlock(kind, g);
                for (int j = 0; j < units; j++) {
                    bias[kb * units + j] = (float) b[d * 2 * width + g * units + j];
                    rb[kb * units + j] = (float) b[d * 2 * width + width + g * units + j];
                }
            }
            if (resetAfter) {
                recurrentBias = rb; // inside r ⊙ (R_h h + Rb_h), as Keras's reset_after
            } else {
                for (int i = 0; i < width; i++) {
                    bias[i] += rb[i]; // Wb + Rb: the two biases only ever appear summed
                }
            }
        }
        Activation recurrentActivation = kind == Kind.SIMPLE_RNN ? Activation.LINEAR : Activation.SIGMOID;
        return new RecurrentSpec(name, List.of(input), kind, kernel, recurrent, bias, recurrentBias, inputSize, units,
                Activation.TANH, recurrentActivation, returnSequences, goBackwards, resetAfter);
    }
}
