package org.jlrp.runtime.explain;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.jlrp.kernels.KernelProvider;
import org.jlrp.runtime.JlrpException;
import org.jlrp.runtime.internal.model.Activation;
import org.jlrp.runtime.internal.model.BidirectionalSpec;
import org.jlrp.runtime.internal.model.DenseSpec;
import org.jlrp.runtime.internal.model.EmbeddingSpec;
import org.jlrp.runtime.internal.model.InputSpec;
import org.jlrp.runtime.internal.model.LayerSpec;
import org.jlrp.runtime.internal.model.ModelSpec;
import org.jlrp.runtime.internal.model.RecurrentSpec;
import org.jlrp.runtime.internal.model.RecurrentSpec.Kind;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Random small recurrent models (odd sizes) against a double-precision reference written here from the rule set's
 * formulas (Keras's forward pass, Arras et al.'s LRP), sharing no code with the main sources; conservation with zero
 * biases and ε → 0; masks; models of any length; the gradient methods against finite differences of the reference;
 * LRP-0 against gradient × input of the gate-frozen network.
 */
class RecurrentReferenceTest {

    private static final int VOCAB = 7;
    private static final int DIM = 5;
    private static final int UNITS = 3;
    private static final int CLASSES = 2;
    private static final int STEPS = 6;

    /** One cell's weights, in Keras layout (kernel [in][G·u], recurrent [u][G·u]). */
    record Cell(Kind kind, double[] w, double[] u, double[] b, double[] rb, boolean resetAfter, String rec,
                boolean backwards) {
    }

    // ------------------------------------------------------------------------------------------------ reference

    static double act(String f, double x) {
        return switch (f) {
            case "tanh" -> Math.tanh(x);
            case "sigmoid" -> 1 / (1 + Math.exp(-x));
            case "hard_sigmoid" -> Math.max(0, Math.min(1, 0.2 * x + 0.5));
            default -> throw new IllegalArgumentException(f);
        };
    }

    static double stab(double z, double eps) {
        return z + eps * (z >= 0 ? 1 : -1);
    }

    /** Forward states of one cell over x [T][in]; returns per processing step s: h[s+1], c, gates, pre. */
    static final class Trace {
        double[][] h;
        double[][] c;
        double[][] gates;
        double[][] pre;
        /** The candidate's pre-activation without its biases (for :ignore-bias). */
        double[][] preFree;
        boolean[] skip;
    }

    static Trace run(Cell cell, double[][] x, boolean[] mask) {
        int t = x.length;
        int n = UNITS;
        int in = x[0].length;
        int g = cell.kind.gates() * n;
        Trace tr = new Trace();
        tr.h = new double[t + 1][n];
        tr.c = new double[t + 1][n];
        tr.gates = new double[t][g];
        tr.pre = new double[t][n];
        tr.preFree = new double[t][n];
        tr.skip = new boolean[t];
        for (int s = 0; s < t; s++) {
            int pos = cell.backwards ? t - 1 - s : s;
            double[] hp = tr.h[s];
            if (mask != null && mask[pos]) {
                tr.skip[s] = true;
                tr.h[s + 1] = hp.clone();
                tr.c[s + 1] = tr.c[s].clone();
                continue;
            }
            double[] zx = new double[g];
            double[] zh = new double[g];
            for (int j = 0; j < g; j++) {
                zx[j] = cell.b == null ? 0 : cell.b[j];
                zh[j] = cell.rb == null ? 0 : cell.rb[j];
                for (int i = 0; i < in; i++) {
                    zx[j] += x[pos][i] * cell.w[i * g + j];
                }
                for (int i = 0; i < n; i++) {
                    zh[j] += hp[i] * cell.u[i * g + j];
                }
            }
            for (int j = 0; j < n; j++) {
                switch (cell.kind) {
                    case LSTM -> {
                        double i = act(cell.rec, zx[j] + zh[j]);
                        double f = act(cell.rec, zx[n + j] + zh[n + j]);
                        double gg = Math.tanh(zx[2 * n + j] + zh[2 * n + j]);
                        double o = act(cell.rec, zx[3 * n + j] + zh[3 * n + j]);
                        tr.gates[s][j] = i;
                        tr.gates[s][n + j] = f;
                        tr.gates[s][2 * n + j] = gg;
                        tr.gates[s][3 * n + j] = o;
                        tr.pre[s][j] = zx[2 * n + j] + zh[2 * n + j];
                        tr.c[s + 1][j] = f * tr.c[s][j] + i * gg;
                        tr.h[s + 1][j] = o * Math.tanh(tr.c[s + 1][j]);
                    }
                    case GRU -> {
                        double z = act(cell.rec, zx[j] + zh[j]);
                        double r = act(cell.rec, zx[n + j] + zh[n + j]);
                        double pre;
                        if (cell.resetAfter) {
                            pre = zx[2 * n + j] + r * zh[2 * n + j];
                        } else {
                            pre = zx[2 * n + j];
                            for (int i = 0; i < n; i++) {
                                double rgate = act(cell.rec, zx[n + i] + zh[n + i]);
                                pre += rgate * hp[i] * cell.u[i * g + 2 * n + j];
                            }
                        }
                        double hh = Math.tanh(pre);
                        tr.gates[s][j] = z;
                        tr.gates[s][n + j] = r;
                        tr.gates[s][2 * n + j] = hh;
                        tr.pre[s][j] = pre;
                        tr.h[s + 1][j] = z * hp[j] + (1 - z) * hh;
                    }
                    case SIMPLE_RNN -> {
                        tr.pre[s][j] = zx[j] + zh[j];
                        tr.h[s + 1][j] = Math.tanh(tr.pre[s][j]);
                    }
                    default -> throw new IllegalStateException();
                }
            }
            int blk = cell.kind == Kind.SIMPLE_RNN ? 0 : 2 * n;
            for (int j = 0; j < n; j++) {
                double a = 0;
                double b = 0;
                for (int i = 0; i < in; i++) {
                    a += x[pos][i] * cell.w[i * g + blk + j];
                }
                for (int i = 0; i < n; i++) {
                    double source = cell.kind == Kind.GRU && !cell.resetAfter ? tr.gates[s][n + i] * hp[i] : hp[i];
                    b += source * cell.u[i * g + blk + j];
                }
                tr.preFree[s][j] = cell.kind == Kind.GRU && cell.resetAfter ? a + tr.gates[s][n + j] * b : a + b;
            }
        }
        return tr;
    }

