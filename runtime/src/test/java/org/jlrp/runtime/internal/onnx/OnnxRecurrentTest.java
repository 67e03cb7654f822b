package org.jlrp.runtime.internal.onnx;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.jlrp.kernels.KernelProvider;
import org.jlrp.runtime.JlrpException;
import org.jlrp.runtime.explain.ExplainOptions;
import org.jlrp.runtime.explain.Explainer;
import org.jlrp.runtime.explain.Target;
import org.jlrp.runtime.internal.onnx.OnnxModel.Attribute;
import org.jlrp.runtime.internal.onnx.OnnxModel.Node;
import org.jlrp.runtime.internal.onnx.OnnxModel.ValueInfo;
import org.junit.jupiter.api.Test;

/**
 * ONNX's {@code LSTM}, {@code GRU} and {@code RNN} ops on graphs built here in the shapes PyTorch exports (the
 * embedding, {@code Transpose(1,0,2)}, a zero initial state from {@code ConstantOfShape}, then {@code Y} or
 * {@code Y_h} read through Squeeze/Transpose/Reshape/Gather/Concat), against an independent double-precision
 * implementation of ONNX's own formulas (gate orders {@code iofc}/{@code zrh}, both {@code linear_before_reset}, all
 * directions); relevance identities between equivalent graphs; and the refusals, one line each.
 */
class OnnxRecurrentTest {

    private static final int VOCAB = 11;
    private static final int DIM = 3;
    private static final int T = 5;
    private static final int H = 4;
    private static final int CLASSES = 2;
    private static final int[][] SEQUENCES = {{1, 2, 3, 4, 5}, {0, 0, 7, 10, 9}, {6, 6, 6, 6, 6}};

    /** One test graph: its nodes and constants, built step by step. */
    static final class Graph {
        final List<Node> nodes = new ArrayList<>();
        final List<Tensor> inits = new ArrayList<>();
        final Map<String, double[]> values = new HashMap<>();
        final Random random;

        Graph(long seed) {
            random = new Random(seed);
        }

        Tensor init(String name, long... dims) {
            long n = 1;
            for (long d : dims) {
                n *= d;
            }
            double[] v = new double[(int) n];
            for (int i = 0; i < v.length; i++) {
                v[i] = (float) (random.nextGaussian() * 0.6);
            }
            return put(new Tensor(name, Tensor.FLOAT, dims, v));
        }

        Tensor put(Tensor t) {
            inits.add(t);
            values.put(t.name(), t.values());
            return t;
        }

        void node(String op, List<String> in, List<String> out, Attribute... attributes) {
            Map<String, Attribute> a = new LinkedHashMap<>();
            for (Attribute x : attributes) {
                a.put(x.name(), x);
            }
            nodes.add(new Node("/" + op + "_" + nodes.size(), op, "", in, out, a));
        }

        /** Embedding, time-major transpose and the zero state [D, B, H]: "x" and "h0". */
        void prefix(int dirs) {
            init("emb", VOCAB, DIM);
            node("Gather", List.of("emb", "ids"), List.of("e"));
            node("Transpose", List.of("e"), List.of("x"), ints("perm", 1, 0, 2));
            put(Tensor.vector("dirs", dirs));
            put(Tensor.vector("units", H));
            put(Tensor.ofLongs("zero", new long[0], 0));
            put(Tensor.vector("axes0", 0));
            node("Shape", List.of("e"), List.of("shape"));
            node("Gather", List.of("shape", "zero"), List.of("batch"));
            node("Unsqueeze", List.of("batch", "axes0"), List.of("batch1"));
            node("Concat", List.of("dirs", "batch1", "units"), List.of("h0shape"), integer("axis", 0));
            node("ConstantOfShape", List.of("h0shape"), List.of("h0"));
        }

        OnnxModel model(String output) {
            return model(output, T);
        }

        OnnxModel model(String output, int length) {
            ValueInfo ids = new ValueInfo("ids", Tensor.INT64, new long[] {-1, length}, new String[] {"batch", null});
            return new OnnxModel(7, "test", "", Map.of("", 13L), new OnnxModel.Graph("g", nodes, inits,
                    List.of(ids), List.of(new ValueInfo(output, Tensor.FLOAT, null, null))));
        }
    }

