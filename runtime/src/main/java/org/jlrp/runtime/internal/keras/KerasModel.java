package org.jlrp.runtime.internal.keras;

import java.util.List;

/**
 * A Keras text model as read from its file(s), Keras 1 names and layouts already mapped to Keras 2; what
 * {@link KerasImporter} turns into a format-neutral spec.
 *
 * @param source        the file it came from
 * @param format        how it was stored
 * @param kerasVersion  the {@code keras_version} the file states, or {@code "unknown"}
 * @param backend       the {@code backend} the file states ({@code tensorflow}, {@code theano}, …), the one inferred
 *                      from a Keras 1 file's weight names, or {@code "unknown"}
 * @param inputLength   the number of tokens the model reads (its fixed sequence length)
 * @param layers        the layers in a topological order, input layers first
 * @param outputLayer   the name of the layer whose output is the model output
 * @param theanoFlipped the Conv1D layers whose kernels were reversed along the width axis (Theano-trained files)
 * @param notes         one-line remarks on how the file was read (weights-only file, inferred backend, weights matched
 *                      by position, legacy kernel layouts converted), for {@code jlrp info}; empty when there are none
 */
record KerasModel(String source, ModelFormat format, String kerasVersion, String backend, int inputLength,
                         List<KerasLayer> layers, String outputLayer, List<String> theanoFlipped, List<String> notes) {

    public KerasModel {
        layers = List.copyOf(layers);
        theanoFlipped = List.copyOf(theanoFlipped);
        notes = List.copyOf(notes);
    }

    /** A model without loader notes. */
    public KerasModel(String source, ModelFormat format, String kerasVersion, String backend, int inputLength,
                      List<KerasLayer> layers, String outputLayer, List<String> theanoFlipped) {
        this(source, format, kerasVersion, backend, inputLength, layers, outputLayer, theanoFlipped, List.of());
    }

    /** The layer with this name. */
    public KerasLayer layer(String name) {
        for (KerasLayer l : layers) {
            if (l.name().equals(name)) {
                return l;
            }
        }
        throw new IllegalArgumentException("no layer named " + name);
    }
}