    /** LRP of one cell given relevance at its last state; adds into rx [T][in]. */
    static void lrp(Cell cell, double[][] x, Trace tr, double[] rLast, double eps, boolean ignoreBias,
                    double[][] rx) {
        int t = x.length;
        int n = UNITS;
        int in = x[0].length;
        int g = cell.kind.gates() * n;
        int blk = cell.kind == Kind.SIMPLE_RNN ? 0 : 2 * n;
        double[] rh = rLast.clone();
        double[] rc = new double[n];
        for (int s = t - 1; s >= 0; s--) {
            if (tr.skip[s]) {
                continue;
            }
            int pos = cell.backwards ? t - 1 - s : s;
            double[] hp = tr.h[s];
            double[] rCand = new double[n];
            double[] next = new double[n];
            switch (cell.kind) {
                case LSTM -> {
                    for (int j = 0; j < n; j++) {
                        double r = rc[j] + rh[j];
                        double den = stab(tr.c[s + 1][j], eps);
                        rc[j] = tr.gates[s][n + j] * tr.c[s][j] / den * r;
                        rCand[j] = tr.gates[s][j] * tr.gates[s][2 * n + j] / den * r;
                    }
                }
                case GRU -> {
                    for (int j = 0; j < n; j++) {
                        double den = stab(tr.h[s + 1][j], eps);
                        next[j] = tr.gates[s][j] * hp[j] / den * rh[j];
                        rCand[j] = (1 - tr.gates[s][j]) * tr.gates[s][2 * n + j] / den * rh[j];
                    }
                }
                default -> rCand = rh.clone();
            }
            for (int j = 0; j < n; j++) {
                double q = rCand[j] / stab(ignoreBias ? tr.preFree[s][j] : tr.pre[s][j], eps);
                for (int i = 0; i < in; i++) {
                    rx[pos][i] += x[pos][i] * cell.w[i * g + blk + j] * q;
                }
                for (int i = 0; i < n; i++) {
                    double weight = cell.u[i * g + blk + j];
                    double source = hp[i];
                    if (cell.kind == Kind.GRU && cell.resetAfter) {
                        weight *= tr.gates[s][n + j];
                    } else if (cell.kind == Kind.GRU) {
                        source *= tr.gates[s][n + i];
                    }
                    next[i] += source * weight * q;
                }
            }
            rh = next;
        }
    }

    /**
     * The cell linearised at a forward pass {@code star}: every gate frozen at its value there, and every other
     * activation (the candidate's, the LSTM's output {@code tanh(c)}, SimpleRNN's) replaced by the linear map with its
     * secant slope {@code act(a*)/a*}; the biases stay. Affine in x; equal to the cell at {@code star}'s input.
     * Returns the states h[0..T].
     */
    static double[][] frozenRun(Cell cell, Trace star, double[][] x, boolean[] mask) {
        int t = x.length;
        int n = UNITS;
        int in = x[0].length;
        int g = cell.kind.gates() * n;
        int blk = cell.kind == Kind.SIMPLE_RNN ? 0 : 2 * n;
        double[][] h = new double[t + 1][n];
        double[] c = new double[n];
        for (int s = 0; s < t; s++) {
            int pos = cell.backwards ? t - 1 - s : s;
            if (mask != null && mask[pos]) {
                h[s + 1] = h[s].clone();
                continue;
            }
            double[] hp = h[s];
            double[] gates = star.gates[s];
            for (int j = 0; j < n; j++) {
                double pre = cell.b == null ? 0 : cell.b[blk + j];
                for (int i = 0; i < in; i++) {
                    pre += x[pos][i] * cell.w[i * g + blk + j];
                }
                double rec = 0;
                if (cell.kind == Kind.GRU && cell.resetAfter) {
                    rec = cell.rb[blk + j];
                    for (int i = 0; i < n; i++) {
                        rec += hp[i] * cell.u[i * g + blk + j];
                    }
                    rec *= gates[n + j];
                } else {
                    for (int i = 0; i < n; i++) {
                        double source = cell.kind == Kind.GRU ? gates[n + i] * hp[i] : hp[i];
                        rec += source * cell.u[i * g + blk + j];
                    }
                }
                pre += rec;
                double activated = cell.kind == Kind.SIMPLE_RNN ? star.h[s + 1][j] : gates[2 * n + j];
                double cand = activated / star.pre[s][j] * pre;
                switch (cell.kind) {
                    case LSTM -> {
                        c[j] = gates[n + j] * c[j] + gates[j] * cand;
                        double cStar = star.c[s + 1][j];
                        h[s + 1][j] = gates[3 * n + j] * Math.tanh(cStar) / cStar * c[j];
                    }
                    case GRU -> h[s + 1][j] = gates[j] * hp[j] + (1 - gates[j]) * cand;
                    default -> h[s + 1][j] = cand;
                }
            }
        }
        return h;
    }