    static Attribute ints(String name, long... v) {
        return new Attribute(name, Attribute.INTS, 0, 0, null, null, new float[0], v, List.of());
    }

    static Attribute integer(String name, long v) {
        return new Attribute(name, Attribute.INT, 0, v, null, null, new float[0], new long[0], List.of());
    }

    static Attribute text(String name, String v) {
        return new Attribute(name, Attribute.STRING, 0, 0, v, null, new float[0], new long[0], List.of());
    }

    static Attribute strings(String name, String... v) {
        return new Attribute(name, 8, 0, 0, null, null, new float[0], new long[0], List.of(v));
    }

    static Attribute real(String name, float v) {
        return new Attribute(name, Attribute.FLOAT, v, 0, null, null, new float[0], new long[0], List.of());
    }

    // ------------------------------------------------------------------------------------ the ONNX reference

    static double sigmoid(double v) {
        return 1 / (1 + Math.exp(-v));
    }

    /** ONNX's formulas, per direction: Y [T][D][H] at the input positions and Y_h [D][H]. */
    static double[][][] reference(String op, double[] w, double[] r, double[] b, int dirs, boolean reverseOnly,
                                  boolean linearBeforeReset, double[][] x, double[][] yh) {
        int gates = op.equals("LSTM") ? 4 : op.equals("GRU") ? 3 : 1;
        int width = gates * H;
        double[][][] y = new double[T][dirs][H];
        for (int d = 0; d < dirs; d++) {
            boolean backwards = reverseOnly || d == 1;
            double[] h = new double[H];
            double[] c = new double[H];
            for (int s = 0; s < T; s++) {
                int t = backwards ? T - 1 - s : s;
                double[] xw = new double[width];
                double[] hr = new double[width];
                for (int j = 0; j < width; j++) {
                    for (int k = 0; k < DIM; k++) {
                        xw[j] += w[(d * width + j) * DIM + k] * x[t][k];
                    }
                    for (int k = 0; k < H; k++) {
                        hr[j] += r[(d * width + j) * H + k] * h[k];
                    }
                    if (b != null) {
                        xw[j] += b[d * 2 * width + j];
                    }
                }
                double[] rb = new double[width];
                if (b != null) {
                    System.arraycopy(b, d * 2 * width + width, rb, 0, width);
                }
                double[] next = new double[H];
                for (int j = 0; j < H; j++) {
                    switch (op) {
                        case "LSTM" -> { // i, o, f, c
                            double i = sigmoid(xw[j] + hr[j] + rb[j]);
                            double o = sigmoid(xw[H + j] + hr[H + j] + rb[H + j]);
                            double f = sigmoid(xw[2 * H + j] + hr[2 * H + j] + rb[2 * H + j]);
                            double g = Math.tanh(xw[3 * H + j] + hr[3 * H + j] + rb[3 * H + j]);
                            c[j] = f * c[j] + i * g;
                            next[j] = o * Math.tanh(c[j]);
                        }
                        case "GRU" -> { // z, r, h
                            double z = sigmoid(xw[j] + hr[j] + rb[j]);
                            double rr = sigmoid(xw[H + j] + hr[H + j] + rb[H + j]);
                            double cand;
                            if (linearBeforeReset) {
                                cand = Math.tanh(xw[2 * H + j] + rr * (hr[2 * H + j] + rb[2 * H + j]));
                            } else {
                                double reset = 0;
                                for (int k = 0; k < H; k++) {
                                    reset += r[(d * width + 2 * H + j) * H + k] * sigmoid(xw[H + k] + hr[H + k]
                                            + rb[H + k]) * h[k];
                                }
                                cand = Math.tanh(xw[2 * H + j] + reset + rb[2 * H + j]);
                            }
                            next[j] = (1 - z) * cand + z * h[j];
                        }
                        default -> next[j] = Math.tanh(xw[j] + hr[j] + rb[j]);
                    }
                }
                h = next;
                y[t][d] = h.clone();
            }
            yh[d] = h;
        }
        return y;
    }

    /** The embedding rows of a sequence. */
    static double[][] embed(Graph g, int[] tokens) {
        double[][] x = new double[T][DIM];
        for (int t = 0; t < T; t++) {
            for (int k = 0; k < DIM; k++) {
                x[t][k] = g.values.get("emb")[tokens[t] * DIM + k];
            }
        }
        return x;
    }

