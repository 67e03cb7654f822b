package org.jlrp.runtime;

import java.util.ArrayList;
import java.util.List;
import org.jlrp.runtime.internal.model.Activation;
import org.jlrp.runtime.internal.model.ActivationSpec;
import org.jlrp.runtime.internal.model.Conv1DSpec;
import org.jlrp.runtime.internal.model.DenseSpec;
import org.jlrp.runtime.internal.model.EmbeddingSpec;
import org.jlrp.runtime.internal.model.FlattenSpec;
import org.jlrp.runtime.internal.model.IdentitySpec;
import org.jlrp.runtime.internal.model.InputSpec;
import org.jlrp.runtime.internal.model.LayerSpec;
import org.jlrp.runtime.internal.model.ModelSpec;
import org.jlrp.runtime.internal.model.Padding;
import org.jlrp.runtime.internal.model.PoolingSpec;

/**
 * An independent double-precision forward pass and modified backward pass over a chain of layers (each reads the one
 * before), written from the papers' and Captum's definitions and sharing no code with the runtime's graph: the
 * reference for the gradient, guided backprop, deconvnet and DeepLIFT's Rescale multipliers. Layers: Embedding
 * (where it starts), Conv1D (valid or same, stride 1), MaxPooling1D (valid), the global pools, Flatten, Dense,
 * Dropout, ReLU activation layers; activations relu, tanh, linear (a final softmax/sigmoid is skipped).
 */
public final class ReferenceBackprop {

    /** How the backward pass treats the nonlinearities. */
    public enum Mode {
        GRADIENT, GUIDED_BACKPROP, DECONVNET, RESCALE
    }

    private ReferenceBackprop() {
    }

    /** One layer's forward record: its input, pre-activation and output, and the pooling winners. */
    private record Step(LayerSpec layer, double[][] in, double[][] z, double[][] out, int[][] winners,
                        Activation activation) {
    }

    /** The logits of a chain model from its Embedding output {@code [steps][dim]}. */
    public static double[] logits(ModelSpec model, double[][] embedded) {
        List<Step> steps = forward(model, embedded);
        return steps.get(steps.size() - 1).out[0].clone();
    }

    /**
     * The backward pass of logit {@code target} under {@code mode}, {@code [steps][dim]} at the Embedding output
     * (the gradient, the modified gradient, or DeepLIFT's multipliers relative to {@code reference}, which only
     * RESCALE reads).
     */
    public static double[][] backward(ModelSpec model, double[][] input, double[][] reference, int target,
                                      Mode mode) {
        List<Step> x = forward(model, input);
        List<Step> r = mode == Mode.RESCALE ? forward(model, reference) : x;
        double[][] top = x.get(x.size() - 1).out;
        double[][] g = new double[top.length][top[0].length];
        g[0][target] = 1;
        for (int i = x.size() - 1; i >= 0; i--) {
            g = backward(x.get(i), r.get(i), g, mode);
        }
        return g;
    }

    private static List<Step> forward(ModelSpec model, double[][] embedded) {
        List<Step> steps = new ArrayList<>();
        double[][] current = embedded;
        for (LayerSpec l : model.layers()) {
            if (l instanceof InputSpec || l instanceof EmbeddingSpec) {
                continue;
            }
            boolean isOutput = l.name().equals(model.output());
            Step s = apply(l, current, isOutput);
            steps.add(s);
            current = s.out;
        }
        return steps;
    }

    private static Activation effective(Activation a, boolean isOutput) {
        return isOutput && a.isOutputSquashing() ? Activation.LINEAR : a;
    }

    private static double f(Activation a, double z) {
        switch (a) {
            case LINEAR: return z;
            case RELU: return Math.max(z, 0);
            case TANH: return Math.tanh(z);
            default: throw new IllegalArgumentException("reference has no activation " + a);
        }
    }

    private static double derivative(Activation a, double z) {
        switch (a) {
            case LINEAR: return 1;
            case RELU: return z > 0 ? 1 : 0;
            case TANH: return 1 - Math.tanh(z) * Math.tanh(z);
            default: throw new IllegalArgumentException("reference has no activation " + a);
        }
    }

