package org.jlrp.runtime.internal.graph;

import java.util.List;
import org.jlrp.kernels.Kernels;
import org.jlrp.runtime.explain.Rule;

/**
 * BatchNormalization at inference: {@code y_i = a_i x_i + c_i} per channel (see
 * {@link org.jlrp.runtime.internal.model.BatchNormSpec}). Relevance follows the ε-rule of the rule set with
 * {@code c_i} as the bias, {@code R(x_i) = a_i x_i / stab(y_i) · R(y_i)} (with {@code :ignore-bias},
 * {@code stab(a_i x_i)}); the gradient is {@code a_i}.
 */
final class BatchNormLayer extends Layer {

    private final double[] scale;
    private final double[] shift;
    private final int channels;
    private final long parameters;

    BatchNormLayer(String name, String className, Layer input, double[] scale, double[] shift, long parameters) {
        super(name, className, List.of(input), input.shape);
        this.scale = scale.clone();
        this.shift = shift.clone();
        this.channels = scale.length;
        this.parameters = parameters;
    }

    @Override
    public long parameterCount() {
        return parameters;
    }

    @Override
    void forward(Workspace ws, Kernels kernels) {
        float[] x = ws.values[input().valueSlot];
        float[] y = ws.values[valueSlot];
        int n = shape.size();
        for (int i = 0; i < n; i++) {
            int c = i % channels;
            y[i] = (float) (scale[c] * x[i] + shift[c]);
        }
    }

    @Override
    void backward(Workspace ws, Kernels kernels, Rule rule) {
        float[] x = ws.values[input().valueSlot];
        float[] y = ws.values[valueSlot];
        float[] r = ws.relevance[relevanceSlot];
        float[] rIn = ws.relevance[input().relevanceSlot];
        double eps = rule.eps();
        boolean ignoreBias = rule.ignoreBias();
        int n = shape.size();
        for (int i = 0; i < n; i++) {
            if (r[i] == 0f) {
                continue;
            }
            double ax = scale[i % channels] * x[i];
            double z = ignoreBias ? ax : y[i];
            rIn[i] += (float) (ax * r[i] / (z + (z >= 0 ? eps : -eps)));
        }
    }

    @Override
    void gradient(Workspace ws, Kernels kernels) {
        float[] g = ws.relevance[relevanceSlot];
        float[] gIn = ws.relevance[input().relevanceSlot];
        int n = shape.size();
        for (int i = 0; i < n; i++) {
            gIn[i] += (float) (scale[i % channels] * g[i]);
        }
    }
}
