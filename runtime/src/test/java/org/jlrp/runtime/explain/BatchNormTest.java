package org.jlrp.runtime.explain;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.Random;
import org.jlrp.kernels.KernelProvider;
import org.jlrp.runtime.internal.model.Activation;
import org.jlrp.runtime.internal.model.BatchNormSpec;
import org.jlrp.runtime.internal.model.DenseSpec;
import org.jlrp.runtime.internal.model.EmbeddingSpec;
import org.jlrp.runtime.internal.model.FlattenSpec;
import org.jlrp.runtime.internal.model.InputSpec;
import org.jlrp.runtime.internal.model.ModelSpec;
import org.junit.jupiter.api.Test;

/**
 * BatchNormalization on a tiny model built here, Embedding → BatchNormalization → Flatten → Dense, against a
 * double-precision computation written from the rule set's formula: {@code y = a x + c},
 * {@code a = γ / sqrt(σ² + ε)}, {@code c = β − a μ}; {@code R(x) = a x / stab(y) · R(y)}; gradient {@code a}.
 */
class BatchNormTest {

    private static final int VOCAB = 6;
    private static final int DIM = 3;
    private static final int STEPS = 5;
    private static final int CLASSES = 2;
    private static final double BN_EPS = 0.001;

    private final Random rnd = new Random(7);
    private final double[] table = random(VOCAB * DIM, 1.0);
    private final double[] gamma = random(DIM, 1.5);
    private final double[] beta = random(DIM, 0.5);
    private final double[] mean = random(DIM, 0.3);
    private final double[] variance = {0.4, 1.7, 0.05};
    private final double[] dense = random(STEPS * DIM * CLASSES, 0.7);
    private final double[] denseBias = random(CLASSES, 0.2);

    private double[] random(int n, double scale) {
        double[] a = new double[n];
        for (int i = 0; i < n; i++) {
            a[i] = (float) ((rnd.nextDouble() * 2 - 1) * scale);
        }
        return a;
    }

    private static float[] floats(double[] a) {
        float[] f = new float[a.length];
        for (int i = 0; i < a.length; i++) {
            f[i] = (float) a[i];
        }
        return f;
    }

    private Explainer explainer() {
        ModelSpec model = new ModelSpec("batchnorm", "in-memory", STEPS, List.of(
                new InputSpec("input"),
                new EmbeddingSpec("embedding", List.of("input"), floats(table), VOCAB, DIM),
                new BatchNormSpec("bn", List.of("embedding"), -1, DIM, floats(gamma), floats(beta), floats(mean),
                        floats(variance), BN_EPS),
                new FlattenSpec("flatten", List.of("bn")),
                new DenseSpec("dense", List.of("flatten"), floats(dense), floats(denseBias), STEPS * DIM, CLASSES,
                        Activation.LINEAR)), "dense");
        return Explainer.of(model, KernelProvider.get());
    }

    private double a(int c) {
        return gamma[c] / Math.sqrt(variance[c] + BN_EPS);
    }

    private double[] normalised(int[] tokens) {
        double[] y = new double[STEPS * DIM];
        for (int i = 0; i < y.length; i++) {
            int c = i % DIM;
            y[i] = a(c) * table[tokens[i / DIM] * DIM + c] + beta[c] - a(c) * mean[c];
        }
        return y;
    }

    private double logit(double[] y, int k) {
        double z = denseBias[k];
        for (int i = 0; i < y.length; i++) {
            z += y[i] * dense[i * CLASSES + k];
        }
        return z;
    }

    private static final int[] TOKENS = {1, 5, 2, 0, 3};

    @Test
    void forwardIsTheAffineMapOfTheMovingStatistics() {
        Explanation e = explainer().explain(TOKENS);
        double[] y = normalised(TOKENS);
        for (int k = 0; k < CLASSES; k++) {
            assertEquals(logit(y, k), e.logits()[k], 1e-5, "logit " + k);
        }
    }

    private void checkLrp(double eps, boolean ignoreBias) {
        Explanation e = explainer().explain(TOKENS, ExplainOptions.DEFAULT.withEps(eps).withIgnoreBias(ignoreBias)
                .withEmbeddingRelevance(true).withTarget(Target.parse("0"))).get(0);
        double[] y = normalised(TOKENS);
        double logit = logit(y, 0);
        double z = logit;
        if (ignoreBias) {
            z = 0;
            for (int i = 0; i < y.length; i++) {
                z += y[i] * dense[i * CLASSES];
            }
        }
        double scale = 0;
        double[] want = new double[y.length];
        for (int i = 0; i < y.length; i++) {
            double ry = y[i] * dense[i * CLASSES] / (z + (z >= 0 ? eps : -eps)) * logit;
            int c = i % DIM;
            double ax = a(c) * table[TOKENS[i / DIM] * DIM + c];
            double bnZ = ignoreBias ? ax : y[i];
            want[i] = ax / (bnZ + (bnZ >= 0 ? eps : -eps)) * ry;
            scale = Math.max(scale, Math.abs(want[i]));
        }
        for (int i = 0; i < y.length; i++) {
            assertEquals(want[i], e.embeddingRelevance()[i], 1e-5 * scale, "eps " + eps + " ignore-bias "
                    + ignoreBias + ": relevance at " + i);
        }
    }

    @Test
    void lrpIsTheEpsilonRuleWithTheShiftAsBias() {
        checkLrp(1e-6, false);
        checkLrp(0.05, false);
        checkLrp(1e-6, true);
    }

    @Test
    void ignoreBiasConservesThroughBatchNormalization() {
        Explanation e = explainer().explain(TOKENS, ExplainOptions.DEFAULT.withEps(0).withIgnoreBias(true)
                .withTarget(Target.parse("0"))).get(0);
        double sum = 0;
        for (double r : e.relevance()) {
            sum += r;
        }
        // ε = 0 and no biases inside the rules: the Dense passes on all of the logit, and BatchNormalization
        // (z = a x) all of what arrives
        assertEquals(e.explainedLogit(), sum, 1e-4 * Math.abs(e.explainedLogit()));
    }

    @Test
    void gradientIsTheScaleTimesTheDenseWeights() {
        Explanation e = explainer().explain(TOKENS, ExplainOptions.DEFAULT.withMethod(Method.GRADIENT)
                .withEmbeddingRelevance(true).withTarget(Target.parse("1"))).get(0);
        for (int i = 0; i < STEPS * DIM; i++) {
            double want = a(i % DIM) * dense[i * CLASSES + 1];
            assertEquals(want, e.embeddingRelevance()[i], 1e-5 * Math.max(1, Math.abs(want)), "gradient at " + i);
        }
    }
}
