package org.jlrp.runtime.explain;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Random;
import org.jlrp.kernels.KernelProvider;
import org.jlrp.runtime.SharedFiles;
import org.jlrp.runtime.TinyModels;
import org.jlrp.runtime.internal.graph.ExecutionPlan;
import org.jlrp.runtime.internal.graph.Network;
import org.jlrp.runtime.internal.keras.KerasImporter;
import org.jlrp.runtime.internal.keras.Limits;
import org.jlrp.runtime.internal.model.ModelSpec;
import org.junit.jupiter.api.Test;

/**
 * The methods other than LRP that run on the folded plan (gradient × input, Integrated Gradients, occlusion, Shapley
 * sampling, the gradient maps) against the unfolded plan, and occlusion's grouped and incremental passes against the
 * one-forward-pass-per-position implementation.
 */
class FoldedMethodsTest {

    private static final long NO_FOLDING = 0;
    private static final long BUDGET = 1L << 30;

    /** The CNN models: fused pools (seed, kim, v0idwalker, darshbir), a Conv1D read by Flatten, an explained Conv1D. */
    private static final List<String> CNN_MODELS = List.of("models/seed_textcnn.h5", "models/kim_textcnn.h5",
            "models/v0idwalker_textcnn.h5", "models/darshbir19_movie_cnn.keras",
            "models/dl4j_embedding_conv1d_flatten_tensorflow_1.h5", "models/dl4j_embedding_conv1d_tensorflow_2.h5");

    private static ModelSpec load(String relative) {
        return KerasImporter.load(SharedFiles.require(relative), null, Limits.DEFAULT);
    }

    /** Random ids with a padded tail (pad id 0), so that occlusion and Shapley skip some positions. */
    private static int[] tokens(Random random, Network network) {
        int length = network.inputLength();
        int[] tokens = new int[length];
        int used = length - 1 - random.nextInt(length / 3 + 1);
        for (int t = 0; t < used; t++) {
            tokens[t] = 1 + random.nextInt(network.vocabularySize() - 1);
        }
        return tokens;
    }

    @Test
    void gradientInputFoldsAndAgreesWithTheUnfoldedPass() {
        ExplainOptions options = ExplainOptions.DEFAULT.withMethod(Method.GRADIENT_INPUT);
        double worst = 0;
        for (String file : CNN_MODELS) {
            ModelSpec model = load(file);
            Explainer folded = Explainer.of(model, KernelProvider.get(), BUDGET);
            Explainer unfolded = Explainer.of(model, KernelProvider.get(), NO_FOLDING);
            Network network = folded.network();
            assertTrue(network.planFor(Method.GRADIENT_INPUT, null, false).isFolded(), file);
            assertFalse(network.planFor(Method.GRADIENT_INPUT, null, true).isFolded(), file + ": the map unfolds");
            Random random = new Random(5);
            for (int n = 0; n < 8; n++) {
                int[] tokens = tokens(random, network);
                // every class: the pass starts from each logit in turn on the same forward pass
                List<Explanation> a = folded.explain(tokens, options.withTarget(Target.all()));
                List<Explanation> b = unfolded.explain(tokens, options.withTarget(Target.all()));
                assertEquals(b.size(), a.size());
                for (int c = 0; c < a.size(); c++) {
                    double error = GoldenFiles.relativeError(tokens, b.get(c).relevance(), a.get(c).relevance());
                    worst = Math.max(worst, error);
                    assertTrue(error < 1e-5, file + " sequence " + n + " class " + c + ": relative error " + error);
                }
            }
        }
        assertTrue(worst > 0, "the tables sum their products in another order: some difference expected");
    }

