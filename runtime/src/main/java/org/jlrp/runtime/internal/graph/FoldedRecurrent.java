package org.jlrp.runtime.internal.graph;

import org.jlrp.kernels.Kernels;
import org.jlrp.runtime.explain.Rule;

/**
 * The folded plan's node for an Embedding → recurrent layer (LSTM, GRU, SimpleRNN, Bidirectional): each direction's
 * input product folded into the Embedding once, {@code tables[d][v] = E[v] · W_d} (without the bias), so that the
 * forward pass looks up {@code x_t · W} per token instead of multiplying, and the ε-relevance of token {@code t} is
 * the dot product of its row's candidate block with the step's quotients. Neither pass reads or writes the
 * {@code [T][D]} values or relevance. Only the recurrent product {@code h · U} stays sequential.
 */
final class FoldedRecurrent extends Layer {

    final RecurrentLayer recurrent;
    /** Per direction, {@code [vocabulary][G·u]}. */
    final float[][] tables;

    FoldedRecurrent(RecurrentLayer recurrent, float[][] tables) {
        super(recurrent.name, recurrent.className, recurrent.inputs, recurrent.shape);
        this.recurrent = recurrent;
        this.tables = tables;
    }

    long tableBytes() {
        long total = 0;
        for (float[] t : tables) {
            total += (long) Float.BYTES * t.length;
        }
        return total;
    }

    @Override
    void forward(Workspace ws, Kernels kernels) {
        recurrent.forward(ws, kernels, tables);
    }

    @Override
    void backward(Workspace ws, Kernels kernels, Rule rule) {
        recurrent.backward(ws, kernels, rule, tables);
    }

    /** None: {@link Network#planFor} runs the gradient methods of a recurrent model on the unfolded plan. */
    @Override
    void gradient(Workspace ws, Kernels kernels) {
        throw new IllegalStateException("folded recurrent node '" + name + "' has no gradient pass");
    }

    @Override
    long groupWeightBytes() {
        return recurrent.groupWeightBytes();
    }

    @Override
    void forwardGroup(WorkspaceGroup group, int count, Kernels kernels) {
        recurrent.forwardGroup(group, count, kernels, tables);
    }

    @Override
    void backwardGroup(WorkspaceGroup group, int count, Kernels kernels, Rule rule) {
        recurrent.backwardGroup(group, count, kernels, rule, tables);
    }
}