    // ---------------------------------------------------------------------------------------------------- models

    private static double[] random(Random rnd, int n, double scale, boolean zero) {
        double[] a = new double[n];
        for (int i = 0; i < n; i++) {
            a[i] = zero ? 0 : (rnd.nextDouble() * 2 - 1) * scale;
        }
        return a;
    }

    private static float[] floats(double[] a) {
        if (a == null) {
            return null;
        }
        float[] f = new float[a.length];
        for (int i = 0; i < a.length; i++) {
            f[i] = (float) a[i];
        }
        return f;
    }

    /** Float-rounded weights, so that the reference and jlrp start from the same numbers. */
    private static double[] rounded(double[] a) {
        if (a == null) {
            return null;
        }
        double[] r = new double[a.length];
        for (int i = 0; i < a.length; i++) {
            r[i] = (float) a[i];
        }
        return r;
    }

    private static Cell cell(Random rnd, Kind kind, int in, boolean resetAfter, String rec, boolean zeroBias,
                             boolean backwards) {
        int g = kind.gates() * UNITS;
        return new Cell(kind, rounded(random(rnd, in * g, 0.9, false)), rounded(random(rnd, UNITS * g, 0.9, false)),
                rounded(random(rnd, g, 0.3, zeroBias)), resetAfter ? rounded(random(rnd, g, 0.3, zeroBias)) : null,
                resetAfter, rec, backwards);
    }

    private static RecurrentSpec spec(String name, Cell c, int in) {
        return new RecurrentSpec(name, List.of("embedding"), c.kind, floats(c.w), floats(c.u), floats(c.b),
                floats(c.rb), in, UNITS, c.kind == Kind.SIMPLE_RNN ? Activation.TANH : Activation.TANH,
                c.kind == Kind.SIMPLE_RNN ? Activation.LINEAR : Activation.valueOf(c.rec.toUpperCase()), false,
                c.backwards, c.resetAfter);
    }

    /** A model Embedding → recurrent (one cell, or two merged by concat) → Dense, and its reference. */
    private record Case(ModelSpec model, double[] table, List<Cell> cells, double[] dense, double[] denseBias,
                        boolean mask, BidirectionalSpec.Merge merge) {

        double[][] embed(int[] tokens) {
            double[][] x = new double[tokens.length][DIM];
            for (int t = 0; t < tokens.length; t++) {
                System.arraycopy(table, tokens[t] * DIM, x[t], 0, DIM);
            }
            return x;
        }

        boolean[] maskOf(int[] tokens) {
            if (!mask) {
                return null;
            }
            boolean[] masked = new boolean[tokens.length];
            for (int t = 0; t < tokens.length; t++) {
                masked[t] = tokens[t] == 0;
            }
            return masked;
        }

        /** The recurrent layer's output vector: the last states, merged. */
        double[] state(List<Trace> traces, int length) {
            if (merge == null || merge == BidirectionalSpec.Merge.CONCAT) {
                double[] state = new double[traces.size() * UNITS];
                for (int k = 0; k < traces.size(); k++) {
                    System.arraycopy(traces.get(k).h[length], 0, state, k * UNITS, UNITS);
                }
                return state;
            }
            double w = merge == BidirectionalSpec.Merge.AVE ? 0.5 : 1.0;
            double[] state = new double[UNITS];
            for (Trace tr : traces) {
                for (int j = 0; j < UNITS; j++) {
                    state[j] += w * tr.h[length][j];
                }
            }
            return state;
        }

        double[] head(double[] state) {
            double[] logits = new double[CLASSES];
            for (int c = 0; c < CLASSES; c++) {
                logits[c] = denseBias[c];
                for (int i = 0; i < state.length; i++) {
                    logits[c] += state[i] * dense[i * CLASSES + c];
                }
            }
            return logits;
        }

        /** Reference logits of an embedded input x [T][DIM] (the network as a function of its Embedding output). */
        double[] logits(double[][] x, boolean[] masked) {
            List<Trace> traces = new ArrayList<>();
            for (Cell cell : cells) {
                traces.add(run(cell, x, masked));
            }
            return head(state(traces, x.length));
        }

        /** The logits of the network linearised at {@code star}'s input (see {@link #frozenRun}), at input x. */
        double[] frozenLogits(List<Trace> star, double[][] x, boolean[] masked) {
            List<Trace> traces = new ArrayList<>();
            for (int k = 0; k < cells.size(); k++) {
                Trace tr = new Trace();
                tr.h = frozenRun(cells.get(k), star.get(k), x, masked);
                traces.add(tr);
            }
            return head(state(traces, x.length));
        }

        List<Trace> traces(double[][] x, boolean[] masked) {
            List<Trace> traces = new ArrayList<>();
            for (Cell cell : cells) {
                traces.add(run(cell, x, masked));
            }
            return traces;
        }

        /** Reference logits and per-token relevance for class 0. */
        double[][] reference(int[] tokens, double eps) {
            double[][] rx = referenceMap(tokens, eps);
            double[] perToken = new double[tokens.length];
            for (int t = 0; t < tokens.length; t++) {
                for (double v : rx[t]) {
                    perToken[t] += v;
                }
            }
            return new double[][]{logits(embed(tokens), maskOf(tokens)), perToken};
        }

        /** Reference LRP relevance [T][DIM] for class 0 (concat merge or one cell), one ε everywhere. */
        double[][] referenceMap(int[] tokens, double eps) {
            return referenceMap(tokens, eps, false, eps, false);
        }

        /** Reference LRP relevance [T][DIM] for class 0, with the cells' and the Dense head's own rules. */
        double[][] referenceMap(int[] tokens, double eps, boolean ignoreBias, double denseEps,
                                boolean denseIgnoreBias) {
            double[][] x = embed(tokens);
            boolean[] masked = maskOf(tokens);
            List<Trace> traces = new ArrayList<>();
            for (Cell cell : cells) {
                traces.add(run(cell, x, masked));
            }
            double[] state = state(traces, tokens.length);
            double[] logits = head(state);
            double[][] rx = new double[tokens.length][DIM];
            for (int k = 0; k < cells.size(); k++) {
                double[] rState = new double[UNITS];
                for (int j = 0; j < UNITS; j++) {
                    int i = k * UNITS + j;
                    double z = logits[0];
                    if (denseIgnoreBias) {
                        z = 0;
                        for (int m = 0; m < state.length; m++) {
                            z += state[m] * dense[m * CLASSES];
                        }
                    }
                    rState[j] = state[i] * dense[i * CLASSES] / stab(z, denseEps) * logits[0];
                }
                lrp(cells.get(k), x, traces.get(k), rState, eps, ignoreBias, rx);
            }
            return rx;
        }
    }