    /**
     * Integrated Gradients on the folded plan (each path point's Conv1D pre-activation from two table sums, the mean
     * gradient multiplied back through the tables once) against the unfolded Riemann sum over {@code [T][D]} path
     * points: both baselines, every class, the baseline logit. A path point's z is rounded differently on the two
     * plans, which can move a max-pool winner where two steps nearly tie; averaged over the steps that stays small.
     */
    @Test
    void integratedGradientsFoldsAndAgreesWithTheUnfoldedSum() {
        ExplainOptions options = ExplainOptions.DEFAULT.withMethod(Method.INTEGRATED_GRADIENTS).withSteps(16);
        double worst = baselineMethodFoldsLikeUnfolded(options, 9,
                (a, b, where) -> assertArrayEquals(b.logits(), a.logits(), 1e-5f, where));
        assertTrue(worst > 0, "the folded path points are rounded differently: some difference expected");
    }

    /**
     * DeepLIFT (Rescale) on the folded plan with unfused pools against the unfolded {@code [T][D]} pass, both
     * baselines, every class; and summation to delta on the folded path.
     */
    @Test
    void deepLiftFoldsAndAgreesWithTheUnfoldedPass() {
        ExplainOptions options = ExplainOptions.DEFAULT.withMethod(Method.DEEPLIFT);
        double worst = baselineMethodFoldsLikeUnfolded(options, 11, (a, b, where) -> {
            // summation to delta: Σ R = logit(x) − logit(baseline)
            double delta = a.explainedLogit() - a.baselineLogit();
            assertEquals(0, a.completenessError(), 1e-4 * Math.max(1, Math.abs(delta)), where + ": Σ R");
        });
        assertTrue(worst > 0, "the folded sums are rounded differently: some difference expected");
    }

    /** A further check of a folded result {@code a} against the unfolded one {@code b}. */
    private interface PairCheck {
        void check(Explanation a, Explanation b, String where);
    }

    /**
     * A method with a baseline ({@code options}' method) on the CNN models: it folds without the map and not with
     * it, and on 3 random sequences per model and baseline, every class, the folded result is within 1e-5 of the
     * unfolded one (relative to max |R|), with the same baseline logit, and passes {@code check}. Returns the worst
     * relative error.
     */
    private static double baselineMethodFoldsLikeUnfolded(ExplainOptions options, long seed, PairCheck check) {
        Method method = options.method();
        double worst = 0;
        for (String file : CNN_MODELS) {
            ModelSpec model = load(file);
            Explainer folded = Explainer.of(model, KernelProvider.get(), BUDGET);
            Explainer unfolded = Explainer.of(model, KernelProvider.get(), NO_FOLDING);
            Network network = folded.network();
            assertTrue(network.planFor(method, null, false).isFolded(), file);
            assertFalse(network.planFor(method, null, true).isFolded(), file + ": the map unfolds");
            Random random = new Random(seed);
            for (Method.Baseline baseline : Method.Baseline.values()) {
                ExplainOptions each = options.withBaseline(baseline).withTarget(Target.all());
                for (int n = 0; n < 3; n++) {
                    int[] tokens = tokens(random, network);
                    List<Explanation> a = folded.explain(tokens, each);
                    List<Explanation> b = unfolded.explain(tokens, each);
                    assertEquals(b.size(), a.size());
                    for (int c = 0; c < a.size(); c++) {
                        String where = file + " " + baseline + " sequence " + n + " class " + c;
                        double error = GoldenFiles.relativeError(tokens, b.get(c).relevance(), a.get(c).relevance());
                        worst = Math.max(worst, error);
                        assertTrue(error < 1e-5, where + ": relative error " + error);
                        double scale = Math.max(1e-6, Math.abs(b.get(c).baselineLogit()));
                        assertEquals(b.get(c).baselineLogit(), a.get(c).baselineLogit(), 1e-5 * scale + 1e-6, where);
                        check.check(a.get(c), b.get(c), where);
                    }
                }
            }
        }
        return worst;
    }

