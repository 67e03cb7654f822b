package org.jlrp.runtime.keras;

import java.util.List;

/**
 * A Keras text model as read from its file(s): what the graph builder needs, and what {@code jlrp info} reports.
 *
 * @param source        the file it came from
 * @param format        how it was stored
 * @param kerasVersion  the {@code keras_version} the file states, or {@code "unknown"}
 * @param backend       the {@code backend} it states ({@code tensorflow}, {@code theano}, …), or {@code "unknown"}
 * @param inputLength   the number of tokens the model reads (its fixed sequence length)
 * @param layers        the layers in a topological order, input layers first
 * @param outputLayer   the name of the layer whose output is the model output
 * @param theanoFlipped the Conv1D layers whose kernels were reversed along the width axis (Theano-trained files)
 */
public record KerasModel(String source, ModelFormat format, String kerasVersion, String backend, int inputLength,
                         List<LayerSpec> layers, String outputLayer, List<String> theanoFlipped) {

    public LayerSpec layer(String name) {
        for (LayerSpec l : layers) {
            if (l.name().equals(name)) {
                return l;
            }
        }
        throw new IllegalArgumentException("no layer named " + name);
    }
}