    private static Case build(long seed, Kind kind, boolean resetAfter, String rec, boolean bidirectional,
                              boolean zeroBias, boolean mask, int length) {
        return build(seed, kind, resetAfter, rec, bidirectional ? BidirectionalSpec.Merge.CONCAT : null, zeroBias,
                mask, length);
    }

    /** @param merge null for one cell, else a Bidirectional layer with this merge */
    private static Case build(long seed, Kind kind, boolean resetAfter, String rec, BidirectionalSpec.Merge merge,
                              boolean zeroBias, boolean mask, int length) {
        boolean bidirectional = merge != null;
        Random rnd = new Random(seed);
        double[] table = rounded(random(rnd, VOCAB * DIM, 1.0, false));
        List<Cell> cells = new ArrayList<>();
        cells.add(cell(rnd, kind, DIM, resetAfter, rec, zeroBias, false));
        if (bidirectional) {
            cells.add(cell(rnd, kind, DIM, resetAfter, rec, zeroBias, true));
        }
        int width = merge == null || merge == BidirectionalSpec.Merge.CONCAT ? cells.size() * UNITS : UNITS;
        double[] dense = rounded(random(rnd, width * CLASSES, 0.8, false));
        double[] denseBias = rounded(random(rnd, CLASSES, 0.2, zeroBias));
        List<LayerSpec> layers = new ArrayList<>();
        layers.add(new InputSpec("input"));
        layers.add(new EmbeddingSpec("embedding", List.of("input"), floats(table), VOCAB, DIM, mask));
        LayerSpec recurrent = bidirectional
                ? new BidirectionalSpec("recurrent", List.of("embedding"), spec("forward", cells.get(0), DIM),
                spec("backward", cells.get(1), DIM), merge)
                : spec("recurrent", cells.get(0), DIM);
        layers.add(recurrent);
        layers.add(new DenseSpec("dense", List.of("recurrent"), floats(dense), floats(denseBias), width, CLASSES,
                Activation.LINEAR));
        return new Case(new ModelSpec("reference-" + kind, "in-memory", length, layers, "dense"), table, cells,
                dense, denseBias, mask, merge);
    }

    private static void check(Case c, int[] tokens, double eps, String what) {
        Explainer explainer = Explainer.of(c.model(), KernelProvider.get());
        Explanation e = explainer.explain(tokens, ExplainOptions.DEFAULT.withEps(eps).withTarget(Target.parse("0")))
                .get(0);
        double[][] want = c.reference(tokens, eps);
        double logitScale = Math.max(Math.abs(want[0][0]), Math.abs(want[0][1]));
        for (int k = 0; k < CLASSES; k++) {
            assertEquals(want[0][k], e.logits()[k], 1e-5 * logitScale, what + ": logit " + k);
        }
        double scale = 0;
        for (double v : want[1]) {
            scale = Math.max(scale, Math.abs(v));
        }
        for (int t = 0; t < tokens.length; t++) {
            assertEquals(want[1][t], e.relevance()[t], 1e-4 * scale, what + ": relevance at " + t);
        }
    }

    private static final int[] TOKENS = {3, 1, 6, 2, 5, 4};

