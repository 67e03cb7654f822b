package org.jlrp.spark;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import org.apache.spark.api.java.function.FlatMapFunction;
import org.jlrp.runtime.explain.Explainer;
import org.jlrp.runtime.explain.Explanation;
import org.jlrp.runtime.render.JsonReport;
import org.jlrp.runtime.text.KerasTokenizer;
import org.jlrp.runtime.text.TextEncoder;
import org.jlrp.runtime.text.UnknownWords;
import scala.Tuple2;

/**
 * The corpus job's work on one partition: JSON input records {@code {"id": …, "tokens": [ids…]}} (or, for text
 * input, {@code {"id": …, "text": "…"}}), each with its 0-based input position, become
 * {@code explain --format json} result objects with the {@code id} first. A record
 * that cannot be explained becomes an error naming its line (or row), so the driver decides, in input order, whether
 * to fail or skip.
 */
final class ExplainLines implements FlatMapFunction<Iterator<Tuple2<String, Long>>, JobRecord> {

    private static final long serialVersionUID = 1L;
    /** Big decimals keep an id such as 12345678901234567890.5 as written, not rounded through a double. */
    private static final ObjectMapper JSON = new ObjectMapper().enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS);

    private final ExplainSettings settings;
    /** How errors name a record: "IN.jsonl line" or "IN.parquet row", followed by the 1-based number. */
    private final String recordLabel;
    /** The field holding the input: "tokens", or for text input the text field. */
    private final String field;

    ExplainLines(ExplainSettings settings, String recordLabel, String field) {
        this.settings = settings;
        this.recordLabel = recordLabel;
        this.field = field;
    }

    /**
     * One parsed input record: its position, the id as JSON text, its token ids (null when unreadable), and for
     * text input the word at each position and the unknown words.
     */
    private record Input(long index, String idJson, int[] tokens, String[] words, UnknownWords unknown,
                         String error) {

        static Input failed(long index, String error) {
            return new Input(index, null, null, null, null, error);
        }
    }

    @Override
    public Iterator<JobRecord> call(Iterator<Tuple2<String, Long>> records) {
        Explainer explainer = settings.explainer();
        TextEncoder encoder = settings.encoder();
        int length = explainer.inputLength(); // -1: any length, sequences kept as given
        return new Batched<>(records, settings.batchSize(), batch -> {
            List<Input> inputs = new ArrayList<>(batch.size());
            List<int[]> tokens = new ArrayList<>(batch.size());
            for (Tuple2<String, Long> record : batch) {
                if (record._1().isBlank()) {
                    continue; // a blank line (e.g. at the end of a hand-edited file) is no record
                }
                Input input = parse(record._1(), record._2(), encoder, length);
                inputs.add(input);
                if (input.tokens() != null) {
                    tokens.add(input.tokens());
                }
            }
            List<ExplainSettings.Outcome> explained = tokens.isEmpty() ? List.of()
                    : settings.explainBatch(explainer, tokens);
            List<JobRecord> out = new ArrayList<>(inputs.size());
            int next = 0;
            for (Input input : inputs) {
                if (input.tokens() == null) {
                    out.add(new JobRecord(input.index(), null, where(input.index()) + input.error()));
                    continue;
                }
                ExplainSettings.Outcome outcome = explained.get(next++);
                if (outcome.error() != null) {
                    out.add(new JobRecord(input.index(), null,
                            where(input.index()) + outcome.error().getMessage()));
                } else {
                    out.add(new JobRecord(input.index(), lines(input, outcome.explanations(), settings.padId()),
                            null));
                }
            }
            return out;
        });
    }

    private String where(long index) {
        return recordLabel + " " + (index + 1) + ": ";
    }

    private Input parse(String line, long index, TextEncoder encoder, int length) {
        JsonNode node;
        try {
            node = JSON.readTree(line);
        } catch (JsonProcessingException e) {
            return Input.failed(index, "not valid JSON (" + e.getOriginalMessage() + ")");
        }
        if (node == null || !node.isObject()) {
            return Input.failed(index, "expected a JSON object {\"id\": ..., \"" + field + "\": "
                    + (encoder == null ? "[...]" : "\"...\"") + "}");
        }
        JsonNode id = node.get("id");
        String idJson = id == null ? "null" : id.toString();
        if (encoder != null) {
            JsonNode text = node.get(field);
            if (text == null || !text.isTextual()) {
                return Input.failed(index, "no \"" + field + "\" string");
            }
            KerasTokenizer.Encoded encoded = encoder.encode(text.asText());
            // Fitted here with the encoder's padding (a TextVectorization layer's own: id 0 at the end), words alike.
            return new Input(index, idJson, encoder.fit(encoded.ids(), length), encoder.fitWords(encoded.words(),
                    length), encoded.unknownWords(), null);
        }
        JsonNode tokens = node.get(field);
        if (tokens == null || !tokens.isArray()) {
            return Input.failed(index, "no \"" + field + "\" array");
        }
        if (tokens.isEmpty()) {
            return Input.failed(index, "\"" + field + "\" is empty");
        }
        int[] ids = new int[tokens.size()];
        for (int i = 0; i < ids.length; i++) {
            JsonNode t = tokens.get(i);
            if (!t.isIntegralNumber() || !t.canConvertToInt()) {
                return Input.failed(index, field + "[" + i + "] = " + t + " is not a token id");
            }
            ids[i] = t.intValue();
        }
        return new Input(index, idJson, ids, null, null, null);
    }

    /** The record's result objects, numbered by input position, each with the record's id as its first field. */
    private static String[] lines(Input input, List<Explanation> explanations, int padId) {
        String[] out = new String[explanations.size()];
        for (int i = 0; i < out.length; i++) {
            Explanation e = explanations.get(i);
            Explanation numbered = new Explanation((int) input.index(), e.target(), e.logits(), e.probabilities(),
                    e.explainedLogit(), e.tokens(), e.relevance(), e.embeddingRelevance(), e.embeddingDim(),
                    e.relevancePadding(), e.relevanceSum(), e.relevanceBias());
            // JsonReport writes the CLI's result object whole; the id goes in front of its first field.
            String result = JsonReport.resultLine(numbered, input.words(), input.unknown(), padId);
            out[i] = "{\"id\":" + input.idJson() + (result.length() > 2 ? "," : "") + result.substring(1);
        }
        return out;
    }
}
