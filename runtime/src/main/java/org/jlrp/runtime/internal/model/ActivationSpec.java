package org.jlrp.runtime.internal.model;

import java.util.List;
import java.util.Objects;

/**
 * An elementwise activation as a layer of its own.
 *
 * @param type the display name ({@code Activation}, or {@code ReLU} for a dedicated ReLU layer)
 */
public record ActivationSpec(String name, List<String> inputs, Activation activation, String type)
        implements LayerSpec {

    public ActivationSpec {
        Specs.name(name);
        inputs = Specs.inputs(name, inputs);
        Objects.requireNonNull(activation, "activation");
        Objects.requireNonNull(type, "type");
    }

    /** An activation layer shown as {@code Activation}. */
    public ActivationSpec(String name, List<String> inputs, Activation activation) {
        this(name, inputs, activation, "Activation");
    }
}
