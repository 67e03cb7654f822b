package org.jlrp.runtime.internal.model;

import java.util.List;
import java.util.Objects;

/**
 * A layer that is the identity at inference (Dropout, GaussianNoise, ActivityRegularization, …).
 *
 * @param type the original layer type, for display ({@code Dropout}, {@code SpatialDropout1D}, …)
 */
public record IdentitySpec(String name, List<String> inputs, String type) implements LayerSpec {

    public IdentitySpec {
        Specs.name(name);
        inputs = Specs.inputs(name, inputs);
        Objects.requireNonNull(type, "type");
    }
}
