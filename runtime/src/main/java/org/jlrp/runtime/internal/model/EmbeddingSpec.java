package org.jlrp.runtime.internal.model;

import java.util.List;

/**
 * A token-id → vector lookup.
 *
 * @param table      {@code [vocabulary][dim]}, row-major; copied in, and {@link #table()} returns a copy
 * @param vocabulary number of token ids, at least 1
 * @param dim        vector size, at least 1
 * @param maskZero   whether id 0 is a mask (Keras {@code mask_zero=True}): recurrent layers downstream skip those steps
 */
public record EmbeddingSpec(String name, List<String> inputs, float[] table, int vocabulary, int dim, boolean maskZero)
        implements LayerSpec {

    /** An Embedding without a mask. */
    public EmbeddingSpec(String name, List<String> inputs, float[] table, int vocabulary, int dim) {
        this(name, inputs, table, vocabulary, dim, false);
    }

    public EmbeddingSpec {
        Specs.name(name);
        inputs = Specs.inputs(name, inputs);
        Specs.positive(name, "vocabulary", vocabulary);
        Specs.positive(name, "dim", dim);
        table = Specs.weights(name, "table", table, (long) vocabulary * dim);
    }

    /** A copy of the table, {@code [vocabulary][dim]}. */
    @Override
    public float[] table() {
        return table.clone();
    }

    @Override
    public String type() {
        return "Embedding";
    }

    @Override
    public long parameterCount() {
        return table.length;
    }
}
