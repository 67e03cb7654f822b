package org.jlrp.runtime.explain;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.jlrp.kernels.KernelProvider;
import org.jlrp.runtime.ReferenceLrp;
import org.jlrp.runtime.TinyModels;
import org.jlrp.runtime.internal.model.LayerSpec;
import org.jlrp.runtime.internal.model.EmbeddingSpec;
import org.jlrp.runtime.internal.model.ModelSpec;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The known identities of the rules, on small random models. */
class RuleIdentitiesTest {

    private static List<ModelSpec> models(boolean nonNegativeEmbedding) {
        return List.of(RulesReferenceTest.chain(11).model(), RulesReferenceTest.chain(12).model(),
                RulesReferenceTest.branches(13).model(), RulesReferenceTest.stacked(14).model(),
                withAbsoluteEmbedding(nonNegativeEmbedding, 15));
    }

    /** A chain model whose embedding is |random| when asked (non-negative inputs to the first layer). */
    private static ModelSpec withAbsoluteEmbedding(boolean absolute, long seed) {
        TinyModels b = TinyModels.builder(9, seed);
        Random random = new Random(seed);
        float[] table = new float[12 * 4];
        for (int i = 0; i < table.length; i++) {
            float v = (float) random.nextGaussian();
            table[i] = absolute ? Math.abs(v) : v;
        }
        String e = b.embedding("emb", 12, 4, table);
        String c = b.conv1d("conv", e, 6, 2, "valid", "relu", true);
        String p = b.globalMaxPool("gmp", c);
        String h = b.dense("hidden", p, 5, "relu", true);
        return b.build(b.dense("out", h, 3, "linear", true));
    }

    /** Every class's explanation (the loops over it below then cover every class: one per output is asserted). */
    private static List<Explanation> explain(ModelSpec model, String spec, boolean ignoreBias, int[] tokens) {
        Explainer explainer = Explainer.of(model, KernelProvider.get());
        ExplainOptions options = ExplainOptions.DEFAULT.withTarget(Target.all()).withPadId(0).withEmbeddingRelevance(true)
                .withRules(Composite.parse(spec, 1e-6).withIgnoreBias(ignoreBias));
        List<Explanation> all = explainer.explain(tokens, options);
        assertEquals(explainer.network().outputSize(), all.size(), "target all: one explanation per class");
        return all;
    }

    private static int[] tokens(ModelSpec model, long seed) {
        int vocabulary = ((EmbeddingSpec) model.layers().get(1)).vocabulary();
        return TinyModels.tokens(new Random(seed), model.inputLength(), vocabulary, 2);
    }

    /**
     * z⁺ shares only the positive parts {@code (x w)⁺ ≥ 0} over positive denominators, so every relevance has the sign
     * of the logit. An all-zero map is allowed only where the double-precision reference z⁺ map is all zero too
     * (every unit under the target inactive: z⁺ has nothing to share), and most explanations must have non-zero maps.
     */
    @Test
    void zPlusRelevanceHasTheSignOfTheLogitForNonNegativeInputs() {
        int explanations = 0;
        int nonZeroMaps = 0;
        for (ModelSpec model : models(true)) {
            ReferenceLrp reference = new ReferenceLrp(model);
            Map<String, ReferenceLrp.Rule> zPlusEverywhere = new HashMap<>();
            for (LayerSpec layer : model.layers()) {
                if (layer.type().equals("Conv1D") || layer.type().equals("Dense")) {
                    zPlusEverywhere.put(layer.name(), ReferenceLrp.Rule.of("zplus"));
                }
            }
            for (long seed = 0; seed < 3; seed++) {
                int[] tokens = tokens(model, seed);
                for (Explanation e : explain(model, "conv1d=zplus;dense=zplus", false, tokens)) {
                    double sign = Math.signum(e.explainedLogit());
                    int nonZero = 0;
                    for (float r : e.embeddingRelevance()) {
                        assertTrue(sign * r >= 0, model.source() + ": z+ relevance " + r + " against logit "
                                + e.explainedLogit());
                        nonZero += r != 0 ? 1 : 0;
                    }
                    explanations++;
                    if (nonZero > 0) {
                        nonZeroMaps++;
                    } else {
                        for (double r : reference.relevance(tokens, e.target(), zPlusEverywhere, 1e-6)) {
                            assertEquals(0.0, r, model.source() + " target " + e.target()
                                    + ": all-zero z+ relevance where the reference has some");
                        }
                    }
                }
            }
        }
        assertTrue(nonZeroMaps > explanations / 2, nonZeroMaps + " of " + explanations + " z+ maps are not all zero");
    }

