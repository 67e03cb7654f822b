package org.jlrp.runtime.internal.model;

import java.util.List;
import java.util.Objects;

/**
 * A 1-D convolution (a cross-correlation, as TensorFlow computes it) over a {@code [steps][inputChannels]} sequence.
 *
 * @param kernel        {@code [width][inputChannels][filters]}, row-major; copied in, {@link #kernel()} returns a copy
 * @param bias          {@code [filters]}, or null for none; copied likewise
 * @param width         kernel width (taps)
 * @param inputChannels channels the kernel expects
 * @param filters       output channels
 * @param stride        step between windows
 * @param dilation      step between taps
 * @param padding       {@link Padding#VALID}, {@link Padding#SAME} or {@link Padding#CAUSAL}
 * @param activation    applied to each output
 */
public record Conv1DSpec(String name, List<String> inputs, float[] kernel, float[] bias, int width, int inputChannels,
                         int filters, int stride, int dilation, Padding padding, Activation activation, int padLeft,
                         int padRight) implements LayerSpec {

    /** A layer with {@link Padding#VALID}, {@link Padding#SAME} or {@link Padding#CAUSAL} padding. */
    public Conv1DSpec(String name, List<String> inputs, float[] kernel, float[] bias, int width, int inputChannels,
                      int filters, int stride, int dilation, Padding padding, Activation activation) {
        this(name, inputs, kernel, bias, width, inputChannels, filters, stride, dilation, padding, activation, 0, 0);
    }

    /** This layer with another bias (same padding). */
    public Conv1DSpec withBias(float[] newBias) {
        return new Conv1DSpec(name, inputs, kernel, newBias, width, inputChannels, filters, stride, dilation, padding,
                activation, padLeft, padRight);
    }

    public Conv1DSpec {
        Specs.name(name);
        inputs = Specs.inputs(name, inputs);
        Specs.positive(name, "kernel width", width);
        Specs.positive(name, "input channels", inputChannels);
        Specs.positive(name, "filters", filters);
        Specs.positive(name, "stride", stride);
        Specs.positive(name, "dilation", dilation);
        Objects.requireNonNull(padding, "padding");
        Objects.requireNonNull(activation, "activation");
        if (padLeft < 0 || padRight < 0 || padding != Padding.EXPLICIT && (padLeft != 0 || padRight != 0)) {
            throw new IllegalArgumentException("layer '" + name + "': pads [" + padLeft + ", " + padRight + "] need "
                    + "explicit padding and must not be negative");
        }
        kernel = Specs.weights(name, "kernel", kernel, (long) width * inputChannels * filters);
        bias = Specs.bias(name, bias, filters);
    }

    /** A copy of the kernel, {@code [width][inputChannels][filters]}. */
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
        return "Conv1D";
    }

    @Override
    public long parameterCount() {
        return (long) kernel.length + (bias == null ? 0 : bias.length);
    }
}