    /**
     * The gradient, guided backprop and deconvnet after the folded forward pass: on these ReLU models the local
     * factors are 0 or 1 at the same winners, the scattered gradient is what the max-pool routing leaves, and the
     * Conv1D's transposed product is the same kernel, so the {@code [T][D]} maps are identical (with a smooth
     * activation they would agree to float precision: the folded z are rounded differently).
     */
    @Test
    void gradientMapsAfterTheFoldedForwardPassAreTheUnfoldedOnes() {
        for (String file : CNN_MODELS) {
            ModelSpec model = load(file);
            Explainer folded = Explainer.of(model, KernelProvider.get(), BUDGET);
            Explainer unfolded = Explainer.of(model, KernelProvider.get(), NO_FOLDING);
            Random random = new Random(17);
            for (Method method : List.of(Method.GRADIENT, Method.GUIDED_BACKPROP, Method.DECONVNET)) {
                assertTrue(folded.network().planFor(method, null, true).isFolded(), file + " " + method);
                ExplainOptions options = ExplainOptions.DEFAULT.withMethod(method).withTarget(Target.all())
                        .withEmbeddingRelevance(true);
                for (int n = 0; n < 3; n++) {
                    int[] tokens = tokens(random, folded.network());
                    List<Explanation> a = folded.explain(tokens, options);
                    List<Explanation> b = unfolded.explain(tokens, options);
                    for (int c = 0; c < a.size(); c++) {
                        String where = file + " " + method + " sequence " + n + " class " + c;
                        assertArrayEquals(b.get(c).embeddingRelevance(), a.get(c).embeddingRelevance(), where);
                        assertArrayEquals(b.get(c).relevance(), a.get(c).relevance(), where);
                    }
                }
            }
        }
    }

    @Test
    void gradientInputWithTheMapRunsUnfolded() {
        ModelSpec model = load("models/seed_textcnn.h5");
        Explainer folded = Explainer.of(model, KernelProvider.get(), BUDGET);
        Explainer unfolded = Explainer.of(model, KernelProvider.get(), NO_FOLDING);
        int[] tokens = tokens(new Random(3), folded.network());
        ExplainOptions withMap = ExplainOptions.DEFAULT.withMethod(Method.GRADIENT_INPUT).withEmbeddingRelevance(true);
        Explanation a = folded.explain(tokens, withMap).get(0);
        assertNotNull(a.embeddingRelevance());
        assertArrayEquals(unfolded.explain(tokens, withMap).get(0).relevance(), a.relevance());
    }

    /** Occlusion as it was first written: one forward pass of the unfolded plan per occluded position. */
    private static double[] occlusionReference(Explainer unfolded, int[] tokens, int pad, int target) {
        double logit = unfolded.logits(tokens, null)[target];
        double[] drop = new double[tokens.length];
        int[] occluded = tokens.clone();
        for (int t = 0; t < tokens.length; t++) {
            if (tokens[t] == pad) {
                continue;
            }
            occluded[t] = pad;
            drop[t] = logit - unfolded.logits(occluded, null)[target];
            occluded[t] = tokens[t];
        }
        return drop;
    }

    @Test
    void occlusionInGroupsIsTheOnePassPerPositionResult() {
        ExplainOptions options = ExplainOptions.DEFAULT.withMethod(Method.OCCLUSION).withTarget(Target.all());
        double worst = 0;
        for (String file : CNN_MODELS) {
            ModelSpec model = load(file);
            Explainer folded = Explainer.of(model, KernelProvider.get(), BUDGET);
            Explainer unfolded = Explainer.of(model, KernelProvider.get(), NO_FOLDING);
            ExecutionPlan plan = folded.network().planFor(Method.OCCLUSION, null, false);
            assertTrue(plan.isFolded(), file);
            // The fused-pool chains update the input's pass per position; kim's branches and the pool-less
            // Conv1D models run the occluded copies in groups.
            boolean chain = !file.contains("kim") && !file.contains("dl4j");
            assertEquals(chain, folded.network().hasTokenEdits(plan), file);
            Random random = new Random(9);
            for (int n = 0; n < 3; n++) {
                int[] tokens = tokens(random, folded.network());
                List<Explanation> grouped = unfolded.explain(tokens, options);
                List<Explanation> foldedResults = folded.explain(tokens, options);
                for (int c = 0; c < grouped.size(); c++) {
                    double[] reference = occlusionReference(unfolded, tokens, 0, c);
                    // The unfolded plan in groups: bit for bit the single passes.
                    assertArrayEquals(reference, grouped.get(c).relevance(), file + " class " + c);
                    double scale = Math.abs(grouped.get(c).explainedLogit());
                    for (double d : reference) {
                        scale = Math.max(scale, Math.abs(d));
                    }
                    double[] actual = foldedResults.get(c).relevance();
                    for (int t = 0; t < tokens.length; t++) {
                        double error = Math.abs(actual[t] - reference[t]) / Math.max(scale, 1e-30);
                        worst = Math.max(worst, error);
                        assertTrue(error < 1e-5, file + " sequence " + n + " class " + c + " position " + t
                                + ": " + actual[t] + " vs " + reference[t]);
                    }
                    assertEquals(0, actual[tokens.length - 1], file + ": padding is never occluded");
                }
            }
        }
        assertTrue(worst > 0, "the folded plan sums in another order: some difference expected");
    }

