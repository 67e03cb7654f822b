package org.jlrp.runtime;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.jlrp.runtime.internal.keras.KerasModel;
import org.jlrp.runtime.internal.keras.KerasLayer;

/**
 * An independent double-precision forward pass over a chain of layers, written directly from the Keras semantics
 * and sharing no code with the runtime's graph: it is what the finite-difference gradient is taken of. It starts at
 * the Embedding output, so the gradient is with respect to the {@code [steps][dim]} embedding vectors, and returns the
 * logits (a final softmax/sigmoid is skipped, as in the explanation).
 */
public final class ReferenceForward {

    private ReferenceForward() {
    }

    /** One tensor: {@code [steps][channels]}; vectors have steps = 1. */
    record T(double[][] v) {
        int steps() {
            return v.length;
        }

        int channels() {
            return v[0].length;
        }
    }

    /** The embedding output for token ids. */
    public static double[][] embed(KerasModel model, int[] tokens) {
        KerasLayer e = model.layers().stream().filter(l -> l.className().equals("Embedding")).findFirst().orElseThrow();
        int dim = e.weights().get(0).shape()[1];
        double[][] x = new double[tokens.length][dim];
        for (int t = 0; t < tokens.length; t++) {
            for (int d = 0; d < dim; d++) {
                x[t][d] = e.weights().get(0).data()[tokens[t] * dim + d];
            }
        }
        return x;
    }

    /** Logits from an embedding output, for a chain model (each layer reads the previous one). */
    public static double[] logits(KerasModel model, double[][] embeddingOutput) {
        Map<String, T> out = new HashMap<>();
        List<KerasLayer> layers = model.layers();
        String embedding = null;
        for (KerasLayer l : layers) {
            if (l.className().equals("Embedding")) {
                out.put(l.name(), new T(embeddingOutput));
                embedding = l.name();
            }
        }
        T current = null;
        for (KerasLayer l : layers) {
            if (l.className().equals("InputLayer") || l.name().equals(embedding)) {
                continue;
            }
            T in = out.get(l.inbound().get(0));
            boolean isOutput = l.name().equals(model.outputLayer());
            current = apply(l, in, isOutput);
            out.put(l.name(), current);
        }
        double[] flat = new double[current.steps() * current.channels()];
        for (int t = 0; t < current.steps(); t++) {
            System.arraycopy(current.v[t], 0, flat, t * current.channels(), current.channels());
        }
        return flat;
    }

    private static T apply(KerasLayer l, T in, boolean isOutput) {
        JsonNode c = l.config();
        switch (l.className()) {
            case "Conv1D": {
                int width = c.get("kernel_size").get(0).asInt();
                int stride = c.get("strides").get(0).asInt();
                int dilation = c.get("dilation_rate").get(0).asInt();
                float[] w = l.weights().get(0).data();
                float[] b = l.weights().get(1).data();
                int filters = b.length;
                int steps = in.steps();
                int channels = in.channels();
                int span = dilation * (width - 1) + 1;
                int outSteps;
                int padLeft;
                switch (c.get("padding").asText()) {
                    case "same":
                        outSteps = (steps + stride - 1) / stride;
                        padLeft = Math.max((outSteps - 1) * stride + span - steps, 0) / 2;
                        break;
                    case "causal":
                        outSteps = (steps + stride - 1) / stride;
                        padLeft = span - 1;
                        break;
                    default:
                        outSteps = (steps - span) / stride + 1;
                        padLeft = 0;
                }
                double[][] z = new double[outSteps][filters];
                for (int t = 0; t < outSteps; t++) {
                    for (int f = 0; f < filters; f++) {
                        double s = b[f];
                        for (int k = 0; k < width; k++) {
                            int row = t * stride + k * dilation - padLeft;
                            if (row < 0 || row >= steps) {
                                continue;
                            }
                            for (int ch = 0; ch < channels; ch++) {
                                s += in.v[row][ch] * w[(k * channels + ch) * filters + f];
                            }
                        }
                        z[t][f] = activate(c, s, isOutput);
                    }
                }
                return new T(z);
            }
            case "Dense": {
                float[] w = l.weights().get(0).data();
                float[] b = l.weights().get(1).data();
                int units = b.length;
                int inUnits = in.steps() * in.channels();
                double[] z = new double[units];
                for (int j = 0; j < units; j++) {
                    double s = b[j];
                    for (int i = 0; i < inUnits; i++) {
                        s += in.v[i / in.channels()][i % in.channels()] * w[i * units + j];
                    }
                    z[j] = activate(c, s, isOutput);
                }
                return new T(new double[][]{z});
            }
            case "MaxPooling1D":
            case "AveragePooling1D": {
                int pool = c.get("pool_size").get(0).asInt();
                int stride = c.get("strides").get(0).asInt();
                int outSteps = (in.steps() - pool) / stride + 1;
                double[][] o = new double[outSteps][in.channels()];
                for (int t = 0; t < outSteps; t++) {
                    for (int ch = 0; ch < in.channels(); ch++) {
                        double m = Double.NEGATIVE_INFINITY;
                        double sum = 0;
                        for (int p = 0; p < pool; p++) {
                            m = Math.max(m, in.v[t * stride + p][ch]);
                            sum += in.v[t * stride + p][ch];
                        }
                        o[t][ch] = l.className().startsWith("Max") ? m : sum / pool;
                    }
                }
                return new T(o);
            }
            case "GlobalMaxPooling1D":
            case "GlobalAveragePooling1D": {
                double[] o = new double[in.channels()];
                for (int ch = 0; ch < in.channels(); ch++) {
                    double m = Double.NEGATIVE_INFINITY;
                    double sum = 0;
                    for (int t = 0; t < in.steps(); t++) {
                        m = Math.max(m, in.v[t][ch]);
                        sum += in.v[t][ch];
                    }
                    o[ch] = l.className().startsWith("GlobalMax") ? m : sum / in.steps();
                }
                return new T(new double[][]{o});
            }
            case "Flatten": {
                double[] o = new double[in.steps() * in.channels()];
                for (int t = 0; t < in.steps(); t++) {
                    System.arraycopy(in.v[t], 0, o, t * in.channels(), in.channels());
                }
                return new T(new double[][]{o});
            }
            case "Dropout":
            case "SpatialDropout1D":
                return in;
            default:
                throw new IllegalArgumentException("reference forward has no " + l.className());
        }
    }

    private static double activate(JsonNode c, double z, boolean isOutput) {
        String name = c.path("activation").asText("linear");
        switch (name) {
            case "relu":
                return Math.max(z, 0);
            case "tanh":
                return Math.tanh(z);
            case "linear":
                return z;
            case "softmax":
            case "sigmoid":
                if (isOutput) {
                    return z; // the explained logit: the final squashing is stripped
                }
                throw new IllegalArgumentException(name + " inside the network");
            default:
                throw new IllegalArgumentException("reference forward has no activation " + name);
        }
    }
}
