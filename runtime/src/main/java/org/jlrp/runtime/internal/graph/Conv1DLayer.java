package org.jlrp.runtime.internal.graph;

import org.jlrp.runtime.explain.Rule;
import java.util.function.DoubleUnaryOperator;
import org.jlrp.kernels.Kernels;
import org.jlrp.runtime.internal.model.Activation;

/**
 * Conv1D over {@code [steps][in]}, kernel {@code [width][in][filters]}. Also serves Dense applied to a sequence,
 * which Keras computes per step: a width-1 convolution.
 */
final class Conv1DLayer extends LinearLayer {

    final float[] kernel;
    /** The kernel as {@code [width][filters][in]}, for contiguous loads in the relevance pass. */
    final float[] kernelTransposed;
    final int width;
    final int inChannels;
    final int filters;
    final int stride;
    final int dilation;
    final int padLeft;
    final int inSteps;
    final int outSteps;
    Conv1DLayer(String name, String className, Layer input, float[] kernel, float[] bias, int width, int filters,
                int stride, int dilation, int padLeft, int outSteps, Activation activation) {
        super(name, className, input, Shape.sequence(outSteps, filters), bias, activation, filters);
        this.kernel = kernel;
        this.width = width;
        this.inChannels = input.shape.channels();
        this.filters = filters;
        this.stride = stride;
        this.dilation = dilation;
        this.padLeft = padLeft;
        this.inSteps = input.shape.steps();
        this.outSteps = outSteps;
        this.kernelTransposed = transpose(kernel, width, inChannels, filters);
    }

    @Override
    long multiplyAdds() {
        return (long) outSteps * filters * width * inChannels;
    }

    private static float[] transpose(float[] kernel, int width, int in, int filters) {
        float[] out = new float[kernel.length];
        for (int k = 0; k < width; k++) {
            for (int c = 0; c < in; c++) {
                for (int f = 0; f < filters; f++) {
                    out[(k * filters + f) * in + c] = kernel[(k * in + c) * filters + f];
                }
            }
        }
        return out;
    }

    /** At least one row of filters: the fused folded relevance pass rebuilds a step's quotients there. */
    @Override
    int contributionSize() {
        return Math.max(inSize, filters);
    }

    @Override
    public long parameterCount() {
        return kernel.length + (bias == null ? 0 : bias.length);
    }

    @Override
    void linearForward(Kernels kernels, float[] x, float[] z) {
        kernels.conv1dForward(x, inSteps, inChannels, kernel, width, filters, bias, stride, dilation, padLeft, z,
                outSteps);
    }

    /**
     * {@code tables[v][k][f] = Σ_c table[v][c] · kernel[k][c][f]}: the Embedding folded into each kernel offset.
     */
    float[] foldTables(Kernels kernels, float[] embedding, int vocabulary) {
        float[] tables = new float[width * vocabulary * filters];
        float[] slice = new float[inChannels * filters];
        float[] row = new float[inChannels];
        float[] out = new float[filters];
        for (int k = 0; k < width; k++) {
            System.arraycopy(kernel, k * inChannels * filters, slice, 0, slice.length);
            for (int v = 0; v < vocabulary; v++) {
                System.arraycopy(embedding, v * inChannels, row, 0, inChannels);
                kernels.denseForward(row, inChannels, slice, filters, null, out);
                System.arraycopy(out, 0, tables, Kernels.foldedRow(v, k, width, filters), filters);
            }
        }
        return tables;
    }

    @Override
    void linearForwardWithoutBias(Kernels kernels, float[] x, float[] z) {
        kernels.conv1dForward(x, inSteps, inChannels, kernel, width, filters, null, stride, dilation, padLeft, z,
                outSteps);
    }

    @Override
    void transposedProduct(Workspace ws, Kernels kernels, float[] s, float[] c) {
        kernels.conv1dTransposed(s, outSteps, filters, kernelTransposed, width, inChannels, stride, dilation, padLeft,
                c, inSteps, ws.nonZero);
    }

    @Override
    LinearWeights modifiedWeights(DoubleUnaryOperator f) {
        float[] modified = new float[kernel.length];
        for (int i = 0; i < modified.length; i++) {
            modified[i] = (float) f.applyAsDouble(kernel[i]);
        }
        return new LinearWeights(modified, transpose(modified, width, inChannels, filters));
    }

    @Override
    void forwardWith(Kernels kernels, float[] x, LinearWeights w, float[] bias, float[] z) {
        kernels.conv1dForward(x, inSteps, inChannels, w.forward(), width, filters, bias, stride, dilation, padLeft, z,
                outSteps);
    }

    @Override
    void transposedWith(Workspace ws, Kernels kernels, float[] s, LinearWeights w, float[] c) {
        kernels.conv1dTransposed(s, outSteps, filters, w.transposed(), width, inChannels, stride, dilation, padLeft,
                c, inSteps, ws.nonZero);
    }
}
