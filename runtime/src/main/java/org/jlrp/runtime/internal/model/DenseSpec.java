package org.jlrp.runtime.internal.model;

import java.util.List;
import java.util.Objects;

/**
 * A fully connected layer. On a vector it maps {@code inputSize} values to {@code units}; on a sequence it is applied
 * to each step's {@code inputSize} channels (as Keras does).
 *
 * @param kernel     {@code [inputSize][units]}, row-major; copied in, {@link #kernel()} returns a copy
 * @param bias       {@code [units]}, or null for none; copied likewise
 * @param inputSize  values (or channels per step) the kernel expects
 * @param units      outputs (per step)
 * @param activation applied to each output
 */
public record DenseSpec(String name, List<String> inputs, float[] kernel, float[] bias, int inputSize, int units,
                        Activation activation) implements LayerSpec {

    public DenseSpec {
        Specs.name(name);
        inputs = Specs.inputs(name, inputs);
        Specs.positive(name, "input size", inputSize);
        Specs.positive(name, "units", units);
        Objects.requireNonNull(activation, "activation");
        kernel = Specs.weights(name, "kernel", kernel, (long) inputSize * units);
        bias = Specs.bias(name, bias, units);
    }

    /** A copy of the kernel, {@code [inputSize][units]}. */
    @Override
    public float[] kernel() {
        return kernel.clone();
    }

    /** A copy of the bias, or null when the layer has none. */
    @Override
    public float[] bias() {
        return Specs.copy(bias);
    }

    @Override
    public String type() {
        return "Dense";
    }

    @Override
    public long parameterCount() {
        return (long) kernel.length + (bias == null ? 0 : bias.length);
    }
}
