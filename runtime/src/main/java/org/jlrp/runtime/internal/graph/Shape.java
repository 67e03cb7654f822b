package org.jlrp.runtime.internal.graph;

/**
 * The shape of one sample's tensor between layers: a sequence {@code [steps][channels]} or a vector
 * {@code [units]} (stored as steps = 1). Batch axes never appear: each explanation runs on one sample.
 */
public record Shape(int steps, int channels, boolean sequence) {

    public static Shape sequence(int steps, int channels) {
        return new Shape(steps, channels, true);
    }

    public static Shape vector(int units) {
        return new Shape(1, units, false);
    }

    /** Number of floats. */
    public int size() {
        return Math.multiplyExact(steps, channels);
    }

    /** Keras notation, batch axis first: {@code (None, 150, 50)} or {@code (None, 4)}. */
    @Override
    public String toString() {
        return sequence ? "(None, " + steps + ", " + channels + ")" : "(None, " + channels + ")";
    }
}
