package org.jlrp.runtime.explain;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.jlrp.kernels.KernelProvider;
import org.jlrp.runtime.ReferenceLrp;
import org.jlrp.runtime.TinyModels;
import org.jlrp.runtime.graph.LrpRule;
import org.jlrp.runtime.internal.model.EmbeddingSpec;
import org.jlrp.runtime.internal.model.LayerSpec;
import org.jlrp.runtime.internal.model.ModelSpec;
import org.junit.jupiter.api.Test;

/** The cross-check methods: gradient, gradient × input, Integrated Gradients, occlusion. */
class MethodsTest {

    private static ExplainOptions options(Method method) {
        return new ExplainOptions(Target.all(), LrpRule.DEFAULT, 0, true).withMethod(method);
    }

    private static int[] tokens(ModelSpec model, long seed) {
        int vocabulary = ((EmbeddingSpec) model.layers().get(1)).vocabulary();
        return TinyModels.tokens(new Random(seed), model.inputLength(), vocabulary, 2);
    }

    /** Ancona et al. 2018: on ReLU networks with max/average pooling, LRP-0 (biases included) = gradient × input. */
    @Test
    void gradientTimesInputEqualsLrp0OnReluNetworks() {
        for (ModelSpec model : List.of(RulesReferenceTest.chain(31).model(), RulesReferenceTest.branches(32).model(),
                RulesReferenceTest.stacked(33).model())) {
            Explainer explainer = Explainer.of(model, KernelProvider.get());
            for (long seed = 0; seed < 3; seed++) {
                int[] tokens = tokens(model, seed);
                List<Explanation> gi = explainer.explain(tokens, options(Method.GRADIENT_INPUT));
                List<Explanation> lrp0 = explainer.explain(tokens, options(Method.LRP).withEps(0));
                for (int k = 0; k < gi.size(); k++) {
                    RulesReferenceTest.assertClose(RuleIdentitiesTest.toDouble(gi.get(k).embeddingRelevance()),
                            lrp0.get(k).embeddingRelevance(), 1e-4, model.source() + " target " + k);
                }
            }
        }
    }

    /** The gradient against central differences of the independent double-precision forward pass. */
    @Test
    void gradientMatchesFiniteDifferences() {
        TinyModels b = TinyModels.builder(6, 41);
        String e = b.embedding("emb", 9, 3);
        String c = b.conv1d("conv", e, 4, 2, "valid", "tanh", true);
        String p = b.globalAvgPool("gap", c);
        ModelSpec model = b.build(b.dense("out", p, 2, "linear", true));
        Explainer explainer = Explainer.of(model, KernelProvider.get());
        int[] tokens = tokens(model, 1);
        Explanation g = explainer.explain(tokens, options(Method.GRADIENT).withTarget(Target.index(1))).get(0);
        // Perturb one embedding table entry of a token that occurs once: the logit moves by ∂logit/∂e_{t,d}. A spec
        // owns its table, so each perturbation is a model of its own.
        float[] table = ((EmbeddingSpec) model.layers().get(1)).table();
        int t = 0;
        int dim = 3;
        for (int d = 0; d < dim; d++) {
            int index = tokens[t] * dim + d;
            float saved = table[index];
            double h = 1e-3;
            table[index] = (float) (saved + h);
            double up = new ReferenceLrp(withTable(model, table)).forward(tokens)[1];
            table[index] = (float) (saved - h);
            double down = new ReferenceLrp(withTable(model, table)).forward(tokens)[1];
            table[index] = saved;
            double occurrences = 0;
            for (int id : tokens) {
                occurrences += id == tokens[t] ? 1 : 0;
            }
            double expected = (up - down) / (2 * (float) h) / occurrences;
            assertEquals(expected, g.embeddingRelevance()[t * dim + d], 2e-3 * Math.abs(expected) + 1e-4);
        }
        // Saliency per position is the L2 norm of the gradient over the embedding axis.
        float[] map = g.embeddingRelevance();
        double norm = Math.sqrt(map[0] * map[0] + map[1] * map[1] + map[2] * map[2]);
        assertEquals(norm, g.relevance()[0], 1e-6);
    }