    /**
     * Tiny chains on which occlusion and Shapley sampling edit one token of a known pass at a time
     * ({@link Network#hasTokenEdits}),
     * covering the window arithmetic: valid and same padding, a stride, a dilation, a linear Conv1D, a global max pool
     * (one window, so every change of a maximum there is a rescan), a pool that leaves the last steps out, Dropout
     * between the pool and the Flatten, and the explained Dense right after the pool. Vocabulary 6, so that tokens
     * repeat and an occlusion often removes a window's maximum.
     */
    private static List<ModelSpec> incrementalChains(long seed) {
        TinyModels a = TinyModels.builder(12, seed);
        String p = a.maxPool("pool", a.conv1d("conv", a.embedding("emb", 6, 4), 5, 3, "valid", "relu", true), 2);
        String h = a.dense("hidden", a.flatten("flat", p), 6, "relu", true);
        TinyModels b = TinyModels.builder(13, seed);
        String g = b.globalMaxPool("gmp", b.conv1d("conv", b.embedding("emb", 6, 4), 5, 4, "same", "relu", true));
        TinyModels c = TinyModels.builder(14, seed);
        String q = c.maxPool("pool", c.conv1d("conv", c.embedding("emb", 6, 3), 4, 3, "valid", "relu", 2, 1), 4);
        TinyModels d = TinyModels.builder(12, seed);
        String r = d.maxPool("pool", d.conv1d("conv", d.embedding("emb", 6, 4), 5, 3, "same", "linear", 1, 2), 3);
        String k = d.dense("hidden", d.flatten("flat", d.dropout("drop", r)), 4, "relu", true);
        return List.of(a.build(a.dense("out", h, 3, "linear", true)), b.build(b.dense("out", g, 3, "softmax", true)),
                c.build(c.dense("out", c.flatten("flat", q), 2, "linear", true)),
                d.build(d.dense("out", k, 2, "linear", true)));
    }

    @Test
    void tokenEditsAreTheWholePassesResult() {
        ExplainOptions options = ExplainOptions.DEFAULT.withMethod(Method.OCCLUSION).withTarget(Target.all());
        for (long seed = 1; seed <= 4; seed++) {
            for (ModelSpec model : incrementalChains(seed)) {
                Explainer folded = Explainer.of(model, KernelProvider.get(), BUDGET);
                Explainer unfolded = Explainer.of(model, KernelProvider.get(), NO_FOLDING);
                Network network = folded.network();
                String what = "model " + network.inputLength() + " seed " + seed;
                assertTrue(network.hasTokenEdits(network.planFor(Method.OCCLUSION, null, false)), what);
                Random random = new Random(seed);
                for (int n = 0; n < 6; n++) {
                    int[] tokens = new int[network.inputLength()];
                    for (int t = 0; t < tokens.length; t++) {
                        tokens[t] = random.nextInt(4) == 0 ? 0 : 1 + random.nextInt(5); // some padding inside
                    }
                    List<Explanation> results = folded.explain(tokens, options);
                    for (Explanation x : results) {
                        assertCloseTo(occlusionReference(unfolded, tokens, 0, x.target()), x,
                                what + " sequence " + n + " class " + x.target());
                    }
                    // Shapley sampling: each coalition one player more than the last, edited into the kept pass,
                    // against the unfolded plan's coalitions run whole (bit for bit the single passes).
                    ExplainOptions shapley = options.withMethod(Method.SHAPLEY).withSamples(3);
                    List<Explanation> sampled = folded.explain(tokens, shapley);
                    List<Explanation> whole = unfolded.explain(tokens, shapley);
                    for (int c = 0; c < sampled.size(); c++) {
                        assertCloseTo(whole.get(c).relevance(), sampled.get(c),
                                what + " Shapley sequence " + n + " class " + c);
                    }
                }
            }
        }
    }

