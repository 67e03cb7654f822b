package org.jlrp.runtime.internal.onnx;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.jlrp.runtime.SharedFiles;
import org.jlrp.runtime.explain.Composite;
import org.jlrp.runtime.explain.ExplainOptions;
import org.jlrp.runtime.explain.Explainer;
import org.jlrp.runtime.explain.Explanation;
import org.jlrp.runtime.explain.GoldenFiles;
import org.jlrp.runtime.explain.Method;
import org.jlrp.runtime.explain.Target;
import org.jlrp.runtime.internal.model.ModelSpec;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every ONNX file of {@code ../shared/golden/onnx} against its golden (the independent float64 reference; for the
 * PyTorch re-exports of the Keras models, the Keras golden's own numbers): both golden settings, on the default
 * (folded) path and the unfolded one, logits and per-token relevance within 1e-4 relative. The re-exports are also
 * explained beside their Keras twin under every preset, rule kind and method ({@link #twinVariants}): the same
 * logits and relevance.
 */
class OnnxGoldenTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final double TOLERANCE = 1e-4;

    static Stream<Arguments> onnxFiles() throws IOException {
        Path dir = SharedFiles.require("golden/onnx/seed_textcnn.lrp.json").getParent();
        List<Arguments> out = new ArrayList<>();
        try (Stream<Path> files = Files.list(dir)) {
            for (Path golden : files.filter(p -> p.getFileName().toString().endsWith(".lrp.json")).sorted().toList()) {
                String name = golden.getFileName().toString().replace(".lrp.json", "");
                JsonNode root = JSON.readTree(golden.toFile());
                for (JsonNode model : root.get("models")) {
                    out.add(Arguments.of(name, dir.resolve(model.get("path").asText()).normalize(),
                            model.get("opset").asInt(), model.get("producer").asText()));
                }
            }
        }
        assertFalse(out.isEmpty());
        return out.stream();
    }

    @ParameterizedTest(name = "{1}")
    @MethodSource("onnxFiles")
    void matchesGoldenAndKerasTwin(String name, Path model, int opset, String producer) throws IOException {
        Path dir = SharedFiles.require("golden/onnx/" + name + ".lrp.json").getParent();
        Explainer explainer = Explainer.load(model);
        ModelSpec spec = explainer.network().model();
        assertEquals("onnx", spec.format());
        assertEquals(String.valueOf(opset), spec.fact("opset").value());
        assertEquals(producer, spec.fact("producer").value());
        // The Embedding folds into the first Conv1D of the CNNs and into the recurrent layer of the torch_ models.
        assertTrue(explainer.network().foldingPlanned(), name + ": the folded fast path applies");
        double worst = 0;
        for (String file : List.of(name + ".lrp.json", name + ".lrp-target0-eps0.01.json")) {
            JsonNode golden = JSON.readTree(dir.resolve(file).toFile());
            ExplainOptions options = ExplainOptions.DEFAULT.withEps(golden.get("eps").asDouble())
                    .withTarget(Target.parse(golden.get("target").asText()));
            JsonNode samples = golden.get("samples");
            for (int n = 0; n < samples.size(); n++) {
                int[] tokens = ints(golden.get("tokens").get(n));
                JsonNode want = samples.get(n);
                for (boolean unfolded : new boolean[] {false, true}) {
                    String where = model.getFileName() + " " + file + " sequence " + n + (unfolded ? " unfolded" : "");
                    Explanation got = explainer.explain(tokens, options.withEmbeddingRelevance(unfolded)).get(0);
                    assertEquals(want.get("target").asInt(), got.target(), where + ": target");
                    double[] logits = doubles(want.get("logits"));
                    double scale = maxAbs(logits);
                    for (int i = 0; i < logits.length; i++) {
                        double e = Math.abs(logits[i] - got.logits()[i]) / (scale == 0 ? 1 : scale);
                        assertTrue(e <= TOLERANCE, where + ": logit " + i + " off by " + e);
                    }
                    double error = GoldenFiles.relativeError(tokens, doubles(want.get("relevance_tokens")),
                            got.relevance());
                    worst = Math.max(worst, error);
                    assertTrue(error <= TOLERANCE, where + ": per-token relevance off by " + error);
                }
            }
        }
        System.out.printf("%s: worst relative error vs golden %.3g%n", model.getFileName(), worst);

        JsonNode root = JSON.readTree(dir.resolve(name + ".lrp.json").toFile());
        if (root.path("keras_model").isTextual()) {
            Path keras = dir.resolve(root.get("keras_model").asText()).normalize();
            Explainer twin = Explainer.load(keras);
            double twinWorst = 0;
            for (Map.Entry<String, ExplainOptions> variant : twinVariants().entrySet()) {
                String rules = variant.getKey();
                ExplainOptions options = variant.getValue();
                for (JsonNode seq : root.get("tokens")) {
                    int[] tokens = ints(seq);
                    Explanation a = twin.explain(tokens, options).get(0);
                    Explanation b = explainer.explain(tokens, options).get(0);
                    assertEquals(a.target(), b.target(), rules + ": target");
                    double scale = 0;
                    for (float l : a.logits()) {
                        scale = Math.max(scale, Math.abs(l));
                    }
                    for (int i = 0; i < a.logits().length; i++) {
                        assertTrue(Math.abs(a.logits()[i] - b.logits()[i]) <= TOLERANCE * scale, rules + ": logit " + i);
                    }
                    double error = GoldenFiles.relativeError(tokens, a.relevance(), b.relevance());
                    twinWorst = Math.max(twinWorst, error);
                    assertTrue(error <= TOLERANCE, model.getFileName() + " vs " + keras.getFileName() + " under "
                            + rules + ": relevance off by " + error);
                }
            }
            System.out.printf("%s: worst relative error vs Keras twin (%d rule strings and methods) %.3g%n",
                    model.getFileName(), twinVariants().size(), twinWorst);
        }
    }

    /**
     * Every composite preset with and without {@code :ignore-bias}, rule strings that use every rule kind once, and
     * every other method (integrated gradients from both baselines): an ONNX re-export must explain exactly as its
     * Keras file under each.
     */
    static Map<String, ExplainOptions> twinVariants() {
        Map<String, ExplainOptions> out = new LinkedHashMap<>();
        for (String preset : Composite.presets()) {
            out.put(preset, ExplainOptions.DEFAULT.withRules(Composite.parse(preset)));
            out.put(preset + " :ignore-bias", ExplainOptions.DEFAULT.withRules(Composite.parse(preset)
                    .withIgnoreBias(true)));
        }
        for (String rules : List.of("conv1d=flat;dense=wsquare", "first=wsquare;conv1d=alphabeta:1:0;dense=zplus",
                "conv1d=gamma:0.5;dense=epsilon:0.01", "first=zbox;dense=alphabeta:2:1")) {
            out.put(rules, ExplainOptions.DEFAULT.withRules(Composite.parse(rules)));
        }
        for (Method method : Method.values()) {
            if (method != Method.LRP) {
                out.put("method " + method.cliName(), ExplainOptions.DEFAULT.withMethod(method));
            }
        }
        out.put("method integrated-gradients, zero baseline", ExplainOptions.DEFAULT
                .withMethod(Method.INTEGRATED_GRADIENTS).withBaseline(Method.Baseline.ZERO));
        return out;
    }

    static int[] ints(JsonNode array) {
        int[] out = new int[array.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = array.get(i).asInt();
        }
        return out;
    }

    static double[] doubles(JsonNode array) {
        double[] out = new double[array.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = array.get(i).asDouble();
        }
        return out;
    }

    private static double maxAbs(double[] values) {
        double max = 0;
        for (double v : values) {
            max = Math.max(max, Math.abs(v));
        }
        return max;
    }
}
