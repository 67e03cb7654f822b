package org.jlrp.runtime.internal.model;

import java.util.List;

/**
 * Joins its inputs along one axis.
 *
 * @param axis counted with the batch axis as 0 (so 1 is the steps axis of a sequence, 2 its channels); negative
 *             values count from the end ({@code -1}: the last axis)
 */
public record ConcatenateSpec(String name, List<String> inputs, int axis) implements LayerSpec {

    public ConcatenateSpec {
        Specs.name(name);
        inputs = Specs.inputs(name, inputs);
    }

    @Override
    public String type() {
        return "Concatenate";
    }
}
