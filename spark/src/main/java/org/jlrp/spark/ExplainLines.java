package org.jlrp.spark;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import org.apache.spark.api.java.function.FlatMapFunction;
import org.jlrp.runtime.explain.Explainer;
import org.jlrp.runtime.explain.Explanation;
import org.jlrp.runtime.render.JsonReport;
import scala.Tuple2;

/**
 * The corpus job's work on one partition: JSON input records {@code {"id": …, "tokens": [ids…]}}, each with its
 * 0-based input position, become {@code explain --format json} result objects with the {@code id} first. A record
 * that cannot be explained becomes an error naming its line (or row), so the driver decides, in input order, whether
 * to fail or skip.
 */
final class ExplainLines implements FlatMapFunction<Iterator<Tuple2<String, Long>>, JobRecord> {

    private static final long serialVersionUID = 1L;
    /** Big decimals keep an id such as 12345678901234567890.5 as written, not rounded through a double. */
    private static final ObjectMapper JSON = new ObjectMapper().enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS);
    private static final JsonFactory FACTORY = new JsonFactory();

    private final ExplainSettings settings;
    /** How errors name a record: "IN.jsonl line" or "IN.parquet row", followed by the 1-based number. */
    private final String recordLabel;

    ExplainLines(ExplainSettings settings, String recordLabel) {
        this.settings = settings;
        this.recordLabel = recordLabel;
    }

    /** One parsed input record: its position, the id as JSON text, and its token ids (null when unreadable). */
    private record Input(long index, String idJson, int[] tokens, String error) {
    }

    @Override
    public Iterator<JobRecord> call(Iterator<Tuple2<String, Long>> records) {
        Explainer explainer = settings.explainer();
        return new Batched<>(records, settings.batchSize(), batch -> {
            List<Input> inputs = new ArrayList<>(batch.size());
            List<int[]> tokens = new ArrayList<>(batch.size());
            for (Tuple2<String, Long> record : batch) {
                if (record._1().isBlank()) {
                    continue; // a blank line (e.g. at the end of a hand-edited file) is no record
                }
                Input input = parse(record._1(), record._2());
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
                    out.add(new JobRecord(input.index(), lines(input, outcome.explanations(), settings.padId()), null));
                }
            }
            return out;
        });
    }

    private String where(long index) {
        return recordLabel + " " + (index + 1) + ": ";
    }

    private static Input parse(String line, long index) {
        JsonNode node;
        try {
            node = JSON.readTree(line);
        } catch (JsonProcessingException e) {
            return new Input(index, null, null, "not valid JSON (" + e.getOriginalMessage() + ")");
        }
        if (node == null || !node.isObject()) {
            return new Input(index, null, null, "expected a JSON object {\"id\": ..., \"tokens\": [...]}");
        }
        JsonNode tokens = node.get("tokens");
        if (tokens == null || !tokens.isArray()) {
            return new Input(index, null, null, "no \"tokens\" array");
        }
        if (tokens.isEmpty()) {
            return new Input(index, null, null, "\"tokens\" is empty");
        }
        int[] ids = new int[tokens.size()];
        for (int i = 0; i < ids.length; i++) {
            JsonNode id = tokens.get(i);
            if (!id.isIntegralNumber() || !id.canConvertToInt()) {
                return new Input(index, null, null, "tokens[" + i + "] = " + id + " is not a token id");
            }
            ids[i] = id.intValue();
        }
        JsonNode id = node.get("id");
        return new Input(index, id == null ? "null" : id.toString(), ids, null);
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
            String result = resultObject(numbered, padId);
            out[i] = "{\"id\":" + input.idJson() + (result.length() > 2 ? "," : "") + result.substring(1);
        }
        return out;
    }

    private static String resultObject(Explanation e, int padId) {
        StringWriter text = new StringWriter();
        try (JsonGenerator g = FACTORY.createGenerator(text)) {
            JsonReport.writeResult(g, e, null, padId);
        } catch (IOException impossible) {
            throw new UncheckedIOException(impossible);
        }
        return text.toString();
    }
}
