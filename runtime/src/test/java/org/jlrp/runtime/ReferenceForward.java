package org.jlrp.runtime;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.jlrp.runtime.internal.model.Activation;
import org.jlrp.runtime.internal.model.Conv1DSpec;
import org.jlrp.runtime.internal.model.DenseSpec;
import org.jlrp.runtime.internal.model.EmbeddingSpec;
import org.jlrp.runtime.internal.model.LayerSpec;
import org.jlrp.runtime.internal.model.ModelSpec;
import org.jlrp.runtime.internal.model.PoolingSpec;

/**
 * An independent double-precision forward pass over a chain of layers, written directly from the Keras semantics
 * (read from the layer specs) and sharing no code with the runtime's graph: it is what the finite-difference gradient is taken of. It starts at
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
    public static double[][] embed(ModelSpec model, int[] tokens) {
        EmbeddingSpec e = (EmbeddingSpec) model.layers().stream().filter(l -> l instanceof EmbeddingSpec).findFirst()
                .orElseThrow();
        int dim = e.dim();
        float[] table = e.table();
        double[][] x = new double[tokens.length][dim];
        for (int t = 0; t < tokens.length; t++) {
            for (int d = 0; d < dim; d++) {
                x[t][d] = table[tokens[t] * dim + d];
            }
        }
        return x;
    }

    /** Logits from an embedding output, for a chain model (each layer reads the previous one). */
    public static double[] logits(ModelSpec model, double[][] embeddingOutput) {
        Map<String, T> out = new HashMap<>();
        List<LayerSpec> layers = model.layers();
        String embedding = null;
        for (LayerSpec l : layers) {
            if (l instanceof EmbeddingSpec) {
                out.put(l.name(), new T(embeddingOutput));
                embedding = l.name();
            }
        }
        T current = null;
        for (LayerSpec l : layers) {
            if (l.type().equals("InputLayer") || l.name().equals(embedding)) {
                continue;
            }
            T in = out.get(l.inputs().get(0));
            boolean isOutput = l.name().equals(model.output());
            current = apply(l, in, isOutput);
            out.put(l.name(), current);
        }
        double[] flat = new double[current.steps() * current.channels()];
        for (int t = 0; t < current.steps(); t++) {
            System.arraycopy(current.v[t], 0, flat, t * current.channels(), current.channels());
        }
        return flat;
    }

    private static T apply(LayerSpec l, T in, boolean isOutput) {
        switch (l.type()) {
            case "Conv1D": {
                Conv1DSpec c = (Conv1DSpec) l;
                int width = c.width();
                int stride = c.stride();
                int dilation = c.dilation();
                float[] w = c.kernel();
                float[] b = c.bias();
                int filters = b.length;
                int steps = in.steps();
                int channels = in.channels();
                int span = dilation * (width - 1) + 1;
                int outSteps;
                int padLeft;
                switch (c.padding().name().toLowerCase(java.util.Locale.ROOT)) {
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
                        z[t][f] = activate(c.activation(), s, isOutput);
                    }
                }
                return new T(z);
            }
            case "Dense": {
                DenseSpec c = (DenseSpec) l;
                float[] w = c.kernel();
                float[] b = c.bias();
                int units = b.length;
                int inUnits = in.steps() * in.channels();
                double[] z = new double[units];
                for (int j = 0; j < units; j++) {
                    double s = b[j];
                    for (int i = 0; i < inUnits; i++) {
                        s += in.v[i / in.channels()][i % in.channels()] * w[i * units + j];
                    }
                    z[j] = activate(c.activation(), s, isOutput);
                }
                return new T(new double[][]{z});
            }
            case "MaxPooling1D":
            case "AveragePooling1D": {
                int pool = ((PoolingSpec) l).pool();
                int stride = ((PoolingSpec) l).stride();
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
                        o[t][ch] = l.type().startsWith("Max") ? m : sum / pool;
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
                    o[ch] = l.type().startsWith("GlobalMax") ? m : sum / in.steps();
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
                throw new IllegalArgumentException("reference forward has no " + l.type());
        }
    }

    private static double activate(Activation activation, double z, boolean isOutput) {
        String name = activation.displayName();
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
