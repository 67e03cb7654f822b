package org.jlrp.runtime.explain;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.jlrp.kernels.KernelProvider;
import org.jlrp.runtime.JlrpException;
import org.jlrp.runtime.ReferenceBackprop;
import org.jlrp.runtime.ReferenceForward;
import org.jlrp.runtime.TinyModels;
import org.jlrp.runtime.internal.model.ModelSpec;
import org.junit.jupiter.api.Test;

/** SmoothGrad, guided backprop and deconvnet against independent double-precision references. */
class GradientMapsTest {

    private static ExplainOptions options(Method method) {
        return ExplainOptions.DEFAULT.withTarget(Target.all()).withPadId(0).withEmbeddingRelevance(true)
                .withMethod(method);
    }

    private static double[] flat(double[][] m) {
        int dim = m[0].length;
        double[] out = new double[m.length * dim];
        for (int t = 0; t < m.length; t++) {
            System.arraycopy(m[t], 0, out, t * dim, dim);
        }
        return out;
    }

    /** Per position, the L2 norm of the map over the embedding axis, as saliency reports it. */
    private static void assertNorms(Explanation x, String what) {
        int dim = x.embeddingDim();
        for (int t = 0; t < x.relevance().length; t++) {
            double s = 0;
            for (int d = 0; d < dim; d++) {
                double v = x.embeddingRelevance()[t * dim + d];
                s += v * v;
            }
            assertEquals(Math.sqrt(s), x.relevance()[t], 1e-12 * (1 + Math.sqrt(s)), what + " position " + t);
        }
    }

    /**
     * Guided backprop and deconvnet against the double-precision backward pass with the same ReLU rules, for every
     * class, on ReLU networks with inline ReLUs, a ReLU layer, window and global max pooling; within 1e-4 of the
     * largest value.
     */
    @Test
    void guidedBackpropAndDeconvnetMatchTheDoublePrecisionReference() {
        int checked = 0;
        for (ModelSpec model : List.of(DeepLiftShapleyTest.reluPoolTanh(1), DeepLiftShapleyTest.globalMaxRelu(2),
                DeepLiftShapleyTest.globalMaxRelu(3), RulesReferenceTest.chain(4).model())) {
            Explainer explainer = Explainer.of(model, KernelProvider.get());
            for (long seed = 0; seed < 3; seed++) {
                int[] tokens = TinyModels.tokens(new Random(seed), explainer.inputLength(),
                        explainer.vocabularySize(), 2);
                double[][] input = ReferenceForward.embed(model, tokens);
                for (Method method : List.of(Method.GUIDED_BACKPROP, Method.DECONVNET)) {
                    ReferenceBackprop.Mode mode = method == Method.GUIDED_BACKPROP
                            ? ReferenceBackprop.Mode.GUIDED_BACKPROP : ReferenceBackprop.Mode.DECONVNET;
                    for (Explanation x : explainer.explain(tokens, options(method))) {
                        String what = model.source() + " seed " + seed + " " + method.cliName() + " class "
                                + x.target();
                        double[] expected = flat(ReferenceBackprop.backward(model, input, null, x.target(), mode));
                        RulesReferenceTest.assertClose(expected, x.embeddingRelevance(), 1e-4, what);
                        assertNorms(x, what);
                        checked++;
                    }
                }
            }
        }
        assertEquals(3 * 2 * (3 + 2 + 2 + 3), checked);
    }

