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
import java.util.ArrayList;
import java.util.List;
import org.jlrp.kernels.KernelProvider;
import org.jlrp.runtime.SharedFiles;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code jlrp bench}: the JSON parses, has the contract's fields, and its counts agree with each other (not speed). */
class BenchCommandTest {

    private static String[] run(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = Main.run(args, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        return new String[]{Integer.toString(code), out.toString(StandardCharsets.UTF_8),
                err.toString(StandardCharsets.UTF_8)};
    }

    @Test
    void jsonIsConsistent() throws Exception {
        String model = SharedFiles.require("models/seed_textcnn.h5").toString();
        for (String[] shape : new String[][]{{"8", "2"}, {"1", "2"}, {"1", "1"}}) {
            String[] r = run("bench", "--model", model, "--batch", shape[0], "--threads", shape[1], "--seconds",
                    "0.3", "--warmup", "0.1", "--seed", "5", "--format", "json");
            assertEquals("0", r[0], r[2]);
            JsonNode json = new ObjectMapper().readTree(r[1]);
            for (String field : new String[]{"model", "jdk", "simd", "threads", "batch", "input_length", "seconds",
                    "explanations", "explanations_per_second", "latency_ms"}) {
                assertTrue(json.has(field), "missing " + field + " in " + r[1]);
            }
            int batch = Integer.parseInt(shape[0]);
            assertEquals(batch, json.get("batch").asInt());
            assertEquals(Integer.parseInt(shape[1]), json.get("threads").asInt());
            assertEquals(150, json.get("input_length").asInt());
            assertEquals(KernelProvider.get().description(), json.get("simd").asText());
            long calls = json.get("calls").asLong();
            long explanations = json.get("explanations").asLong();
            assertTrue(calls > 0, r[1]);
            assertEquals(calls * batch, explanations, r[1]);
            double seconds = json.get("seconds").asDouble();
            assertTrue(seconds > 0.2 && seconds < 30, r[1]);
            assertEquals(explanations / seconds, json.get("explanations_per_second").asDouble(),
                    0.01 * explanations / seconds + 0.1, r[1]);
            JsonNode latency = json.get("latency_ms");
            double p50 = latency.get("p50").asDouble();
            double p90 = latency.get("p90").asDouble();
            double p99 = latency.get("p99").asDouble();
            double max = latency.get("max").asDouble();
            assertTrue(0 < p50 && p50 <= p90 && p90 <= p99 && p99 <= max, latency.toString());
            // with one thread, the calls fit in the measured time (several callers overlap, so not with two)
            if (shape[1].equals("1")) {
                assertTrue(p50 * calls / 1e3 <= seconds * 1.05, r[1]);
            }
        }
    }

    /**
     * The work measured is the work asked for: the report names it, the plan it ran on, and counts one explanation
     * per explained class (target all: every output of every sequence).
     */
    @Test
    void measuresTheRuleMethodTargetAndInputsAskedFor(@TempDir Path dir) throws Exception {
        String model = SharedFiles.require("models/seed_textcnn.h5").toString();
        Path tokens = dir.resolve("tokens.json");
        Files.writeString(tokens, "[[5, 17, 3], [9, 9, 9, 9]]");
        String[][] cases = {
            {"epsilon", "lrp", "pred", "random", "folded", "1", "--seed", "3"},
            {"epsilon-plus", "lrp", "pred", "random", "folded", "1", "--rule", "epsilon-plus"},
            {"epsilon", "lrp", "all", tokens.toString(), "folded", "4", "--target", "all", "--tokens", tokens.toString()},
            {"epsilon", "lrp", "2", "random", "unfolded", "1", "--target", "2", "--embedding-relevance"},
            {"-", "gradient-input", "pred", "random", "folded", "1", "--method", "gradient-input"},
            {"-", "gradient-input", "pred", "random", "unfolded", "1", "--method", "gradient-input",
                "--embedding-relevance"},
            {"-", "gradient", "pred", "random", "folded", "1", "--method", "gradient"},
            {"-", "deeplift", "pred", "random", "folded", "1", "--method", "deeplift"},
            {"-", "deeplift", "pred", "random", "unfolded", "1", "--method", "deeplift", "--embedding-relevance"},
        };
        ObjectMapper mapper = new ObjectMapper();
        for (String[] c : cases) {
            List<String> args = new ArrayList<>(List.of("bench", "--model", model, "--batch", "4", "--threads", "1",
                    "--seconds", "0.2", "--warmup", "0", "--format", "json"));
            args.addAll(List.of(c).subList(6, c.length));
            String[] r = run(args.toArray(String[]::new));
            assertEquals("0", r[0], r[2]);
            JsonNode json = mapper.readTree(r[1]);
            JsonNode work = json.get("work");
            assertEquals(c[0], work.get("rule").asText(), r[1]);
            assertEquals(c[1], work.get("method").asText(), r[1]);
            assertEquals(c[2], work.get("target").asText(), r[1]);
            assertEquals(c[3], work.get("inputs").asText(), r[1]);
            assertEquals(c[4], work.get("path").asText(), r[1]);
            assertEquals(c[4].equals("folded"), json.get("folded").asBoolean(), r[1]);
            assertEquals(json.get("calls").asLong() * 4 * Integer.parseInt(c[5]), json.get("explanations").asLong(),
                    r[1]);
            assertTrue(json.get("cpu").asText().contains("cores"), r[1]);
            // Conv1D 148 steps × 100 filters × 3 × 50, Dense 2900 × 50 and 50 × 4: 2 FLOP per multiply-add
            assertEquals(2.0 * (148 * 100 * 3 * 50 + 2900 * 50 + 50 * 4) / 1e6, json.get("forward_mflop").asDouble(),
                    1e-3, r[1]);
            assertEquals(c[4].equals("unfolded"), json.has("forward_gflop_per_s"), r[1]);
        }
    }

    @Test
    void realTextsAndThePeak() throws Exception {
        Path pair = SharedFiles.require("pairs/williampoch-hotel-sentiment-cnn/sentiment_model2.h5").getParent();
        Path texts = Files.createTempFile("jlrp-bench", ".txt");
        try {
            Files.writeString(texts, "the room was clean and the staff friendly\nawful noisy room, never again\n");
            String[] r = run("bench", "--model", pair.resolve("sentiment_model2.h5").toString(), "--architecture",
                    pair.resolve("sentiment_model2.json").toString(), "--texts",
                    texts.toString(), "--tokenizer", pair.resolve("tokenizer2.json").toString(), "--batch", "2",
                    "--threads", "1", "--seconds", "0.2", "--warmup", "0", "--peak", "0.2", "--format", "json",
                    "--embedding-relevance");
            assertEquals("0", r[0], r[2]);
            JsonNode json = new ObjectMapper().readTree(r[1]);
            assertEquals(texts.toString(), json.get("work").get("inputs").asText());
            double peak = json.get("peak_gflop_per_s").asDouble();
            double reached = json.get("forward_gflop_per_s").asDouble();
            assertTrue(peak > 0 && reached > 0, r[1]);
            // the report rounds both rates to 0.01 GFLOP/s and the fraction from the unrounded ones
            double tolerance = 0.006 / peak + 0.006 * reached / (peak * peak) + 1e-4;
            assertEquals(reached / peak, json.get("fraction_of_peak").asDouble(), tolerance, r[1]);
        } finally {
            Files.deleteIfExists(texts);
        }
    }

    @Test
    void badInputsAreOneLine(@TempDir Path dir) throws Exception {
        String model = SharedFiles.require("models/seed_textcnn.h5").toString();
        Path outOfRange = dir.resolve("big.json");
        Files.writeString(outOfRange, "[[1, 2, 999999]]");
        String[][] cases = {
            {"--tokens", outOfRange.toString()},
            {"--texts", outOfRange.toString()},
            {"--rule", "nosuchlayer=zplus"},
            {"--method", "gradient", "--rule", "zplus"},
            {"--peak", "-1"},
        };
        for (String[] c : cases) {
            List<String> args = new ArrayList<>(List.of("bench", "--model", model, "--seconds", "0.1", "--warmup", "0"));
            args.addAll(List.of(c));
            String[] r = run(args.toArray(String[]::new));
            assertEquals("2", r[0], String.join(" ", c) + ": " + r[2]);
            assertEquals(1, r[2].strip().lines().count(), r[2]);
        }
    }

    @Test
    void textOutputAndBadOptions() {
        String model = SharedFiles.require("models/seed_textcnn.h5").toString();
        String[] r = run("bench", "--model", model, "--batch", "4", "--threads", "1", "--seconds", "0.2", "--warmup",
                "0");
        assertEquals("0", r[0], r[2]);
        assertTrue(r[1].contains("explanations/s") && r[1].contains("p99"), r[1]);
        String[] bad = run("bench", "--model", model, "--batch", "0");
        assertEquals("2", bad[0]);
        assertEquals(1, bad[2].strip().lines().count(), bad[2]);
        assertTrue(bad[2].contains("--batch"), bad[2]);
    }

    /** --texts takes what explain takes: a plain vocabulary, or no file for a model with its own TextVectorization. */
    @Test
    void textsWithAVocabularyOrTheModelsOwnTextVectorization(@TempDir Path dir) throws Exception {
        Path texts = Files.writeString(dir.resolve("urls.txt"), "Mail.Example.COM/Inbox\nwww.google.com/search\n");
        Path onnx = SharedFiles.require("pairs/ycw666-phishguard-charcnn-onnx");
        Path tv = SharedFiles.require("pairs/ycw666-phishguard-textvec-bilstm/0623_lstm_model.keras");
        String[][] encodings = {
            {"--model", onnx.resolve("cnn_model.onnx").toString(), "--vocab", onnx.resolve("char2idx.json").toString(),
                "--split", "char", "--unknown-id", "0", "--padding", "post"},
            {"--model", tv.toString()}};
        for (String[] encoding : encodings) {
            List<String> args = new ArrayList<>(List.of("bench", "--texts", texts.toString(), "--batch", "2",
                    "--threads", "1", "--seconds", "0.05", "--warmup", "0", "--format", "json"));
            args.addAll(List.of(encoding));
            String[] r = run(args.toArray(String[]::new));
            assertEquals("0", r[0], r[2]);
            assertEquals(texts.toString(), new ObjectMapper().readTree(r[1]).get("work").get("inputs").asText());
        }
        String kim = SharedFiles.require("models/kim_textcnn.h5").toString();
        String[] none = run("bench", "--model", kim, "--texts", texts.toString());
        assertEquals("2", none[0]);
        assertEquals(1, none[2].strip().lines().count(), none[2]);
        assertTrue(none[2].contains("--texts needs --tokenizer FILE") && none[2].contains("--vocab FILE"), none[2]);
        String[] alone = run("bench", "--model", kim, "--vocab", texts.toString());
        assertEquals("2", alone[0]);
        assertTrue(alone[2].contains("apply to --texts only"), alone[2]);
    }
}
