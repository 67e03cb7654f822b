package org.jlrp.runtime.explain;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.jlrp.kernels.KernelProvider;
import org.jlrp.runtime.ReferenceForward;
import org.jlrp.runtime.ReferenceLrp;
import org.jlrp.runtime.TestModels;
import org.jlrp.runtime.TinyModels;
import org.jlrp.runtime.internal.graph.Network;
import org.jlrp.runtime.internal.graph.RulePlan;
import org.jlrp.runtime.internal.graph.Workspace;
import org.jlrp.runtime.internal.model.EmbeddingSpec;
import org.jlrp.runtime.internal.model.LayerSpec;
import org.jlrp.runtime.internal.model.ModelSpec;
import org.junit.jupiter.api.Test;

/** The cross-check methods: gradient, gradient × input, Integrated Gradients, occlusion. */
class MethodsTest {

    private static ExplainOptions options(Method method) {
        return ExplainOptions.DEFAULT.withTarget(Target.all()).withPadId(0).withEmbeddingRelevance(true).withMethod(method);
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
                assertEquals(explainer.network().outputSize(), gi.size(), "target all: one per class");
                assertEquals(gi.size(), lrp0.size());
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

    // ----------------------------------------------------------- Integrated Gradients: every class, float64 reference

    /**
     * Integrated Gradients for every class ({@link Target#all()}) at once, against a double-precision Integrated
     * Gradients computed here from the independent {@link ReferenceForward} (central differences per coordinate, the
     * same right Riemann sum with the same number of steps), on a tanh model whose path is not piecewise linear.
     *
     * <p>Completeness. Σ relevance is the Riemann sum {@code (1/m) Σ_{k=1..m} f(k/m)} of the path derivative
     * {@code f(α) = d/dα logit(e' + α (e − e'))}, whose integral is {@code logit(e) − logit(e')}. Over each of the
     * {@code m} cells the sum's value {@code f(k/m)} differs from {@code f} by at most the cell's variation of
     * {@code f}, so {@code |Σ R − (logit − baseline logit)| ≤ V(f) / m}, where {@code V(f)} is the total variation of
     * {@code f} on [0, 1] (measured on the float64 reference). On top of that: 1e-5 of the magnitudes involved for the
     * float32 arithmetic (each value passes a few dozen float operations of ~6e-8 relative error; 10× margin).
     */
    @Test
    void integratedGradientsOfEveryClassMatchTheDoublePrecisionReference() {
        int length = 8;
        int vocabulary = 12;
        int dim = 4;
        int classes = 3;
        ModelSpec model = TestModels.chain(81, length).embedding(vocabulary, dim, false)
                .conv1d("conv", dim, 5, 3, "same", 1, 1, "tanh").layer("gmp", "GlobalMaxPooling1D")
                .dense("hidden", 5, 4, "tanh").dense("out", 4, classes, "linear").build();
        Explainer explainer = Explainer.of(model, KernelProvider.get());
        int[] tokens = TestModels.tokens(new Random(5), length, vocabulary, 2);
        double[][] input = ReferenceForward.embed(model, tokens);
        int compared = 0;
        for (Method.Baseline baseline : Method.Baseline.values()) {
            double[][] base = baseline == Method.Baseline.PADDING ? ReferenceForward.embed(model, new int[length])
                    : new double[length][dim];
            for (int steps : new int[]{16, 128}) {
                List<Explanation> all = explainer.explain(tokens, options(Method.INTEGRATED_GRADIENTS)
                        .withSteps(steps).withBaseline(baseline));
                assertEquals(classes, all.size(), "target all: one explanation per class");
                for (int k = 0; k < classes; k++) {
                    Explanation x = all.get(k);
                    String what = baseline.cliName() + " baseline, " + steps + " steps, class " + k;
                    assertEquals(k, x.target(), what);
                    double logit = ReferenceForward.logits(model, input)[k];
                    double baselineLogit = ReferenceForward.logits(model, base)[k];
                    double[] reference = referenceIntegratedGradients(model, input, base, k, steps);
                    double referenceSum = 0;
                    double magnitude = 0;
                    for (double r : reference) {
                        referenceSum += r;
                        magnitude += Math.abs(r);
                    }
                    double slack = 1e-5 * Math.max(magnitude, Math.max(Math.abs(logit), Math.abs(baselineLogit)));
                    assertEquals(logit, x.explainedLogit(), slack, what + ": logit");
                    assertEquals(baselineLogit, x.baselineLogit(), slack, what + ": baseline logit");
                    RulesReferenceTest.assertClose(reference, x.embeddingRelevance(), 1e-4, what + ": map");
                    assertEquals(referenceSum, x.relevanceSum(), slack, what + ": Σ relevance");
                    double bound = integrandVariation(model, input, base, k) / steps;
                    double error = x.completenessError();
                    assertTrue(Math.abs(error) <= bound + slack, what + ": completeness error " + error
                            + " beyond V(f)/m = " + bound);
                    // the float64 Riemann sum misses the integral by just as much
                    assertEquals(referenceSum - (logit - baselineLogit), error, slack, what + ": completeness error");
                    compared++;
                }
            }
        }
        assertEquals(2 * 2 * classes, compared);
    }

    /** Integrated Gradients in double precision: the right Riemann sum of central-difference gradients. */
    private static double[] referenceIntegratedGradients(ModelSpec model, double[][] input, double[][] baseline,
                                                         int target, int steps) {
        int length = input.length;
        int dim = input[0].length;
        double h = 1e-5;
        double[] sum = new double[length * dim];
        double[][] point = new double[length][dim];
        for (int k = 1; k <= steps; k++) {
            double alpha = (double) k / steps;
            for (int t = 0; t < length; t++) {
                for (int d = 0; d < dim; d++) {
                    point[t][d] = baseline[t][d] + alpha * (input[t][d] - baseline[t][d]);
                }
            }
            for (int t = 0; t < length; t++) {
                for (int d = 0; d < dim; d++) {
                    double keep = point[t][d];
                    point[t][d] = keep + h;
                    double up = ReferenceForward.logits(model, point)[target];
                    point[t][d] = keep - h;
                    double down = ReferenceForward.logits(model, point)[target];
                    point[t][d] = keep;
                    sum[t * dim + d] += (up - down) / (2 * h);
                }
            }
        }
        double[] map = new double[length * dim];
        for (int t = 0; t < length; t++) {
            for (int d = 0; d < dim; d++) {
                map[t * dim + d] = (input[t][d] - baseline[t][d]) * sum[t * dim + d] / steps;
            }
        }
        return map;
    }

    /** The total variation on [0, 1] of {@code f(α) = d/dα logit(e' + α (e − e'))}, on a grid of 1024 cells. */
    private static double integrandVariation(ModelSpec model, double[][] input, double[][] baseline, int target) {
        int cells = 1024;
        double delta = 1e-6;
        double variation = 0;
        double previous = 0;
        for (int i = 0; i <= cells; i++) {
            double alpha = (double) i / cells;
            double f = (pathLogit(model, input, baseline, target, alpha + delta)
                    - pathLogit(model, input, baseline, target, alpha - delta)) / (2 * delta);
            if (i > 0) {
                variation += Math.abs(f - previous);
            }
            previous = f;
        }
        return variation;
    }

    private static double pathLogit(ModelSpec model, double[][] input, double[][] baseline, int target,
                                    double alpha) {
        double[][] point = new double[input.length][input[0].length];
        for (int t = 0; t < input.length; t++) {
            for (int d = 0; d < input[0].length; d++) {
                point[t][d] = baseline[t][d] + alpha * (input[t][d] - baseline[t][d]);
            }
        }
        return ReferenceForward.logits(model, point)[target];
    }

    // ------------------------------------------------------------------ workspace state after IG and occlusion

    /**
     * The workspace tests' model, {@link RulesReferenceTest#chain} (Embedding → Dropout → Conv1D(relu) →
     * MaxPooling1D(2) → Flatten → Dense → Dense, 3 classes): its plan folds the Embedding into the Conv1D and fuses
     * the pool, so the default LRP pass runs folded while the other methods run unfolded, on the same workspaces.
     */
    private static Explainer newWorkspaceExplainer(ModelSpec model) {
        Explainer explainer = Explainer.of(model, KernelProvider.get());
        assertTrue(explainer.network().foldingPlanned(), "the default LRP pass must run folded on this model");
        assertEquals(1, explainer.network().fusedPoolNames().size(), "the folded Conv1D must compute its pool");
        return explainer;
    }

    /**
     * Integrated Gradients, occlusion, Shapley sampling and SmoothGrad run forward passes of other inputs (path
     * points, the baseline, occluded copies, coalitions, noisy copies) on the workspace they were given (DeepLIFT runs
     * its baseline on another), then run the input's own forward pass again. On a workspace the test
     * owns (the {@link BatchEngine} path; the pooled workspaces of {@link Explainer#explain} go through the same
     * method), after each of them the workspace must hold exactly what the plain forward pass of the input leaves.
     */
    @Test
    void methodsWithOtherForwardPassesLeaveTheWorkspaceOnTheirInput() {
        ModelSpec model = RulesReferenceTest.chain(71).model();
        Explainer explainer = newWorkspaceExplainer(model);
        Network network = explainer.network();
        int[] tokens = tokens(model, 1);
        int[] other = tokens(model, 2);
        assertFalse(Arrays.equals(tokens, other));

        // The check tells a workspace on this input from one left on another input.
        Workspace onTokens = network.newWorkspace();
        network.forward(onTokens, tokens);
        assertNull(workspaceDifference(network, onTokens, tokens));
        Workspace onOther = network.newWorkspace();
        network.forward(onOther, other);
        assertNotNull(workspaceDifference(network, onOther, tokens), "another input's pass must be seen");

        // Occlusion and Shapley sampling run on the folded plan here, whose forward pass leaves no [T][D] values to
        // compare; on the unfolded plan they must restore the input's pass as the others do.
        Explainer unfolded = Explainer.of(model, KernelProvider.get(), 0);
        int checked = 0;
        for (ExplainOptions options : List.of(
                options(Method.INTEGRATED_GRADIENTS).withSteps(3),
                options(Method.INTEGRATED_GRADIENTS).withSteps(3).withBaseline(Method.Baseline.ZERO)
                        .withTarget(Target.index(2)),
                options(Method.OCCLUSION),
                options(Method.OCCLUSION).withTarget(Target.pred()),
                options(Method.DEEPLIFT),
                options(Method.SHAPLEY).withSamples(2),
                options(Method.SMOOTHGRAD).withSamples(2).withTarget(Target.index(1)))) {
            boolean folded = network.planFor(options.method(), null, false).isFolded();
            Explainer e = folded ? unfolded : explainer;
            Workspace ws = e.network().newWorkspace();
            // A (folded, for the explainer that folds) LRP pass of another sequence first, as a pooled or engine
            // workspace may have seen.
            e.explainSequence(0, other, ExplainOptions.DEFAULT, ws);
            e.explainSequence(0, tokens, options, ws);
            String difference = workspaceDifference(e.network(), ws, tokens);
            assertNull(difference, options.method().cliName() + ", target " + options.target() + ": " + difference);
            checked++;
        }
        assertEquals(7, checked);
    }

    /**
     * Null when {@code ws} holds what the plain forward pass of {@code tokens} leaves in a new workspace: the same
     * logits and Embedding output and, since the relevance passes read every layer's values, pre-activations and
     * pooling winners, the same ε-LRP map and the same gradient for every class, bit for bit. Otherwise the first
     * difference. Runs relevance passes on {@code ws}.
     */
    private static String workspaceDifference(Network network, Workspace ws, int[] tokens) {
        Workspace fresh = network.newWorkspace();
        network.forward(fresh, tokens);
        if (!Arrays.equals(network.logits(fresh), network.logits(ws))) {
            return "logits " + Arrays.toString(network.logits(ws)) + ", expected "
                    + Arrays.toString(network.logits(fresh));
        }
        if (!Arrays.equals(network.embeddingOutput(fresh), network.embeddingOutput(ws))) {
            return "Embedding output";
        }
        float[] logits = network.logits(fresh).clone();
        RulePlan epsilon = network.rulePlan(Composite.DEFAULT);
        for (int target = 0; target < logits.length; target++) {
            network.backward(network.unfoldedPlan(), fresh, target, logits[target], epsilon);
            network.backward(network.unfoldedPlan(), ws, target, logits[target], epsilon);
            if (!Arrays.equals(network.embeddingRelevance(fresh), network.embeddingRelevance(ws))) {
                return "ε-LRP map of class " + target;
            }
            network.gradient(fresh, target);
            network.gradient(ws, target);
            if (!Arrays.equals(network.embeddingRelevance(fresh), network.embeddingRelevance(ws))) {
                return "gradient of class " + target;
            }
        }
        return null;
    }

    /**
     * One explainer (so one pooled workspace, reused by every call) runs the methods interleaved, on two sequences;
     * every result must equal, bit for bit, what a new explainer gives for the same call. The default LRP calls run
     * folded and fused right after the unfolded passes of Integrated Gradients and occlusion, and the other way round.
     */
    @Test
    void interleavedMethodsOnOneExplainerGiveWhatNewExplainersGive() {
        ModelSpec model = RulesReferenceTest.chain(71).model();
        Explainer shared = newWorkspaceExplainer(model);
        int[] a = tokens(model, 1);
        int[] b = tokens(model, 2);
        ExplainOptions lrp = ExplainOptions.DEFAULT; // predicted class, no map: folded
        ExplainOptions ig = options(Method.INTEGRATED_GRADIENTS).withSteps(5); // every class
        ExplainOptions occlusion = options(Method.OCCLUSION); // every class
        record Call(int[] tokens, ExplainOptions options) {
        }
        List<Call> calls = List.of(
                new Call(a, lrp),
                new Call(a, ig),
                new Call(a, lrp),
                new Call(a, options(Method.LRP)), // every class with the [T][D] map: unfolded
                new Call(a, occlusion),
                new Call(a, lrp.withTarget(Target.all())),
                new Call(b, ig.withSteps(4).withBaseline(Method.Baseline.ZERO)),
                new Call(b, lrp.withTarget(Target.index(1))),
                new Call(b, occlusion.withTarget(Target.index(2))),
                new Call(a, options(Method.GRADIENT)),
                new Call(b, lrp),
                new Call(a, ig),
                new Call(a, options(Method.GRADIENT_INPUT)),
                new Call(b, occlusion),
                new Call(a, lrp.withRules(Composite.parse("epsilon-plus", 1e-6))),
                new Call(a, lrp),
                new Call(b, ig),
                new Call(a, options(Method.DEEPLIFT)),
                new Call(b, options(Method.SHAPLEY).withSamples(3)),
                new Call(a, lrp),
                new Call(b, options(Method.SMOOTHGRAD).withSamples(2)),
                new Call(a, options(Method.GUIDED_BACKPROP)),
                new Call(b, lrp.withTarget(Target.index(2))),
                new Call(a, options(Method.DECONVNET)));
        for (int i = 0; i < calls.size(); i++) {
            Call call = calls.get(i);
            List<Explanation> got = shared.explain(call.tokens(), call.options());
            List<Explanation> want = newWorkspaceExplainer(model).explain(call.tokens(), call.options());
            String difference = difference(want, got);
            assertNull(difference, "call " + i + " (" + call.options().method().cliName() + ", target "
                    + call.options().target() + "): " + difference);
        }
        // The comparison sees a deliberately different input, for each kind of result.
        for (ExplainOptions options : List.of(lrp, ig, occlusion)) {
            assertNotNull(difference(newWorkspaceExplainer(model).explain(b, options), shared.explain(a, options)),
                    options.method().cliName() + ": the comparison must tell two inputs apart");
        }
    }

    /** Null when both lists hold the same explanations, bit for bit; otherwise the first difference. */
    private static String difference(List<Explanation> expected, List<Explanation> actual) {
        if (expected.size() != actual.size()) {
            return actual.size() + " explanations, expected " + expected.size();
        }
        for (int k = 0; k < expected.size(); k++) {
            Explanation e = expected.get(k);
            Explanation a = actual.get(k);
            String at = "explanation " + k + ": ";
            if (e.sequence() != a.sequence() || e.target() != a.target()) {
                return at + "sequence/target " + a.sequence() + "/" + a.target() + ", expected " + e.sequence() + "/"
                        + e.target();
            }
            if (!Arrays.equals(e.tokens(), a.tokens())) {
                return at + "tokens";
            }
            if (!Arrays.equals(e.logits(), a.logits()) || !Arrays.equals(e.probabilities(), a.probabilities())) {
                return at + "logits " + Arrays.toString(a.logits()) + ", expected " + Arrays.toString(e.logits());
            }
            if (!Arrays.equals(e.relevance(), a.relevance())) {
                return at + "relevance " + Arrays.toString(a.relevance()) + ", expected "
                        + Arrays.toString(e.relevance());
            }
            if (!Arrays.equals(e.embeddingRelevance(), a.embeddingRelevance())) {
                return at + "[T][D] map";
            }
            double[] ours = {a.explainedLogit(), a.relevancePadding(), a.relevanceSum(), a.relevanceBias(),
                    a.baselineLogit(), a.embeddingDim()};
            double[] theirs = {e.explainedLogit(), e.relevancePadding(), e.relevanceSum(), e.relevanceBias(),
                    e.baselineLogit(), e.embeddingDim()};
            if (!Arrays.equals(theirs, ours)) {
                return at + "explained logit, padding, sum, bias, baseline logit, dim " + Arrays.toString(ours)
                        + ", expected " + Arrays.toString(theirs);
            }
        }
        return null;
    }
}