    /** Gemm (transB) of a feature vector with the graph's "fc" weights. */
    static double[] fc(Graph g, double[] features) {
        double[] w = g.values.get("fc");
        double[] bias = g.values.get("fcb");
        double[] out = new double[CLASSES];
        for (int u = 0; u < CLASSES; u++) {
            out[u] = bias[u];
            for (int k = 0; k < features.length; k++) {
                out[u] += w[u * features.length + k] * features[k];
            }
        }
        return out;
    }

    /** A recurrent op node "rnn" on "x" with outputs Y, Y_h (and Y_c for an LSTM), its weights as initializers. */
    static void op(Graph g, String op, int dirs, boolean bias, Attribute... attributes) {
        int gates = op.equals("LSTM") ? 4 : op.equals("GRU") ? 3 : 1;
        g.init("W", dirs, (long) gates * H, DIM);
        g.init("R", dirs, (long) gates * H, H);
        List<String> in = new ArrayList<>(List.of("x", "W", "R"));
        if (bias) {
            g.init("B", dirs, 2L * gates * H);
            in.add("B");
        } else {
            in.add("");
        }
        in.addAll(List.of("", "h0"));
        if (op.equals("LSTM")) {
            in.add("h0");
        }
        List<Attribute> a = new ArrayList<>(List.of(attributes));
        a.add(integer("hidden_size", H));
        g.node(op, in, op.equals("LSTM") ? List.of("Y", "Y_h", "Y_c") : List.of("Y", "Y_h"),
                a.toArray(Attribute[]::new));
    }

    static Explainer load(Graph g, String output) {
        return Explainer.of(OnnxImporter.importModel(g.model(output), "test.onnx").spec(), KernelProvider.get());
    }

    static void assertLogits(Explainer explainer, double[] want, int[] tokens, String what) {
        float[] got = explainer.logits(tokens, null);
        assertEquals(want.length, got.length, what);
        for (int i = 0; i < want.length; i++) {
            assertEquals(want[i], got[i], 2e-5 * (1 + Math.abs(want[i])), what + ": logit " + i);
        }
    }

    // ------------------------------------------------------------------------------------ forward

    /** PyTorch's {@code fc(output[:, -1])} of an LSTM: Squeeze(Y, 1) → Transpose(1,0,2) → Gather(-1, axis 1). */
    @Test
    void lstmLastStepOfY() {
        Graph g = new Graph(1);
        g.prefix(1);
        op(g, "LSTM", 1, true);
        g.put(Tensor.vector("axes1", 1));
        g.put(Tensor.ofLongs("last", new long[0], -1));
        g.node("Squeeze", List.of("Y", "axes1"), List.of("ys"));
        g.node("Transpose", List.of("ys"), List.of("yb"), ints("perm", 1, 0, 2));
        g.node("Gather", List.of("yb", "last"), List.of("hl"), integer("axis", 1));
        g.init("fc", CLASSES, H);
        g.init("fcb", CLASSES);
        g.node("Gemm", List.of("hl", "fc", "fcb"), List.of("out"), integer("transB", 1));
        Explainer explainer = load(g, "out");
        for (int[] tokens : SEQUENCES) {
            double[][] yh = new double[1][];
            reference("LSTM", g.values.get("W"), g.values.get("R"), g.values.get("B"), 1, false, false,
                    embed(g, tokens), yh);
            assertLogits(explainer, fc(g, yh[0]), tokens, "LSTM Y[:, -1]");
        }
    }

    /** A reverse GRU (linear_before_reset 0) read through Squeeze(Y_h, 0). */
    @Test
    void reverseGruLastState() {
        Graph g = new Graph(2);
        g.prefix(1);
        op(g, "GRU", 1, true, text("direction", "reverse"), strings("activations", "Sigmoid", "Tanh"));
        g.node("Squeeze", List.of("Y_h", "axes0"), List.of("hl"));
        g.init("fc", CLASSES, H);
        g.init("fcb", CLASSES);
        g.node("Gemm", List.of("hl", "fc", "fcb"), List.of("out"), integer("transB", 1));
        Explainer explainer = load(g, "out");
        for (int[] tokens : SEQUENCES) {
            double[][] yh = new double[1][];
            reference("GRU", g.values.get("W"), g.values.get("R"), g.values.get("B"), 1, true, false,
                    embed(g, tokens), yh);
            assertLogits(explainer, fc(g, yh[0]), tokens, "reverse GRU Y_h");
        }
    }

