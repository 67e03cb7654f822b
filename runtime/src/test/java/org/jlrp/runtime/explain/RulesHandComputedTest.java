package org.jlrp.runtime.explain;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.jlrp.kernels.KernelProvider;
import org.jlrp.runtime.TinyModels;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Each rule on models small enough to compute by hand (the arithmetic is in the comments), relevance read per
 * embedding dimension.
 */
class RulesHandComputedTest {

    /**
     * One token, embedding x = (1, −2, 0.5) (row 1; row 0 = (0.5, −3, 1) is the other vocabulary row), Flatten, then
     * Dense "out" with w_·0 = (2, 0.5, −1), b_0 = 0.5 and w_·1 = (0.3, 0.2, 0.1), b_1 = −0.2.
     * Unit 0: products x_i w_i0 = (2, −1, −0.5), z_0 = 1 (0.5 without bias), R = logit = 1.
     * Unit 1: products (0.3, −0.4, 0.05), z_1 = −0.25.
     */
    private static Explainer dense() {
        TinyModels b = TinyModels.builder(1, 0);
        String e = b.embedding("emb", 2, 3, new float[]{0.5f, -3f, 1f, 1f, -2f, 0.5f});
        String f = b.flatten("flat", e);
        // kernel [in][units]: row i = (w_i0, w_i1)
        String o = b.dense("out", f, 2, "linear", new float[]{2f, 0.3f, 0.5f, 0.2f, -1f, 0.1f},
                new float[]{0.5f, -0.2f});
        return Explainer.of(b.build(o), KernelProvider.get());
    }

    private static float[] explain(Explainer explainer, int[] tokens, int target, String spec, boolean ignoreBias) {
        ExplainOptions options = ExplainOptions.DEFAULT.withTarget(Target.index(target)).withEmbeddingRelevance(true)
                .withRules(Composite.parse(spec, 1e-6).withIgnoreBias(ignoreBias));
        return explainer.explain(tokens, options).get(0).embeddingRelevance();
    }

    @ParameterizedTest(name = "{0} ignoreBias={1}")
    @CsvSource({
            // ε: x_i w_i0 · R / z_0 = (2, −1, −0.5) · 1/1; without bias z = 0.5: twice that
            "out=epsilon:1e-6, false, 2, -1, -0.5",
            "out=epsilon:1e-6, true, 4, -2, -1",
            "out=epsilon:0, false, 2, -1, -0.5",
            // z⁺: Z⁺ = 2 + b⁺ 0.5 = 2.5 → (2/2.5, 0, 0); without bias Z⁺ = 2
            "out=zplus, false, 0.8, 0, 0",
            "out=zplus, true, 1, 0, 0",
            // αβ(2,1): Z⁺ = 2.5, Z⁻ = −1.5: (2·2/2.5, −(−1)/(−1.5), −(−0.5)/(−1.5)); without bias Z⁺ = 2
            "out=alphabeta:2:1, false, 1.6, -0.6666667, -0.3333333",
            "out=alphabeta:2:1, true, 2, -0.6666667, -0.3333333",
            // γ = 0.25, z > 0: numerators x w + γ (x w)⁺ = (2.5, −1, −0.5), denominator z + γ(Σ(x w)⁺ + b⁺)
            // = 1 + 0.25·2.5 = 1.625; without bias 0.5 + 0.25·2 = 1
            "out=gamma:0.25, false, 1.5384615, -0.6153846, -0.3076923",
            "out=gamma:0.25, true, 2.5, -1, -0.5",
            // zB: l = (0.5, −3, 0.5), h = (1, −2, 1) over both rows; numerators (x − l) w⁺ + (x − h) w⁻
            // = (0.5·2, 1·0.5, (−0.5)·(−1)) = (1, 0.5, 0.5), sum 2; bias cancels
            "out=zbox, false, 0.5, 0.25, 0.25",
            "out=zbox, true, 0.5, 0.25, 0.25",
            // flat: 1/3 each
            "out=flat, false, 0.3333333, 0.3333333, 0.3333333",
            "out=flat, true, 0.3333333, 0.3333333, 0.3333333",
            // w²: w² = (4, 0.25, 1), Σ = 5.25, + b² 0.25 = 5.5; without bias 5.25
            "out=wsquare, false, 0.7272727, 0.0454545, 0.1818182",
            "out=wsquare, true, 0.7619048, 0.0476190, 0.1904762",
    })
    void denseUnitWithPositiveLogit(String spec, boolean ignoreBias, double r0, double r1, double r2) {
        float[] r = explain(dense(), new int[]{1}, 0, spec, ignoreBias);
        // e = 1e-6 in denominators of 0.5 to 5.5 moves the results by up to 2e-6 relative
        assertEquals(r0, r[0], 1e-5 * Math.abs(r0) + 1e-7, "dim 0");
        assertEquals(r1, r[1], 1e-5 * Math.abs(r1) + 1e-7, "dim 1");
        assertEquals(r2, r[2], 1e-5 * Math.abs(r2) + 1e-7, "dim 2");
    }

