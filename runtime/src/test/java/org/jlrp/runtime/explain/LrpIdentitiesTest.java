package org.jlrp.runtime.explain;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Random;
import java.util.function.Function;
import java.util.stream.Stream;
import org.jlrp.kernels.KernelProvider;
import org.jlrp.runtime.ReferenceForward;
import org.jlrp.runtime.TestModels;
import org.jlrp.runtime.internal.model.ModelSpec;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The identities ε-LRP must satisfy on ReLU / max-pool networks, checked on small random models against an
 * independent double-precision forward pass:
 * <ul>
 *   <li>ε → 0 (LRP-0) equals gradient × input at the Embedding output, biases included (Ancona et al. 2018), with the
 *       gradient taken by central finite differences;</li>
 *   <li>with biases ignored and ε → 0, relevance is conserved: Σ relevance = explained logit.</li>
 * </ul>
 * Runs on whichever kernels the JVM provides (SIMD in one surefire run, scalar in the other).
 */
class LrpIdentitiesTest {

    private static final int VOCAB = 50;
    private static final int DIM = 6;

    /** Architectures covering valid/same/causal padding, strides, dilation, both poolings, Dense on vectors. */
    static Stream<Arguments> models() {
        return Stream.of(
                Arguments.of("conv-valid-maxpool-dense", (Function<Long, ModelSpec>) seed -> TestModels.chain(seed, 20)
                        .embedding(VOCAB, DIM, false).conv1d("conv", DIM, 7, 3, "valid", 1, 1, "relu")
                        .layer("drop", "Dropout").pooling("pool", "MaxPooling1D", 5, 5).layer("flat", "Flatten")
                        .dense("hidden", 3 * 7, 5, "relu").dense("out", 5, 4, "softmax").build()),
                Arguments.of("conv-same-strided-globalmax", (Function<Long, ModelSpec>) seed -> TestModels.chain(seed, 17)
                        .embedding(VOCAB, DIM, false).conv1d("conv", DIM, 9, 4, "same", 2, 1, "relu")
                        .layer("gmp", "GlobalMaxPooling1D").dense("out", 9, 3, "softmax").build()),
                Arguments.of("conv-causal-dilated-avgpool", (Function<Long, ModelSpec>) seed -> TestModels.chain(seed, 16)
                        .embedding(VOCAB, DIM, false).conv1d("conv", DIM, 5, 3, "causal", 1, 2, "relu")
                        .pooling("pool", "AveragePooling1D", 4, 4).layer("flat", "Flatten")
                        .dense("out", 4 * 5, 1, "sigmoid").build()),
                Arguments.of("two-convs-globalavg", (Function<Long, ModelSpec>) seed -> TestModels.chain(seed, 15)
                        .embedding(VOCAB, DIM, false).conv1d("conv1", DIM, 8, 3, "valid", 1, 1, "relu")
                        .pooling("pool", "MaxPooling1D", 2, 2).conv1d("conv2", 8, 6, 2, "valid", 1, 1, "relu")
                        .layer("gap", "GlobalAveragePooling1D").dense("out", 6, 3, "linear").build()));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("models")
    void lrpZeroEqualsGradientTimesInput(String name, Function<Long, ModelSpec> factory) {
        int checked = 0;
        int kinks = 0;
        for (long seed = 1; seed <= 4; seed++) {
            ModelSpec model = factory.apply(seed);
            Explainer explainer = Explainer.of(model, KernelProvider.get());
            Random random = new Random(seed);
            int[] tokens = TestModels.tokens(random, model.inputLength(), VOCAB, 3);
            ExplainOptions options = ExplainOptions.DEFAULT.withEps(0).withEmbeddingRelevance(true);
            Explanation e = explainer.explain(tokens, options).get(0);

            double[][] x = ReferenceForward.embed(model, tokens);
            double[] logits = ReferenceForward.logits(model, x);
            assertEquals(logits[e.target()], e.explainedLogit(), 1e-4 * Math.max(1, Math.abs(logits[e.target()])),
                    "forward pass vs double reference");
            double maxR = 0;
            for (float r : e.embeddingRelevance()) {
                maxR = Math.max(maxR, Math.abs(r));
            }
            double h = 1e-6;
            for (int t = 0; t < x.length; t++) {
                for (int d = 0; d < DIM; d++) {
                    double keep = x[t][d];
                    x[t][d] = keep + h;
                    double up = ReferenceForward.logits(model, x)[e.target()];
                    x[t][d] = keep - h;
                    double down = ReferenceForward.logits(model, x)[e.target()];
                    x[t][d] = keep;
                    double forward = (up - logits[e.target()]) / h;
                    double backward = (logits[e.target()] - down) / h;
                    if (Math.abs(forward - backward) > 1e-6 * Math.max(1, Math.abs(forward))) {
                        kinks++; // a ReLU or max-pool switch within ±h: the gradient is not defined here
                        continue;
                    }
                    double gradientTimesInput = keep * (up - down) / (2 * h);
                    float lrp = e.embeddingRelevance()[t * DIM + d];
                    assertEquals(gradientTimesInput, lrp, 1e-4 * maxR + 1e-9,
                            name + " seed " + seed + " position " + t + " dim " + d);
                    checked++;
                }
            }
        }
        assertTrue(checked > 200, name + ": only " + checked + " points checked (" + kinks + " kinks skipped)");
        assertTrue(kinks < checked / 10, name + ": " + kinks + " kinks for " + checked + " points");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("models")
    void relevanceIsConservedWhenBiasesAreIgnored(String name, Function<Long, ModelSpec> factory) {
        for (long seed = 1; seed <= 4; seed++) {
            ModelSpec model = factory.apply(seed);
            Explainer explainer = Explainer.of(model, KernelProvider.get());
            int[] tokens = TestModels.tokens(new Random(seed), model.inputLength(), VOCAB, 2);
            double[] logits = ReferenceForward.logits(model, ReferenceForward.embed(model, tokens));
            List<Explanation> all = explainer.explain(tokens, ExplainOptions.DEFAULT.withTarget(Target.all())
                    .withEps(0).withIgnoreBias(true));
            assertEquals(logits.length, all.size(), "one explanation per class");
            for (Explanation e : all) {
                double scale = Math.max(Math.abs(e.explainedLogit()), maxAbs(e.relevance()));
                assertEquals(e.explainedLogit(), e.relevanceSum(), 1e-5 * scale,
                        name + " seed " + seed + " target " + e.target());
                // (relevanceBias is explainedLogit − relevanceSum by definition; the independent logit instead)
                double logit = logits[e.target()];
                assertEquals(logit, e.relevanceSum(), 1e-5 * Math.max(scale, Math.abs(logit)),
                        name + " seed " + seed + " target " + e.target() + ": Σ R against the double-precision logit");
            }
            // With biases in the denominator (the default) they absorb a visible part of the logit.
            Explanation withBias = explainer.explain(tokens, ExplainOptions.DEFAULT.withEps(0)).get(0);
            assertTrue(Math.abs(withBias.relevanceBias()) > 1e-4 * Math.abs(withBias.explainedLogit()),
                    name + " seed " + seed + ": biases absorbed " + withBias.relevanceBias());
        }
    }

    private static double maxAbs(double[] values) {
        double m = 0;
        for (double v : values) {
            m = Math.max(m, Math.abs(v));
        }
        return m;
    }
}
