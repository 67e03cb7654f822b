package org.jlrp.runtime.internal.graph;

import org.jlrp.runtime.explain.Rule;
import java.util.Arrays;
import java.util.List;
import java.util.function.DoubleUnaryOperator;
import org.jlrp.kernels.Kernels;
import org.jlrp.runtime.internal.model.Activation;

/**
 * A layer computing {@code z = x·W + b} followed by an elementwise activation: Conv1D and Dense. The ε-rule lives
 * here, once for both:
 * <pre>
 *   s_j = R_j / (z_j + ε·sign(z_j))      the stabilised division (z₀ = x·W, computed without b, under ignoreBias)
 *   c_i = Σ_j w_ij s_j                   the transposed product (the only layer-specific step)
 *   R_i += x_i · c_i
 * </pre>
 * Relevance at the activation's output is relevance at {@code z}: activations pass it through unchanged.
 */
abstract class LinearLayer extends Layer {

    final float[] bias;
    final Activation activation;
    final int inSize;
    final int outSize;
    /** The period of the bias over the flat output (filters or units). */
    final int biasPeriod;

    LinearLayer(String name, String className, Layer input, Shape shape, float[] bias, Activation activation,
                int biasPeriod) {
        super(name, className, List.of(input), shape);
        this.bias = bias;
        this.activation = activation;
        this.inSize = input.shape.size();
        this.outSize = shape.size();
        this.biasPeriod = biasPeriod;
    }

    /** Whether z is kept in a buffer of its own; with a linear activation the output buffer is z. */
    @Override
    int preActivationSize() {
        return activation == Activation.LINEAR ? 0 : outSize;
    }

    @Override
    int quotientSize() {
        return outSize;
    }

    @Override
    int contributionSize() {
        return inSize;
    }

    float[] preActivations(Workspace ws) {
        return activation == Activation.LINEAR ? ws.values[valueSlot] : ws.preActivations[preSlot];
    }

    @Override
    final void forward(Workspace ws, Kernels kernels) {
        float[] z = preActivations(ws);
        linearForward(kernels, ws.values[input().valueSlot], z);
        activate(ws, kernels, z);
    }

    /** One group call for {@code z = x·W + b}; the rest of {@link #forward} per member. */
    @Override
    final void forwardGroup(WorkspaceGroup group, int count, Kernels kernels) {
        float[][] xs = group.inputSide;
        float[][] zs = group.outputSide;
        for (int g = 0; g < count; g++) {
            Workspace ws = group.members[g];
            xs[g] = ws.values[input().valueSlot];
            zs[g] = preActivations(ws);
        }
        linearForwardGroup(kernels, xs, count, zs);
        for (int g = 0; g < count; g++) {
            activate(group.members[g], kernels, zs[g]);
        }
    }

    /** {@code a = f(z)} into this layer's values; nothing for a linear activation, whose values are z. */
    final void activate(Workspace ws, Kernels kernels, float[] z) {
        if (activation != Activation.LINEAR) {
            activation.apply(kernels, z, ws.values[valueSlot], outSize);
        }
    }

    @Override
    final void backward(Workspace ws, Kernels kernels, Rule rule) {
        float[] s = quotients(ws, kernels, rule);
        float[] c = clearedContributions(ws);
        transposedProduct(ws, kernels, s, c);
        addInputRelevance(ws, kernels, c);
    }

    /** One group call for {@code c = Wᵀ s}; the rest of {@link #backward} per member. */
    @Override
    final void backwardGroup(WorkspaceGroup group, int count, Kernels kernels, Rule rule) {
        float[][] cs = group.inputSide;
        float[][] ss = group.outputSide;
        for (int g = 0; g < count; g++) {
            Workspace ws = group.members[g];
            ss[g] = quotients(ws, kernels, rule);
            cs[g] = clearedContributions(ws);
        }
        transposedProductGroup(kernels, ss, count, cs);
        for (int g = 0; g < count; g++) {
            addInputRelevance(group.members[g], kernels, cs[g]);
        }
    }

