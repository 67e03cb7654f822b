package org.jlrp.runtime.internal.graph;

import java.util.function.DoubleUnaryOperator;
import org.jlrp.kernels.Kernels;
import org.jlrp.runtime.internal.model.Activation;

/** Dense on a vector: kernel {@code [in][units]}. */
final class DenseLayer extends LinearLayer {

    final float[] kernel;
    /**
     * The kernel as {@code [units][in]}: both products then run along rows of length {@code in} (2900 after the
     * reference model's Flatten) instead of rows of length {@code units}; measured several times faster.
     */
    final float[] kernelTransposed;
    final int units;

    @Override
    long multiplyAdds() {
        return kernel.length;
    }

    DenseLayer(String name, Layer input, float[] kernel, float[] bias, int units, Activation activation) {
        super(name, "Dense", input, Shape.vector(units), bias, activation, units);
        this.kernel = kernel;
        this.units = units;
        this.kernelTransposed = new float[kernel.length];
        int in = input.shape.size();
        for (int i = 0; i < in; i++) {
            for (int j = 0; j < units; j++) {
                kernelTransposed[j * in + i] = kernel[i * units + j];
            }
        }
    }

    @Override
    public long parameterCount() {
        return kernel.length + (bias == null ? 0 : bias.length);
    }

    @Override
    void linearForward(Kernels kernels, float[] x, float[] z) {
        kernels.denseForwardUnitsMajor(x, inSize, kernelTransposed, units, bias, z);
    }

    @Override
    void linearForwardWithoutBias(Kernels kernels, float[] x, float[] z) {
        kernels.denseForwardUnitsMajor(x, inSize, kernelTransposed, units, null, z);
    }

    @Override
    void transposedProduct(Workspace ws, Kernels kernels, float[] s, float[] c) {
        kernels.denseTransposedUnitsMajor(s, kernelTransposed, inSize, units, c);
    }

    @Override
    long groupWeightBytes() {
        return (long) Float.BYTES * kernelTransposed.length;
    }

    @Override
    void linearForwardGroup(Kernels kernels, float[][] xs, int count, float[][] zs) {
        kernels.denseForwardUnitsMajorGroup(xs, count, inSize, kernelTransposed, units, bias, zs);
    }

    @Override
    void transposedProductGroup(Kernels kernels, float[][] ss, int count, float[][] cs) {
        kernels.denseTransposedUnitsMajorGroup(ss, count, kernelTransposed, inSize, units, cs);
    }

    @Override
    LinearWeights modifiedWeights(DoubleUnaryOperator f) {
        float[] modified = new float[kernel.length];
        for (int i = 0; i < modified.length; i++) {
            modified[i] = (float) f.applyAsDouble(kernel[i]);
        }
        return new LinearWeights(modified, modified);
    }

    @Override
    void forwardWith(Kernels kernels, float[] x, LinearWeights w, float[] bias, float[] z) {
        kernels.denseForward(x, inSize, w.forward(), units, bias, z);
    }

    @Override
    void transposedWith(Workspace ws, Kernels kernels, float[] s, LinearWeights w, float[] c) {
        kernels.denseTransposed(s, w.transposed(), inSize, units, c);
    }
}