    private static double[][] activate(Activation a, double[][] z) {
        double[][] out = new double[z.length][z[0].length];
        for (int t = 0; t < z.length; t++) {
            for (int c = 0; c < z[0].length; c++) {
                out[t][c] = f(a, z[t][c]);
            }
        }
        return out;
    }

    private static Step apply(LayerSpec l, double[][] in, boolean isOutput) {
        int steps = in.length;
        int channels = in[0].length;
        if (l instanceof Conv1DSpec c) {
            int width = c.width();
            int filters = c.kernel().length / (width * channels);
            int padLeft = c.padding() == Padding.SAME ? (width - 1) / 2 : 0;
            int outSteps = c.padding() == Padding.SAME ? steps : steps - width + 1;
            double[][] z = new double[outSteps][filters];
            for (int t = 0; t < outSteps; t++) {
                for (int fl = 0; fl < filters; fl++) {
                    double s = c.bias() == null ? 0 : c.bias()[fl];
                    for (int k = 0; k < width; k++) {
                        int row = t + k - padLeft;
                        if (row < 0 || row >= steps) {
                            continue;
                        }
                        for (int ch = 0; ch < channels; ch++) {
                            s += in[row][ch] * c.kernel()[(k * channels + ch) * filters + fl];
                        }
                    }
                    z[t][fl] = s;
                }
            }
            Activation a = effective(c.activation(), isOutput);
            return new Step(l, in, z, activate(a, z), null, a);
        }
        if (l instanceof DenseSpec d) {
            int units = d.units();
            double[][] z = new double[1][units];
            for (int j = 0; j < units; j++) {
                double s = d.bias() == null ? 0 : d.bias()[j];
                for (int i = 0; i < steps * channels; i++) {
                    s += in[i / channels][i % channels] * d.kernel()[i * units + j];
                }
                z[0][j] = s;
            }
            Activation a = effective(d.activation(), isOutput);
            return new Step(l, in, z, activate(a, z), null, a);
        }
        if (l instanceof ActivationSpec a) {
            Activation act = effective(a.activation(), isOutput);
            return new Step(l, in, in, activate(act, in), null, act);
        }
        if (l instanceof PoolingSpec p) {
            int pool = p.global() ? steps : p.pool();
            int stride = p.global() ? steps : p.stride();
            int outSteps = (steps - pool) / stride + 1;
            double[][] out = new double[outSteps][channels];
            int[][] winners = new int[outSteps][channels];
            for (int t = 0; t < outSteps; t++) {
                for (int ch = 0; ch < channels; ch++) {
                    double best = Double.NEGATIVE_INFINITY;
                    double sum = 0;
                    for (int row = t * stride; row < t * stride + pool; row++) {
                        sum += in[row][ch];
                        if (in[row][ch] > best) { // the first maximum on ties
                            best = in[row][ch];
                            winners[t][ch] = row;
                        }
                    }
                    out[t][ch] = p.kind() == PoolingSpec.Kind.MAX ? best : sum / pool;
                }
            }
            return new Step(l, in, null, out, p.kind() == PoolingSpec.Kind.MAX ? winners : null, null);
        }
        if (l instanceof FlattenSpec) {
            double[][] out = new double[1][steps * channels];
            for (int t = 0; t < steps; t++) {
                System.arraycopy(in[t], 0, out[0], t * channels, channels);
            }
            return new Step(l, in, null, out, null, null);
        }
        if (l instanceof IdentitySpec) {
            return new Step(l, in, null, in, null, null);
        }
        throw new IllegalArgumentException("reference has no " + l.type());
    }

    /** The local factor of one activation under the mode, times the incoming signal. */
    private static double local(Mode mode, Activation a, double z, double zRef, double y, double yRef, double g) {
        if (a == Activation.RELU && mode == Mode.GUIDED_BACKPROP) {
            return z > 0 && g > 0 ? g : 0;
        }
        if (a == Activation.RELU && mode == Mode.DECONVNET) {
            return Math.max(g, 0);
        }
        if (mode == Mode.RESCALE && a != Activation.LINEAR && Math.abs(z - zRef) >= 1e-10) {
            return g * (y - yRef) / (z - zRef);
        }
        return g * derivative(a, z);
    }

