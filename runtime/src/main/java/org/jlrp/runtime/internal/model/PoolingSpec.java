package org.jlrp.runtime.internal.model;

import java.util.List;
import java.util.Objects;

/**
 * Max or average pooling over the steps of a sequence, per channel: windowed, or global (over all steps).
 *
 * @param kind     {@link Kind#MAX} or {@link Kind#AVERAGE}
 * @param pool     window size; 0 for a global pool
 * @param stride   step between windows; 0 for a global pool
 * @param padding  {@link Padding#VALID} or {@link Padding#SAME}; {@link Padding#VALID} for a global pool
 * @param global   whether the window is the whole sequence
 * @param keepdims a global pool only: whether the output keeps a steps axis of 1
 */
public record PoolingSpec(String name, List<String> inputs, Kind kind, int pool, int stride, Padding padding,
                          boolean global, boolean keepdims) implements LayerSpec {

    /** What a window computes. */
    public enum Kind {
        MAX, AVERAGE
    }

    public PoolingSpec {
        Specs.name(name);
        inputs = Specs.inputs(name, inputs);
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(padding, "padding");
        if (padding == Padding.CAUSAL) {
            throw new IllegalArgumentException("layer '" + name + "': pooling has no causal padding");
        }
        if (global) {
            if (pool != 0 || stride != 0 || padding != Padding.VALID) {
                throw new IllegalArgumentException("layer '" + name + "': a global pool has no window, stride or "
                        + "padding");
            }
        } else {
            Specs.positive(name, "pool size", pool);
            Specs.positive(name, "stride", stride);
            if (keepdims) {
                throw new IllegalArgumentException("layer '" + name + "': keepdims applies to global pools only");
            }
        }
    }

    /** A pool over windows of {@code pool} steps, {@code stride} apart. */
    public static PoolingSpec window(String name, List<String> inputs, Kind kind, int pool, int stride,
                                     Padding padding) {
        return new PoolingSpec(name, inputs, kind, pool, stride, padding, false, false);
    }

    /** A pool over all steps; with {@code keepdims} the output is a sequence of one step, else a vector. */
    public static PoolingSpec global(String name, List<String> inputs, Kind kind, boolean keepdims) {
        return new PoolingSpec(name, inputs, kind, 0, 0, Padding.VALID, true, keepdims);
    }

    @Override
    public String type() {
        return (global ? "Global" : "") + (kind == Kind.MAX ? "MaxPooling1D" : "AveragePooling1D");
    }
}
