package org.jlrp.runtime.internal.model;

import java.util.List;

/** The model input: {@link ModelSpec#inputLength()} token ids. */
public record InputSpec(String name) implements LayerSpec {

    public InputSpec {
        Specs.name(name);
    }

    @Override
    public List<String> inputs() {
        return List.of();
    }

    @Override
    public String type() {
        return "InputLayer";
    }
}
