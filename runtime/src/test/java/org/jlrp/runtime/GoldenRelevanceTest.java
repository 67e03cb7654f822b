package org.jlrp.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.jlrp.runtime.explain.ExplainOptions;
import org.jlrp.runtime.explain.Explainer;
import org.jlrp.runtime.explain.Explanation;
import org.jlrp.runtime.explain.GoldenFiles;
import org.jlrp.runtime.explain.Target;
import org.jlrp.runtime.internal.graph.Network;
import org.junit.jupiter.api.Test;
import org.jlrp.runtime.internal.model.Activation;
import org.jlrp.runtime.internal.model.Conv1DSpec;
import org.jlrp.runtime.internal.model.ModelSpec;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every model of {@code ../shared/golden} against the independent float64 reference: what the loader reports about
 * the file (format, Keras version, backend, Theano-flipped layers, stripped activation, input length, vocabulary),
 * the forward pass (the pairs' own numpy outputs within 1e-5), and ε-LRP for both golden settings (ε = 1e-6 on the
 * predicted class, ε = 0.01 on class 0), each sequence on two paths of the explainer that
 * {@link Explainer#load(Path, Path)} plans with default options:
 * <ul>
 *   <li>the default path: no {@code [T][D]} map requested, so the Embedding is folded into the first Conv1D layers
 *       (and their MaxPooling1D fused) wherever the plan folds, which {@link #FOLDED} pins per model;</li>
 *   <li>the unfolded path, which requesting the {@code [T][D]} map forces; the map is checked too.</li>
 * </ul>
 * Each path: the same target, logits within 1e-4 relative to the largest logit, the explained logit and relevance sum
 * within 1e-4 relative, and per-token relevance within 1e-4 relative to its largest magnitude after merging runs of
 * equal consecutive token ids ({@link GoldenFiles#relativeError}, exactly as {@code ../shared/tools/check_golden.py}
 * does: max-pooling ties between identical tokens may route relevance to another position of the run).
 */
class GoldenRelevanceTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final double TOLERANCE = 1e-4;

    /**
     * The golden models whose Embedding output only Conv1D layers read (through Dropout at most), which the default
     * plan therefore folds: model name → the folded Conv1D layers and the pools fused into them, in graph order, read
     * off each model's architecture. (No pool is fused where a Conv1D is the explained output or feeds Flatten.)
     */
    static final Map<String, Folding> FOLDED = Map.of(
            "darshbir19_movie_cnn", new Folding(List.of("conv1d"), List.of("global_max_pooling1d")),
            "dl4j_embedding_conv1d_flatten_tensorflow_1", new Folding(List.of("convolution1d_1"), List.of()),
            "dl4j_embedding_conv1d_tensorflow_2", new Folding(List.of("conv1d_1"), List.of()),
            "dl4j_embedding_conv1d_theano_1", new Folding(List.of("convolution1d_1"), List.of()),
            "kim_textcnn", new Folding(List.of("conv1d_1", "conv1d_2", "conv1d_3"),
                    List.of("global_max_pooling1d_1", "global_max_pooling1d_2", "global_max_pooling1d_3")),
            "rithika204-phishing-url-charcnn", new Folding(List.of("conv1d"), List.of("global_max_pooling1d")),
            "seed_textcnn", new Folding(List.of("conv1d_1"), List.of("max_pooling1d_1")),
            "swswy-isear-emotion-cnn", new Folding(List.of("conv1d", "conv1d_3", "conv1d_6"),
                    List.of("max_pooling1d", "max_pooling1d_3", "max_pooling1d_6")),
            "v0idwalker_textcnn", new Folding(List.of("conv1d_1"), List.of("global_max_pooling1d_1")),
            "williampoch-hotel-sentiment-cnn", new Folding(List.of("conv1d_1"), List.of("global_max_pooling1d_1")));

    /** The Conv1D layers the Embedding is folded into, and the MaxPooling1D layers computed in the same pass. */
    record Folding(List<String> conv1d, List<String> fusedPools) {
    }

    static Stream<Arguments> goldenFiles() throws IOException {
        List<Arguments> out = new ArrayList<>();
        for (String name : goldenNames()) {
            out.add(Arguments.of(name, name + ".lrp.json"));
            out.add(Arguments.of(name, name + ".lrp-target0-eps0.01.json"));
        }
        return out.stream();
    }

    private static List<String> goldenNames() throws IOException {
        Path golden = SharedFiles.require("golden/README.md").getParent();
        try (Stream<Path> files = Files.list(golden)) {
            List<String> names = files.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".tokens.json"))
                    .map(n -> n.replace(".tokens.json", "")).sorted().toList();
            assertFalse(names.isEmpty(), "no golden files in " + golden);
            return names;
        }
    }

    /**
     * Each golden model is either recurrent (explained unfolded, or refused: {@link SharedFiles#REFUSED_GOLDENS}) or
     * has its folding written down in {@link #FOLDED}.
     */
    @Test
    void everyGoldenModelIsClassified() throws IOException {
        for (String name : goldenNames()) {
            assertTrue(SharedFiles.isRecurrentGolden(name) != FOLDED.containsKey(name),
                    name + ": a new golden model; state in FOLDED how the default plan folds it");
        }
        assertTrue(SharedFiles.RECURRENT_GOLDENS.containsAll(SharedFiles.REFUSED_GOLDENS));
        assertEquals(FOLDED.size() + SharedFiles.RECURRENT_GOLDENS.size(), goldenNames().size());
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
        if (SharedFiles.isRefusedGolden(name)) {
            SharedFiles.assertRecurrentRefusal(name, () -> Explainer.load(model, architecture));
            return;
        }
        Explainer explainer = Explainer.load(model, architecture); // the default plan
        int seqLen = tokensFile.get("seq_len").asInt();
        if (!explainer.fixedLength()) {
            assertEquals(-1, explainer.inputLength(), name + ": a model of any length");
        }
        checkModelFacts(explainer.network(seqLen), tokensFile);
        if (SharedFiles.isRecurrentGolden(name)) {
            // Each golden recurrent model reads its Embedding with its recurrent layer alone: the input product folds.
            assertTrue(explainer.network(seqLen).foldingPlanned(), name + ": a recurrent model folds");
        } else {
            checkFolding(name, explainer.network());
        }

        // The default path: folded (and fused) wherever the plan folds. Asking for the [T][D] map runs unfolded.
        ExplainOptions defaultPath = ExplainOptions.DEFAULT
                .withEps(reference.get("eps").asDouble())
                .withTarget(Target.parse(reference.get("target").asText()));
        ExplainOptions unfoldedPath = defaultPath.withEmbeddingRelevance(true);
        JsonNode sequences = reference.get("tokens");
        JsonNode samples = reference.get("samples");
        assertEquals(sequences.size(), samples.size(), "samples per sequence");
        assertTrue(samples.size() > 0, goldenFile + ": no samples");
        int dim = explainer.network().embeddingDim();
        int checked = 0;
        for (int n = 0; n < samples.size(); n++) {
            int[] tokens = ints(sequences.get(n));
            JsonNode want = samples.get(n);
            JsonNode expectedOutput = tokensFile.path("expected_output").path(n);
            String where = goldenFile + " sequence " + n + " (" + tokensFile.path("kinds").path(n).asText() + ")";

            Explanation folded = explainer.explain(tokens, defaultPath).get(0);
            assertNull(folded.embeddingRelevance(), where + ": the default path keeps no [T][D] map");
            checkAgainstGolden(tokens, want, expectedOutput, folded, where + ", default path");

            Explanation unfolded = explainer.explain(tokens, unfoldedPath).get(0);
            checkAgainstGolden(tokens, want, expectedOutput, unfolded, where + ", unfolded path");
            assertNotNull(unfolded.embeddingRelevance(), where + ": the [T][D] map");
            if (want.has("relevance_embedding")) {
                double[] map = new double[tokens.length * dim];
                for (int t = 0; t < tokens.length; t++) {
                    for (int d = 0; d < dim; d++) {
                        map[t * dim + d] = want.get("relevance_embedding").get(t).get(d).asDouble();
                    }
                }
                double[] gotMap = new double[map.length];
                for (int i = 0; i < map.length; i++) {
                    gotMap[i] = unfolded.embeddingRelevance()[i];
                }
                double mapScale = maxAbs(map);
                double[] a = mergeRuns(tokens, map, dim);
                double[] b = mergeRuns(tokens, gotMap, dim);
                assertEquals(a.length, b.length);
                for (int i = 0; i < a.length; i++) {
                    assertWithin(a[i], b[i], mapScale, where + ": embedding relevance, run " + i / dim + " dim "
                            + i % dim);
                }
            }
            checked++;
        }
        assertEquals(samples.size(), checked, goldenFile + ": sequences checked");
    }

    /**
     * The plan folded exactly the Conv1D layers of {@link #FOLDED} and fused their pools, unless their tables exceed
     * this JVM's default folding budget (a quarter of the heap at most), where it must run unfolded.
     */
    private static void checkFolding(String name, Network network) {
        Folding expected = FOLDED.get(name);
        long tableBytes = 0;
        for (String conv : expected.conv1d()) {
            Conv1DSpec spec = (Conv1DSpec) network.model().layer(conv);
            tableBytes += 4L * spec.width() * network.vocabularySize() * spec.filters();
        }
        if (tableBytes > Network.defaultFoldBudgetBytes()) {
            assertFalse(network.foldingPlanned(), name + ": " + tableBytes + " bytes of tables exceed the budget "
                    + Network.defaultFoldBudgetBytes() + " (run the tests with a larger heap to check the folded path)");
            return;
        }
        assertTrue(network.foldingPlanned(), name + ": the default plan must fold the Embedding");
        assertEquals(expected.conv1d(), network.foldedLayerNames(), name + ": folded Conv1D layers");
        assertEquals(expected.fusedPools(), network.fusedPoolNames(), name + ": pools fused into them");
        assertEquals(tableBytes, network.foldedTableBytes(), name + ": table bytes");
    }

    /** One explanation against one golden sample. */
    private static void checkAgainstGolden(int[] tokens, JsonNode want, JsonNode expectedOutput, Explanation got,
                                           String where) {
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
        assertEquals(tokens.length, relevance.length, where + ": golden relevance per token");
        assertEquals(tokens.length, got.relevance().length, where + ": relevance per token");
        assertWithin(want.get("relevance_sum").asDouble(), got.relevanceSum(), maxAbs(relevance),
                where + ": relevance sum");
        double error = GoldenFiles.relativeError(tokens, relevance, got.relevance());
        assertTrue(error <= TOLERANCE, where + ": per-token relevance off by " + error + " (relative)");
        if (expectedOutput.isArray()) {
            assertNotNull(got.probabilities(), where + ": probabilities");
            assertEquals(expectedOutput.size(), got.probabilities().length, where + ": outputs");
            for (int i = 0; i < expectedOutput.size(); i++) {
                assertEquals(expectedOutput.get(i).asDouble(), got.probabilities()[i], 1e-5,
                        where + ": the pair's numpy output " + i);
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
