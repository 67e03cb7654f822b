package org.jlrp.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.jlrp.kernels.KernelProvider;
import org.jlrp.runtime.SharedFiles;
import org.junit.jupiter.api.Test;

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
}