    /**
     * The rules change ReLUs only: on a network without one (tanh, max pooling) guided backprop and deconvnet are
     * the gradient, bit for bit; on a ReLU network both differ from it.
     */
    @Test
    void guidedBackpropAndDeconvnetChangeOnlyReLUs() {
        TinyModels b = TinyModels.builder(8, 21);
        String e = b.embedding("emb", 10, 4);
        String c = b.conv1d("conv", e, 5, 3, "valid", "tanh", true);
        String p = b.globalMaxPool("gmp", c);
        ModelSpec tanh = b.build(b.dense("out", p, 2, "linear", true));
        int[] tokens = TinyModels.tokens(new Random(1), 8, 10, 1);
        Explainer explainer = Explainer.of(tanh, KernelProvider.get());
        List<Explanation> gradient = explainer.explain(tokens, options(Method.GRADIENT));
        for (Method method : List.of(Method.GUIDED_BACKPROP, Method.DECONVNET)) {
            List<Explanation> modified = explainer.explain(tokens, options(method));
            for (int k = 0; k < gradient.size(); k++) {
                assertArrayEquals(gradient.get(k).embeddingRelevance(), modified.get(k).embeddingRelevance());
                assertArrayEquals(gradient.get(k).relevance(), modified.get(k).relevance());
            }
        }
        ModelSpec relu = DeepLiftShapleyTest.globalMaxRelu(22);
        Explainer reluExplainer = Explainer.of(relu, KernelProvider.get());
        int[] reluTokens = TinyModels.tokens(new Random(2), 9, 12, 1);
        float[] g = reluExplainer.explain(reluTokens, options(Method.GRADIENT)).get(0).embeddingRelevance();
        for (Method method : List.of(Method.GUIDED_BACKPROP, Method.DECONVNET)) {
            assertFalse(Arrays.equals(g, reluExplainer.explain(reluTokens, options(method)).get(0)
                    .embeddingRelevance()), method.cliName());
        }
    }

    /** SmoothGrad with noise level 0 is saliency, bit for bit, whatever the samples and seed. */
    @Test
    void smoothGradWithoutNoiseIsSaliency() {
        ModelSpec model = DeepLiftShapleyTest.reluPoolTanh(31);
        Explainer explainer = Explainer.of(model, KernelProvider.get());
        int[] tokens = TinyModels.tokens(new Random(3), 10, 14, 2);
        List<Explanation> saliency = explainer.explain(tokens, options(Method.GRADIENT));
        for (int samples : new int[]{1, 4}) {
            List<Explanation> smooth = explainer.explain(tokens, options(Method.SMOOTHGRAD).withNoiseLevel(0)
                    .withSamples(samples).withSeed(samples));
            for (int k = 0; k < saliency.size(); k++) {
                assertArrayEquals(saliency.get(k).embeddingRelevance(), smooth.get(k).embeddingRelevance());
                assertArrayEquals(saliency.get(k).relevance(), smooth.get(k).relevance());
            }
        }
    }

    /**
     * SmoothGrad against a double-precision reference that draws the same noise (the documented order: one
     * {@code java.util.Random} with the seed, copy by copy, the flat map in order; {@code σ} the noise level times the
     * range of the Embedding output) and averages the reference gradients at the same float32 points.
     */
    @Test
    void smoothGradMatchesASeededDoublePrecisionReference() {
        int checked = 0;
        for (ModelSpec model : List.of(DeepLiftShapleyTest.reluPoolTanh(41), DeepLiftShapleyTest.globalMaxRelu(42))) {
            Explainer explainer = Explainer.of(model, KernelProvider.get());
            int length = explainer.inputLength();
            int dim = explainer.network().embeddingDim();
            int[] tokens = TinyModels.tokens(new Random(5), length, explainer.vocabularySize(), 2);
            double[][] input = ReferenceForward.embed(model, tokens);
            int samples = 6;
            long seed = 77;
            double level = 0.2;
            double min = Double.POSITIVE_INFINITY;
            double max = Double.NEGATIVE_INFINITY;
            for (double[] row : input) {
                for (double v : row) {
                    min = Math.min(min, v);
                    max = Math.max(max, v);
                }
            }
            double sigma = level * (max - min);
            int classes = explainer.outputSize();
            double[][] expected = new double[classes][length * dim];
            Random random = new Random(seed);
            double[][] point = new double[length][dim];
            for (int s = 0; s < samples; s++) {
                for (int t = 0; t < length; t++) {
                    for (int d = 0; d < dim; d++) {
                        point[t][d] = (float) (input[t][d] + sigma * random.nextGaussian());
                    }
                }
                for (int k = 0; k < classes; k++) {
                    double[] g = flat(ReferenceBackprop.backward(model, point, null, k,
                            ReferenceBackprop.Mode.GRADIENT));
                    for (int i = 0; i < g.length; i++) {
                        expected[k][i] += g[i] / samples;
                    }
                }
            }
            List<Explanation> got = explainer.explain(tokens, options(Method.SMOOTHGRAD).withSamples(samples)
                    .withSeed(seed).withNoiseLevel(level));
            for (Explanation x : got) {
                String what = model.source() + " class " + x.target();
                RulesReferenceTest.assertClose(expected[x.target()], x.embeddingRelevance(), 1e-4, what);
                assertNorms(x, what);
                checked++;
            }
            List<Explanation> otherSeed = explainer.explain(tokens, options(Method.SMOOTHGRAD)
                    .withSamples(samples).withSeed(seed + 1).withNoiseLevel(level));
            assertFalse(Arrays.equals(got.get(0).embeddingRelevance(), otherSeed.get(0).embeddingRelevance()));
        }
        assertEquals(3 + 2, checked);
    }