    /** Within 1e-5 of the largest of the explained logit and the reference values, position by position. */
    private static void assertCloseTo(double[] reference, Explanation x, String what) {
        double scale = Math.abs(x.explainedLogit());
        for (double v : reference) {
            scale = Math.max(scale, Math.abs(v));
        }
        for (int t = 0; t < reference.length; t++) {
            assertEquals(reference[t], x.relevance()[t], 1e-5 * scale, what + " position " + t);
        }
    }

    /**
     * Occlusion and Shapley sampling compute every class from one set of passes under {@code --target all}: bit for
     * bit each class explained alone, with token edits (seed) and with grouped passes (kim's branches).
     */
    @Test
    void perturbationMethodsExplainEveryClassFromOneSetOfPasses() {
        for (String file : List.of("models/seed_textcnn.h5", "models/kim_textcnn.h5")) {
            Explainer explainer = Explainer.of(load(file), KernelProvider.get(), BUDGET);
            int[] tokens = tokens(new Random(17), explainer.network());
            for (Method method : List.of(Method.OCCLUSION, Method.SHAPLEY)) {
                ExplainOptions options = ExplainOptions.DEFAULT.withMethod(method).withSamples(2);
                List<Explanation> all = explainer.explain(tokens, options.withTarget(Target.all()));
                assertEquals(explainer.network().outputSize(), all.size(), file);
                for (Explanation x : all) {
                    Explanation alone = explainer.explain(tokens, options.withTarget(Target.index(x.target()))).get(0);
                    assertArrayEquals(alone.relevance(), x.relevance(), file + " " + method + " class " + x.target());
                    assertEquals(alone.baselineLogit(), x.baselineLogit(), 0.0, file + " " + method);
                }
            }
        }
    }

    @Test
    void shapleyOnTheFoldedPlanAgreesWithTheUnfoldedOne() {
        ExplainOptions options = ExplainOptions.DEFAULT.withMethod(Method.SHAPLEY).withSamples(2);
        for (String file : List.of("models/seed_textcnn.h5", "models/dl4j_embedding_conv1d_tensorflow_2.h5")) {
            ModelSpec model = load(file);
            Explainer folded = Explainer.of(model, KernelProvider.get(), BUDGET);
            Explainer unfolded = Explainer.of(model, KernelProvider.get(), NO_FOLDING);
            assertTrue(folded.network().planFor(Method.SHAPLEY, null, false).isFolded(), file);
            int[] tokens = tokens(new Random(13), folded.network());
            Explanation a = folded.explain(tokens, options).get(0);
            Explanation b = unfolded.explain(tokens, options).get(0);
            double scale = Math.abs(b.explainedLogit());
            for (double r : b.relevance()) {
                scale = Math.max(scale, Math.abs(r));
            }
            for (int t = 0; t < tokens.length; t++) {
                assertEquals(b.relevance()[t], a.relevance()[t], 1e-5 * scale, file + " position " + t);
            }
            // the second call reuses the pooled group: the same result
            assertArrayEquals(a.relevance(), folded.explain(tokens, options).get(0).relevance(), file);
        }
    }
}
