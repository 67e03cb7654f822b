package org.jlrp.runtime.internal.graph;

import org.jlrp.runtime.explain.Rule;
import java.util.Arrays;
import java.util.function.DoubleUnaryOperator;
import org.jlrp.kernels.Kernels;
import org.jlrp.runtime.internal.graph.LinearLayer.LinearWeights;

/**
 * A {@link Rule} other than ε, bound to one Conv1D/Dense layer, run as Zennit runs it: a sum of
 * gradient-like passes over modified inputs and weights. Each rule is one or two <em>groups</em> of <em>terms</em>
 * {@code (x', W', b')}; a group's denominator is the sum of its terms' forward products,
 * {@code d_j = Σ_terms (Σ_i x'_i w'_ij + b'_j)}, its quotient is {@code s_j = coefficient · gate_j · R_j / stab(d_j)},
 * and every term then adds {@code x'_i Σ_j w'_ij s_j} to {@code R_i}. The forward and transposed products are the
 * layer's own Conv1D/Dense kernels; only the weights (modified once, here) and the inputs (modified per call) change.
 *
 * <pre>
 *   rule           group  terms (x', W', b')                                 coefficient  gate
 *   z⁺             +      (x⁺, w⁺, b⁺), (x⁻, w⁻, 0)                          1            -
 *   αβ             +      (x⁺, w⁺, b⁺), (x⁻, w⁻, 0)                          α            -
 *                  −      (x⁺, w⁻, b⁻), (x⁻, w⁺, 0)                          −β           -
 *   γ              +      (x⁺, w + γw⁺, b + γb⁺), (x⁻, w + γw⁻, 0)           1            z_j &gt; 0
 *                  −      (x⁺, w + γw⁻, b + γb⁻), (x⁻, w + γw⁺, 0)           1            z_j &lt; 0
 *   zB             +      (x − l, w⁺, 0), (x − h, w⁻, 0)                     1            -
 *   flat           +      (1, 1, 0)                                          1            -
 *   w²             +      (1, w², b²)                                        1            -
 * </pre>
 * zB's {@code x w − l w⁺ − h w⁻} is computed as {@code (x − l) w⁺ + (x − h) w⁻}: the same sum, with every product
 * ≥ 0, so that no cancellation can flip the sign of the denominator. Under {@code :ignore-bias} every {@code b'} is 0
 * (γ's gate still reads {@code z_j} with the bias). The inputs {@code 1}, {@code l} and {@code h} are zero outside
 * the input's range, as the kernels treat padding, so {@code N_j} and {@code Σ_i w_ij²} count in-range inputs only.
 */
final class RulePass {

    /** How a term modifies the layer input. */
    enum Input { IDENTITY, POSITIVE, NEGATIVE, ONES, MINUS_LOW, MINUS_HIGH }

    record Term(Input input, LinearWeights weights, float[] bias) {
    }

    record Group(Term[] terms, float coefficient, int gate) {
    }

    final LinearLayer layer;
    final Rule rule;
    private final Group[] groups;
    private final float stabilizer;
    private final float[] ones;
    private final float[] low;
    private final float[] high;

    private RulePass(LinearLayer layer, Rule rule, Group[] groups, float[] ones, float[] low, float[] high) {
        this.layer = layer;
        this.rule = rule;
        this.groups = groups;
        this.stabilizer = (float) rule.eps();
        this.ones = ones;
        this.low = low;
        this.high = high;
    }

    /**
     * Binds a non-ε rule to a layer.
     *
     * @param low  for zB: {@code l_i} for each of the layer's inputs (the embedding box, tiled over steps); else null
     * @param high for zB: {@code h_i}; else null
     */
    static RulePass bind(LinearLayer layer, Rule rule, float[] low, float[] high) {
        float[] b = rule.ignoreBias() ? null : layer.bias();
        Group[] groups;
        switch (rule.kind()) {
            case ZPLUS:
                groups = new Group[]{positiveGroup(layer.modifiedWeights(w -> Math.max(w, 0)),
                        layer.modifiedWeights(w -> Math.min(w, 0)), b, 1f)};
                break;
            case ALPHA_BETA: {
                LinearWeights plus = layer.modifiedWeights(w -> Math.max(w, 0));
                LinearWeights minus = layer.modifiedWeights(w -> Math.min(w, 0));
                Group positive = positiveGroup(plus, minus, b, (float) rule.alpha());
                if (rule.beta() == 0) {
                    groups = new Group[]{positive};
                    break;
                }
                Group negative = new Group(new Term[]{
                        new Term(Input.POSITIVE, minus, map(b, v -> Math.min(v, 0))),
                        new Term(Input.NEGATIVE, plus, null)}, (float) -rule.beta(), 0);
                groups = new Group[]{positive, negative};
                break;
            }
            case GAMMA: {
                double g = rule.gamma();
                LinearWeights boostPlus = layer.modifiedWeights(w -> w + g * Math.max(w, 0));
                LinearWeights boostMinus = layer.modifiedWeights(w -> w + g * Math.min(w, 0));
                groups = new Group[]{
                        new Group(new Term[]{
                                new Term(Input.POSITIVE, boostPlus, map(b, v -> v + g * Math.max(v, 0))),
                                new Term(Input.NEGATIVE, boostMinus, null)}, 1f, +1),
                        new Group(new Term[]{
                                new Term(Input.POSITIVE, boostMinus, map(b, v -> v + g * Math.min(v, 0))),
                                new Term(Input.NEGATIVE, boostPlus, null)}, 1f, -1)};
                break;
            }
            case ZBOX:
                if (low == null || high == null) {
                    throw new IllegalArgumentException("zbox needs the embedding box");
                }
                groups = new Group[]{new Group(new Term[]{
                        new Term(Input.MINUS_LOW, layer.modifiedWeights(w -> Math.max(w, 0)), null),
                        new Term(Input.MINUS_HIGH, layer.modifiedWeights(w -> Math.min(w, 0)), null)}, 1f, 0)};
                break;
            case FLAT:
                groups = new Group[]{new Group(new Term[]{
                        new Term(Input.ONES, layer.modifiedWeights(w -> 1), null)}, 1f, 0)};
                break;
            case WSQUARE:
                groups = new Group[]{new Group(new Term[]{
                        new Term(Input.ONES, layer.modifiedWeights(w -> w * w), map(b, v -> v * v))}, 1f, 0)};
                break;
            default:
                throw new IllegalArgumentException(rule + " runs on the ε path, not as a rule pass");
        }
        float[] ones = null;
        if (rule.kind() == Rule.Kind.FLAT || rule.kind() == Rule.Kind.WSQUARE) {
            ones = new float[layer.inSize];
            Arrays.fill(ones, 1f);
        }
        return new RulePass(layer, rule, groups, ones, low, high);
    }

