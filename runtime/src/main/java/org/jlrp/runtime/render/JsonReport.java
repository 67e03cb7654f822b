package org.jlrp.runtime.render;

import com.fasterxml.jackson.core.JsonGenerator;
import java.io.IOException;
import java.io.Writer;
import java.util.List;
import org.jlrp.runtime.explain.ExplainOptions;
import org.jlrp.runtime.explain.Explanation;
import org.jlrp.runtime.explain.Method;
import org.jlrp.runtime.explain.Composite;
import org.jlrp.runtime.text.UnknownWords;

/**
 * The {@code explain --format json} document of the CLI contract: model, input length, rule, and one result per
 * (sequence, class), on one line. Streamed, so hundreds of thousands of results need no document tree in memory.
 * Real numbers are the shortest decimals of their float32 values.
 */
public final class JsonReport {

    private JsonReport() {
    }

    /**
     * Writes the report, with the extras of the CLI: {@code method}, {@code labels} when given,
     * {@code single_sigmoid} for a one-unit sigmoid model, and per result {@code label}, {@code relevance_tokens},
     * {@code padding_abs_share}, {@code unknown_words} (text input) and {@code warnings}.
     */
    public static void write(Writer out, ReportData data) throws IOException {
        try (JsonGenerator g = Output.json(out)) {
            write(g, data);
        }
    }

    /** {@link #write(Writer, ReportData)} as UTF-8 bytes, the same document. */
    public static void write(java.io.OutputStream out, ReportData data) throws IOException {
        try (JsonGenerator g = Output.json(out)) {
            write(g, data);
        }
    }

    /** The document into {@code g}: the writers above, and tests that wrap the generator. */
    static void write(JsonGenerator g, ReportData data) throws IOException {
        ExplainOptions options = data.options();
        g.writeStartObject();
        g.writeStringField("model", data.model());
        g.writeNumberField("input_length", data.inputLength());
        writeRule(g, options);
        g.writeStringField("method", options.method().cliName());
        Method method = options.method();
        if (method == Method.INTEGRATED_GRADIENTS) {
            g.writeNumberField("steps", options.steps());
        }
        if (method == Method.INTEGRATED_GRADIENTS || method == Method.DEEPLIFT) {
            g.writeStringField("baseline", options.baseline().cliName());
        }
        if (method == Method.SHAPLEY || method == Method.SMOOTHGRAD) {
            g.writeNumberField("samples", options.samples());
            g.writeNumberField("seed", options.seed());
        }
        if (method == Method.SMOOTHGRAD) {
            g.writeNumberField("noise_level", options.noiseLevel());
        }
        if (data.singleSigmoid()) {
            g.writeBooleanField("single_sigmoid", true);
        }
        List<String> names = data.classNames();
        if (names != null) {
            g.writeArrayFieldStart("labels");
            for (String label : names) {
                g.writeString(label);
            }
            g.writeEndArray();
        }
        g.writeArrayFieldStart("results");
        Output.Numbers numbers = new Output.Numbers();
        for (Explanation e : data.results()) {
            writeResult(g, numbers, e, data.wordsOf(e), data.unknownWordsOf(e), data);
        }
        g.writeEndArray();
        g.writeEndObject();
        g.writeRaw('\n');
    }

    /**
     * The {@code rule} object: {@code name} (the preset name, else the rule string), {@code spec} (the canonical
     * rule string, :ignore-bias applied), the default {@code eps}, and {@code ignore_bias}. Null for the methods
     * other than LRP, to which no rule applies.
     */
    private static void writeRule(JsonGenerator g, ExplainOptions options) throws IOException {
        if (options.method() != Method.LRP) {
            g.writeNullField("rule");
            return;
        }
        Composite rules = options.rules();
        g.writeObjectFieldStart("rule");
        g.writeStringField("name", rules.presetName() != null ? rules.presetName() : rules.spec());
        g.writeStringField("spec", rules.spec());
        g.writeNumberField("eps", rules.defaultEps());
        g.writeBooleanField("ignore_bias", rules.ignoresBias());
        g.writeEndObject();
    }

    /**
     * One result object exactly as {@code jlrp explain --format json} writes it for token-id input (the Spark job's
     * lines use it), with the diagnostics computed for padding id {@code padId}.
     */
    static void writeResult(JsonGenerator g, Explanation e, String[] words, int padId) throws IOException {
        writeResult(g, e, words, null, padId);
    }