    /**
     * A bidirectional GRU (linear_before_reset 1) of which only the backward state is read, {@code fc(h_n[1])}: a
     * part of the layer's output.
     */
    @Test
    void bidirectionalGruBackwardStateOnly() {
        Graph g = new Graph(3);
        g.prefix(2);
        op(g, "GRU", 2, true, text("direction", "bidirectional"), integer("linear_before_reset", 1));
        g.put(Tensor.ofLongs("one", new long[0], 1));
        g.node("Gather", List.of("Y_h", "one"), List.of("hb"), integer("axis", 0));
        g.init("fc", CLASSES, H);
        g.init("fcb", CLASSES);
        g.node("Gemm", List.of("hb", "fc", "fcb"), List.of("out"), integer("transB", 1));
        Explainer explainer = load(g, "out");
        for (int[] tokens : SEQUENCES) {
            double[][] yh = new double[2][];
            reference("GRU", g.values.get("W"), g.values.get("R"), g.values.get("B"), 2, false, true,
                    embed(g, tokens), yh);
            assertLogits(explainer, fc(g, yh[1]), tokens, "bidirectional GRU h_n[1]");
        }
    }

    /**
     * A bidirectional RNN's whole sequence, as PyTorch exports it: Transpose(Y, 0,2,1,3) → Reshape [0,0,-1] →
     * Transpose(1,0,2) → ReduceMax over time → Gemm.
     */
    @Test
    void bidirectionalRnnSequenceMaxPooled() {
        Graph g = new Graph(4);
        g.prefix(2);
        op(g, "RNN", 2, true, text("direction", "bidirectional"));
        g.put(Tensor.vector("flat", 0, 0, -1));
        g.node("Transpose", List.of("Y"), List.of("yt"), ints("perm", 0, 2, 1, 3));
        g.node("Reshape", List.of("yt", "flat"), List.of("yr"));
        g.node("Transpose", List.of("yr"), List.of("yb"), ints("perm", 1, 0, 2));
        g.node("ReduceMax", List.of("yb"), List.of("pooled"), ints("axes", 1), integer("keepdims", 0));
        g.init("fc", CLASSES, 2 * H);
        g.init("fcb", CLASSES);
        g.node("Gemm", List.of("pooled", "fc", "fcb"), List.of("out"), integer("transB", 1));
        Explainer explainer = load(g, "out");
        for (int[] tokens : SEQUENCES) {
            double[][] yh = new double[2][];
            double[][][] y = reference("RNN", g.values.get("W"), g.values.get("R"), g.values.get("B"), 2, false,
                    false, embed(g, tokens), yh);
            double[] pooled = new double[2 * H];
            java.util.Arrays.fill(pooled, Double.NEGATIVE_INFINITY);
            for (int t = 0; t < T; t++) {
                for (int d = 0; d < 2; d++) {
                    for (int j = 0; j < H; j++) {
                        pooled[d * H + j] = Math.max(pooled[d * H + j], y[t][d][j]);
                    }
                }
            }
            assertLogits(explainer, fc(g, pooled), tokens, "bidirectional RNN max over Y");
        }
    }

    /** A bidirectional LSTM's middle step {@code output[:, 2]} (a part of the flattened sequence). */
    @Test
    void bidirectionalLstmMiddleStep() {
        Graph g = new Graph(5);
        g.prefix(2);
        op(g, "LSTM", 2, false, text("direction", "bidirectional"));
        g.put(Tensor.vector("flat", 0, 0, -1));
        g.put(Tensor.ofLongs("mid", new long[0], 2));
        g.node("Transpose", List.of("Y"), List.of("yt"), ints("perm", 0, 2, 1, 3));
        g.node("Reshape", List.of("yt", "flat"), List.of("yr"));
        g.node("Gather", List.of("yr", "mid"), List.of("step"), integer("axis", 0));
        g.init("fc", CLASSES, 2 * H);
        g.init("fcb", CLASSES);
        g.node("Gemm", List.of("step", "fc", "fcb"), List.of("out"), integer("transB", 1));
        Explainer explainer = load(g, "out");
        for (int[] tokens : SEQUENCES) {
            double[][] yh = new double[2][];
            double[][][] y = reference("LSTM", g.values.get("W"), g.values.get("R"), null, 2, false, false,
                    embed(g, tokens), yh);
            double[] step = new double[2 * H];
            for (int d = 0; d < 2; d++) {
                System.arraycopy(y[2][d], 0, step, d * H, H);
            }
            assertLogits(explainer, fc(g, step), tokens, "bidirectional LSTM output[:, 2]");
        }
    }