    /** The (x w)⁺ group of z⁺ and αβ: {@code x⁺w⁺ + x⁻w⁻}, with {@code b⁺}. */
    private static Group positiveGroup(LinearWeights plus, LinearWeights minus, float[] bias, float coefficient) {
        return new Group(new Term[]{
                new Term(Input.POSITIVE, plus, map(bias, v -> Math.max(v, 0))),
                new Term(Input.NEGATIVE, minus, null)}, coefficient, 0);
    }

    private static float[] map(float[] bias, DoubleUnaryOperator f) {
        if (bias == null) {
            return null;
        }
        float[] out = new float[bias.length];
        for (int i = 0; i < out.length; i++) {
            out[i] = (float) f.applyAsDouble(bias[i]);
        }
        return out;
    }

    Group[] groups() {
        return groups;
    }

    float stabilizer() {
        return stabilizer;
    }

    /**
     * One input value {@code x} of channel {@code channel} as a term modifies it, for folding the modification into
     * tables ({@link FoldedRulePass}); {@code low}/{@code high} are tiled over steps, so channel {@code d} is entry
     * {@code d}.
     */
    float modifiedInput(Input input, float x, int channel) {
        return switch (input) {
            case IDENTITY -> x;
            case POSITIVE -> Math.max(x, 0f);
            case NEGATIVE -> Math.min(x, 0f);
            case ONES -> 1f;
            case MINUS_LOW -> x - low[channel];
            case MINUS_HIGH -> x - high[channel];
        };
    }

    /** Adds this layer's input relevance under the rule; requires the forward pass of the same input. */
    void backward(Workspace ws, Kernels kernels) {
        int in = layer.inSize;
        int out = layer.outSize;
        float[] x = ws.values[layer.input().valueSlot];
        float[] r = ws.relevance[layer.relevanceSlot];
        float[] rIn = ws.relevance[layer.input().relevanceSlot];
        Workspace.RuleBuffers buffers = ws.ruleBuffers();
        prepareInputs(kernels, x, buffers, in);

        for (int g = 0; g < groups.length; g++) {
            Group group = groups[g];
            float[] denominator = buffers.denominators[g];
            for (int t = 0; t < group.terms().length; t++) {
                Term term = group.terms()[t];
                float[] target = t == 0 ? denominator : buffers.product;
                layer.forwardWith(kernels, input(term.input(), x, buffers), term.weights(), term.bias(), target);
                if (t > 0) {
                    kernels.add(buffers.product, denominator, out);
                }
            }
            float[] relevance = r;
            if (group.gate() != 0) {
                kernels.gateBySign(r, layer.preActivations(ws), group.gate() > 0, buffers.gated, out);
                relevance = buffers.gated;
            }
            kernels.stabilizedDivide(relevance, denominator, null, 1, stabilizer, buffers.quotients[g], out);
            if (group.coefficient() != 1f) {
                kernels.scale(buffers.quotients[g], group.coefficient(), out);
            }
        }

        float[] c = ws.contributions;
        for (int g = 0; g < groups.length; g++) {
            for (Term term : groups[g].terms()) {
                Arrays.fill(c, 0, in, 0f);
                layer.transposedWith(ws, kernels, buffers.quotients[g], term.weights(), c);
                kernels.multiplyAccumulate(input(term.input(), x, buffers), c, rIn, in);
            }
        }
    }

    /** Fills the modified-input buffers this rule reads: x⁺ and x⁻, or x − l and x − h. */
    private void prepareInputs(Kernels kernels, float[] x, Workspace.RuleBuffers buffers, int in) {
        switch (rule.kind()) {
            case ZPLUS, ALPHA_BETA, GAMMA -> {
                kernels.relu(x, buffers.inputs[0], in);
                kernels.negativePart(x, buffers.inputs[1], in);
            }
            case ZBOX -> {
                kernels.subtract(x, low, buffers.inputs[0], in);
                kernels.subtract(x, high, buffers.inputs[1], in);
            }
            default -> {
            }
        }
    }

    private float[] input(Input input, float[] x, Workspace.RuleBuffers buffers) {
        return switch (input) {
            case IDENTITY -> x;
            case POSITIVE, MINUS_LOW -> buffers.inputs[0];
            case NEGATIVE, MINUS_HIGH -> buffers.inputs[1];
            case ONES -> ones;
        };
    }
}
