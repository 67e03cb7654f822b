package org.jlrp.runtime.explain;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.util.List;
import java.util.Random;
import org.jlrp.kernels.KernelProvider;
import org.jlrp.runtime.SharedFiles;

import org.jlrp.runtime.internal.graph.Network;
import org.jlrp.runtime.internal.model.ModelSpec;
import org.jlrp.runtime.internal.keras.KerasImporter;
import org.jlrp.runtime.internal.keras.Limits;
import org.junit.jupiter.api.Test;

/**
 * The folded Embedding → Conv1D path against the unfolded one and against the golden references: both paths must
 * give the same per-token relevance to float precision.
 */
class FoldingTest {

    private static final long NO_FOLDING = 0;
    private static final long BUDGET = 256L << 20;

    private static ModelSpec load(String relative) {
        return KerasImporter.load(SharedFiles.require(relative), null, Limits.DEFAULT);
    }

    @Test
    void foldedPathReproducesEveryGoldenFile() throws IOException {
        int files = 0;
        int foldedFiles = 0;
        for (GoldenFiles.Golden golden : GoldenFiles.all()) {
            if (SharedFiles.isRecurrentGolden(golden.file())) {
                continue; // never folded: GoldenRelevanceTest checks them (and the refusal of the refused ones)
            }
            ModelSpec model = KerasImporter.load(golden.model(), golden.architecture(), Limits.DEFAULT);
            Explainer folded = Explainer.of(model, KernelProvider.get(), BUDGET);
            files++;
            foldedFiles += folded.network().foldingPlanned() ? 1 : 0;
            ExplainOptions options = ExplainOptions.DEFAULT.withTarget(golden.target()).withEps(golden.eps());
            List<Explanation> results = folded.explainAll(golden.tokens(), options);
            assertEquals(golden.tokens().size(), results.size(), golden.file() + ": one result per sequence");
            assertEquals(golden.tokens().size(), golden.samples().size(), golden.file() + ": one sample per sequence");
            for (int i = 0; i < results.size(); i++) {
                double[] reference = GoldenFiles.doubles(golden.samples().get(i).get("relevance_tokens"));
                assertEquals(golden.samples().get(i).get("target").asInt(), results.get(i).target(), golden.file());
                double error = GoldenFiles.relativeError(golden.tokens().get(i), reference, results.get(i).relevance());
                assertTrue(error <= 1e-4, golden.file() + " sequence " + i + ": relative error " + error);
            }
        }
        // Every CNN golden model reads its Embedding with Conv1D layers only, and 256 MB holds all their tables
        // (kim_textcnn's, the largest, take 96 MB): each one must have run folded, or this checked the unfolded path.
        assertTrue(files >= 20, "only " + files + " golden files of CNN models");
        assertEquals(files, foldedFiles, "golden files whose model the plan folded");
    }

    /**
     * The recurrent golden models on both plans: an Embedding read by a recurrent layer alone folds each direction's
     * input product into a table ({@code FoldedRecurrent}); both plans must reproduce the float64 references.
     */
    @Test
    void recurrentGoldensOnBothPlans() throws IOException {
        int files = 0;
        int foldedFiles = 0;
        for (GoldenFiles.Golden golden : GoldenFiles.all()) {
            if (!SharedFiles.isRecurrentGolden(golden.file()) || SharedFiles.isRefusedGolden(golden.file())) {
                continue;
            }
            ModelSpec model = KerasImporter.load(golden.model(), golden.architecture(), Limits.DEFAULT);
            Explainer folded = Explainer.of(model, KernelProvider.get(), BUDGET);
            Explainer unfolded = Explainer.of(model, KernelProvider.get(), NO_FOLDING);
            assertFalse(unfolded.network().foldingPlanned(), golden.file());
            files++;
            foldedFiles += folded.network().foldingPlanned() ? 1 : 0;
            ExplainOptions options = ExplainOptions.DEFAULT.withTarget(golden.target()).withEps(golden.eps());
            double worst = 0;
            for (Explainer explainer : List.of(folded, unfolded)) {
                List<Explanation> results = explainer.explainAll(golden.tokens(), options);
                for (int i = 0; i < results.size(); i++) {
                    double[] reference = GoldenFiles.doubles(golden.samples().get(i).get("relevance_tokens"));
                    double error = GoldenFiles.relativeError(golden.tokens().get(i), reference,
                            results.get(i).relevance());
                    worst = Math.max(worst, error);
                    assertTrue(error <= 1e-4, golden.file() + " sequence " + i + " (folded: "
                            + explainer.network().foldingPlanned() + "): relative error " + error);
                }
            }
            System.out.printf("%s: worst relative error %.2e (folded %s)%n", golden.file(), worst,
                    folded.network().foldingPlanned());
        }
        assertTrue(files >= 8, "only " + files + " recurrent golden files");
        // The anushree1001 models are Embedding → LSTM/GRU/SimpleRNN → Dense: those at least must have folded.
        assertTrue(foldedFiles >= 6, "only " + foldedFiles + " of " + files + " recurrent golden files folded");
    }

