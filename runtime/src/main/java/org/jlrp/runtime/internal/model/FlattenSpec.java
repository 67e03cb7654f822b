package org.jlrp.runtime.internal.model;

import java.util.List;

/** Flattens a sequence to a vector in (step, channel) order. */
public record FlattenSpec(String name, List<String> inputs) implements LayerSpec {

    public FlattenSpec {
        Specs.name(name);
        inputs = Specs.inputs(name, inputs);
    }

    @Override
    public String type() {
        return "Flatten";
    }
}
