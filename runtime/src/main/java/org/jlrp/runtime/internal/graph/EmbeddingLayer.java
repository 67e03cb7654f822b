package org.jlrp.runtime.internal.graph;

import org.jlrp.runtime.explain.Rule;
import java.util.List;
import org.jlrp.kernels.Kernels;

/**
 * Token ids to vectors. The relevance pass ends at this layer's output: {@code [steps][dim]} relevance whose sum over
 * the embedding axis is each token's relevance.
 */
final class EmbeddingLayer extends Layer {

    final float[] table;
    final int vocabulary;
    final int dim;
    /** Keras {@code mask_zero=True}: recurrent layers downstream skip the steps whose token id is 0. */
    final boolean maskZero;

    EmbeddingLayer(String name, Layer input, float[] table, int vocabulary, int dim) {
        this(name, input, table, vocabulary, dim, false);
    }

    EmbeddingLayer(String name, Layer input, float[] table, int vocabulary, int dim, boolean maskZero) {
        super(name, "Embedding", List.of(input), Shape.sequence(input.shape.channels(), dim));
        this.table = table;
        this.vocabulary = vocabulary;
        this.dim = dim;
        this.maskZero = maskZero;
    }

    @Override
    public long parameterCount() {
        return table.length;
    }

    @Override
    void forward(Workspace ws, Kernels kernels) {
        kernels.gather(table, dim, ws.tokens, ws.values[valueSlot]);
    }

    @Override
    void backward(Workspace ws, Kernels kernels, Rule rule) {
    }
}