    /** The model with its Embedding (layer 1) reading {@code table} instead. */
    private static ModelSpec withTable(ModelSpec model, float[] table) {
        List<LayerSpec> layers = new ArrayList<>(model.layers());
        EmbeddingSpec e = (EmbeddingSpec) layers.get(1);
        layers.set(1, new EmbeddingSpec(e.name(), e.inputs(), table, e.vocabulary(), e.dim()));
        return new ModelSpec(model.source(), model.format(), model.inputLength(), layers, model.output());
    }

    /** Σ IG → logit(x) − logit(baseline) as the Riemann sum refines (a tanh model: the path is not piecewise linear). */
    @Test
    void integratedGradientsCompletenessErrorShrinksWithSteps() {
        TinyModels b = TinyModels.builder(7, 51);
        String e = b.embedding("emb", 11, 4);
        String c = b.conv1d("conv", e, 5, 3, "same", "tanh", true);
        String p = b.globalMaxPool("gmp", c);
        String h = b.dense("hidden", p, 4, "tanh", true);
        ModelSpec model = b.build(b.dense("out", h, 2, "linear", true));
        Explainer explainer = Explainer.of(model, KernelProvider.get());
        int[] tokens = tokens(model, 3);
        for (Method.Baseline baseline : Method.Baseline.values()) {
            double previous = Double.POSITIVE_INFINITY;
            double first = 0;
            for (int steps : new int[]{2, 16, 128, 1024}) {
                Explanation x = explainer.explain(tokens, options(Method.INTEGRATED_GRADIENTS).withSteps(steps)
                        .withBaseline(baseline).withTarget(Target.index(0))).get(0);
                double error = Math.abs(x.completenessError());
                assertTrue(Double.isFinite(x.baselineLogit()));
                assertTrue(error < previous || error < 1e-5, baseline + ": error " + error + " at " + steps
                        + " steps, was " + previous);
                if (steps == 2) {
                    first = error;
                }
                previous = error;
            }
            assertTrue(previous < first / 20, baseline + ": error " + previous + " at 1024 steps vs " + first
                    + " at 2");
        }
    }

    /** Occlusion is the logit drop of replacing one token by the pad id, checked against plain forward passes. */
    @Test
    void occlusionIsTheLogitDrop() {
        ModelSpec model = RulesReferenceTest.chain(61).model();
        Explainer explainer = Explainer.of(model, KernelProvider.get());
        int[] tokens = tokens(model, 5);
        for (Explanation x : explainer.explain(tokens, options(Method.OCCLUSION))) {
            assertNull(x.embeddingRelevance());
            for (int t = 0; t < tokens.length; t++) {
                int[] occluded = tokens.clone();
                occluded[t] = 0;
                double logit = explainer.explain(occluded, ExplainOptions.DEFAULT.withTarget(Target.index(x.target())))
                        .get(0).explainedLogit();
                double expected = tokens[t] == 0 ? 0 : x.explainedLogit() - logit;
                assertEquals(expected, x.relevance()[t], 1e-6, "position " + t);
            }
        }
    }

    /** A later LRP target of the same sequence still sees the sequence's forward pass after IG and occlusion. */
    @Test
    void methodsLeaveTheWorkspaceOnTheInput() {
        ModelSpec model = RulesReferenceTest.chain(71).model();
        Explainer explainer = Explainer.of(model, KernelProvider.get());
        int[] tokens = tokens(model, 1);
        List<Explanation> before = explainer.explain(tokens, options(Method.LRP));
        explainer.explain(tokens, options(Method.INTEGRATED_GRADIENTS).withSteps(3));
        explainer.explain(tokens, options(Method.OCCLUSION));
        List<Explanation> after = explainer.explain(tokens, options(Method.LRP));
        for (int k = 0; k < before.size(); k++) {
            assertEquals(before.get(k).relevanceSum(), after.get(k).relevanceSum(), 0);
        }
    }
}
