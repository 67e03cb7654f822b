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

    /**
     * Under {@link GradientRule#RESCALE}, Captum's DeepLIFT rule for max pooling ({@code deep_lift.maxpool}): per
     * window, with {@code m = max(y, y')}, the input's winner receives {@code g · (m − y')} and the reference's winner
     * {@code g · (y − m)}; each input then gets its total divided by its own {@code Δx}, or the plain gradient where
     * {@code |Δx| < 1e-10}. So {@code Σ m_in · Δx = Σ g · Δy} whenever the winners' {@code Δx} are not that small.
     * Other rules route the gradient to the winner, as the plain gradient does.
     */
    @Override
    void gradient(Workspace ws, Workspace reference, Kernels kernels, GradientRule rule) {
        if (rule != GradientRule.RESCALE) {
            gradient(ws, kernels);
            return;
        }
        int inSize = inSteps * channels;
        float[] delta = ws.scratch(this, "rescale", inSize);
        float[] plain = ws.scratch(this, "gradient", inSize);
        java.util.Arrays.fill(delta, 0, inSize, 0f);
        java.util.Arrays.fill(plain, 0, inSize, 0f);
        float[] g = ws.relevance[relevanceSlot];
        float[] y = ws.values[valueSlot];
        float[] yRef = reference.values[valueSlot];
        int[] winners = ws.winners[winnerSlot];
        int[] refWinners = reference.winners[winnerSlot];
        for (int o = 0; o < outSteps * channels; o++) {
            int c = o % channels;
            double m = Math.max(y[o], yRef[o]);
            delta[winners[o] * channels + c] += (float) (g[o] * (m - yRef[o]));
            delta[refWinners[o] * channels + c] += (float) (g[o] * (y[o] - m));
            plain[winners[o] * channels + c] += g[o];
        }
        float[] x = ws.values[input().valueSlot];
        float[] xRef = reference.values[input().valueSlot];
        float[] gIn = ws.relevance[input().relevanceSlot];
        // Only the winners received anything: divide there (at most two inputs per output) rather than at every
        // input, clearing each input once done so that a second visit adds nothing.
        for (int o = 0; o < outSteps * channels; o++) {
            int c = o % channels;
            rescaleAt(winners[o] * channels + c, x, xRef, delta, plain, gIn);
            rescaleAt(refWinners[o] * channels + c, x, xRef, delta, plain, gIn);
        }
    }

    /** Input {@code i}'s multiplier, {@code Δ/Δx}, or the plain gradient where {@code |Δx|} is below the threshold. */
    private static void rescaleAt(int i, float[] x, float[] xRef, float[] delta, float[] plain, float[] gIn) {
        if (delta[i] == 0f && plain[i] == 0f) {
            return;
        }
        double dx = (double) x[i] - xRef[i];
        gIn[i] += Math.abs(dx) < GradientRule.RESCALE_THRESHOLD ? plain[i] : (float) (delta[i] / dx);
        delta[i] = 0f;
        plain[i] = 0f;
    }
}