    @Test
    void foldedAndUnfoldedAgreeToFloatPrecision() {
        for (String file : List.of("models/seed_textcnn.h5", "models/kim_textcnn.h5", "models/v0idwalker_textcnn.h5",
                "models/darshbir19_movie_cnn.keras")) {
            ModelSpec model = load(file);
            Explainer folded = Explainer.of(model, KernelProvider.get(), BUDGET);
            Explainer unfolded = Explainer.of(model, KernelProvider.get(), NO_FOLDING);
            assertTrue(folded.network().foldingPlanned(), file);
            assertFalse(unfolded.network().foldingPlanned(), file);
            Random random = new Random(7);
            int length = folded.network().inputLength();
            for (int n = 0; n < 20; n++) {
                int[] tokens = new int[length];
                for (int t = 0; t < length; t++) {
                    tokens[t] = random.nextInt(folded.network().vocabularySize());
                }
                for (Composite rule : List.of(Composite.DEFAULT, Composite.epsilon(0.01).withIgnoreBias(true))) {
                    ExplainOptions options = ExplainOptions.DEFAULT.withRules(rule);
                    Explanation a = folded.explain(tokens, options).get(0);
                    Explanation b = unfolded.explain(tokens, options).get(0);
                    assertEquals(b.target(), a.target());
                    double error = GoldenFiles.relativeError(tokens, b.relevance(), a.relevance());
                    // The ε-rule divides by z, so a float-rounding difference in a small z is amplified: measured
                    // here up to ~4e-5, while both paths stay within ~1e-5 of the float64 golden references. Without
                    // the bias both paths compute z₀ = x·W afresh (never z − b), yet z₀ is smaller than z, and at
                    // ε = 0.01 one v0idwalker sequence still differs by 1.5e-4 (the tables sum their float products
                    // in another order than the convolution): measured the same before z₀ was computed afresh.
                    double tolerance = rule.ignoresBias() ? 2e-4 : 1e-4;
                    assertTrue(error < tolerance, file + " sequence " + n + " " + rule + ": relative error " + error);
                    double magnitude = 0;
                    for (double r : b.relevance()) {
                        magnitude += Math.abs(r);
                    }
                    assertEquals(b.relevanceSum(), a.relevanceSum(), 1e-4 * magnitude);
                }
            }
        }
    }

    /**
     * Every non-ε rule on the first Conv1D runs on the folded plan, from its term groups folded into tables, and
     * gives the unfolded rule pass's relevance to float precision: fused pools (seed's MaxPooling1D, darshbir's global
     * pool), a Conv1D read by Flatten, and a Conv1D that is itself explained.
     */
    @Test
    void everyRuleFoldsAndAgreesWithTheUnfoldedPass() {
        List<String> rules = List.of("conv1d=zplus", "conv1d=alphabeta:2:1", "conv1d=alphabeta:1:0",
                "conv1d=gamma:0.25", "first=zbox", "conv1d=flat", "conv1d=wsquare", "epsilon-plus",
                "epsilon-alpha2-beta1", "epsilon-gamma-box", "conv1d=zplus:ignore-bias",
                "conv1d=alphabeta:2:1:ignore-bias", "conv1d=gamma:0.25:ignore-bias", "conv1d=wsquare:ignore-bias");
        double worst = 0;
        // kim and v0idwalker fold the same way as seed and darshbir, with larger tables: left out to keep this quick
        for (String file : List.of("models/seed_textcnn.h5", "models/darshbir19_movie_cnn.keras",
                "models/dl4j_embedding_conv1d_flatten_tensorflow_1.h5", "models/dl4j_embedding_conv1d_tensorflow_2.h5")) {
            ModelSpec model = load(file);
            Explainer folded = Explainer.of(model, KernelProvider.get(), 1L << 30);
            Explainer unfolded = Explainer.of(model, KernelProvider.get(), NO_FOLDING);
            Network network = folded.network();
            assertTrue(network.foldingPlanned(), file);
            Random random = new Random(11);
            int length = network.inputLength();
            for (String spec : rules) {
                Composite rule = Composite.parse(spec, Rule.DEFAULT_EPS);
                assertTrue(network.planFor(network.rulePlan(rule), false).isFolded(), file + " " + spec);
                ExplainOptions options = ExplainOptions.DEFAULT.withRules(rule);
                for (int n = 0; n < 6; n++) {
                    int[] tokens = new int[length];
                    for (int t = 0; t < length; t++) {
                        tokens[t] = random.nextInt(network.vocabularySize());
                    }
                    Explanation a = folded.explain(tokens, options).get(0);
                    Explanation b = unfolded.explain(tokens, options).get(0);
                    assertEquals(b.target(), a.target());
                    double error = GoldenFiles.relativeError(tokens, b.relevance(), a.relevance());
                    worst = Math.max(worst, error);
                    assertTrue(error < 1e-4, file + " sequence " + n + " " + spec + ": relative error " + error);
                }
            }
        }
        assertTrue(worst > 0, "the folded and unfolded passes sum in different orders: some difference expected");
    }