    // ------------------------------------------------------------------------------------ relevance identities

    /** Two graphs of one function: the reordered concatenation of the states is undone by the Dense's rows. */
    @Test
    void reorderedStatesGiveTheSameRelevance() {
        double[][] relevance = new double[2][];
        for (int variant = 0; variant < 2; variant++) {
            Graph g = new Graph(6);
            g.prefix(2);
            op(g, "GRU", 2, true, text("direction", "bidirectional"), integer("linear_before_reset", 1));
            g.put(Tensor.ofLongs("zero_i", new long[0], 0));
            g.put(Tensor.ofLongs("one", new long[0], 1));
            g.node("Gather", List.of("Y_h", "zero_i"), List.of("hf"), integer("axis", 0));
            g.node("Gather", List.of("Y_h", "one"), List.of("hb"), integer("axis", 0));
            Tensor fc = g.init("fc", CLASSES, 2 * H);
            g.init("fcb", CLASSES);
            if (variant == 1) { // concat(h_b, h_f) with the weight columns swapped to match
                double[] swapped = new double[fc.values().length];
                for (int u = 0; u < CLASSES; u++) {
                    for (int k = 0; k < 2 * H; k++) {
                        swapped[u * 2 * H + (k + H) % (2 * H)] = fc.values()[u * 2 * H + k];
                    }
                }
                g.inits.set(g.inits.indexOf(fc), new Tensor("fc", Tensor.FLOAT, fc.dims(), swapped));
            }
            g.node("Concat", variant == 0 ? List.of("hf", "hb") : List.of("hb", "hf"), List.of("h"),
                    integer("axis", 1));
            g.node("Gemm", List.of("h", "fc", "fcb"), List.of("out"), integer("transB", 1));
            Explainer explainer = load(g, "out");
            var e = explainer.explain(SEQUENCES[0], ExplainOptions.DEFAULT.withTarget(Target.parse("1"))).get(0);
            relevance[variant] = e.relevance();
            assertTrue(java.util.Arrays.stream(e.relevance()).anyMatch(v -> v != 0), "some relevance");
        }
        assertArrayEquals(relevance[0], relevance[1], 1e-6);
    }

    // ------------------------------------------------------------------------------------ refusals

    static String refusal(Graph g) {
        JlrpException e = assertThrows(JlrpException.class, () -> load(g, "out"));
        assertFalse(e.getMessage().contains("\n"), e.getMessage());
        return e.getMessage();
    }

    static Graph lstmTo(String read, Attribute... attributes) {
        Graph g = new Graph(7);
        g.prefix(1);
        op(g, "LSTM", 1, true, attributes);
        g.node("Squeeze", List.of(read, "axes0"), List.of("hl"));
        g.init("fc", CLASSES, H);
        g.init("fcb", CLASSES);
        g.node("Gemm", List.of("hl", "fc", "fcb"), List.of("out"), integer("transB", 1));
        return g;
    }

