package org.jlrp.runtime.explain;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.jlrp.kernels.KernelProvider;
import org.jlrp.runtime.JlrpException;
import org.jlrp.runtime.ReferenceBackprop;
import org.jlrp.runtime.ReferenceForward;
import org.jlrp.runtime.SharedFiles;
import org.jlrp.runtime.TinyModels;
import org.jlrp.runtime.internal.model.ModelSpec;
import org.junit.jupiter.api.Test;

/** DeepLIFT (Rescale) and Shapley value sampling: their exact identities and independent references. */
class DeepLiftShapleyTest {

    /**
     * No folded plan: Shapley sampling runs the folded plan where there is one, and the references here are
     * {@link Explainer#logits}, the unfolded forward pass; folded and unfolded agree to float precision only
     * ({@code FoldedMethodsTest}).
     */
    private static final long UNFOLDED = 0;

    private static ExplainOptions options(Method method) {
        return ExplainOptions.DEFAULT.withTarget(Target.all()).withPadId(0).withEmbeddingRelevance(true)
                .withMethod(method);
    }

    /** ReLU Conv1D → MaxPooling1D → Flatten → Dense(tanh) → 3 logits. */
    static ModelSpec reluPoolTanh(long seed) {
        TinyModels b = TinyModels.builder(10, seed);
        String e = b.embedding("emb", 14, 4);
        String c = b.conv1d("conv", e, 5, 3, "valid", "relu", true);
        String p = b.maxPool("pool", c, 2);
        String f = b.flatten("flat", p);
        String h = b.dense("hidden", f, 6, "tanh", true);
        return b.build(b.dense("out", h, 3, "linear", true));
    }

    /** Conv1D(same, tanh) → ReLU layer → GlobalMaxPooling1D → Dropout → Dense(relu) → 2 logits. */
    static ModelSpec globalMaxRelu(long seed) {
        return globalMaxRelu(seed, 9);
    }

    static ModelSpec globalMaxRelu(long seed, int length) {
        TinyModels b = TinyModels.builder(length, seed);
        String e = b.embedding("emb", 12, 5);
        String c = b.conv1d("conv", e, 6, 3, "same", "tanh", true);
        String r = b.relu("act", c);
        String p = b.globalMaxPool("gmp", r);
        String d = b.dropout("drop", p);
        String h = b.dense("hidden", d, 5, "relu", true);
        return b.build(b.dense("out", h, 2, "linear", true));
    }

    /** Every layer linear: Conv1D(linear) → GlobalAveragePooling1D → Dense(linear). */
    static ModelSpec linear(long seed) {
        TinyModels b = TinyModels.builder(8, seed);
        String e = b.embedding("emb", 10, 3);
        String c = b.conv1d("conv", e, 4, 2, "valid", "linear", true);
        String p = b.globalAvgPool("gap", c);
        return b.build(b.dense("out", p, 2, "linear", true));
    }

    private static double[][] baselineOf(ModelSpec model, Method.Baseline baseline, int length, int dim) {
        return baseline == Method.Baseline.PADDING ? ReferenceForward.embed(model, new int[length])
                : new double[length][dim];
    }

    // ------------------------------------------------------------------------------------------------ DeepLIFT

    /**
     * Summation-to-delta, {@code Σ R = logit(x) − logit(x')}, for every class, both baselines, ReLU and tanh
     * activations, ReLU layers, window and global max pooling. The Rescale multipliers make it hold exactly in real
     * arithmetic; in float32 each contribution passes a few dozen operations of relative error 2^-24 ≈ 6e-8, so the
     * slack is 1e-5 of the magnitudes involved (Σ|R| and both logits), a 5× margin over 64 operations' worth. The
     * baseline logit is checked against the double-precision forward pass of the baseline.
     */
    @Test
    void summationToDeltaHoldsForEveryClassAndBaseline() {
        int checked = 0;
        int expected = 0;
        for (ModelSpec model : List.of(reluPoolTanh(1), reluPoolTanh(2), globalMaxRelu(3), globalMaxRelu(4),
                RulesReferenceTest.chain(5).model(), RulesReferenceTest.stacked(6).model())) {
            Explainer explainer = Explainer.of(model, KernelProvider.get());
            expected += 3 * 2 * explainer.outputSize();
            int length = explainer.inputLength();
            int dim = explainer.network().embeddingDim();
            for (long seed = 0; seed < 3; seed++) {
                int[] tokens = TinyModels.tokens(new Random(seed), length, explainer.vocabularySize(), 2);
                for (Method.Baseline baseline : Method.Baseline.values()) {
                    double[] baseLogits = ReferenceBackprop.logits(model, baselineOf(model, baseline, length, dim));
                    for (Explanation x : explainer.explain(tokens, options(Method.DEEPLIFT).withBaseline(baseline))) {
                        String what = model.source() + " seed " + seed + " " + baseline.cliName() + " class "
                                + x.target();
                        double magnitude = Math.abs(x.explainedLogit()) + Math.abs(x.baselineLogit());
                        for (double r : x.relevance()) {
                            magnitude += Math.abs(r);
                        }
                        double slack = 1e-5 * magnitude;
                        assertEquals(baseLogits[x.target()], x.baselineLogit(), slack, what + ": baseline logit");
                        assertEquals(0, x.completenessError(), slack, what + ": Σ R − (logit − baseline logit)");
                        checked++;
                    }
                }
            }
        }
        assertEquals(expected, checked);
    }

