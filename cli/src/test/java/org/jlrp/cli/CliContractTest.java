package org.jlrp.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.jlrp.runtime.SharedFiles;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The CLI contract of ../shared/CLI.md: output fields, exit codes, one-line errors. */
class CliContractTest {

    /** What one run printed and returned. */
    record Run(int code, String out, String err) {
        String[] errLines() {
            return err.isEmpty() ? new String[0] : err.split("\\R");
        }
    }

    static Run run(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = Main.run(args, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        return new Run(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    @Test
    void explainJsonHasTheContractFieldsAndConserves() throws Exception {
        Path model = SharedFiles.require("models/seed_textcnn.h5");
        Path tokens = SharedFiles.require("golden/seed_textcnn.tokens.json");
        Run r = run("explain", "--model", model.toString(), "--tokens", tokens.toString(), "--format", "json",
                "--target", "all");
        assertEquals(0, r.code(), r.err());
        JsonNode doc = new ObjectMapper().readTree(r.out());
        assertEquals(150, doc.get("input_length").asInt());
        assertEquals("epsilon", doc.get("rule").get("name").asText());
        assertEquals(1e-6, doc.get("rule").get("eps").asDouble());
        assertEquals(6 * 4, doc.get("results").size(), "one result per (sequence, class)");
        for (int i = 0; i < doc.get("results").size(); i++) {
            JsonNode result = doc.get("results").get(i);
            assertEquals(i / 4, result.get("sequence").asInt(), "ordered by sequence");
            assertEquals(i % 4, result.get("target").asInt(), "then by class");
            assertEquals(150, result.get("relevance").size());
            assertEquals(4, result.get("logits").size());
            double sum = 0;
            for (JsonNode v : result.get("relevance")) {
                sum += v.asDouble();
            }
            // The JSON has float32 digits: sums agree to float precision.
            double abs = 0;
            for (JsonNode v : result.get("relevance")) {
                abs += Math.abs(v.asDouble());
            }
            assertEquals(sum, result.get("relevance_sum").asDouble(), 1e-6 * Math.max(1, abs));
            assertEquals(result.get("explained_logit").asDouble(),
                    result.get("relevance_sum").asDouble() + result.get("relevance_bias").asDouble(),
                    1e-6 * Math.max(1, Math.abs(result.get("explained_logit").asDouble())));
            assertEquals(result.get("logits").get(result.get("target").asInt()).asDouble(),
                    result.get("explained_logit").asDouble(), 1e-6);
            assertTrue(result.get("words") == null, "no words for token-id input");
            assertTrue(result.get("embedding_relevance") == null, "no [T][D] map unless asked");
        }
    }

    @Test
    void embeddingRelevanceSumsToPerTokenRelevance() throws Exception {
        Path model = SharedFiles.require("models/v0idwalker_textcnn.h5");
        Path tokens = SharedFiles.require("golden/v0idwalker_textcnn.tokens.json");
        Run r = run("explain", "--model", model.toString(), "--tokens", tokens.toString(), "--format", "json",
                "--embedding-relevance");
        assertEquals(0, r.code(), r.err());
        JsonNode result = new ObjectMapper().readTree(r.out()).get("results").get(0);
        JsonNode map = result.get("embedding_relevance");
        assertEquals(result.get("relevance").size(), map.size());
        for (int t = 0; t < map.size(); t++) {
            double sum = 0;
            for (JsonNode v : map.get(t)) {
                sum += v.asDouble();
            }
            assertEquals(result.get("relevance").get(t).asDouble(), sum, 1e-6);
        }
    }

    @Test
    void badInputsExitTwoWithOneLine(@TempDir Path dir) throws Exception {
        Path model = SharedFiles.require("models/seed_textcnn.h5");
        Path outOfRange = Files.writeString(dir.resolve("range.json"), "[[1, 2, 20001]]");
        Path notInteger = Files.writeString(dir.resolve("float.json"), "[[1, 2.5]]");
        Path garbage = Files.writeString(dir.resolve("garbage.h5"), "this is not a model");
        Path truncated = dir.resolve("truncated.h5");
        Files.write(truncated, java.util.Arrays.copyOf(Files.readAllBytes(model), 5000));
        String[][] cases = {
            {"explain", "--model", model.toString(), "--tokens", outOfRange.toString()},
            {"explain", "--model", model.toString(), "--tokens", notInteger.toString()},
            {"explain", "--model", garbage.toString(), "--tokens", outOfRange.toString()},
            {"explain", "--model", truncated.toString(), "--tokens", outOfRange.toString()},
            {"explain", "--model", dir.resolve("missing.h5").toString(), "--tokens", outOfRange.toString()},
            {"explain", "--model", model.toString(), "--tokens", outOfRange.toString(), "--target", "9"},
            {"explain", "--model", model.toString(), "--tokens", outOfRange.toString(), "--eps", "-1"},
            {"explain", "--model", model.toString(), "--tokens", outOfRange.toString(), "--format", "pdf"},
            {"explain", "--model", model.toString(), "--tokens", outOfRange.toString(), "--padding", "middle"},
            {"explain", "--model", model.toString()},
            {"explain", "--nonsense"},
            {"info", "--format", "xml"},
            {"frobnicate"},
        };
        for (String[] args : cases) {
            Run r = run(args);
            String what = String.join(" ", args);
            assertEquals(2, r.code(), what + " → " + r.err());
            assertEquals(1, r.errLines().length, what + " prints one stderr line: " + r.err());
            assertTrue(r.out().isEmpty(), what + " prints nothing on stdout");
        }
        Run range = run(cases[0]);
        assertTrue(range.err().contains("sequence 0, position 149") && range.err().contains("20001"), range.err());
    }

    /** A real .keras model whose architecture, given beside it, has a LayerNormalization in place of its Dropout. */
    @Test
    void unsupportedLayerIsNamed(@TempDir Path dir) throws Exception {
        Path model = SharedFiles.require("pairs/ycw666-phishguard-textvec-bilstm/0623_lstm_model.keras");
        String config;
        try (java.util.zip.ZipFile zip = new java.util.zip.ZipFile(model.toFile())) {
            config = new String(zip.getInputStream(zip.getEntry("config.json")).readAllBytes(),
                    StandardCharsets.UTF_8);
        }
        assertTrue(config.contains("\"class_name\": \"Dropout\""), "the model has a Dropout layer");
        Path architecture = Files.writeString(dir.resolve("architecture.json"),
                config.replace("\"class_name\": \"Dropout\"", "\"class_name\": \"LayerNormalization\""));
        Run r = run("info", "--model", model.toString(), "--architecture", architecture.toString());
        assertEquals(2, r.code(), r.err());
        assertEquals(1, r.errLines().length, r.err());
        assertTrue(r.err().contains("LayerNormalization") && r.err().contains("Conv1D"), r.err());
    }

    @Test
    void infoReportsFormatLayersAndExplainedOutput() throws Exception {
        Path model = SharedFiles.require("models/kim_textcnn.h5");
        Run text = run("info", "--model", model.toString());
        assertEquals(0, text.code(), text.err());
        assertTrue(text.out().contains("2.2.4") && text.out().contains("concatenate_1")
                && text.out().contains("softmax"), text.out());
        Run json = run("info", "--model", model.toString(), "--format", "json");
        JsonNode doc = new ObjectMapper().readTree(json.out());
        assertEquals(150, doc.get("input_length").asInt());
        assertEquals(20001, doc.get("vocabulary").asInt());
        assertEquals("softmax", doc.get("output_activation").asText());
        assertEquals("dense2", doc.get("explained_layer").asText());
        long params = 0;
        for (JsonNode layer : doc.get("layers")) {
            params += layer.get("parameters").asLong();
        }
        assertEquals(doc.get("parameters").asLong(), params);
        // Embedding 20001×50 + three convs (w·50·100 + 100) + Dense 300×4 + 4.
        assertEquals(20001 * 50 + (3 + 4 + 5) * 50 * 100 + 300 + 300 * 4 + 4, params);
    }
}
