package org.jlrp.runtime.internal.model;

import java.util.List;
import java.util.Objects;

/** Argument checks shared by the spec records. */
final class Specs {

    private Specs() {
    }

    static String name(String name) {
        Objects.requireNonNull(name, "name");
        if (name.isEmpty()) {
            throw new IllegalArgumentException("a layer name is empty");
        }
        return name;
    }

    /** The layer's input names, copied; at least one. */
    static List<String> inputs(String layer, List<String> inputs) {
        List<String> copy = List.copyOf(inputs);
        if (copy.isEmpty()) {
            throw new IllegalArgumentException("layer '" + layer + "' has no input");
        }
        return copy;
    }

    static int positive(String layer, String what, int value) {
        if (value < 1) {
            throw new IllegalArgumentException("layer '" + layer + "' has " + what + " " + value
                    + "; expected a positive integer");
        }
        return value;
    }

    /** A copy of a weight array of exactly {@code expected} values. */
    static float[] weights(String layer, String what, float[] values, long expected) {
        Objects.requireNonNull(values, what);
        if (values.length != expected) {
            throw new IllegalArgumentException("layer '" + layer + "' has " + values.length + " " + what
                    + " values; its shape needs " + expected);
        }
        return values.clone();
    }

    /** A copy of a bias of {@code units} values, or null for none. */
    static float[] bias(String layer, float[] bias, int units) {
        return bias == null ? null : weights(layer, "bias", bias, units);
    }

    static float[] copy(float[] values) {
        return values == null ? null : values.clone();
    }
}
