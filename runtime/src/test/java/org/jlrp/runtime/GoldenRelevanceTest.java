package org.jlrp.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.jlrp.runtime.explain.ExplainOptions;
import org.jlrp.runtime.explain.Explainer;
import org.jlrp.runtime.explain.Explanation;
import org.jlrp.runtime.explain.Target;
import org.jlrp.runtime.graph.Network;
import org.jlrp.runtime.internal.model.Activation;
import org.jlrp.runtime.internal.model.ModelSpec;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every model of {@code ../shared/golden} against the independent float64 reference: what the loader reports about
 * the file (format, Keras version, backend, Theano-flipped layers, stripped activation, input length, vocabulary),
 * the forward pass (the pairs' own numpy outputs within 1e-5), and ε-LRP for both golden settings (ε = 1e-6 on the
 * predicted class, ε = 0.01 on class 0): the same target, logits within 1e-4 relative to the largest logit, the
 * explained logit and relevance sum within 1e-4 relative, and per-token relevance (and, where stored, the
 * {@code [T][D]} map at the Embedding output) within 1e-4 relative to its largest magnitude after merging runs of equal
 * consecutive token ids, exactly as {@code ../shared/tools/check_golden.py} does (max-pooling ties between identical
 * tokens may route relevance to another position of the run).
 */
class GoldenRelevanceTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final double TOLERANCE = 1e-4;

    static Stream<Arguments> goldenFiles() throws IOException {
        Path golden = SharedFiles.require("golden/README.md").getParent();
        List<Arguments> out = new ArrayList<>();
        try (Stream<Path> files = Files.list(golden)) {
            for (Path tokens : files.filter(p -> p.getFileName().toString().endsWith(".tokens.json")).sorted()
                    .toList()) {
                String name = tokens.getFileName().toString().replace(".tokens.json", "");
                out.add(Arguments.of(name, name + ".lrp.json"));
                out.add(Arguments.of(name, name + ".lrp-target0-eps0.01.json"));
            }
        }
        assertFalse(out.isEmpty(), "no golden files in " + golden);
        return out.stream();
    }

    @ParameterizedTest(name = "{1}")
    @MethodSource("goldenFiles")
    void matchesTheFloat64Reference(String name, String goldenFile) throws IOException {
        Path golden = SharedFiles.require("golden/" + goldenFile);
        JsonNode tokensFile = JSON.readTree(golden.resolveSibling(name + ".tokens.json").toFile());
        JsonNode reference = JSON.readTree(golden.toFile());

        Path model = golden.resolveSibling(reference.get("model").asText()).normalize();
        Path architecture = reference.path("architecture").isTextual()
                ? golden.resolveSibling(reference.get("architecture").asText()).normalize() : null;
        if (SharedFiles.isRecurrentGolden(name)) {
            SharedFiles.assertRecurrentRefusal(name, () -> Explainer.load(model, architecture));
            return;
        }
        Explainer explainer = Explainer.load(model, architecture);
        checkModelFacts(explainer.network(), tokensFile);

        ExplainOptions options = ExplainOptions.DEFAULT
                .withEps(reference.get("eps").asDouble())
                .withTarget(Target.parse(reference.get("target").asText()))
                .withEmbeddingRelevance(true);
        JsonNode sequences = reference.get("tokens");
        JsonNode samples = reference.get("samples");
        assertEquals(sequences.size(), samples.size(), "samples per sequence");
        int dim = explainer.network().embeddingDim();
        for (int n = 0; n < samples.size(); n++) {
            int[] tokens = ints(sequences.get(n));
            JsonNode want = samples.get(n);
            Explanation got = explainer.explain(tokens, options).get(0);
            String where = goldenFile + " sequence " + n + " (" + tokensFile.path("kinds").path(n).asText() + ")";

            assertEquals(want.get("target").asInt(), got.target(), where + ": target");
            double[] logits = doubles(want.get("logits"));
            double logitScale = maxAbs(logits);
            assertEquals(logits.length, got.logits().length, where + ": number of logits");
            for (int i = 0; i < logits.length; i++) {
                assertWithin(logits[i], got.logits()[i], logitScale, where + ": logit " + i);
            }
            assertWithin(want.get("explained_logit").asDouble(), got.explainedLogit(), logitScale,
                    where + ": explained logit");

            double[] relevance = doubles(want.get("relevance_tokens"));
            double relevanceScale = maxAbs(relevance);
            assertWithin(want.get("relevance_sum").asDouble(), got.relevanceSum(), relevanceScale,
                    where + ": relevance sum");
            double[] mergedWant = mergeRuns(tokens, relevance, 1);
            double[] mergedGot = mergeRuns(tokens, got.relevance(), 1);
            assertEquals(mergedWant.length, mergedGot.length);
            for (int i = 0; i < mergedWant.length; i++) {
                assertWithin(mergedWant[i], mergedGot[i], relevanceScale, where + ": relevance of token run " + i);
            }
            if (want.has("relevance_embedding")) {
                double[] map = new double[tokens.length * dim];
                for (int t = 0; t < tokens.length; t++) {
                    for (int d = 0; d < dim; d++) {
                        map[t * dim + d] = want.get("relevance_embedding").get(t).get(d).asDouble();
                    }
                }
                double[] gotMap = new double[map.length];
                for (int i = 0; i < map.length; i++) {
                    gotMap[i] = got.embeddingRelevance()[i];
                }
                double mapScale = maxAbs(map);
                double[] a = mergeRuns(tokens, map, dim);
                double[] b = mergeRuns(tokens, gotMap, dim);
                for (int i = 0; i < a.length; i++) {
                    assertWithin(a[i], b[i], mapScale, where + ": embedding relevance, run " + i / dim + " dim "
                            + i % dim);
                }
            }
            JsonNode expectedOutput = tokensFile.path("expected_output").path(n);
            if (expectedOutput.isArray()) {
                assertNotNull(got.probabilities(), where + ": probabilities");
                for (int i = 0; i < expectedOutput.size(); i++) {
                    assertEquals(expectedOutput.get(i).asDouble(), got.probabilities()[i], 1e-5,
                            where + ": the pair's numpy output " + i);
                }
            }
        }
    }

    /** What the loader reports equals what the reference states about the file. */
    private static void checkModelFacts(Network network, JsonNode reference) {
        ModelSpec model = network.model();
        assertEquals(reference.get("format").asText(), model.format(), "format");
        assertEquals(reference.get("keras_version").asText(), model.fact("keras_version").value(), "keras_version");
        String backend = reference.path("backend").isTextual() ? reference.get("backend").asText() : "unknown";
        assertEquals(backend, model.fact("backend").value(), "backend");
        List<String> flipped = new ArrayList<>();
        reference.get("theano_flipped").forEach(n -> flipped.add(n.asText()));
        assertEquals(flipped, model.fact("theano_flipped").list(), "theano_flipped");
        String activation = reference.path("output_activation").isTextual()
                ? reference.get("output_activation").asText() : null;
        Activation stripped = network.strippedActivation();
        assertEquals(activation, stripped == Activation.LINEAR ? null : stripped.displayName(), "output_activation");
        assertEquals(reference.get("seq_len").asInt(), network.inputLength(), "seq_len");
        assertEquals(reference.get("vocab").asInt(), network.vocabularySize(), "vocab");
    }

    /** Sums each run of equal consecutive token ids (per embedding dimension when {@code width} > 1). */
    static double[] mergeRuns(int[] tokens, double[] values, int width) {
        List<double[]> runs = new ArrayList<>();
        for (int t = 0; t < tokens.length; t++) {
            if (t == 0 || tokens[t] != tokens[t - 1]) {
                runs.add(new double[width]);
            }
            double[] run = runs.get(runs.size() - 1);
            for (int d = 0; d < width; d++) {
                run[d] += values[t * width + d];
            }
        }
        double[] out = new double[runs.size() * width];
        for (int r = 0; r < runs.size(); r++) {
            System.arraycopy(runs.get(r), 0, out, r * width, width);
        }
        return out;
    }

    private static void assertWithin(double want, double got, double scale, String what) {
        double error = Math.abs(want - got) / (scale == 0 ? 1 : scale);
        assertTrue(error <= TOLERANCE, what + ": expected " + want + ", got " + got + " (relative error " + error
                + ")");
    }

    private static double maxAbs(double[] values) {
        double max = 0;
        for (double v : values) {
            max = Math.max(max, Math.abs(v));
        }
        return max;
    }

    static int[] ints(JsonNode array) {
        int[] out = new int[array.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = array.get(i).asInt();
        }
        return out;
    }

    private static double[] doubles(JsonNode array) {
        double[] out = new double[array.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = array.get(i).asDouble();
        }
        return out;
    }
}