    @Test
    void alphaOneBetaZeroIsZPlus() {
        for (ModelSpec model : models(false)) {
            int[] tokens = tokens(model, 7);
            for (boolean ignoreBias : new boolean[]{false, true}) {
                List<Explanation> ab = explain(model, "alphabeta:1:0", ignoreBias, tokens);
                List<Explanation> zp = explain(model, "zplus", ignoreBias, tokens);
                for (int k = 0; k < ab.size(); k++) {
                    RulesReferenceTest.assertClose(toDouble(zp.get(k).embeddingRelevance()),
                            ab.get(k).embeddingRelevance(), 1e-6, model.source() + " ignoreBias=" + ignoreBias);
                }
            }
        }
    }

    @Test
    void gammaZeroIsLrp0() {
        for (ModelSpec model : models(false)) {
            int[] tokens = tokens(model, 8);
            List<Explanation> gamma = explain(model, "gamma:0", false, tokens);
            List<Explanation> lrp0 = explain(model, "lrp0", false, tokens);
            for (int k = 0; k < gamma.size(); k++) {
                RulesReferenceTest.assertClose(toDouble(lrp0.get(k).embeddingRelevance()),
                        gamma.get(k).embeddingRelevance(), 1e-4, model.source() + " target " + k);
            }
        }
    }

    /**
     * With biases ignored, every rule passes on exactly the relevance it receives: Σ R = logit (up to e). The rule
     * under test sits on the first layer, whose signed embedding inputs keep its denominators away from 0; above it
     * LRP-0 without bias, and max pooling only. (Elsewhere a rule loses relevance where its own denominator is 0, as
     * the formulas say: z⁺ where every {@code x_i w_ij ≤ 0}, αβ's β part where none is negative, and the average
     * pool's ε-rule on a channel that is 0 everywhere.)
     */
    @ParameterizedTest
    @ValueSource(strings = {"epsilon:0", "epsilon:1e-6", "zplus", "alphabeta:2:1", "alphabeta:1:0", "gamma:0.25",
            "gamma:0", "flat", "wsquare", "zbox"})
    void conservationIsExactWithBiasesIgnored(String rule) {
        List<ModelSpec> maxPooling = List.of(RulesReferenceTest.chain(11).model(), RulesReferenceTest.chain(12).model(),
                withAbsoluteEmbedding(false, 15), withAbsoluteEmbedding(false, 16));
        String spec = "first=" + rule + ";conv1d=epsilon:0;dense=epsilon:0";
        for (ModelSpec model : maxPooling) {
            for (long seed = 0; seed < 3; seed++) {
                for (Explanation e : explain(model, spec, true, tokens(model, seed))) {
                    double scale = 0;
                    for (double r : e.relevance()) {
                        scale += Math.abs(r);
                    }
                    scale = Math.max(scale, Math.abs(e.explainedLogit()));
                    assertEquals(e.explainedLogit(), e.relevanceSum(), 1e-4 * scale, model.source() + " " + spec
                            + " target " + e.target());
                }
            }
        }
    }

    @Test
    void biasesAbsorbRelevanceWhenKept() {
        ModelSpec model = RulesReferenceTest.chain(11).model();
        double absorbed = 0;
        for (Explanation e : explain(model, "zplus", false, tokens(model, 0))) {
            absorbed += Math.abs(e.relevanceBias());
        }
        assertTrue(absorbed > 1e-3, "z+ with biases should leave some relevance on the biases, got " + absorbed);
    }

    /** Flat on a Dense that reads the flattened embedding gives every input the same share. */
    @Test
    void flatSpreadsEvenly() {
        TinyModels b = TinyModels.builder(5, 21);
        String e = b.embedding("emb", 10, 3);
        String f = b.flatten("flat", e);
        String h = b.dense("hidden", f, 4, "relu", true);
        ModelSpec model = b.build(b.dense("out", h, 2, "linear", true));
        for (Explanation x : explain(model, "hidden=flat;out=epsilon:0", true, tokens(model, 3))) {
            float[] map = x.embeddingRelevance();
            for (float r : map) {
                assertEquals(map[0], r, 1e-6 * Math.abs(map[0]) + 1e-12);
            }
            assertEquals(x.explainedLogit(), x.relevanceSum(), 1e-5 * Math.abs(x.explainedLogit()) + 1e-9);
        }
        // On a convolution, flat is even across the embedding axis of each position.
        for (ModelSpec m : models(false)) {
            for (Explanation x : explain(m, "first=flat", false, tokens(m, 4))) {
                int dim = x.embeddingDim();
                float[] map = x.embeddingRelevance();
                for (int t = 0; t < map.length / dim; t++) {
                    for (int d = 1; d < dim; d++) {
                        assertEquals(map[t * dim], map[t * dim + d], 1e-6 * Math.abs(map[t * dim]) + 1e-12);
                    }
                }
            }
        }
    }

    static double[] toDouble(float[] values) {
        double[] out = new double[values.length];
        for (int i = 0; i < values.length; i++) {
            out[i] = values[i];
        }
        return out;
    }
}
