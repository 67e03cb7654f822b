package org.jlrp.runtime.internal.keras;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;

/**
 * One layer as the model file describes it, independent of the Keras version that wrote it.
 *
 * @param name      the Keras layer name
 * @param className the Keras class, Keras 1 names mapped to their Keras 2 equivalents ({@code Convolution1D} →
 *                  {@code Conv1D})
 * @param config    the layer config with Keras 2 keys ({@code filters}, {@code kernel_size}, {@code padding}, …)
 * @param inbound   the names of the layers feeding this one, in order
 * @param weights   the layer's weights in Keras order (kernel, then bias), already in Keras 2 shapes
 */
record KerasLayer(String name, String className, JsonNode config, List<String> inbound, List<Tensor> weights) {

    KerasLayer withWeights(List<Tensor> newWeights) {
        return new KerasLayer(name, className, config, inbound, List.copyOf(newWeights));
    }
}
