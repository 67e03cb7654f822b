package org.jlrp.runtime.internal.graph;

import org.jlrp.runtime.explain.Rule;
import java.util.List;
import org.jlrp.kernels.Kernels;

/**
 * MaxPooling1D and GlobalMaxPooling1D. The forward pass records the winner of every window (the first maximum on
 * ties, as TensorFlow's CPU kernel); the relevance pass gives each window's relevance to its winner only.
 */
final class MaxPoolLayer extends Layer {

    final int pool;
    final int stride;
    final int padLeft;
    final int inSteps;
    final int channels;
    final int outSteps;

    MaxPoolLayer(String name, String className, Layer input, Shape shape, int pool, int stride, int padLeft) {
        super(name, className, List.of(input), shape);
        this.pool = pool;
        this.stride = stride;
        this.padLeft = padLeft;
        this.inSteps = input.shape.steps();
        this.channels = input.shape.channels();
        this.outSteps = shape.size() / channels;
    }

    @Override
    int winnerSize() {
        return shape.size();
    }

    @Override
    void forward(Workspace ws, Kernels kernels) {
        kernels.maxPool1d(ws.values[input().valueSlot], inSteps, channels, pool, stride, padLeft,
                ws.values[valueSlot], ws.winners[winnerSlot], outSteps);
    }

    @Override
    void backward(Workspace ws, Kernels kernels, Rule rule) {
        float[] r = ws.relevance[relevanceSlot];
        float[] rIn = ws.relevance[input().relevanceSlot];
        int[] winners = ws.winners[winnerSlot];
        for (int t = 0; t < outSteps; t++) {
            int row = t * channels;
            for (int c = 0; c < channels; c++) {
                float rv = r[row + c];
                if (rv != 0f) {
                    rIn[winners[row + c] * channels + c] += rv;
                }
            }
        }
    }
}
