package org.jlrp.runtime;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.jlrp.runtime.internal.model.Conv1DSpec;
import org.jlrp.runtime.internal.model.DenseSpec;
import org.jlrp.runtime.internal.model.EmbeddingSpec;
import org.jlrp.runtime.internal.model.LayerSpec;
import org.jlrp.runtime.internal.model.ModelSpec;
import org.jlrp.runtime.internal.model.Padding;
import org.jlrp.runtime.internal.model.PoolingSpec;

/**
 * An independent double-precision LRP written straight from {@code ../shared/RULES.md}, sharing no code with the main
 * sources: it reads the {@link ModelSpec}'s layer specs and weights itself and evaluates each rule as the explicit sums
 * over {@code i} and {@code j} that RULES.md prints, on connection lists (output {@code j} ← in-range inputs
 * {@code i} with weight {@code w_ij}). Supports the layers the tiny test models use: Embedding, Conv1D (stride 1,
 * valid/same), Dense, Max/AveragePooling1D, their global forms, Flatten, Dropout, Activation(relu), Concatenate of
 * vectors. Slow and simple on purpose.
 */
public final class ReferenceLrp {

    /** A rule as the reference understands it: kind is epsilon, zplus, alphabeta, gamma, zbox, flat or wsquare. */
    public record Rule(String kind, double eps, double alpha, double beta, double gamma, boolean nobias) {
        public static Rule epsilon(double eps) {
            return new Rule("epsilon", eps, 0, 0, 0, false);
        }

        public static Rule of(String kind) {
            return new Rule(kind, 0, 0, 0, 0, false);
        }

        public static Rule alphaBeta(double a, double b) {
            return new Rule("alphabeta", 0, a, b, 0, false);
        }

        public static Rule gamma(double g) {
            return new Rule("gamma", 0, 0, 0, g, false);
        }

        public Rule withNobias() {
            return new Rule(kind, eps, alpha, beta, gamma, true);
        }
    }

    private static final double E = 1e-6;

    private final ModelSpec model;
    /** Per Conv1D/Dense layer: its kernel and bias (null: none), read once. */
    private final Map<String, float[][]> weights = new HashMap<>();
    private final Map<String, double[]> values = new HashMap<>();
    /** Per linear layer: the pre-activations z_j (bias included). */
    private final Map<String, double[]> pre = new HashMap<>();
    private final Map<String, int[]> shapes = new HashMap<>(); // {steps, channels}
    private final Map<String, int[]> winners = new HashMap<>();
    private double[] boxLow;
    private double[] boxHigh;
    private int dim;
    private double conditioning;

    public ReferenceLrp(ModelSpec model) {
        this.model = model;
        for (LayerSpec l : model.layers()) {
            if (l instanceof Conv1DSpec c) {
                weights.put(l.name(), new float[][]{c.kernel(), c.bias()});
            } else if (l instanceof DenseSpec d) {
                weights.put(l.name(), new float[][]{d.kernel(), d.bias()});
            }
        }
    }

    /** The logits (the output layer's pre-activations). */
    public double[] forward(int[] tokens) {
        values.clear();
        pre.clear();
        for (LayerSpec l : model.layers()) {
            forwardLayer(l, tokens);
        }
        return pre.getOrDefault(model.output(), values.get(model.output()));
    }

