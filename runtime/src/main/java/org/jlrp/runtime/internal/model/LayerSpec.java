package org.jlrp.runtime.internal.model;

import java.util.List;

/** One layer of a {@link ModelSpec}: what it computes, with its weights, independent of the file it came from. */
public sealed interface LayerSpec permits InputSpec, EmbeddingSpec, Conv1DSpec, DenseSpec, PoolingSpec,
        ActivationSpec, IdentitySpec, FlattenSpec, ReshapeSpec, ConcatenateSpec,
        RecurrentSpec, BidirectionalSpec, BatchNormSpec {

    /** The layer's name, unique in its model. */
    String name();

    /** The names of the layers it reads, in order (empty for the input). */
    List<String> inputs();

    /** What {@code jlrp info} shows in its class column ({@code Conv1D}, {@code GlobalMaxPooling1D}, …). */
    String type();

    /** Number of weights, as Keras's {@code model.summary()} counts them. */
    default long parameterCount() {
        return 0;
    }
}