    @Test
    void ruleTablesBeyondTheBudgetKeepTheUnfoldedPath() {
        ModelSpec model = load("models/seed_textcnn.h5");
        // seed: ε tables 24 MB; z⁺ one more table (48 MB in all), αβ two more (96 MB)
        Network network = Explainer.of(model, KernelProvider.get(), 60L << 20).network();
        assertTrue(network.planFor(network.rulePlan(Composite.parse("epsilon-plus", 1e-6)), false).isFolded());
        assertFalse(network.planFor(network.rulePlan(Composite.parse("epsilon-alpha2-beta1", 1e-6)), false)
                .isFolded());
        // Other composites with the same z⁺ on the Conv1D share its table: no more memory, still folded.
        for (String spec : List.of("conv1d=zplus:ignore-bias;dense=epsilon:0.01", "conv1d=zplus;dense=zplus")) {
            assertTrue(network.planFor(network.rulePlan(Composite.parse(spec, 1e-6)), false).isFolded(), spec);
        }
        assertFalse(network.planFor(network.rulePlan(Composite.parse("conv1d=flat", 1e-6)), false).isFolded());
        assertTrue(network.planFor(network.rulePlan(Composite.DEFAULT), false).isFolded());
    }

    @Test
    void foldedConvComputesItsMaxPoolInTheSamePass() {
        // seed: Conv1D(relu) → Dropout → MaxPooling1D(5); kim: three Conv1D(relu) → GlobalMaxPooling1D branches;
        // v0idwalker and darshbir: Conv1D(relu) → GlobalMaxPooling1D. Each pool is fused into its Conv1D, and the
        // agreement with the unfolded path (above) and the golden files then covers the fused kernels too.
        for (String file : List.of("models/seed_textcnn.h5", "models/kim_textcnn.h5", "models/v0idwalker_textcnn.h5",
                "models/darshbir19_movie_cnn.keras")) {
            Network network = Explainer.of(load(file), KernelProvider.get(), BUDGET).network();
            assertTrue(network.foldingPlanned(), file);
            int convs = (int) network.layers().stream().filter(l -> l.className().equals("Conv1D")).count();
            assertEquals(convs, network.fusedPoolNames().size(), file + ": every Conv1D computes its pool");
        }
        // A Conv1D that is itself explained has no pool to fuse.
        Network direct = Explainer.of(load("models/dl4j_embedding_conv1d_tensorflow_2.h5"), KernelProvider.get(),
                BUDGET).network();
        assertEquals(0, direct.fusedPoolNames().size());
    }

    @Test
    void embeddingRelevanceRequestRunsUnfolded() {
        ModelSpec model = load("models/seed_textcnn.h5");
        Explainer folded = Explainer.of(model, KernelProvider.get(), BUDGET);
        Explainer unfolded = Explainer.of(model, KernelProvider.get(), NO_FOLDING);
        int[] tokens = new int[folded.network().inputLength()];
        for (int t = 0; t < tokens.length; t++) {
            tokens[t] = (t * 7919) % folded.network().vocabularySize();
        }
        ExplainOptions withMap = ExplainOptions.DEFAULT.withEmbeddingRelevance(true);
        Explanation a = folded.explain(tokens, withMap).get(0);
        Explanation b = unfolded.explain(tokens, withMap).get(0);
        assertNotNull(a.embeddingRelevance());
        // with the map requested both explainers run the same unfolded pass: identical bits
        assertEquals(java.util.Arrays.toString(b.relevance()), java.util.Arrays.toString(a.relevance()));
        assertNull(folded.explain(tokens, ExplainOptions.DEFAULT).get(0).embeddingRelevance());
    }

    @Test
    void budgetTooSmallKeepsTheUnfoldedPath() {
        ModelSpec model = load("models/seed_textcnn.h5");
        // seed: 3 × 20001 × 100 floats = 24 MB of tables
        assertFalse(Explainer.of(model, KernelProvider.get(), 10L << 20).network().foldingPlanned());
        Explainer folded = Explainer.of(model, KernelProvider.get(), 30L << 20);
        assertTrue(folded.network().foldingPlanned());
        assertEquals(4L * 3 * 20001 * 100, folded.network().foldedTableBytes());
    }
}
