package org.jlrp.runtime.render;

import com.fasterxml.jackson.core.JsonEncoding;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import java.io.IOException;
import java.io.OutputStream;
import java.util.List;
import org.jlrp.runtime.explain.ExplainOptions;
import org.jlrp.runtime.explain.Explanation;
import org.jlrp.runtime.explain.Method;
import org.jlrp.runtime.explain.Composite;

/**
 * The {@code explain --format json} document of the CLI contract: model, input length, rule, and one result per
 * (sequence, class). Streamed, so hundreds of thousands of results need no document tree in memory.
 */
public final class JsonReport {

    private static final JsonFactory FACTORY = new JsonFactory();

    private JsonReport() {
    }

    /**
     * Writes the report.
     *
     * @param words per sequence, the word at each position (null for padding); null when the input was token ids
     */
    public static void write(OutputStream out, String model, int inputLength, ExplainOptions options,
                             List<Explanation> results, List<String[]> words) throws IOException {
        write(out, inputLength, options, new ReportData(model, results, words, null, options.padId()));
    }

    /**
     * Writes the report with the extras of text input: {@code labels} at the top when given, and per result
     * {@code label}, {@code relevance_tokens}, {@code padding_abs_share} and {@code warnings}.
     */
    public static void write(OutputStream out, int inputLength, ExplainOptions options, ReportData data)
            throws IOException {
        String model = data.model();
        List<Explanation> results = data.results();
        try (JsonGenerator g = FACTORY.createGenerator(out, JsonEncoding.UTF8)) {
            g.disable(JsonGenerator.Feature.AUTO_CLOSE_TARGET);
            g.writeStartObject();
            g.writeStringField("model", model);
            g.writeNumberField("input_length", inputLength);
            writeRule(g, options);
            g.writeStringField("method", options.method().cliName());
            if (options.method() == Method.INTEGRATED_GRADIENTS) {
                g.writeNumberField("steps", options.steps());
                g.writeStringField("baseline", options.baseline().cliName());
            }
            if (data.labels() != null) {
                g.writeArrayFieldStart("labels");
                for (String label : data.labels()) {
                    g.writeString(label);
                }
                g.writeEndArray();
            }
            g.writeArrayFieldStart("results");
            for (Explanation e : results) {
                writeResult(g, e, data.wordsOf(e), data);
            }
            g.writeEndArray();
            g.writeEndObject();
            g.writeRaw('\n');
        }
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
     * One result object exactly as {@code jlrp explain --format json} writes it (the Spark job's lines use it), with
     * the diagnostics computed for padding id {@code padId}.
     */
    public static void writeResult(JsonGenerator g, Explanation e, String[] words, int padId) throws IOException {
        writeResult(g, e, words, new ReportData("", List.of(e), null, null, padId));
    }

    private static void writeResult(JsonGenerator g, Explanation e, String[] words, ReportData data)
            throws IOException {
        g.writeStartObject();
        g.writeNumberField("sequence", e.sequence());
        g.writeNumberField("target", e.target());
        writeFloats(g, "logits", e.logits());
        if (e.probabilities() != null) {
            writeFloats(g, "probabilities", e.probabilities());
        } else {
            g.writeNullField("probabilities");
        }
        g.writeNumberField("explained_logit", e.explainedLogit());
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
            g.writeNumber(r);
        }
        g.writeEndArray();
        g.writeNumberField("relevance_padding", e.relevancePadding());
        g.writeNumberField("relevance_bias", e.relevanceBias());
        g.writeNumberField("relevance_sum", e.relevanceSum());
        if (!Double.isNaN(e.baselineLogit())) {
            g.writeNumberField("baseline_logit", e.baselineLogit());
            g.writeNumberField("completeness_error", e.completenessError());
        }
        if (data != null) {
            Diagnostics d = Diagnostics.of(e, data.padId());
            if (data.labels() != null) {
                g.writeStringField("label", data.label(e.target()));
            }
            g.writeNumberField("relevance_tokens", d.tokens());
            g.writeNumberField("padding_abs_share", d.paddingAbsShare());
            String warning = d.warning(data.padId());
            if (warning != null) {
                g.writeArrayFieldStart("warnings");
                g.writeString(warning);
                g.writeEndArray();
            }
        }
        if (e.embeddingRelevance() != null) {
            int dim = e.embeddingDim();
            g.writeArrayFieldStart("embedding_relevance");
            for (int t = 0; t < e.tokens().length; t++) {
                g.writeStartArray();
                for (int d = 0; d < dim; d++) {
                    g.writeNumber(e.embeddingRelevance()[t * dim + d]);
                }
                g.writeEndArray();
            }
            g.writeEndArray();
        }
        g.writeEndObject();
    }

    private static void writeFloats(JsonGenerator g, String field, float[] values) throws IOException {
        g.writeArrayFieldStart(field);
        for (float v : values) {
            g.writeNumber(v);
        }
        g.writeEndArray();
    }
}