    private void forwardLayer(LayerSpec l, int[] tokens) {
        switch (l.type()) {
            case "InputLayer" -> shapes.put(l.name(), new int[]{1, tokens.length});
            case "Embedding" -> {
                EmbeddingSpec e = (EmbeddingSpec) l;
                int vocab = e.vocabulary();
                dim = e.dim();
                float[] table = e.table();
                double[] out = new double[tokens.length * dim];
                for (int t = 0; t < tokens.length; t++) {
                    for (int d = 0; d < dim; d++) {
                        out[t * dim + d] = table[tokens[t] * dim + d];
                    }
                }
                boxLow = new double[dim];
                boxHigh = new double[dim];
                for (int d = 0; d < dim; d++) {
                    boxLow[d] = Double.POSITIVE_INFINITY;
                    boxHigh[d] = Double.NEGATIVE_INFINITY;
                    for (int v = 0; v < vocab; v++) {
                        boxLow[d] = Math.min(boxLow[d], table[v * dim + d]);
                        boxHigh[d] = Math.max(boxHigh[d], table[v * dim + d]);
                    }
                }
                values.put(l.name(), out);
                shapes.put(l.name(), new int[]{tokens.length, dim});
            }
            case "Conv1D", "Dense" -> {
                List<int[]>[] conn = connections(l);
                double[] x = values.get(l.inputs().get(0));
                int outSize = conn.length;
                double[] z = new double[outSize];
                for (int j = 0; j < outSize; j++) {
                    z[j] = bias(l, j);
                    for (int[] iw : conn[j]) {
                        z[j] += x[iw[0]] * weight(l, iw[1]);
                    }
                }
                pre.put(l.name(), z);
                String act = (l instanceof Conv1DSpec conv ? conv.activation() : ((DenseSpec) l).activation())
                        .displayName();
                double[] a = new double[outSize];
                for (int j = 0; j < outSize; j++) {
                    a[j] = act.equals("relu") ? Math.max(z[j], 0) : act.equals("tanh") ? Math.tanh(z[j]) : z[j];
                }
                values.put(l.name(), a);
            }
            case "MaxPooling1D", "AveragePooling1D", "GlobalMaxPooling1D", "GlobalAveragePooling1D" -> {
                int[] s = shapes.get(l.inputs().get(0));
                boolean global = l.type().startsWith("Global");
                int pool = global ? s[0] : ((PoolingSpec) l).pool();
                int outSteps = global ? 1 : (s[0] - pool) / pool + 1;
                double[] x = values.get(l.inputs().get(0));
                double[] out = new double[outSteps * s[1]];
                int[] win = new int[out.length];
                for (int t = 0; t < outSteps; t++) {
                    for (int ch = 0; ch < s[1]; ch++) {
                        double best = Double.NEGATIVE_INFINITY;
                        double sum = 0;
                        for (int p = 0; p < pool; p++) {
                            double v = x[(t * pool + p) * s[1] + ch];
                            sum += v;
                            if (v > best) {
                                best = v;
                                win[t * s[1] + ch] = t * pool + p;
                            }
                        }
                        out[t * s[1] + ch] = l.type().contains("Max") ? best : sum / pool;
                    }
                }
                values.put(l.name(), out);
                winners.put(l.name(), win);
                shapes.put(l.name(), new int[]{outSteps, s[1]});
            }
            case "Flatten", "Dropout" -> {
                values.put(l.name(), values.get(l.inputs().get(0)));
                int[] s = shapes.get(l.inputs().get(0));
                shapes.put(l.name(), l.type().equals("Flatten") ? new int[]{1, s[0] * s[1]} : s);
            }
            case "Activation" -> {
                double[] x = values.get(l.inputs().get(0));
                double[] out = new double[x.length];
                for (int i = 0; i < x.length; i++) {
                    out[i] = Math.max(x[i], 0);
                }
                values.put(l.name(), out);
                shapes.put(l.name(), shapes.get(l.inputs().get(0)));
            }
            case "Concatenate" -> {
                List<Double> all = new ArrayList<>();
                for (String in : l.inputs()) {
                    for (double v : values.get(in)) {
                        all.add(v);
                    }
                }
                values.put(l.name(), all.stream().mapToDouble(Double::doubleValue).toArray());
                shapes.put(l.name(), new int[]{1, all.size()});
            }
            default -> throw new IllegalArgumentException("reference does not support " + l.type());
        }
    }

    /**
     * Output j's connections: {input index i, flat kernel index of w_ij}, in-range inputs only (a padded row is
     * zero and is no input). Also records the output shape.
     */
    @SuppressWarnings("unchecked")
    private List<int[]>[] connections(LayerSpec l) {
        int[] s = shapes.get(l.inputs().get(0));
        if (l instanceof DenseSpec dense && s[0] == 1) {
            int in = s[1];
            int units = dense.units();
            List<int[]>[] conn = new List[units];
            for (int j = 0; j < units; j++) {
                conn[j] = new ArrayList<>();
                for (int i = 0; i < in; i++) {
                    conn[j].add(new int[]{i, i * units + j});
                }
            }
            shapes.put(l.name(), new int[]{1, units});
            return conn;
        }
        Conv1DSpec conv = l instanceof Conv1DSpec c ? c : null;
        int width = conv == null ? 1 : conv.width();
        int in = s[1];
        int filters = conv == null ? ((DenseSpec) l).units() : conv.filters();
        String padding = conv == null ? "valid" : conv.padding() == Padding.SAME ? "same" : "valid";
        int outSteps = padding.equals("valid") ? s[0] - width + 1 : s[0];
        int padLeft = padding.equals("same") ? (width - 1) / 2 : 0;
        List<int[]>[] conn = new List[outSteps * filters];
        for (int t = 0; t < outSteps; t++) {
            for (int f = 0; f < filters; f++) {
                List<int[]> list = new ArrayList<>();
                for (int k = 0; k < width; k++) {
                    int row = t + k - padLeft;
                    if (row < 0 || row >= s[0]) {
                        continue;
                    }
                    for (int ch = 0; ch < in; ch++) {
                        list.add(new int[]{row * in + ch, (k * in + ch) * filters + f});
                    }
                }
                conn[t * filters + f] = list;
            }
        }
        shapes.put(l.name(), new int[]{outSteps, filters});
        return conn;
    }