    /**
     * γ on a unit with z < 0 uses the negative parts: unit 1, products (0.3, −0.4, 0.05), z = −0.25, R = −0.25.
     * Numerators x w + γ (x w)⁻ = (0.3, −0.5, 0.05); denominator z + γ(Σ(x w)⁻ + b⁻) = −0.25 + 0.25·(−0.6) = −0.4;
     * R_i = numerator · (−0.25)/(−0.4) = (0.1875, −0.3125, 0.03125).
     */
    @ParameterizedTest
    @CsvSource({"out=gamma:0.25, 0.1875, -0.3125, 0.03125"})
    void gammaOnNegativeUnitUsesNegativeParts(String spec, double r0, double r1, double r2) {
        float[] r = explain(dense(), new int[]{1}, 1, spec, false);
        assertEquals(r0, r[0], 2e-6);
        assertEquals(r1, r[1], 2e-6);
        assertEquals(r2, r[2], 2e-6);
    }

    /**
     * Three tokens with one-dimensional embeddings 1, 2, 3; Conv1D "conv" width 3, same padding, kernel (1, 1, 1), no
     * bias: z = (0+1+2, 1+2+3, 2+3+0) = (3, 6, 5); Flatten; Dense "out" with weights (1, 1, 1): logit 14, and ε gives
     * the conv outputs R_j = z_j. The edge outputs have 2 in-range inputs, the middle one 3.
     */
    private static Explainer conv() {
        TinyModels b = TinyModels.builder(3, 0);
        String e = b.embedding("emb", 4, 1, new float[]{0f, 1f, 2f, 3f});
        String c = b.conv1d("conv", e, 1, 3, "same", "linear", new float[]{1f, 1f, 1f}, null);
        String f = b.flatten("flat", c);
        String o = b.dense("out", f, 1, "linear", new float[]{1f, 1f, 1f}, null);
        return Explainer.of(b.build(o), KernelProvider.get());
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({
            // flat: R_i = Σ_j R_j / N_j with N = (2, 3, 2): (3/2 + 6/3, 3/2 + 6/3 + 5/2, 6/3 + 5/2); sum 14
            "first=flat;dense=epsilon:0, 3.5, 6, 4.5",
            // w² with unit weights: the same as flat
            "conv=wsquare;dense=epsilon:0, 3.5, 6, 4.5",
            // z⁺ with all products positive is ε: x_i Σ_j R_j / z_j = (1·2, 2·3, 3·2)
            "conv1d=zplus;dense=epsilon:0, 2, 6, 6",
            "conv1d=epsilon:0;dense=epsilon:0, 2, 6, 6",
    })
    void samePaddedConvolution(String spec, double r0, double r1, double r2) {
        float[] r = explain(conv(), new int[]{1, 2, 3}, 0, spec, false);
        assertEquals(r0, r[0], 1e-5);
        assertEquals(r1, r[1], 1e-5);
        assertEquals(r2, r[2], 1e-5);
    }
}
