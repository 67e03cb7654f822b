package org.jlrp.runtime.internal.graph;

import org.jlrp.runtime.explain.Rule;
import java.util.List;
import org.jlrp.kernels.Kernels;

/**
 * AveragePooling1D and GlobalAveragePooling1D. Relevance follows the ε-rule with the pooling weights 1/N:
 * {@code R_i += x_i / N / (z_j + ε·sign(z_j)) · R_j}, where N counts the in-range rows of the window.
 */
final class AvgPoolLayer extends Layer {

    final int pool;
    final int stride;
    final int padLeft;
    final int inSteps;
    final int channels;
    final int outSteps;

    AvgPoolLayer(String name, String className, Layer input, Shape shape, int pool, int stride, int padLeft) {
        super(name, className, List.of(input), shape);
        this.pool = pool;
        this.stride = stride;
        this.padLeft = padLeft;
        this.inSteps = input.shape.steps();
        this.channels = input.shape.channels();
        this.outSteps = shape.size() / channels;
    }

    @Override
    void forward(Workspace ws, Kernels kernels) {
        kernels.avgPool1d(ws.values[input().valueSlot], inSteps, channels, pool, stride, padLeft,
                ws.values[valueSlot], outSteps);
    }

    @Override
    void backward(Workspace ws, Kernels kernels, Rule rule) {
        float[] x = ws.values[input().valueSlot];
        float[] z = ws.values[valueSlot];
        float[] r = ws.relevance[relevanceSlot];
        float[] rIn = ws.relevance[input().relevanceSlot];
        float eps = (float) rule.eps();
        for (int t = 0; t < outSteps; t++) {
            int first = Math.max(t * stride - padLeft, 0);
            int last = Math.min(t * stride - padLeft + pool, inSteps);
            float count = last - first;
            for (int c = 0; c < channels; c++) {
                float rv = r[t * channels + c];
                if (rv == 0f) {
                    continue;
                }
                float zv = z[t * channels + c];
                float s = rv / (zv >= 0f ? zv + eps : zv - eps) / count;
                for (int row = first; row < last; row++) {
                    rIn[row * channels + c] += x[row * channels + c] * s;
                }
            }
        }
    }

    /** The gradient of an average: {@code 1/N} to every in-range row of the window. */
    @Override
    void gradient(Workspace ws, Kernels kernels) {
        float[] g = ws.relevance[relevanceSlot];
        float[] gIn = ws.relevance[input().relevanceSlot];
        for (int t = 0; t < outSteps; t++) {
            int first = Math.max(t * stride - padLeft, 0);
            int last = Math.min(t * stride - padLeft + pool, inSteps);
            float count = last - first;
            for (int c = 0; c < channels; c++) {
                float share = g[t * channels + c] / count;
                for (int row = first; row < last; row++) {
                    gIn[row * channels + c] += share;
                }
            }
        }
    }
}