    /**
     * The ε-rule's stabilised division {@code s = R / (z + ε·sign(z))}, into the workspace's quotient buffer. Without
     * the bias, {@code z₀ = x·W} is computed afresh rather than as {@code z − b}, which cancels badly when
     * {@code |b| ≫ |x·W|}.
     */
    private float[] quotients(Workspace ws, Kernels kernels, Rule rule) {
        float[] s = ws.quotients;
        float[] z = preActivations(ws);
        if (rule.ignoreBias() && bias != null) {
            z = ws.ruleBuffers().product;
            linearForwardWithoutBias(kernels, ws.values[input().valueSlot], z);
        }
        kernels.stabilizedDivide(ws.relevance[relevanceSlot], z, null, biasPeriod, (float) rule.eps(), s, outSize);
        return s;
    }

    private float[] clearedContributions(Workspace ws) {
        float[] c = ws.contributions;
        Arrays.fill(c, 0, inSize, 0f);
        return c;
    }

    /** {@code R_in += x · c}. */
    private void addInputRelevance(Workspace ws, Kernels kernels, float[] c) {
        kernels.multiplyAccumulate(ws.values[input().valueSlot], c, ws.relevance[input().relevanceSlot], inSize);
    }

    /** {@code z = x·W + b}. */
    abstract void linearForward(Kernels kernels, float[] x, float[] z);

    /** {@code z₀ = x·W}: the products without the bias. */
    abstract void linearForwardWithoutBias(Kernels kernels, float[] x, float[] z);

    /** {@code c += Wᵀ s}, with c zeroed by the caller; {@code ws} lends scratch. */
    abstract void transposedProduct(Workspace ws, Kernels kernels, float[] s, float[] c);

    /*
     * Group products, for a layer that runsGroups() (never a folded one): the products of members 0…count−1 in one
     * call that reads the weights once, each member's result bit-identical to its own call.
     */

    /** {@link #linearForward} for a group. */
    void linearForwardGroup(Kernels kernels, float[][] xs, int count, float[][] zs) {
        throw new UnsupportedOperationException(name + " runs member by member");
    }

    /** {@link #transposedProduct} for a group. */
    void transposedProductGroup(Kernels kernels, float[][] ss, int count, float[][] cs) {
        throw new UnsupportedOperationException(name + " runs member by member");
    }

    // --------------------------------------------------------------- seams for the other rules and the gradient

    /**
     * A kernel of this layer's shape in the two layouts its products read: {@code forward} for {@link #forwardWith},
     * {@code transposed} for {@link #transposedWith} (the same array where the layouts agree, as for Dense).
     */
    record LinearWeights(float[] forward, float[] transposed) {
    }

    /** The layer's kernel with {@code f} applied to every weight (the modified weights of a rule). */
    abstract LinearWeights modifiedWeights(DoubleUnaryOperator f);

    /** {@code z = x·W' + b'}, for modified weights {@code W'} and bias {@code b'} (null: none). */
    abstract void forwardWith(Kernels kernels, float[] x, LinearWeights w, float[] bias, float[] z);

    /** {@code c += W'ᵀ s}, with c zeroed by the caller; {@code ws} lends scratch. */
    abstract void transposedWith(Workspace ws, Kernels kernels, float[] s, LinearWeights w, float[] c);

    /** The bias, or null when the layer has none. Read-only by contract. */
    float[] bias() {
        return bias;
    }

    /**
     * The gradient pass: {@code g_z = g_a · f'(z)} in place on this layer's relevance slot (which holds the gradient
     * at its output), then {@code g_x += Wᵀ g_z} into the input's slot.
     */
    @Override
    void gradient(Workspace ws, Kernels kernels) {
        gradient(ws, null, kernels, GradientRule.GRADIENT);
    }

    /** As {@link #gradient(Workspace, Kernels)}, with the activation's local factor chosen by {@code rule}. */
    @Override
    void gradient(Workspace ws, Workspace reference, Kernels kernels, GradientRule rule) {
        float[] g = ws.relevance[relevanceSlot];
        if (activation != Activation.LINEAR) {
            rule.scale(activation, kernels, preActivations(ws), ws.values[valueSlot],
                    reference == null ? null : preActivations(reference),
                    reference == null ? null : reference.values[valueSlot], g, ws.quotients, outSize);
        }
        float[] c = ws.contributions;
        Arrays.fill(c, 0, inSize, 0f);
        transposedProduct(ws, kernels, g, c);
        kernels.add(c, ws.relevance[input().relevanceSlot], inSize);
    }
}