    /**
     * One LRP result object as {@code jlrp explain --format json} writes it, with the words and unknown words of
     * text input (either may be null).
     */
    static void writeResult(JsonGenerator g, Explanation e, String[] words, UnknownWords unknown, int padId)
            throws IOException {
        writeResult(g, new Output.Numbers(), e, words, unknown, new ReportData("", List.of(e), null, null, padId));
    }

    /**
     * {@link #writeResult(JsonGenerator, Explanation, String[], UnknownWords, int)} as one line of text, without the
     * line break: the Spark job's output lines.
     */
    public static String resultLine(Explanation e, String[] words, UnknownWords unknown, int padId) {
        java.io.StringWriter text = new java.io.StringWriter();
        try (JsonGenerator g = Output.json(text)) {
            writeResult(g, e, words, unknown, padId);
        } catch (IOException impossible) {
            throw new java.io.UncheckedIOException(impossible);
        }
        return text.toString();
    }

    private static void writeResult(JsonGenerator g, Output.Numbers numbers, Explanation e, String[] words,
                                    UnknownWords unknown, ReportData data) throws IOException {
        g.writeStartObject();
        g.writeNumberField("sequence", e.sequence());
        g.writeNumberField("target", e.target());
        writeFloats(g, numbers, "logits", e.logits());
        if (e.probabilities() != null) {
            writeFloats(g, numbers, "probabilities", e.probabilities());
        } else {
            g.writeNullField("probabilities");
        }
        numbers.numberField(g, "explained_logit", e.explainedLogit());
        g.writeArrayFieldStart("tokens");
        for (int t : e.tokens()) {
            g.writeNumber(t);
        }
        g.writeEndArray();
        if (words != null) {
            g.writeArrayFieldStart("words");
            for (String w : words) {
                if (w == null) {
                    g.writeNull();
                } else {
                    g.writeString(w);
                }
            }
            g.writeEndArray();
        }
        g.writeArrayFieldStart("relevance");
        for (double r : e.relevance()) {
            numbers.number(g, r);
        }
        g.writeEndArray();
        numbers.numberField(g, "relevance_padding", e.relevancePadding());
        numbers.numberField(g, "relevance_bias", e.relevanceBias());
        numbers.numberField(g, "relevance_sum", e.relevanceSum());
        if (!Double.isNaN(e.baselineLogit())) {
            numbers.numberField(g, "baseline_logit", e.baselineLogit());
            numbers.numberField(g, "completeness_error", e.completenessError());
        }
        Diagnostics d = data.diagnostics(e);
        if (data.labels() != null) {
            g.writeStringField("label", data.label(e.target()));
        }
        numbers.numberField(g, "relevance_tokens", d.tokens());
        numbers.numberField(g, "padding_abs_share", d.paddingAbsShare());
        if (unknown != null) {
            g.writeObjectFieldStart("unknown_words");
            g.writeNumberField("count", unknown.count());
            writeStrings(g, "dropped", unknown.dropped());
            writeStrings(g, "oov", unknown.oov());
            g.writeEndObject();
        }
        List<String> warnings = new java.util.ArrayList<>(2);
        if (d.warning(data.padId()) != null) {
            warnings.add(d.warning(data.padId()));
        }
        if (unknown != null && unknown.warning() != null) {
            warnings.add(unknown.warning());
        }
        if (!warnings.isEmpty()) {
            writeStrings(g, "warnings", warnings);
        }
        if (e.embeddingRelevance() != null) {
            int dim = e.embeddingDim();
            g.writeArrayFieldStart("embedding_relevance");
            for (int t = 0; t < e.tokens().length; t++) {
                g.writeStartArray();
                for (int k = 0; k < dim; k++) {
                    numbers.number(g, e.embeddingRelevance()[t * dim + k]);
                }
                g.writeEndArray();
            }
            g.writeEndArray();
        }
        g.writeEndObject();
    }

    private static void writeStrings(JsonGenerator g, String field, List<String> values) throws IOException {
        g.writeArrayFieldStart(field);
        for (String v : values) {
            g.writeString(v);
        }
        g.writeEndArray();
    }

    private static void writeFloats(JsonGenerator g, Output.Numbers numbers, String field, float[] values)
            throws IOException {
        g.writeArrayFieldStart(field);
        for (float v : values) {
            numbers.number(g, v);
        }
        g.writeEndArray();
    }
}
