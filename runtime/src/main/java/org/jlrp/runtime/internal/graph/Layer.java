package org.jlrp.runtime.internal.graph;

import org.jlrp.runtime.explain.Rule;
import java.util.List;
import org.jlrp.kernels.Kernels;

/**
 * One node of the network: a layer of the model bound to its kernels. It knows its forward pass and its relevance pass;
 * the {@link Network} owns the order and the buffers.
 *
 * <p>Buffers are referred to by slot. A layer that only re-indexes (Dropout, Flatten, Reshape) shares its input's
 * value and relevance slots; an activation shares only the relevance slot, because relevance passes through it
 * unchanged. Relevance passes always <em>add</em> into the input's relevance slot, so a tensor read by several
 * layers (the Embedding output of a multi-branch model) receives the sum of their relevance.
 */
public abstract class Layer {

    final String name;
    final String className;
    final List<Layer> inputs;
    final Shape shape;
    /** Buffer slots, set once by {@link BufferPlan} (see {@link #assignSlots}); -1 where the layer has none. */
    int valueSlot = -1;
    int relevanceSlot = -1;
    int preSlot = -1;
    int winnerSlot = -1;

    Layer(String name, String className, List<Layer> inputs, Shape shape) {
        this.name = name;
        this.className = className;
        this.inputs = List.copyOf(inputs);
        this.shape = shape;
    }

    public String name() {
        return name;
    }

    /** The layer type as the model spec names it ({@code Conv1D}, {@code Dropout}, …). */
    public String className() {
        return className;
    }

    public List<Layer> inputs() {
        return inputs;
    }

    /** The output shape of one sample. */
    public Shape shape() {
        return shape;
    }

    /** Number of weights, as Keras's {@code model.summary()} counts them. */
    public long parameterCount() {
        return 0;
    }

    Layer input() {
        return inputs.get(0);
    }

    /** True when the output is the input's buffer (pure re-indexing). */
    boolean sharesValues() {
        return false;
    }

    /** True when relevance at the output is relevance at the input (routing layers and activations). */
    boolean sharesRelevance() {
        return false;
    }

    /** Size of the pre-activation buffer this layer keeps for the relevance pass (0: none). */
    int preActivationSize() {
        return 0;
    }

    /** Size of the max-pooling winner buffer (0: none). */
    int winnerSize() {
        return 0;
    }

    /** Scratch floats the relevance pass needs for quotients and for contributions. */
    int quotientSize() {
        return 0;
    }

    int contributionSize() {
        return 0;
    }

    /** Called once, by {@link BufferPlan#assign}, in graph order. */
    final void assignSlots(int value, int relevance, int pre, int winner) {
        if (valueSlot != -1 || relevanceSlot != -1) {
            throw new IllegalStateException("layer '" + name + "' belongs to a network already");
        }
        valueSlot = value;
        relevanceSlot = relevance;
        preSlot = pre;
        winnerSlot = winner;
    }

    abstract void forward(Workspace ws, Kernels kernels);

    /**
     * Adds this layer's relevance, already complete in {@code ws.relevance[relevanceSlot]}, into its inputs'
     * relevance slots. Layers that share their input's relevance slot do nothing.
     */
    abstract void backward(Workspace ws, Kernels kernels, Rule rule);

    /**
     * The bytes of weights this layer's group passes ({@link #forwardGroup}, {@link #backwardGroup}) read once for
     * all members of a group instead of once per member (Dense: its kernel); 0 for a layer without group passes,
     * which the network runs member by member.
     */
    long groupWeightBytes() {
        return 0;
    }

    /**
     * Multiply-adds of this layer's forward pass as matrix products (its weights times its inputs), 0 for layers
     * without weights. The relevance pass of a linear map is the transposed product, of the same size.
     */
    long multiplyAdds() {
        return 0;
    }

    final boolean runsGroups() {
        return groupWeightBytes() > 0;
    }

    /**
     * {@link #forward} on members {@code 0…count−1} of a group, each ending up exactly as {@link #forward} alone
     * leaves it; only for layers that {@link #runsGroups()}.
     */
    void forwardGroup(WorkspaceGroup group, int count, Kernels kernels) {
        throw new UnsupportedOperationException(name + " runs member by member");
    }

    /** {@link #backward} on members {@code 0…count−1} of a group; as {@link #forwardGroup}. */
    void backwardGroup(WorkspaceGroup group, int count, Kernels kernels, Rule rule) {
        throw new UnsupportedOperationException(name + " runs member by member");
    }

    /**
     * The gradient pass (for the gradient-based methods): adds {@code ∂logit/∂input}, given {@code ∂logit/∂output} in
     * {@code ws.relevance[relevanceSlot]}, into the input's slot. The default serves the layers whose relevance pass is
     * a rule-independent routing, which is also their gradient (Dropout, Flatten, Concatenate, max-pooling's winner
     * routing); layers with weights, averages or activations override it.
     */
    void gradient(Workspace ws, Kernels kernels) {
        backward(ws, kernels, null);
    }

    /**
     * The gradient pass under a {@link GradientRule} for the nonlinearities: as {@link #gradient(Workspace, Kernels)},
     * with each nonlinearity's local factor chosen by {@code rule}; {@code reference} holds the forward pass of the
     * reference input ({@link GradientRule#RESCALE} only, else null). The default serves the layers without a
     * nonlinearity, whose pass is the gradient's under every rule.
     */
    void gradient(Workspace ws, Workspace reference, Kernels kernels, GradientRule rule) {
        gradient(ws, kernels);
    }
}
