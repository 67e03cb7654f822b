package org.jlrp.runtime.internal.keras;

import static org.jlrp.runtime.internal.keras.Keras2Configs.conv1d;
import static org.jlrp.runtime.internal.keras.Keras2Configs.dense;
import static org.jlrp.runtime.internal.keras.Keras2Configs.dropout;
import static org.jlrp.runtime.internal.keras.Keras2Configs.embedding;
import static org.jlrp.runtime.internal.keras.Keras2Configs.flatten;
import static org.jlrp.runtime.internal.keras.Keras2Configs.maxPooling;
import static org.jlrp.runtime.internal.keras.KerasFixtures.random;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.jlrp.kernels.KernelProvider;
import org.jlrp.runtime.explain.ExplainOptions;
import org.jlrp.runtime.explain.Explainer;
import org.jlrp.runtime.explain.Explanation;
import org.jlrp.runtime.explain.Target;
import org.jlrp.runtime.internal.keras.KerasFixtures.H5Layer;
import org.jlrp.runtime.internal.keras.KerasFixtures.Weight;

/**
 * The two small models the format tests write in every layout, their weights (fixed random values), and the checks
 * that compare what jlrp reads: against an independent double-precision forward pass, and layout against layout.
 *
 * <p><b>Small CNN</b> (T = 9 tokens, V = 11, D = 4): Embedding → Conv1D(3 filters, width 3, relu) →
 * MaxPooling1D(2) → Flatten (9) → Dense(5, relu) → Dropout → Dense(2, softmax).
 *
 * <p><b>Two-branch CNN</b> (Kim-style): Embedding → [Conv1D(2, width 3, relu) → GlobalMaxPooling1D] and
 * [Conv1D(3, width 4, relu) → GlobalMaxPooling1D] → Concatenate (5) → Dense(2, softmax).
 */
final class FixtureModels {

    static final int T = 9;
    static final int V = 11;
    static final int D = 4;

    private static final Random RNG = new Random(20261127);
    static final Tensor EMB = random(RNG, "embeddings", V, D);
    static final Tensor CONV_K = random(RNG, "kernel", 3, D, 3);
    static final Tensor CONV_B = random(RNG, "bias", 3);
    static final Tensor D1_K = random(RNG, "kernel", 9, 5);
    static final Tensor D1_B = random(RNG, "bias", 5);
    static final Tensor D2_K = random(RNG, "kernel", 5, 2);
    static final Tensor D2_B = random(RNG, "bias", 2);

    static final Tensor A_K = random(RNG, "kernel", 3, D, 2);
    static final Tensor A_B = random(RNG, "bias", 2);
    static final Tensor B_K = random(RNG, "kernel", 4, D, 3);
    static final Tensor B_B = random(RNG, "bias", 3);
    static final Tensor OUT_K = random(RNG, "kernel", 5, 2);
    static final Tensor OUT_B = random(RNG, "bias", 2);

    private FixtureModels() {
    }

    // ------------------------------------------------------------------------------------------ small CNN

    /** The small CNN's Keras 2 layer configs, Sequential order; the Embedding states the input length. */
    static List<String> smallCnnLayers() {
        return List.of(embedding("embedding_1", V, D, T), conv1d("conv1d_1", 3, 3, "relu"),
                maxPooling("max_pooling1d_1", 2), flatten("flatten_1"), dense("dense_1", 5, "relu"),
                dropout("dropout_1"), dense("dense_2", 2, "softmax"));
    }

    /** Its weights as Keras 2 stores them: {@code <layer>/<layer>/kernel:0}. */
    static List<H5Layer> smallCnnKeras2Weights() {
        return List.of(
                H5Layer.of("embedding_1", new Weight("embedding_1/embeddings:0", EMB)),
                H5Layer.of("conv1d_1", new Weight("conv1d_1/kernel:0", CONV_K), new Weight("conv1d_1/bias:0", CONV_B)),
                H5Layer.of("max_pooling1d_1"),
                H5Layer.of("flatten_1"),
                H5Layer.of("dense_1", new Weight("dense_1/kernel:0", D1_K), new Weight("dense_1/bias:0", D1_B)),
                H5Layer.of("dropout_1"),
                H5Layer.of("dense_2", new Weight("dense_2/kernel:0", D2_K), new Weight("dense_2/bias:0", D2_B)));
    }

    static final Map<String, String> KERAS2_ATTRIBUTES = Map.of("keras_version", "2.1.6", "backend", "tensorflow");

    /** The small CNN's logits, computed directly in double precision from its weights. */
    static double[] smallCnnLogits(int[] tokens) {
        double[][] conv = conv(tokens, CONV_K, CONV_B);
        double[] flat = new double[9];
        for (int p = 0; p < 3; p++) {
            for (int f = 0; f < 3; f++) {
                flat[p * 3 + f] = Math.max(conv[2 * p][f], conv[2 * p + 1][f]);
            }
        }
        double[] hidden = affine(flat, D1_K, D1_B);
        for (int j = 0; j < hidden.length; j++) {
            hidden[j] = Math.max(0, hidden[j]);
        }
        return affine(hidden, D2_K, D2_B);
    }

    // ----------------------------------------------------------------------------------- two-branch CNN