    /**
     * The multipliers against the independent double-precision backward pass (Rescale at every activation, Captum's
     * rule at max pooling), times {@code e − e'}, within 1e-4 of the largest value.
     */
    @Test
    void deepLiftMatchesTheDoublePrecisionReference() {
        int checked = 0;
        for (ModelSpec model : List.of(reluPoolTanh(11), globalMaxRelu(12), globalMaxRelu(13))) {
            Explainer explainer = Explainer.of(model, KernelProvider.get());
            int length = explainer.inputLength();
            int dim = explainer.network().embeddingDim();
            for (long seed = 0; seed < 3; seed++) {
                int[] tokens = TinyModels.tokens(new Random(10 + seed), length, explainer.vocabularySize(), 2);
                double[][] input = ReferenceForward.embed(model, tokens);
                for (Method.Baseline baseline : Method.Baseline.values()) {
                    double[][] base = baselineOf(model, baseline, length, dim);
                    for (Explanation x : explainer.explain(tokens, options(Method.DEEPLIFT).withBaseline(baseline))) {
                        double[][] m = ReferenceBackprop.backward(model, input, base, x.target(),
                                ReferenceBackprop.Mode.RESCALE);
                        double[] expected = new double[length * dim];
                        for (int t = 0; t < length; t++) {
                            for (int d = 0; d < dim; d++) {
                                expected[t * dim + d] = m[t][d] * (input[t][d] - base[t][d]);
                            }
                        }
                        RulesReferenceTest.assertClose(expected, x.embeddingRelevance(), 1e-4, model.source()
                                + " seed " + seed + " " + baseline.cliName() + " class " + x.target());
                        checked++;
                    }
                }
            }
        }
        assertEquals(3 * 2 * (3 + 2 + 2), checked);
    }

    /**
     * On a network without nonlinearities every multiplier is the gradient, so DeepLIFT is
     * {@code (e − e') · ∂logit/∂e}: jlrp's own gradient map times the difference, and Integrated Gradients, which is
     * exact on a linear path.
     */
    @Test
    void deepLiftOnALinearNetworkIsGradientTimesDelta() {
        ModelSpec model = linear(21);
        Explainer explainer = Explainer.of(model, KernelProvider.get());
        int length = explainer.inputLength();
        int dim = explainer.network().embeddingDim();
        int[] tokens = TinyModels.tokens(new Random(3), length, explainer.vocabularySize(), 2);
        double[][] input = ReferenceForward.embed(model, tokens);
        for (Method.Baseline baseline : Method.Baseline.values()) {
            double[][] base = baselineOf(model, baseline, length, dim);
            List<Explanation> deeplift = explainer.explain(tokens, options(Method.DEEPLIFT).withBaseline(baseline));
            List<Explanation> gradient = explainer.explain(tokens, options(Method.GRADIENT));
            List<Explanation> ig = explainer.explain(tokens, options(Method.INTEGRATED_GRADIENTS).withSteps(3)
                    .withBaseline(baseline));
            for (int k = 0; k < deeplift.size(); k++) {
                double[] expected = new double[length * dim];
                float[] g = gradient.get(k).embeddingRelevance();
                for (int t = 0; t < length; t++) {
                    for (int d = 0; d < dim; d++) {
                        expected[t * dim + d] = g[t * dim + d] * (input[t][d] - base[t][d]);
                    }
                }
                String what = baseline.cliName() + " class " + k;
                RulesReferenceTest.assertClose(expected, deeplift.get(k).embeddingRelevance(), 1e-6, what);
                RulesReferenceTest.assertClose(RuleIdentitiesTest.toDouble(ig.get(k).embeddingRelevance()),
                        deeplift.get(k).embeddingRelevance(), 1e-5, what + ": Integrated Gradients");
            }
        }
    }

