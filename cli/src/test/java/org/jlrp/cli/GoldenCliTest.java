package org.jlrp.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.jlrp.runtime.SharedFiles;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every golden file (Keras and ONNX, CNN and recurrent) through {@code jlrp explain --format json}, compared as the
 * golden checker compares them: the same target and logits, and per-token relevance (runs of equal ids merged)
 * within 1e-4 of the largest reference value. A one-sigmoid model runs with {@code --sigmoid-view unit}, so that the
 * JSON is the unit the golden describes (one logit, target 0), not the two-class view.
 */
class GoldenCliTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    static Stream<Path> goldens() throws IOException {
        Path dir = SharedFiles.require("golden/README.md").getParent();
        List<Path> files = new ArrayList<>();
        for (Path d : List.of(dir, dir.resolve("onnx"))) {
            try (Stream<Path> list = Files.list(d)) {
                list.filter(p -> p.getFileName().toString().contains(".lrp")).sorted().forEach(files::add);
            }
        }
        assertTrue(files.size() >= 40, "golden files: " + files.size());
        return files.stream();
    }

    @ParameterizedTest
    @MethodSource("goldens")
    void matchesTheGoldenThroughTheCli(Path file) throws Exception {
        JsonNode golden = JSON.readTree(file.toFile());
        Path dir = file.getParent();
        String name = file.getFileName().toString();
        String stem = name.substring(0, name.indexOf(".lrp"));
        List<String> args = new ArrayList<>(List.of("explain", "--model",
                dir.resolve(golden.get("model").asText()).normalize().toString(), "--tokens",
                dir.resolve(stem + ".tokens.json").toString(), "--format", "json", "--eps",
                golden.get("eps").asText(), "--target", golden.get("target").asText(), "--sigmoid-view", "unit"));
        if (golden.hasNonNull("architecture")) {
            args.addAll(List.of("--architecture", dir.resolve(golden.get("architecture").asText()).normalize()
                    .toString()));
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = Main.run(args.toArray(String[]::new), new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        assertEquals(0, code, err.toString(StandardCharsets.UTF_8));
        JsonNode results = JSON.readTree(out.toString(StandardCharsets.UTF_8)).get("results");
        JsonNode samples = golden.get("samples");
        assertEquals(samples.size(), results.size(), name);
        double worst = 0;
        for (int n = 0; n < samples.size(); n++) {
            JsonNode want = samples.get(n);
            JsonNode got = results.get(n);
            String where = name + " sequence " + n;
            assertEquals(want.get("target").asInt(), got.get("target").asInt(), where);
            JsonNode wantLogits = want.get("logits");
            assertEquals(wantLogits.size(), got.get("logits").size(), where);
            double scale = 0;
            for (JsonNode v : wantLogits) {
                scale = Math.max(scale, Math.abs(v.asDouble()));
            }
            for (int i = 0; i < wantLogits.size(); i++) {
                double d = Math.abs(got.get("logits").get(i).asDouble() - wantLogits.get(i).asDouble());
                worst = Math.max(worst, d / (scale == 0 ? 1 : scale));
            }
            double[] w = merged(golden.get("tokens").get(n), want.get("relevance_tokens"));
            double[] g = merged(golden.get("tokens").get(n), got.get("relevance"));
            assertEquals(w.length, g.length, where);
            double max = 0;
            for (double v : w) {
                max = Math.max(max, Math.abs(v));
            }
            for (int i = 0; i < w.length; i++) {
                worst = Math.max(worst, Math.abs(w[i] - g[i]) / (max == 0 ? 1 : max));
            }
        }
        assertTrue(worst <= 1e-4, name + ": worst relative error " + worst);
    }

    /** Relevance summed over runs of equal consecutive ids (a max-pool tie may pick another position of a run). */
    private static double[] merged(JsonNode ids, JsonNode relevance) {
        List<Double> out = new ArrayList<>();
        for (int t = 0; t < relevance.size(); t++) {
            if (t > 0 && ids.get(t).asInt() == ids.get(t - 1).asInt()) {
                out.set(out.size() - 1, out.get(out.size() - 1) + relevance.get(t).asDouble());
            } else {
                out.add(relevance.get(t).asDouble());
            }
        }
        return out.stream().mapToDouble(Double::doubleValue).toArray();
    }
}