    /**
     * A one-sigmoid model's class 0 explains {@code −z}: DeepLIFT and Shapley values change sign with the baseline
     * logit (they are linear in the signal put in at the top), SmoothGrad's norms stay; guided backprop and
     * deconvnet, whose ReLU rules look at the sign of that signal, are refused for class 0 in one line.
     */
    @Test
    void oneSigmoidClassZeroIsTheNegationOrRefused() {
        TinyModels b = TinyModels.builder(8, 91);
        String e = b.embedding("emb", 10, 4);
        String c = b.conv1d("conv", e, 5, 3, "valid", "relu", true);
        String p = b.globalMaxPool("gmp", c);
        ModelSpec model = b.build(b.dense("out", p, 1, "sigmoid", true));
        Explainer explainer = Explainer.of(model, KernelProvider.get());
        int[] tokens = TinyModels.tokens(new Random(4), 8, 10, 2);
        for (Method method : List.of(Method.DEEPLIFT, Method.SHAPLEY, Method.SMOOTHGRAD)) {
            Explanation unit = explainer.explain(tokens, options(method).withTarget(Target.index(0))).get(0);
            Explanation negative = org.jlrp.runtime.explain.SigmoidClasses.asClass(unit, 0, method);
            for (int t = 0; t < tokens.length; t++) {
                assertEquals(method == Method.SMOOTHGRAD ? unit.relevance()[t] : -unit.relevance()[t],
                        negative.relevance()[t], 0, method.cliName() + " position " + t);
            }
            if (method != Method.SMOOTHGRAD) {
                assertEquals(-unit.baselineLogit(), negative.baselineLogit(), 0, method.cliName());
                assertEquals(-unit.completenessError(), negative.completenessError(), 1e-12, method.cliName());
            }
        }
        for (Method method : List.of(Method.GUIDED_BACKPROP, Method.DECONVNET)) {
            Explanation unit = explainer.explain(tokens, options(method).withTarget(Target.index(0))).get(0);
            assertArrayEquals(unit.relevance(), org.jlrp.runtime.explain.SigmoidClasses.asClass(unit, 1, method)
                    .relevance());
            JlrpException refused = assertThrows(JlrpException.class,
                    () -> org.jlrp.runtime.explain.SigmoidClasses.asClass(unit, 0, method));
            assertEquals("--method " + method.cliName() + " explains class 1 of a one-sigmoid model only (use "
                    + "--target 1)", refused.getMessage());
        }
    }

    /** Bad samples and noise levels are refused in one line. */
    @Test
    void badSamplesAndNoiseLevelsAreRefused() {
        for (Runnable bad : List.<Runnable>of(() -> ExplainOptions.DEFAULT.withSamples(0),
                () -> ExplainOptions.DEFAULT.withNoiseLevel(-0.1),
                () -> ExplainOptions.DEFAULT.withNoiseLevel(Double.NaN),
                () -> ExplainOptions.DEFAULT.withNoiseLevel(Double.POSITIVE_INFINITY),
                () -> ExplainOptions.DEFAULT.withSteps(0))) {
            JlrpException e = assertThrows(JlrpException.class, bad::run);
            assertFalse(e.getMessage().contains("\n"), e.getMessage());
        }
    }
}
