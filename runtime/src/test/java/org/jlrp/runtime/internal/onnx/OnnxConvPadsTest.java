package org.jlrp.runtime.internal.onnx;

import static org.jlrp.runtime.internal.onnx.OnnxRecurrentTest.integer;
import static org.jlrp.runtime.internal.onnx.OnnxRecurrentTest.ints;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.jlrp.kernels.KernelProvider;
import org.jlrp.runtime.explain.ExplainOptions;
import org.jlrp.runtime.explain.Explainer;
import org.jlrp.runtime.explain.Explanation;
import org.jlrp.runtime.internal.model.Conv1DSpec;
import org.jlrp.runtime.internal.model.ModelSpec;
import org.jlrp.runtime.internal.model.Padding;
import org.jlrp.runtime.internal.onnx.OnnxRecurrentTest.Graph;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * {@code Conv} with explicit pads that are neither valid, same nor causal (PyTorch's {@code padding=2} on a width-3
 * kernel, asymmetric pads, strides, dilation): the zeros are taken as given. Checked against a direct
 * double-precision convolution of the graph, and the folded first layer against the unfolded one.
 */
class OnnxConvPadsTest {

    private static final int VOCAB = 13;
    private static final int DIM = 3;
    private static final int T = 9;
    private static final int FILTERS = 4;
    private static final int[][] SEQUENCES = {{1, 2, 3, 4, 5, 6, 7, 8, 9}, {0, 0, 0, 12, 11, 10, 3, 3, 1}};

    @ParameterizedTest(name = "width {0}, pads [{1}, {2}], stride {3}, dilation {4}")
    @CsvSource({"3, 2, 2, 1, 1", "5, 1, 1, 1, 1", "3, 0, 2, 1, 1", "2, 3, 0, 2, 1", "3, 1, 3, 1, 2", "4, 2, 1, 3, 1"})
    void explicitPadsAreZerosOnEachSide(int width, int left, int right, int stride, int dilation) {
        Graph g = new Graph(11);
        g.init("emb", VOCAB, DIM);
        g.node("Gather", List.of("emb", "ids"), List.of("e"));
        g.node("Transpose", List.of("e"), List.of("x"), ints("perm", 0, 2, 1));
        g.init("w", FILTERS, DIM, width);
        g.init("b", FILTERS);
        g.node("Conv", List.of("x", "w", "b"), List.of("c"), ints("pads", left, right), ints("strides", stride),
                ints("dilations", dilation), ints("kernel_shape", width));
        g.node("Relu", List.of("c"), List.of("r"));
        g.node("ReduceMax", List.of("r"), List.of("m"), ints("axes", 2), integer("keepdims", 0));
        g.init("fc", 2, FILTERS);
        g.init("fcb", 2);
        g.node("Gemm", List.of("m", "fc", "fcb"), List.of("out"), integer("transB", 1));
        ModelSpec spec = OnnxImporter.importModel(g.model("out", T), "pads.onnx").spec();
        Conv1DSpec conv = (Conv1DSpec) spec.layers().stream().filter(l -> l instanceof Conv1DSpec).findFirst()
                .orElseThrow();
        int span = dilation * (width - 1) + 1;
        int outSteps = (T + left + right - span) / stride + 1;
        boolean keras = left == 0 && outSteps == (T - span) / stride + 1
                || outSteps == (T + stride - 1) / stride && (left == Math.max((outSteps - 1) * stride + span - T, 0) / 2
                || left == span - 1);
        if (!keras) {
            assertEquals(Padding.EXPLICIT, conv.padding());
            assertEquals(List.of(left, right), List.of(conv.padLeft(), conv.padRight()));
        }
        Explainer explainer = Explainer.of(spec, KernelProvider.get());
        assertTrue(explainer.network().foldingPlanned(), "the folded first layer applies");
        double[] emb = g.values.get("emb");
        double[] w = g.values.get("w");
        for (int[] tokens : SEQUENCES) {
            double[] pooled = new double[FILTERS];
            java.util.Arrays.fill(pooled, Double.NEGATIVE_INFINITY);
            for (int o = 0; o < outSteps; o++) {
                for (int f = 0; f < FILTERS; f++) {
                    double z = g.values.get("b")[f];
                    for (int k = 0; k < width; k++) {
                        int t = o * stride - left + k * dilation;
                        if (t < 0 || t >= T) {
                            continue;
                        }
                        for (int c = 0; c < DIM; c++) {
                            z += w[(f * DIM + c) * width + k] * emb[tokens[t] * DIM + c];
                        }
                    }
                    pooled[f] = Math.max(pooled[f], Math.max(0, z));
                }
            }
            float[] logits = explainer.logits(tokens, null);
            for (int u = 0; u < 2; u++) {
                double want = g.values.get("fcb")[u];
                for (int f = 0; f < FILTERS; f++) {
                    want += g.values.get("fc")[u * FILTERS + f] * pooled[f];
                }
                assertEquals(want, logits[u], 1e-5 * (1 + Math.abs(want)), "logit " + u);
            }
            Explanation folded = explainer.explain(tokens, ExplainOptions.DEFAULT).get(0);
            Explanation unfolded = explainer.explain(tokens, ExplainOptions.DEFAULT.withEmbeddingRelevance(true))
                    .get(0);
            assertArrayEquals(unfolded.relevance(), folded.relevance(), 1e-5);
            assertTrue(java.util.Arrays.stream(folded.relevance()).anyMatch(v -> v != 0));
        }
    }
}