    /** The two-branch CNN's logits, computed directly in double precision. */
    static double[] twoBranchLogits(int[] tokens) {
        double[] pooled = new double[5];
        double[][] a = conv(tokens, A_K, A_B);
        double[][] b = conv(tokens, B_K, B_B);
        for (int f = 0; f < 5; f++) {
            double[][] branch = f < 2 ? a : b;
            int filter = f < 2 ? f : f - 2;
            double max = Double.NEGATIVE_INFINITY;
            for (double[] step : branch) {
                max = Math.max(max, step[filter]);
            }
            pooled[f] = max;
        }
        return affine(pooled, OUT_K, OUT_B);
    }

    // --------------------------------------------------------------------------------------- arithmetic

    /** A valid Conv1D with relu over the embedded tokens: {@code [T - width + 1][filters]}. */
    private static double[][] conv(int[] tokens, Tensor kernel, Tensor bias) {
        int width = kernel.shape()[0];
        int filters = kernel.shape()[2];
        double[][] out = new double[tokens.length - width + 1][filters];
        for (int t = 0; t < out.length; t++) {
            for (int f = 0; f < filters; f++) {
                double z = bias.data()[f];
                for (int k = 0; k < width; k++) {
                    for (int d = 0; d < D; d++) {
                        z += (double) EMB.data()[tokens[t + k] * D + d] * kernel.data()[(k * D + d) * filters + f];
                    }
                }
                out[t][f] = Math.max(0, z);
            }
        }
        return out;
    }

    private static double[] affine(double[] in, Tensor kernel, Tensor bias) {
        int units = kernel.shape()[1];
        double[] out = new double[units];
        for (int j = 0; j < units; j++) {
            double z = bias.data()[j];
            for (int i = 0; i < in.length; i++) {
                z += in[i] * kernel.data()[i * units + j];
            }
            out[j] = z;
        }
        return out;
    }

    // ------------------------------------------------------------------------------------------- checks

    /** Token sequences that exercise padding, ties and the whole vocabulary. */
    static List<int[]> sequences() {
        Random rng = new Random(7);
        List<int[]> out = new ArrayList<>();
        for (int n = 0; n < 6; n++) {
            int[] tokens = new int[T];
            for (int t = 0; t < T; t++) {
                tokens[t] = n == 0 ? 0 : n == 1 ? 5 : rng.nextInt(V);
            }
            out.add(tokens);
        }
        return out;
    }

    static Explainer explainer(KerasModel model) {
        return Explainer.of(KerasImporter.toSpec(model), KernelProvider.get());
    }

    /** jlrp's logits for the model match {@code expected} within 1e-5 relative to the largest logit. */
    static void assertLogits(KerasModel model, java.util.function.Function<int[], double[]> expected) {
        Explainer explainer = explainer(model);
        for (int[] tokens : sequences()) {
            double[] want = expected.apply(tokens);
            float[] got = explainer.explain(tokens).logits();
            assertEquals(want.length, got.length, "number of logits");
            double scale = 1e-3;
            for (double w : want) {
                scale = Math.max(scale, Math.abs(w));
            }
            for (int i = 0; i < want.length; i++) {
                assertEquals(want[i], got[i], 1e-5 * scale, model.source() + ": logit " + i);
            }
        }
    }

    /**
     * Two models read from different layouts explain alike: same logits, same target, same relevance for every class
     * (within 1e-6 relative to the largest value; the same weights in the same order give the same floats).
     */
    static void assertSameExplanations(KerasModel expected, KerasModel actual) {
        Explainer want = explainer(expected);
        Explainer got = explainer(actual);
        assertEquals(want.network().inputLength(), got.network().inputLength(), "input length");
        assertEquals(want.network().vocabularySize(), got.network().vocabularySize(), "vocabulary");
        assertEquals(want.network().strippedActivation(), got.network().strippedActivation(), "output activation");
        ExplainOptions options = ExplainOptions.DEFAULT.withTarget(Target.all());
        for (int[] tokens : sequences()) {
            List<Explanation> a = want.explain(tokens, options);
            List<Explanation> b = got.explain(tokens, options);
            assertEquals(a.size(), b.size(), "explanations per sequence");
            for (int i = 0; i < a.size(); i++) {
                assertClose(a.get(i).logits(), b.get(i).logits(), actual.source() + ": logits");
                assertEquals(a.get(i).predictedClass(), b.get(i).predictedClass(), "predicted class");
                assertClose(a.get(i).relevance(), b.get(i).relevance(), actual.source() + ": relevance, class " + i);
            }
        }
    }

    private static void assertClose(float[] want, float[] got, String what) {
        double[] w = new double[want.length];
        double[] g = new double[got.length];
        for (int i = 0; i < w.length; i++) {
            w[i] = want[i];
        }
        for (int i = 0; i < g.length; i++) {
            g[i] = got[i];
        }
        assertClose(w, g, what);
    }

    private static void assertClose(double[] want, double[] got, String what) {
        assertEquals(want.length, got.length, what + ": length");
        double scale = 1e-6;
        for (double w : want) {
            scale = Math.max(scale, Math.abs(w));
        }
        for (int i = 0; i < want.length; i++) {
            assertTrue(Math.abs(want[i] - got[i]) <= 1e-6 * scale,
                    what + " at " + i + ": expected " + want[i] + ", got " + got[i]);
        }
    }

    /** Shapes and values of two tensors are equal. */
    static void assertTensor(Tensor want, Tensor got) {
        assertArrayEquals(want.shape(), got.shape(), "shape");
        assertArrayEquals(want.data(), got.data(), "values");
    }
}