    @Test
    void lstmMatchesTheReference() {
        check(build(11, Kind.LSTM, false, "sigmoid", false, false, false, STEPS), TOKENS, 1e-6, "LSTM");
        check(build(12, Kind.LSTM, false, "hard_sigmoid", false, false, false, STEPS), TOKENS, 0.01,
                "LSTM hard_sigmoid");
    }

    @Test
    void gruMatchesTheReference() {
        check(build(21, Kind.GRU, false, "hard_sigmoid", false, false, false, STEPS), TOKENS, 1e-6,
                "GRU reset_after=False");
        check(build(22, Kind.GRU, true, "sigmoid", false, false, false, STEPS), TOKENS, 1e-6, "GRU reset_after=True");
    }

    @Test
    void simpleRnnMatchesTheReference() {
        check(build(31, Kind.SIMPLE_RNN, false, "sigmoid", false, false, false, STEPS), TOKENS, 1e-6, "SimpleRNN");
    }

    @Test
    void bidirectionalAndMaskMatchTheReference() {
        check(build(41, Kind.LSTM, false, "sigmoid", true, false, false, STEPS), TOKENS, 1e-6, "Bidirectional LSTM");
        Case masked = build(42, Kind.LSTM, false, "sigmoid", true, false, true, STEPS);
        int[] padded = {3, 1, 6, 0, 0, 0};
        check(masked, padded, 1e-6, "masked Bidirectional LSTM");
        Explanation e = Explainer.of(masked.model(), KernelProvider.get()).explain(padded);
        for (int t = 3; t < padded.length; t++) {
            assertEquals(0.0, e.relevance()[t], "a masked token gets exactly no relevance");
        }
    }

    @Test
    void conservationWithZeroBiases() {
        for (Kind kind : Kind.values()) {
            for (boolean resetAfter : kind == Kind.GRU ? new boolean[]{false, true} : new boolean[]{false}) {
                Case c = build(51 + kind.ordinal(), kind, resetAfter, "sigmoid", false, true, false, STEPS);
                Explanation e = Explainer.of(c.model(), KernelProvider.get())
                        .explain(TOKENS, ExplainOptions.DEFAULT.withEps(1e-9).withTarget(Target.parse("0"))).get(0);
                double sum = 0;
                for (double r : e.relevance()) {
                    sum += r;
                }
                assertEquals(e.explainedLogit(), sum, 1e-4 * Math.abs(e.explainedLogit()) + 1e-6,
                        kind + " reset_after " + resetAfter + ": relevance sums to the logit");
            }
        }
    }

    @Test
    void aModelOfAnyLengthExplainsEachLengthAsGiven() {
        Case c = build(61, Kind.GRU, true, "sigmoid", true, false, false, ModelSpec.ANY_LENGTH);
        Explainer explainer = Explainer.of(c.model(), KernelProvider.get());
        assertEquals(-1, explainer.inputLength());
        for (int length = 1; length <= STEPS; length++) {
            int[] tokens = java.util.Arrays.copyOf(TOKENS, length);
            check(c, tokens, 1e-6, "length " + length);
            assertEquals(length, explainer.explain(tokens).relevance().length);
        }
        List<Explanation> batch = explainer.explainBatch(List.of(TOKENS, new int[]{2, 3}, new int[]{4}),
                ExplainOptions.DEFAULT, 2);
        assertEquals(3, batch.size());
        assertEquals(2, batch.get(1).relevance().length);
        assertThrows(JlrpException.class, () -> explainer.explain(new int[0]));
        Explainer fixed = Explainer.of(build(62, Kind.LSTM, false, "sigmoid", false, false, false, STEPS).model(),
                KernelProvider.get());
        JlrpException e = assertThrows(JlrpException.class, () -> fixed.explain(new int[]{1, 2}));
        assertTrue(e.getMessage().contains("the model reads 6"), e.getMessage());
    }

    // ------------------------------------------------------------------------------------------ gradient methods

    /** jlrp's gradient (BPTT in float) against central finite differences of the double reference. */
    private static void checkGradient(Case c, int[] tokens, String what) {
        Explainer explainer = Explainer.of(c.model(), KernelProvider.get());
        ExplainOptions options = ExplainOptions.DEFAULT.withMethod(Method.GRADIENT).withEmbeddingRelevance(true)
                .withTarget(Target.parse("0"));
        float[] map = explainer.explain(tokens, options).get(0).embeddingRelevance();
        double[][] x = c.embed(tokens);
        boolean[] masked = c.maskOf(tokens);
        double step = 1e-5;
        double[][] fd = new double[tokens.length][DIM];
        double scale = 0;
        for (int t = 0; t < tokens.length; t++) {
            for (int d = 0; d < DIM; d++) {
                double keep = x[t][d];
                x[t][d] = keep + step;
                double up = c.logits(x, masked)[0];
                x[t][d] = keep - step;
                double down = c.logits(x, masked)[0];
                x[t][d] = keep;
                fd[t][d] = (up - down) / (2 * step);
                scale = Math.max(scale, Math.abs(fd[t][d]));
            }
        }
        assertTrue(scale > 1e-3, what + ": a gradient worth checking");
        for (int t = 0; t < tokens.length; t++) {
            for (int d = 0; d < DIM; d++) {
                assertEquals(fd[t][d], map[t * DIM + d], 1e-5 * scale, what + ": ∂logit/∂e at " + t + "," + d);
                if (masked != null && masked[t]) {
                    assertEquals(0.0, map[t * DIM + d], what + ": a masked step's input has no gradient");
                }
            }
        }
        // gradient × input is that map times the embedding, summed per token
        Explanation gi = explainer.explain(tokens, options.withMethod(Method.GRADIENT_INPUT)).get(0);
        for (int t = 0; t < tokens.length; t++) {
            double want = 0;
            for (int d = 0; d < DIM; d++) {
                want += x[t][d] * fd[t][d];
            }
            assertEquals(want, gi.relevance()[t], 1e-5 * scale * DIM, what + ": gradient × input at " + t);
        }
    }