    /** Recurrent layers: one line naming the layer and the method (their gates are not layers of their own). */
    @Test
    void deepLiftGuidedAndDeconvnetRefuseRecurrentLayers() {
        Explainer explainer = Explainer.load(SharedFiles.require("models/anushree1001_imdb_lstm.h5"));
        int[] tokens = new int[explainer.fixedLength() ? explainer.inputLength() : 5];
        Arrays.fill(tokens, 1);
        for (Method method : List.of(Method.DEEPLIFT, Method.GUIDED_BACKPROP, Method.DECONVNET)) {
            JlrpException e = assertThrows(JlrpException.class,
                    () -> explainer.explain(tokens, ExplainOptions.DEFAULT.withMethod(method)));
            assertTrue(e.getMessage().matches("layer '[^']+' \\((LSTM|Bidirectional)\\): --method "
                    + method.cliName() + " does not support recurrent layers"), e.getMessage());
        }
    }

    // ----------------------------------------------------------------------------------------------- Shapley

    /** Exact Shapley values and the variance of each player's marginal change over random orders. */
    private record Exact(double[] values, double[] variances, double empty, double full) {
    }

    /**
     * Shapley values from all {@code 2^n} coalitions of the non-padding positions (each coalition's logit from a
     * plain forward pass; absent players are the pad id 0): {@code φ_i = Σ_S |S|!(n−|S|−1)!/n! (v(S∪i) − v(S))}, and
     * the variance of the marginal change over a uniformly random order, {@code E[Δ_i²] − φ_i²}, from the same sum.
     */
    private static Exact exactShapley(Explainer explainer, int[] tokens, int target) {
        int[] players = java.util.stream.IntStream.range(0, tokens.length).filter(t -> tokens[t] != 0).toArray();
        int n = players.length;
        double[] v = new double[1 << n];
        for (int mask = 0; mask < 1 << n; mask++) {
            int[] coalition = new int[tokens.length];
            for (int i = 0; i < n; i++) {
                if ((mask & 1 << i) != 0) {
                    coalition[players[i]] = tokens[players[i]];
                }
            }
            v[mask] = explainer.logits(coalition, null)[target];
        }
        double[] factorial = new double[n + 1];
        factorial[0] = 1;
        for (int k = 1; k <= n; k++) {
            factorial[k] = factorial[k - 1] * k;
        }
        double[] phi = new double[tokens.length];
        double[] second = new double[tokens.length];
        for (int i = 0; i < n; i++) {
            for (int mask = 0; mask < 1 << n; mask++) {
                if ((mask & 1 << i) != 0) {
                    continue;
                }
                int size = Integer.bitCount(mask);
                double weight = factorial[size] * factorial[n - size - 1] / factorial[n];
                double delta = v[mask | 1 << i] - v[mask];
                phi[players[i]] += weight * delta;
                second[players[i]] += weight * delta * delta;
            }
        }
        double[] variance = new double[tokens.length];
        for (int t = 0; t < tokens.length; t++) {
            variance[t] = Math.max(0, second[t] - phi[t] * phi[t]);
        }
        return new Exact(phi, variance, v[0], v[(1 << n) - 1]);
    }

    /**
     * Efficiency holds for every sample, whatever the number of samples: Σ R = logit(x) − logit(all padding), to
     * double rounding (the marginal changes telescope); padding positions get exactly 0; the baseline logit is the
     * all-padding input's.
     */
    @Test
    void shapleyEfficiencyHoldsForEverySampleCount() {
        for (ModelSpec model : List.of(reluPoolTanh(31), globalMaxRelu(32))) {
            Explainer explainer = Explainer.of(model, KernelProvider.get());
            int length = explainer.inputLength();
            int[] tokens = TinyModels.tokens(new Random(7), length, explainer.vocabularySize(), 3);
            float[] empty = explainer.logits(new int[length], null);
            for (int samples : new int[]{1, 2, 7, 40}) {
                for (Explanation x : explainer.explain(tokens, options(Method.SHAPLEY).withSamples(samples))) {
                    String what = model.source() + " " + samples + " samples class " + x.target();
                    assertNull(x.embeddingRelevance(), what);
                    assertEquals(empty[x.target()], x.baselineLogit(), 0, what + ": baseline logit");
                    double magnitude = Math.abs(x.explainedLogit()) + Math.abs(x.baselineLogit());
                    assertEquals(0, x.completenessError(), 1e-12 * magnitude, what + ": efficiency");
                    for (int t = length - 3; t < length; t++) {
                        assertEquals(0.0, x.relevance()[t], what + ": padding position " + t);
                    }
                }
            }
        }
    }