    private double weight(LayerSpec l, int index) {
        return weights.get(l.name())[0][index];
    }

    private double bias(LayerSpec l, int j) {
        float[] b = weights.get(l.name())[1];
        if (b == null) {
            return 0;
        }
        return b[j % b.length];
    }

    /**
     * LRP of logit {@code target} (relevance = that logit), with {@code rules} per Conv1D/Dense layer name and the
     * average pools under ε with stabiliser {@code poolEps}. Returns the {@code [steps][dim]} map at the Embedding.
     */
    public double[] relevance(int[] tokens, int target, Map<String, Rule> rules, double poolEps) {
        double[] logits = forward(tokens);
        conditioning = 1;
        Map<String, double[]> rel = new HashMap<>();
        List<LayerSpec> layers = model.layers();
        double[] top = new double[logits.length];
        top[target] = logits[target];
        rel.put(model.output(), top);
        String embedding = null;
        for (int li = layers.size() - 1; li >= 0; li--) {
            LayerSpec l = layers.get(li);
            double[] r = rel.get(l.name());
            if (l.type().equals("Embedding")) {
                embedding = l.name();
                continue;
            }
            if (r == null || l.type().equals("InputLayer")) {
                continue;
            }
            switch (l.type()) {
                case "Conv1D", "Dense" -> addTo(rel, l.inputs().get(0),
                        linear(l, r, rules.get(l.name()), l.inputs().get(0)));
                case "MaxPooling1D", "GlobalMaxPooling1D" -> {
                    int ch = shapes.get(l.name())[1];
                    double[] out = new double[values.get(l.inputs().get(0)).length];
                    int[] win = winners.get(l.name());
                    for (int j = 0; j < r.length; j++) {
                        out[win[j] * ch + j % ch] += r[j];
                    }
                    addTo(rel, l.inputs().get(0), out);
                }
                case "AveragePooling1D", "GlobalAveragePooling1D" -> {
                    int[] s = shapes.get(l.inputs().get(0));
                    int outSteps = shapes.get(l.name())[0];
                    int pool = l.type().startsWith("Global") ? s[0] : s[0] / outSteps;
                    pool = l.type().startsWith("Global") ? s[0] : ((PoolingSpec) l).pool();
                    double[] x = values.get(l.inputs().get(0));
                    double[] z = values.get(l.name());
                    double[] out = new double[x.length];
                    for (int t = 0; t < outSteps; t++) {
                        for (int ch = 0; ch < s[1]; ch++) {
                            int j = t * s[1] + ch;
                            for (int p = 0; p < pool; p++) {
                                int i = (t * pool + p) * s[1] + ch;
                                out[i] += x[i] / pool * r[j] / stab(z[j], poolEps);
                            }
                        }
                    }
                    addTo(rel, l.inputs().get(0), out);
                }
                case "Flatten", "Dropout", "Activation" -> addTo(rel, l.inputs().get(0), r);
                case "Concatenate" -> {
                    int offset = 0;
                    for (String in : l.inputs()) {
                        int n = values.get(in).length;
                        double[] part = new double[n];
                        System.arraycopy(r, offset, part, 0, n);
                        addTo(rel, in, part);
                        offset += n;
                    }
                }
                default -> throw new IllegalArgumentException(l.type());
            }
        }
        return rel.get(embedding);
    }

    private static void addTo(Map<String, double[]> rel, String name, double[] r) {
        double[] acc = rel.get(name);
        if (acc == null) {
            rel.put(name, r.clone());
        } else {
            for (int i = 0; i < r.length; i++) {
                acc[i] += r[i];
            }
        }
    }