    @Test
    void gradientMatchesFiniteDifferencesOfTheReference() {
        checkGradient(build(81, Kind.LSTM, false, "sigmoid", false, false, false, STEPS), TOKENS, "LSTM");
        checkGradient(build(82, Kind.LSTM, false, "hard_sigmoid", false, false, false, STEPS), TOKENS,
                "LSTM hard_sigmoid");
        checkGradient(build(83, Kind.GRU, false, "sigmoid", false, false, false, STEPS), TOKENS,
                "GRU reset_after=False");
        checkGradient(build(84, Kind.GRU, true, "sigmoid", false, false, false, STEPS), TOKENS,
                "GRU reset_after=True");
        checkGradient(build(85, Kind.SIMPLE_RNN, false, "sigmoid", false, false, false, STEPS), TOKENS, "SimpleRNN");
        int[] padded = {3, 1, 0, 6, 0, 0};
        for (BidirectionalSpec.Merge merge : List.of(BidirectionalSpec.Merge.CONCAT, BidirectionalSpec.Merge.SUM,
                BidirectionalSpec.Merge.AVE)) {
            checkGradient(build(86, Kind.LSTM, false, "sigmoid", merge, false, true, STEPS), padded,
                    "masked Bidirectional LSTM " + merge);
            checkGradient(build(87, Kind.GRU, true, "sigmoid", merge, false, true, STEPS), padded,
                    "masked Bidirectional GRU " + merge);
            checkGradient(build(88, Kind.GRU, false, "sigmoid", merge, false, false, STEPS), TOKENS,
                    "Bidirectional GRU reset_after=False " + merge);
        }
        checkGradient(build(89, Kind.SIMPLE_RNN, false, "sigmoid", BidirectionalSpec.Merge.CONCAT, false, true,
                STEPS), padded, "masked Bidirectional SimpleRNN");
    }

    @Test
    void integratedGradientsAreCompleteOnRecurrentModels() {
        Case lstm = build(91, Kind.LSTM, false, "sigmoid", BidirectionalSpec.Merge.CONCAT, false, true, STEPS);
        Case gru = build(92, Kind.GRU, true, "sigmoid", false, false, false, STEPS);
        for (Case c : List.of(lstm, gru)) {
            Explainer explainer = Explainer.of(c.model(), KernelProvider.get());
            int[] tokens = c.mask() ? new int[]{3, 1, 6, 2, 0, 0} : TOKENS;
            ExplainOptions options = ExplainOptions.DEFAULT.withMethod(Method.INTEGRATED_GRADIENTS)
                    .withBaseline(c.mask() ? Method.Baseline.PADDING : Method.Baseline.ZERO)
                    .withTarget(Target.parse("0"));
            Explanation coarse = explainer.explain(tokens, options.withSteps(256)).get(0);
            Explanation fine = explainer.explain(tokens, options.withSteps(1024)).get(0);
            double delta = fine.explainedLogit() - fine.baselineLogit();
            assertTrue(Math.abs(delta) > 0.05, "a logit difference worth explaining: " + delta);
            assertTrue(Math.abs(fine.completenessError()) < 2e-3 * Math.abs(delta),
                    "Σ IG = logit − baseline logit: error " + fine.completenessError() + " of " + delta);
            // The right Riemann sum's error is first order in 1/m when the gradient is the path's true gradient.
            double ratio = coarse.completenessError() / fine.completenessError();
            assertTrue(ratio > 3.5 && ratio < 4.5, "the error falls as 1/steps: " + coarse.completenessError()
                    + " at 256 steps, " + fine.completenessError() + " at 1024");
        }
    }

    @Test
    void occlusionIsTheLogitDropOfEachToken() {
        Case c = build(93, Kind.GRU, false, "sigmoid", BidirectionalSpec.Merge.CONCAT, false, true, STEPS);
        int[] tokens = {3, 1, 6, 2, 0, 0};
        Explanation e = Explainer.of(c.model(), KernelProvider.get())
                .explain(tokens, ExplainOptions.DEFAULT.withMethod(Method.OCCLUSION).withTarget(Target.parse("0")))
                .get(0);
        double full = c.logits(c.embed(tokens), c.maskOf(tokens))[0];
        for (int t = 0; t < tokens.length; t++) {
            int[] occluded = tokens.clone();
            occluded[t] = 0;
            double want = tokens[t] == 0 ? 0 : full - c.logits(c.embed(occluded), c.maskOf(occluded))[0];
            assertEquals(want, e.relevance()[t], 1e-5, "occlusion at " + t);
        }
    }

    // ---------------------------------------------------------------------------------------------- rule strings