    /**
     * A model whose logit is a sum of per-position terms (Embedding → GlobalAveragePooling1D → Dense): every order
     * credits each token with the same change, so one sample already gives the exact Shapley values.
     */
    @Test
    void shapleyOnAnAdditiveModelIsExactAfterOneSample() {
        TinyModels b = TinyModels.builder(9, 41);
        String e = b.embedding("emb", 15, 4);
        String p = b.globalAvgPool("gap", e);
        ModelSpec model = b.build(b.dense("out", p, 3, "linear", true));
        Explainer explainer = Explainer.of(model, KernelProvider.get());
        int[] tokens = TinyModels.tokens(new Random(2), 9, 15, 2);
        for (long seed : new long[]{0, 1, 99}) {
            for (Explanation x : explainer.explain(tokens, options(Method.SHAPLEY).withSamples(1).withSeed(seed))) {
                Exact exact = exactShapley(explainer, tokens, x.target());
                double scale = Arrays.stream(exact.values()).map(Math::abs).max().orElseThrow();
                for (int t = 0; t < tokens.length; t++) {
                    assertEquals(exact.values()[t], x.relevance()[t], 1e-5 * scale, "seed " + seed + " class "
                            + x.target() + " position " + t);
                }
            }
        }
    }

    /**
     * On nonlinear models with 6 and 10 players, the sampled values against the exact ones from all {@code 2^n}
     * coalitions: each estimate is a mean of N independent marginal changes, so it lies within 5 standard errors
     * {@code 5 σ_i / √N} of φ_i (σ_i exact, from the coalitions; 5σ: a chance below 1e-6 per value, and the seed is
     * fixed). Float forward passes add 1e-6 of the logits' scale.
     */
    @Test
    void shapleySamplingConvergesToTheExactValues() {
        int checked = 0;
        for (int players : new int[]{6, 10}) {
            ModelSpec model = globalMaxRelu(50 + players, players + 2);
            TinyModels b = TinyModels.builder(players + 2, 60 + players);
            String e = b.embedding("emb", 12, 4);
            String c = b.conv1d("conv", e, 5, 3, "same", "relu", true);
            String p = b.maxPool("pool", c, 2);
            String f = b.flatten("flat", p);
            String h = b.dense("hidden", f, 5, "tanh", true);
            ModelSpec pooled = b.build(b.dense("out", h, 2, "linear", true));
            for (ModelSpec m : List.of(model, pooled)) {
                Explainer explainer = Explainer.of(m, KernelProvider.get(), UNFOLDED);
                int length = explainer.inputLength();
                int[] tokens = TinyModels.tokens(new Random(players), length, explainer.vocabularySize(),
                        length - players);
                int samples = 3000;
                for (Explanation x : explainer.explain(tokens, options(Method.SHAPLEY).withSamples(samples)
                        .withSeed(17))) {
                    Exact exact = exactShapley(explainer, tokens, x.target());
                    assertEquals(exact.full() - exact.empty(), x.relevanceSum(), 1e-9, "efficiency");
                    double scale = Math.abs(exact.full()) + Math.abs(exact.empty());
                    for (int t = 0; t < length; t++) {
                        double bound = 5 * Math.sqrt(exact.variances()[t] / samples) + 1e-6 * scale;
                        assertEquals(exact.values()[t], x.relevance()[t], bound, m.source() + " " + players
                                + " players, class " + x.target() + ", position " + t);
                    }
                    checked++;
                }
            }
        }
        assertEquals(2 * 2 * 2, checked);
    }