    private static double stab(double d, double e) {
        return d >= 0 ? d + e : d - e;
    }

    /** One Conv1D/Dense layer under one rule, as the RULES.md table prints it. */
    private double[] linear(LayerSpec l, double[] r, Rule rule, String inputName) {
        if (rule == null) {
            throw new IllegalArgumentException("no rule for " + l.name());
        }
        List<int[]>[] conn = connections(l);
        double[] x = values.get(inputName);
        double[] z = pre.get(l.name());
        double[] out = new double[x.length];
        for (int j = 0; j < conn.length; j++) {
            if (r[j] == 0) {
                continue;
            }
            double b = rule.nobias() ? 0 : bias(l, j);
            double sumXW = 0;
            double sumPos = 0;
            double sumNeg = 0;
            double sumBox = 0;
            double sumW2 = 0;
            double sumAbs = 0;
            for (int[] iw : conn[j]) {
                double xi = x[iw[0]];
                double w = weight(l, iw[1]);
                sumXW += xi * w;
                sumAbs += Math.abs(xi * w);
                sumPos += Math.max(xi * w, 0); // (x w)+ = x+w+ + x-w-
                sumNeg += Math.min(xi * w, 0); // (x w)- = x+w- + x-w+
                int d = iw[0] % dim;
                sumBox += xi * w - boxLow[d] * Math.max(w, 0) - boxHigh[d] * Math.min(w, 0);
                sumW2 += w * w;
            }
            int n = conn[j].size();
            if (rule.kind().equals("epsilon") || rule.kind().equals("gamma")) {
                // Only these denominators add terms of both signs; a float32 sum of them loses digits in proportion.
                double g = rule.kind().equals("gamma") ? rule.gamma() : 0;
                double den = z[j] >= 0 || rule.kind().equals("epsilon") ? sumXW + b + g * (sumPos + Math.max(b, 0))
                        : sumXW + b + g * (sumNeg + Math.min(b, 0));
                conditioning = Math.max(conditioning, (1 + g) * (sumAbs + Math.abs(b)) / Math.abs(den));
            }
            for (int[] iw : conn[j]) {
                int i = iw[0];
                double xi = x[i];
                double w = weight(l, iw[1]);
                double xw = xi * w;
                double share;
                switch (rule.kind()) {
                    case "epsilon" -> share = xw / stab(sumXW + b, rule.eps());
                    case "zplus" -> share = Math.max(xw, 0) / (sumPos + Math.max(b, 0) + E);
                    case "alphabeta" -> share = rule.alpha() * Math.max(xw, 0) / stab(sumPos + Math.max(b, 0), E)
                            - rule.beta() * Math.min(xw, 0) / stab(sumNeg + Math.min(b, 0), E);
                    case "gamma" -> {
                        double g = rule.gamma();
                        if (z[j] > 0) {
                            share = (xw + g * Math.max(xw, 0)) / stab(sumXW + b + g * (sumPos + Math.max(b, 0)), E);
                        } else if (z[j] < 0) {
                            share = (xw + g * Math.min(xw, 0)) / stab(sumXW + b + g * (sumNeg + Math.min(b, 0)), E);
                        } else {
                            share = 0;
                        }
                    }
                    case "zbox" -> {
                        int d = i % dim;
                        share = (xw - boxLow[d] * Math.max(w, 0) - boxHigh[d] * Math.min(w, 0)) / stab(sumBox, E);
                    }
                    case "flat" -> share = 1.0 / (n + E);
                    case "wsquare" -> share = w * w / (sumW2 + (rule.nobias() ? 0 : bias(l, j) * bias(l, j)) + E);
                    default -> throw new IllegalArgumentException(rule.kind());
                }
                out[i] += share * r[j];
            }
        }
        return out;
    }

    /**
     * The worst cancellation in the last {@link #relevance} call: the largest {@code Σ|terms| / |denominator|} over the
     * ε and γ denominators that carried relevance (the other rules' denominators have terms of one sign). A float32
     * implementation's relative error grows with it.
     */
    public double conditioning() {
        return conditioning;
    }

    /** Per-position sums of a {@code [steps][dim]} map. */
    public static double[] perToken(double[] map, int dim) {
        double[] out = new double[map.length / dim];
        for (int i = 0; i < map.length; i++) {
            out[i / dim] += map[i];
        }
        return out;
    }
}