    /** jlrp under a rule string against the reference with the cells' and the head's rules. */
    private static void checkRules(Case c, String spec, boolean ignoreAll, double eps, boolean ignoreBias,
                                   double denseEps, boolean denseIgnoreBias) {
        ExplainOptions options = ExplainOptions.DEFAULT.withRules(Composite.parse(spec, 1e-6))
                .withIgnoreBias(ignoreAll).withEmbeddingRelevance(true).withTarget(Target.parse("0"));
        Explanation e = Explainer.of(c.model(), KernelProvider.get()).explain(TOKENS, options).get(0);
        double[][] want = c.referenceMap(TOKENS, eps, ignoreBias, denseEps, denseIgnoreBias);
        double[][] plain = c.referenceMap(TOKENS, 1e-6);
        double scale = 0;
        double change = 0;
        for (int t = 0; t < TOKENS.length; t++) {
            for (int d = 0; d < DIM; d++) {
                scale = Math.max(scale, Math.abs(want[t][d]));
                change = Math.max(change, Math.abs(want[t][d] - plain[t][d]));
            }
        }
        assertTrue(change > 1e-3 * scale, spec + ": the rule changes the relevance");
        for (int t = 0; t < TOKENS.length; t++) {
            for (int d = 0; d < DIM; d++) {
                assertEquals(want[t][d], e.embeddingRelevance()[t * DIM + d], 1e-5 * scale,
                        spec + ": relevance at " + t + "," + d);
            }
        }
    }

    @Test
    void ruleStringsReachTheLinearMapsInsideCells() {
        Case lstm = build(111, Kind.LSTM, false, "sigmoid", true, false, false, STEPS);
        checkRules(lstm, "lstm=epsilon:0.05;dense=epsilon:0.001", false, 0.05, false, 0.001, false);
        checkRules(lstm, "recurrent=epsilon:0.02:ignore-bias;lstm=epsilon:0.5", false, 0.02, true, 1e-6, false);
        checkRules(lstm, "epsilon", true, 1e-6, true, 1e-6, true);
        Case gru = build(112, Kind.GRU, true, "sigmoid", false, false, false, STEPS);
        checkRules(gru, "gru=epsilon:0.01:ignore-bias;lstm=epsilon:0.5", false, 0.01, true, 1e-6, false);
        Case gruBefore = build(113, Kind.GRU, false, "sigmoid", false, false, false, STEPS);
        checkRules(gruBefore, "gru=epsilon:1e-6:ignore-bias", false, 1e-6, true, 1e-6, false);
        Case rnn = build(114, Kind.SIMPLE_RNN, false, "sigmoid", false, false, false, STEPS);
        checkRules(rnn, "rnn=epsilon:0.1:ignore-bias;dense=epsilon:0.1", false, 0.1, true, 0.1, false);
    }

    @Test
    void ignoreBiasWithZeroStabiliserConservesInsideCells() {
        for (Kind kind : Kind.values()) {
            Case c = build(121 + kind.ordinal(), kind, kind == Kind.GRU, "sigmoid", false, false, false, STEPS);
            Explanation e = Explainer.of(c.model(), KernelProvider.get()).explain(TOKENS, ExplainOptions.DEFAULT
                    .withRules(Composite.parse("lrp0", 0)).withIgnoreBias(true).withTarget(Target.parse("0"))).get(0);
            double sum = 0;
            for (double r : e.relevance()) {
                sum += r;
            }
            assertEquals(e.explainedLogit(), sum, 1e-4 * Math.abs(e.explainedLogit()),
                    kind + ": with every bias left out of the rules, relevance sums to the logit");
        }
    }

    @Test
    void rulesOtherThanEpsilonAreRefusedInsideCells() {
        JlrpException parse = assertThrows(JlrpException.class, () -> Composite.parse("lstm=zplus"));
        assertTrue(parse.getMessage().contains("epsilon") && !parse.getMessage().contains("\n"), parse.getMessage());
        Explainer explainer = Explainer.of(build(131, Kind.GRU, false, "sigmoid", false, false, false, STEPS).model(),
                KernelProvider.get());
        JlrpException named = assertThrows(JlrpException.class, () -> explainer.explain(TOKENS,
                ExplainOptions.DEFAULT.withRules(Composite.parse("recurrent=gamma:0.25"))));
        assertTrue(named.getMessage().contains("layer 'recurrent': the linear maps inside recurrent layers"), named.getMessage());
        JlrpException unknown = assertThrows(JlrpException.class, () -> explainer.explain(TOKENS,
                ExplainOptions.DEFAULT.withRules(Composite.parse("nosuch=epsilon"))));
        assertTrue(unknown.getMessage().contains("recurrent"), unknown.getMessage());
    }

    // ------------------------------------------------------------------------------------------- batch engine

