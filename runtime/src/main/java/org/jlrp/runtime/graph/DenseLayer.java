package org.jlrp.runtime.graph;

import org.jlrp.kernels.Kernels;

/** Dense on a vector: kernel {@code [in][units]}. */
final class DenseLayer extends LinearLayer {

    final float[] kernel;
    final int units;

    DenseLayer(String name, Layer input, float[] kernel, float[] bias, int units, Activation activation) {
        super(name, "Dense", input, Shape.vector(units), bias, activation, units);
        this.kernel = kernel;
        this.units = units;
    }

    @Override
    public long parameterCount() {
        return kernel.length + (bias == null ? 0 : bias.length);
    }

    @Override
    void linearForward(Kernels kernels, float[] x, float[] z) {
        kernels.denseForward(x, inSize, kernel, units, bias, z);
    }

    @Override
    void transposedProduct(Kernels kernels, float[] s, float[] c) {
        kernels.denseTransposed(s, kernel, inSize, units, c);
    }
}
