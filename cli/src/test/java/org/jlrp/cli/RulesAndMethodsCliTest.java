package org.jlrp.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.jlrp.runtime.SharedFiles;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code --rule}, {@code --method} and {@code info --rule} through {@link Main#run}. */
class RulesAndMethodsCliTest {

    private record Run(int code, String out, String err) {
    }

    private static Run run(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = Main.run(args, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        return new Run(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    private static String model() {
        return SharedFiles.require("models/kim_textcnn.h5").toString();
    }

    @TempDir
    static Path temp;

    /** Two short sequences (padded to 150 with id 0): small enough that occlusion and IG stay quick. */
    private static String tokens() {
        Path file = temp.resolve("tokens.json");
        try {
            if (!Files.exists(file)) {
                Files.writeString(file, "[[12, 7, 345, 99, 1000, 4], [17541, 1122, 7142]]");
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return file.toString();
    }

    @Test
    void ruleObjectDescribesTheComposite() throws Exception {
        Run r = run("explain", "--model", model(), "--tokens", tokens(), "--rule", "epsilon-gamma-box",
                "--ignore-bias", "--format", "json");
        assertEquals(0, r.code(), r.err());
        JsonNode json = new ObjectMapper().readTree(r.out());
        assertEquals("epsilon-gamma-box", json.path("rule").path("name").asText());
        assertEquals("first=zbox:ignore-bias;conv1d=gamma:0.25:ignore-bias;dense=epsilon:1.0E-6:ignore-bias",
                json.path("rule").path("spec").asText());
        assertTrue(json.path("rule").path("ignore_bias").asBoolean());
        assertEquals("lrp", json.path("method").asText());
        // every rule here conserves once biases are left out
        for (JsonNode result : json.path("results")) {
            double logit = result.path("explained_logit").asDouble();
            assertEquals(logit, result.path("relevance_sum").asDouble(), 1e-3 * Math.abs(logit) + 1e-5);
        }
    }

    @Test
    void defaultRuleObjectNamesTheEpsilonPreset() throws Exception {
        Run r = run("explain", "--model", model(), "--tokens", tokens(), "--format", "json");
        JsonNode rule = new ObjectMapper().readTree(r.out()).path("rule");
        assertEquals("epsilon", rule.path("name").asText());
        assertEquals("conv1d=epsilon:1.0E-6;dense=epsilon:1.0E-6", rule.path("spec").asText());
        assertEquals(1e-6, rule.path("eps").asDouble());
        assertFalse(rule.path("ignore_bias").asBoolean());
    }

    @Test
    void badRulesExitTwoWithOneLine() {
        for (String spec : new String[]{"conv1d=zpuls", "nosuchlayer=zplus", "gamma", "alphabeta:3:1",
                "dense=zbox", "dense=flat;dense=zplus"}) {
            Run r = run("explain", "--model", model(), "--tokens", tokens(), "--rule", spec);
            assertEquals(2, r.code(), spec + ": " + r.err());
            assertEquals(1, r.err().strip().lines().count(), r.err());
            assertTrue(r.err().startsWith("jlrp: rule "), r.err());
        }
    }

    @Test
    void infoListsEachLayersRule() throws Exception {
        Run text = run("info", "--model", model(), "--rule", "conv1d_2=flat;first=zbox;dense=alphabeta:2:1");
        assertEquals(0, text.code(), text.err());
        assertTrue(text.out().lines().anyMatch(l -> l.startsWith("conv1d_1 ") && l.endsWith(" zbox")), text.out());
        assertTrue(text.out().lines().anyMatch(l -> l.startsWith("conv1d_2 ") && l.endsWith(" flat")), text.out());
        assertTrue(text.out().lines().anyMatch(l -> l.startsWith("dense2 ") && l.endsWith(" alphabeta:2:1")));
        Run json = run("info", "--model", model(), "--rule", "lrp0", "--format", "json");
        JsonNode layers = new ObjectMapper().readTree(json.out()).path("layers");
        for (JsonNode layer : layers) {
            String cls = layer.path("class").asText();
            String expected = cls.equals("Conv1D") || cls.equals("Dense") ? "epsilon:0" : null;
            assertEquals(expected, layer.path("rule").isNull() ? null : layer.path("rule").asText(),
                    layer.path("name").asText());
        }
    }

    @Test
    void methodsShareTheJsonReport() throws Exception {
        Run ig = run("explain", "--model", model(), "--tokens", tokens(), "--method", "integrated-gradients",
                "--steps", "20", "--baseline", "zero", "--format", "json");
        assertEquals(0, ig.code(), ig.err());
        JsonNode json = new ObjectMapper().readTree(ig.out());
        assertEquals("integrated-gradients", json.path("method").asText());
        assertEquals(20, json.path("steps").asInt());
        assertTrue(json.path("rule").isNull());
        JsonNode first = json.path("results").get(0);
        assertTrue(first.path("completeness_error").isNumber());
        assertEquals(first.path("relevance_sum").asDouble() - first.path("explained_logit").asDouble()
                + first.path("baseline_logit").asDouble(), first.path("completeness_error").asDouble(), 1e-6);
        for (String method : new String[]{"gradient", "gradient-input", "occlusion"}) {
            Run r = run("explain", "--model", model(), "--tokens", tokens(), "--method", method);
            assertEquals(0, r.code(), method + ": " + r.err());
        }
        Run mixed = run("explain", "--model", model(), "--tokens", tokens(), "--method", "gradient", "--rule", "lrp0");
        assertEquals(2, mixed.code());
        Run unknown = run("explain", "--model", model(), "--tokens", tokens(), "--method", "saliency");
        assertEquals(2, unknown.code());
        assertTrue(unknown.err().contains("--method must be one of"), unknown.err());
    }

    /**
     * DeepLIFT and Shapley sampling report their baseline logit and completeness error (summation-to-delta,
     * efficiency); the JSON names their options; the options of other methods exit 2 with one line.
     */
    @Test
    void newMethodsReportTheirOptionsAndRefuseOthersInOneLine() throws Exception {
        ObjectMapper mapper = new ObjectMapper();
        Run deeplift = run("explain", "--model", model(), "--tokens", tokens(), "--method", "deeplift",
                "--baseline", "zero", "--target", "all", "--format", "json");
        assertEquals(0, deeplift.code(), deeplift.err());
        JsonNode d = mapper.readTree(deeplift.out());
        assertEquals("zero", d.path("baseline").asText());
        for (JsonNode result : d.path("results")) {
            double scale = Math.abs(result.path("explained_logit").asDouble())
                    + Math.abs(result.path("baseline_logit").asDouble());
            assertEquals(0, result.path("completeness_error").asDouble(), 1e-4 * scale, result.toString());
        }
        Run shapley = run("explain", "--model", model(), "--tokens", tokens(), "--method", "shapley",
                "--samples", "3", "--seed", "5", "--format", "json");
        assertEquals(0, shapley.code(), shapley.err());
        JsonNode s = mapper.readTree(shapley.out());
        assertEquals(3, s.path("samples").asInt());
        assertEquals(5, s.path("seed").asInt());
        assertEquals(0, s.path("results").get(0).path("completeness_error").asDouble(), 1e-9);
        Run again = run("explain", "--model", model(), "--tokens", tokens(), "--method", "shapley",
                "--samples", "3", "--seed", "5", "--format", "json");
        assertEquals(shapley.out(), again.out(), "the same seed gives the same report");
        Run smooth = run("explain", "--model", model(), "--tokens", tokens(), "--method", "smoothgrad",
                "--samples", "2", "--noise-level", "0.1", "--format", "json");
        assertEquals(0, smooth.code(), smooth.err());
        assertEquals(0.1, mapper.readTree(smooth.out()).path("noise_level").asDouble());
        for (String method : new String[]{"guided-backprop", "deconvnet"}) {
            Run r = run("explain", "--model", model(), "--tokens", tokens(), "--method", method);
            assertEquals(0, r.code(), method + ": " + r.err());
        }
        for (String[] bad : new String[][]{{"--method", "lrp", "--samples", "3"},
                {"--method", "deeplift", "--seed", "1"},
                {"--method", "shapley", "--noise-level", "0.1"}, {"--method", "shapley", "--baseline", "zero"},
                {"--method", "shapley", "--samples", "0"}, {"--method", "smoothgrad", "--noise-level", "-1"},
                {"--method", "deeplift", "--steps", "5"}}) {
            String[] full = new String[5 + bad.length];
            full[0] = "explain";
            full[1] = "--model";
            full[2] = model();
            full[3] = "--tokens";
            full[4] = tokens();
            System.arraycopy(bad, 0, full, 5, bad.length);
            Run r = run(full);
            assertEquals(2, r.code(), String.join(" ", bad) + ": " + r.err());
            assertEquals(1, r.err().strip().split("\n").length, r.err());
        }
    }

    @Test
    void evaluateWritesCurvesForEachMethod() throws Exception {
        Run r = run("evaluate", "--model", model(), "--tokens", tokens(), "--steps", "2", "--methods",
                "lrp:epsilon-plus,gradient,random", "--format", "json");
        assertEquals(0, r.code(), r.err());
        JsonNode json = new ObjectMapper().readTree(r.out());
        assertEquals(2, json.path("texts").asInt());
        assertEquals(3, json.path("methods").size());
        assertEquals("lrp epsilon-plus", json.path("methods").get(0).path("name").asText());
        assertEquals(3, json.path("methods").get(0).path("mean_logit_drop").size());
        Run html = run("evaluate", "--model", model(), "--tokens", tokens(), "--steps", "2", "--methods", "lrp,random",
                "--format", "html");
        assertTrue(html.out().contains("<svg") && html.out().contains("polyline"), html.out());
        Run bad = run("evaluate", "--model", model(), "--tokens", tokens(), "--methods", "lrp:bogus");
        assertEquals(2, bad.code());
    }
}