    /**
     * The batch engine (two threads, both of its paths) gives each sequence exactly what explain gives it alone:
     * masked Bidirectional LSTMs, GRUs (the reset gate before and after U_h; the vector sigmoid and the scalar
     * hard sigmoid) and SimpleRNNs (their backward halves go backwards), concatenated and summed, whose group passes
     * run members with different masks together.
     */
    @ParameterizedTest
    @CsvSource({"LSTM, false, sigmoid, CONCAT", "LSTM, false, sigmoid, SUM", "GRU, false, hard_sigmoid, CONCAT",
            "GRU, true, sigmoid, SUM", "SIMPLE_RNN, false, sigmoid, CONCAT"})
    void theBatchEngineIsBitIdenticalToExplainOnRecurrentModels(Kind kind, boolean resetAfter, String rec,
                                                                BidirectionalSpec.Merge merge) {
        Explainer explainer = Explainer.of(build(141, kind, resetAfter, rec, merge, false, true, STEPS).model(),
                KernelProvider.get());
        List<int[]> sequences = new ArrayList<>();
        Random rnd = new Random(5);
        for (int i = 0; i < 23; i++) {
            int[] tokens = new int[STEPS];
            for (int t = 0; t < STEPS; t++) {
                tokens[t] = rnd.nextInt(4) == 0 ? 0 : 1 + rnd.nextInt(VOCAB - 1);
            }
            sequences.add(tokens);
        }
        List<ExplainOptions> all = List.of(ExplainOptions.DEFAULT,
                ExplainOptions.DEFAULT.withRules(
                        Composite.parse(kind.ruleKey() + "=epsilon:0.01:ignore-bias;dense=epsilon")),
                ExplainOptions.DEFAULT.withMethod(Method.GRADIENT_INPUT),
                ExplainOptions.DEFAULT.withMethod(Method.INTEGRATED_GRADIENTS).withSteps(8));
        try (BatchEngine engine = new BatchEngine(explainer, 2)) {
            for (ExplainOptions options : all) {
                List<Explanation> batch = engine.explain(sequences, options);
                int[] targets = new int[sequences.size()];
                double[][] relevance = new double[sequences.size()][STEPS];
                if (options.method() == Method.LRP) {
                    engine.relevance(sequences.toArray(new int[0][]), 0, sequences.size(), options, targets, relevance);
                }
                for (int i = 0; i < sequences.size(); i++) {
                    Explanation alone = explainer.explain(sequences.get(i), options).get(0);
                    assertEquals(java.util.Arrays.toString(alone.relevance()),
                            java.util.Arrays.toString(batch.get(i).relevance()), options.method() + " sequence " + i);
                    if (options.method() == Method.LRP) {
                        assertEquals(alone.target(), targets[i]);
                        assertEquals(java.util.Arrays.toString(alone.relevance()),
                                java.util.Arrays.toString(relevance[i]), "relevance() sequence " + i);
                    }
                }
            }
        }
    }

    // -------------------------------------------------------------------------------- the gate-frozen identity

    /**
     * LRP-0 (ε = 0, biases inside z) equals gradient × input of the network linearised at its forward pass: gates
     * frozen, every other activation replaced by its secant slope act(a)/a. Checked in double between the two
     * independent references here (the linearised network is affine, so a unit difference is its exact gradient),
     * and against jlrp's ε = 0 relevance map in float.
     */
    private static void checkFrozenIdentity(Case c, int[] tokens, String what) {
        double[][] x = c.embed(tokens);
        boolean[] masked = c.maskOf(tokens);
        List<Trace> star = c.traces(x, masked);
        double[] at = c.frozenLogits(star, x, masked);
        double[] real = c.logits(x, masked);
        assertEquals(real[0], at[0], 1e-12 * Math.abs(real[0]) + 1e-14, what + ": the linearisation meets the network");
        double[][] lrp = c.referenceMap(tokens, 0);
        double[][] gradInput = new double[tokens.length][DIM];
        double scale = 0;
        for (int t = 0; t < tokens.length; t++) {
            for (int d = 0; d < DIM; d++) {
                double keep = x[t][d];
                x[t][d] = keep + 1;
                double gradient = c.frozenLogits(star, x, masked)[0] - at[0];
                x[t][d] = keep;
                gradInput[t][d] = keep * gradient;
                scale = Math.max(scale, Math.abs(gradInput[t][d]));
            }
        }
        assertTrue(scale > 1e-3, what + ": relevance worth checking");
        Explanation e = Explainer.of(c.model(), KernelProvider.get()).explain(tokens, ExplainOptions.DEFAULT
                .withEps(0).withEmbeddingRelevance(true).withTarget(Target.parse("0"))).get(0);
        for (int t = 0; t < tokens.length; t++) {
            for (int d = 0; d < DIM; d++) {
                assertEquals(gradInput[t][d], lrp[t][d], 1e-10 * scale, what + ": reference LRP-0 at " + t + "," + d);
                assertEquals(gradInput[t][d], e.embeddingRelevance()[t * DIM + d], 1e-5 * scale,
                        what + ": jlrp LRP-0 at " + t + "," + d);
            }
        }
    }

    @Test
    void lrpZeroIsGradientTimesInputOfTheGateFrozenNetwork() {
        checkFrozenIdentity(build(101, Kind.LSTM, false, "sigmoid", false, false, false, STEPS), TOKENS, "LSTM");
        checkFrozenIdentity(build(102, Kind.GRU, false, "hard_sigmoid", false, false, false, STEPS), TOKENS,
                "GRU reset_after=False");
        checkFrozenIdentity(build(103, Kind.GRU, true, "sigmoid", false, false, false, STEPS), TOKENS,
                "GRU reset_after=True");
        checkFrozenIdentity(build(104, Kind.SIMPLE_RNN, false, "sigmoid", false, false, false, STEPS), TOKENS,
                "SimpleRNN");
        checkFrozenIdentity(build(105, Kind.LSTM, false, "sigmoid", true, false, true, STEPS),
                new int[]{3, 0, 6, 2, 0, 0}, "masked Bidirectional LSTM");
    }
}
