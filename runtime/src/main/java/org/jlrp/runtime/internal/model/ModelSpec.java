package org.jlrp.runtime.internal.model;

import org.jlrp.runtime.text.TextVectorizer;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * A text model as jlrp explains it, whatever file it came from: what the graph builder needs, and what
 * {@code jlrp info} reports.
 *
 * @param source      the file it came from, for messages
 * @param format      how it was stored, as {@code jlrp info} names it ({@code full-h5}, {@code keras3-zip}, …)
 * @param inputLength the number of token ids the model reads (its fixed sequence length), or {@link #ANY_LENGTH}
 *                    when the file states none (recurrent models read sequences of any length)
 * @param layers      the layers in a topological order, the input first; names are unique
 * @param output      the name of the layer whose output is the model output
 * @param facts       format-specific facts for display, in display order, by JSON key ({@code keras_version},
 *                    {@code backend}, …)
 * @param notes       one-line remarks on how the file was read, for {@code jlrp info}; empty when there are none
 * @param textInput   the model's own text → ids layer (a Keras TextVectorization first layer), whose output the
 *                    input layer stands for; null when the model reads token ids
 */
public record ModelSpec(String source, String format, int inputLength, List<LayerSpec> layers, String output,
                        Map<String, Fact> facts, List<String> notes, TextVectorizer textInput) {

    /**
     * One format-specific fact.
     *
     * @param label the text report's label ({@code keras version}), or null for a fact shown only in the JSON report
     * @param text  the text report's value (it may say more than the JSON value); null when label is
     * @param value the JSON value when it is a string; null when it is a list
     * @param list  the JSON value when it is a list of strings; null when it is a string
     */
    public record Fact(String label, String text, String value, List<String> list) {

        public Fact {
            if ((value == null) == (list == null)) {
                throw new IllegalArgumentException("a fact has a string or a list value");
            }
            if ((label == null) != (text == null)) {
                throw new IllegalArgumentException("a fact shown as text has a label and a text");
            }
            list = list == null ? null : List.copyOf(list);
        }

        /** A string fact, shown as {@code label value} in the text report. */
        public static Fact text(String label, String value) {
            return new Fact(label, value, value, null);
        }

        /** A string fact whose text line says more than its JSON value. */
        public static Fact text(String label, String text, String value) {
            return new Fact(label, text, value, null);
        }

        /** A list fact, in the JSON report only. */
        public static Fact list(List<String> values) {
            return new Fact(null, null, null, values);
        }
    }

    /** The {@link #inputLength} of a model that reads sequences of any length. */
    public static final int ANY_LENGTH = -1;

    public ModelSpec {
        Objects.requireNonNull(source, "source");
        if (inputLength < 1 && inputLength != ANY_LENGTH) {
            throw new IllegalArgumentException(source + ": input length " + inputLength);
        }
        Objects.requireNonNull(format, "format");
        Objects.requireNonNull(output, "output");
        layers = List.copyOf(layers);
        facts = Collections.unmodifiableMap(new LinkedHashMap<>(facts));
        notes = List.copyOf(notes);
        Set<String> names = new HashSet<>();
        for (LayerSpec layer : layers) {
            if (!names.add(layer.name())) {
                throw new IllegalArgumentException(source + ": two layers are named '" + layer.name() + "'");
            }
        }
        if (!names.contains(output)) {
            throw new IllegalArgumentException(source + ": the output layer '" + output + "' is not a layer");
        }
    }

    /** A model that reads token ids. */
    public ModelSpec(String source, String format, int inputLength, List<LayerSpec> layers, String output,
                     Map<String, Fact> facts, List<String> notes) {
        this(source, format, inputLength, layers, output, facts, notes, null);
    }

    /** A model without facts or notes. */
    public ModelSpec(String source, String format, int inputLength, List<LayerSpec> layers, String output) {
        this(source, format, inputLength, layers, output, Map.of(), List.of());
    }

    /** Whether the model reads a fixed number of token ids ({@link #inputLength}) rather than any number. */
    public boolean fixedLength() {
        return inputLength != ANY_LENGTH;
    }

    /** The layer with this name. */
    public LayerSpec layer(String name) {
        for (LayerSpec l : layers) {
            if (l.name().equals(name)) {
                return l;
            }
        }
        throw new IllegalArgumentException("no layer named " + name);
    }

    /** The fact with this JSON key, or null. */
    public Fact fact(String key) {
        return facts.get(key);
    }

    /** Total weights, as Keras's {@code model.summary()} counts them. */
    public long parameterCount() {
        long total = 0;
        for (LayerSpec layer : layers) {
            total += layer.parameterCount();
        }
        return total;
    }

    /** The layer names, in order. */
    public List<String> layerNames() {
        List<String> names = new ArrayList<>();
        for (LayerSpec layer : layers) {
            names.add(layer.name());
        }
        return names;
    }
}