    /**
     * Shapley sampling against a reference that replays the documented orders (the same seeded Fisher–Yates shuffles
     * of the non-padding positions) over a table of all {@code 2^n} coalition logits from plain forward passes: equal
     * to double rounding, for 1 to 10 players.
     */
    @Test
    void shapleyEqualsTheSeededReferenceOverAllCoalitions() {
        int checked = 0;
        for (int players : new int[]{1, 2, 5, 10}) {
            ModelSpec model = globalMaxRelu(80 + players, players + 2);
            Explainer explainer = Explainer.of(model, KernelProvider.get(), UNFOLDED);
            int length = players + 2;
            int[] tokens = TinyModels.tokens(new Random(players), length, explainer.vocabularySize(), 2);
            int[] positions = java.util.stream.IntStream.range(0, length).filter(t -> tokens[t] != 0).toArray();
            int n = positions.length;
            int samples = 37;
            long seed = 5;
            for (Explanation x : explainer.explain(tokens, options(Method.SHAPLEY).withSamples(samples)
                    .withSeed(seed))) {
                double[] v = new double[1 << n];
                for (int mask = 0; mask < 1 << n; mask++) {
                    int[] coalition = new int[length];
                    for (int i = 0; i < n; i++) {
                        if ((mask & 1 << i) != 0) {
                            coalition[positions[i]] = tokens[positions[i]];
                        }
                    }
                    v[mask] = explainer.logits(coalition, null)[x.target()];
                }
                double[] expected = new double[length];
                int[] order = java.util.stream.IntStream.range(0, n).toArray(); // indices into positions
                Random random = new Random(seed);
                for (int s = 0; s < samples; s++) {
                    for (int i = n - 1; i > 0; i--) {
                        int j = random.nextInt(i + 1);
                        int swap = order[i];
                        order[i] = order[j];
                        order[j] = swap;
                    }
                    int mask = 0;
                    for (int k = 0; k < n; k++) {
                        int next = mask | 1 << order[k];
                        expected[positions[order[k]]] += v[next] - v[mask];
                        mask = next;
                    }
                }
                double scale = Math.abs(v[0]) + Math.abs(v[(1 << n) - 1]);
                for (int t = 0; t < length; t++) {
                    assertEquals(expected[t] / samples, x.relevance()[t], 1e-12 * scale, players + " players, class "
                            + x.target() + ", position " + t);
                }
                checked++;
            }
        }
        assertEquals(4 * 2, checked);
    }

    /** The same seed gives the same bits; another seed other values; {@code all} gives each class's own call. */
    @Test
    void shapleyIsDeterministicPerSeed() {
        ModelSpec model = reluPoolTanh(71);
        Explainer explainer = Explainer.of(model, KernelProvider.get());
        int[] tokens = TinyModels.tokens(new Random(4), 10, 14, 1);
        ExplainOptions o = options(Method.SHAPLEY).withSamples(5).withSeed(123);
        List<Explanation> first = explainer.explain(tokens, o);
        List<Explanation> again = Explainer.of(model, KernelProvider.get()).explain(tokens, o);
        List<Explanation> other = explainer.explain(tokens, o.withSeed(124));
        for (int k = 0; k < first.size(); k++) {
            assertArrayEquals(first.get(k).relevance(), again.get(k).relevance(), "class " + k);
            assertFalse(Arrays.equals(first.get(k).relevance(), other.get(k).relevance()), "class " + k);
            Explanation single = explainer.explain(tokens, o.withTarget(Target.index(k))).get(0);
            assertArrayEquals(first.get(k).relevance(), single.relevance(), "class " + k + " alone");
        }
    }

    /**
     * The batch engine's workers run DeepLIFT (its baseline on a second pooled workspace), Shapley sampling (its own
     * workspace group) and SmoothGrad with the sequential results, bit for bit.
     */
    @Test
    void batchesGiveTheSequentialResults() {
        ModelSpec model = reluPoolTanh(81);
        Explainer explainer = Explainer.of(model, KernelProvider.get());
        List<int[]> sequences = new java.util.ArrayList<>();
        for (int i = 0; i < 7; i++) {
            sequences.add(TinyModels.tokens(new Random(100 + i), 10, 14, i % 3));
        }
        for (ExplainOptions o : List.of(options(Method.DEEPLIFT), options(Method.SHAPLEY).withSamples(3).withSeed(9),
                options(Method.SMOOTHGRAD).withSamples(3), options(Method.GUIDED_BACKPROP))) {
            List<Explanation> sequential = explainer.explainAll(sequences, o);
            List<Explanation> batch = explainer.explainBatch(sequences, o, 3);
            assertEquals(sequential.size(), batch.size());
            for (int k = 0; k < sequential.size(); k++) {
                String what = o.method().cliName() + " result " + k;
                assertArrayEquals(sequential.get(k).relevance(), batch.get(k).relevance(), what);
                assertArrayEquals(sequential.get(k).embeddingRelevance(), batch.get(k).embeddingRelevance(), what);
                assertEquals(sequential.get(k).baselineLogit(), batch.get(k).baselineLogit(), 0, what);
            }
        }
    }
}