    @Test
    void refusesWhatTheMappingCannotComputeExactly() {
        assertTrue(refusal(lstmTo("Y_h", real("clip", 3f))).contains("clip 3.0 is not supported"));
        assertTrue(refusal(lstmTo("Y_h", integer("input_forget", 1))).contains("input_forget 1"));
        assertTrue(refusal(lstmTo("Y_h", strings("activations", "Sigmoid", "Tanh", "Relu")))
                .contains("activations [Sigmoid, Tanh, Relu] are not supported"));
        assertTrue(refusal(lstmTo("Y_h", integer("layout", 1))).contains("layout 1 (batch-first)"));
        assertTrue(refusal(lstmTo("Y_c")).contains("the cell state Y_c of an LSTM is not supported"));
        Graph reverse = new Graph(8);
        reverse.prefix(1);
        op(reverse, "GRU", 1, true, text("direction", "reverse"));
        reverse.put(Tensor.vector("axes1", 1));
        reverse.node("Squeeze", List.of("Y", "axes1"), List.of("ys"));
        reverse.node("ReduceMax", List.of("ys"), List.of("out"), ints("axes", 0), integer("keepdims", 0));
        assertTrue(refusal(reverse).contains("the sequence output Y of a reverse-direction GRU is not supported"));

        // A non-zero initial state and sequence lengths: the op's inputs 5 and 4.
        Graph state = lstmTo("Y_h");
        state.put(new Tensor("h1", Tensor.FLOAT, new long[] {1, 1, H}, new double[] {0, 0.5, 0, 0}));
        Node lstm = state.nodes.stream().filter(n -> n.opType().equals("LSTM")).findFirst().orElseThrow();
        List<String> in = new ArrayList<>(lstm.inputs());
        in.set(5, "h1");
        state.nodes.set(state.nodes.indexOf(lstm), new Node(lstm.name(), "LSTM", "", in, lstm.outputs(),
                lstm.attributes()));
        String message = refusal(state);
        assertTrue(message.contains("LSTM node '/LSTM_") && message.contains("a non-zero initial_h is not "
                + "supported"), message);
        Graph lengths = lstmTo("Y_h");
        lengths.put(new Tensor("lens", Tensor.INT32, new long[] {1}, new double[] {T}));
        lstm = lengths.nodes.stream().filter(n -> n.opType().equals("LSTM")).findFirst().orElseThrow();
        in = new ArrayList<>(lstm.inputs());
        in.set(4, "lens");
        lengths.nodes.set(lengths.nodes.indexOf(lstm), new Node(lstm.name(), "LSTM", "", in, lstm.outputs(),
                lstm.attributes()));
        assertTrue(refusal(lengths).contains("sequence_lens is not supported"));
    }

    /** An op jlrp does not map is named with its node, in one line, before anything else is read. */
    @Test
    void anUnsupportedOpIsNamedWithItsNode() {
        Graph erf = lstmTo("Y_h");
        erf.node("Erf", List.of("hl"), List.of("smooth"));
        String message = refusal(erf);
        assertTrue(message.contains("Erf node '/Erf_") && message.contains("op Erf is not supported; supported: "),
                message);
        Graph loop = lstmTo("Y_h");
        loop.node("Loop", List.of("hl"), List.of("looped"));
        assertTrue(refusal(loop).contains("a recurrence written as a loop; jlrp explains the LSTM, GRU and RNN ops"));
    }

    /** Mutants a fuzz run found (a byte flipped in the shared recurrent exports) that once escaped the typed error. */
    @Test
    void corruptGraphsGiveOneLine() {
        Graph noInput = lstmTo("Y_h");
        noInput.node("Relu", List.of(), List.of("dangling"));
        assertTrue(refusal(noInput).contains("Relu node '/Relu_") && refusal(noInput).endsWith("has no input"));
        // "direction" stored as an integer: no string value
        Graph direction = lstmTo("Y_h", integer("direction", 1));
        assertTrue(refusal(direction).contains("direction '' is not one of forward, reverse, bidirectional"));
        Graph axes = lstmTo("Y_h");
        axes.put(Tensor.vector("far", 7));
        axes.node("Unsqueeze", List.of("units", "far"), List.of("bad"));
        assertTrue(refusal(axes).contains("cannot fold its constant inputs"), refusal(axes));
    }

    @Test
    void acceptsTheDefaultActivationsSpelledOut() {
        Graph g = lstmTo("Y_h", strings("activations", "Sigmoid", "Tanh", "Tanh"));
        Explainer explainer = load(g, "out");
        double[][] yh = new double[1][];
        reference("LSTM", g.values.get("W"), g.values.get("R"), g.values.get("B"), 1, false, false,
                embed(g, SEQUENCES[0]), yh);
        assertLogits(explainer, fc(g, yh[0]), SEQUENCES[0], "LSTM with explicit default activations");
    }
}