    private static double[][] backward(Step x, Step r, double[][] g, Mode mode) {
        LayerSpec l = x.layer;
        double[][] in = x.in;
        int steps = in.length;
        int channels = in[0].length;
        double[][] gIn = new double[steps][channels];
        double[][] gz = g;
        if (x.activation != null) {
            gz = new double[g.length][g[0].length];
            for (int t = 0; t < g.length; t++) {
                for (int c = 0; c < g[0].length; c++) {
                    gz[t][c] = local(mode, x.activation, x.z[t][c], r.z[t][c], x.out[t][c], r.out[t][c], g[t][c]);
                }
            }
        }
        if (l instanceof Conv1DSpec c) {
            int width = c.width();
            int filters = gz[0].length;
            int padLeft = c.padding() == Padding.SAME ? (width - 1) / 2 : 0;
            for (int t = 0; t < gz.length; t++) {
                for (int fl = 0; fl < filters; fl++) {
                    for (int k = 0; k < width; k++) {
                        int row = t + k - padLeft;
                        if (row < 0 || row >= steps) {
                            continue;
                        }
                        for (int ch = 0; ch < channels; ch++) {
                            gIn[row][ch] += c.kernel()[(k * channels + ch) * filters + fl] * gz[t][fl];
                        }
                    }
                }
            }
            return gIn;
        }
        if (l instanceof DenseSpec d) {
            int units = d.units();
            for (int i = 0; i < steps * channels; i++) {
                double s = 0;
                for (int j = 0; j < units; j++) {
                    s += d.kernel()[i * units + j] * gz[0][j];
                }
                gIn[i / channels][i % channels] = s;
            }
            return gIn;
        }
        if (l instanceof ActivationSpec || l instanceof IdentitySpec) {
            return gz;
        }
        if (l instanceof FlattenSpec) {
            for (int i = 0; i < steps * channels; i++) {
                gIn[i / channels][i % channels] = g[0][i];
            }
            return gIn;
        }
        PoolingSpec p = (PoolingSpec) l;
        int pool = p.global() ? steps : p.pool();
        int stride = p.global() ? steps : p.stride();
        if (p.kind() == PoolingSpec.Kind.AVERAGE) {
            for (int t = 0; t < g.length; t++) {
                for (int ch = 0; ch < channels; ch++) {
                    for (int row = t * stride; row < t * stride + pool; row++) {
                        gIn[row][ch] += g[t][ch] / pool;
                    }
                }
            }
            return gIn;
        }
        if (mode != Mode.RESCALE) {
            for (int t = 0; t < g.length; t++) {
                for (int ch = 0; ch < channels; ch++) {
                    gIn[x.winners[t][ch]][ch] += g[t][ch];
                }
            }
            return gIn;
        }
        // Captum's deep_lift.maxpool, written out: the larger of the two window maxima decides who gets what.
        double[][] delta = new double[steps][channels];
        double[][] plain = new double[steps][channels];
        for (int t = 0; t < g.length; t++) {
            for (int ch = 0; ch < channels; ch++) {
                double y = x.out[t][ch];
                double yRef = r.out[t][ch];
                double m = Math.max(y, yRef);
                delta[x.winners[t][ch]][ch] += g[t][ch] * (m - yRef);
                delta[r.winners[t][ch]][ch] += g[t][ch] * (y - m);
                plain[x.winners[t][ch]][ch] += g[t][ch];
            }
        }
        for (int row = 0; row < steps; row++) {
            for (int ch = 0; ch < channels; ch++) {
                double dx = in[row][ch] - r.in[row][ch];
                gIn[row][ch] = Math.abs(dx) < 1e-10 ? plain[row][ch] : delta[row][ch] / dx;
            }
        }
        return gIn;
    }
}
