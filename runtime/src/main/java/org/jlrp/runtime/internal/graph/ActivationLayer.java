package org.jlrp.runtime.internal.graph;

import org.jlrp.runtime.explain.Rule;
import java.util.List;
import org.jlrp.kernels.Kernels;
import org.jlrp.runtime.internal.model.Activation;

/** An {@code Activation}/{@code ReLU} layer: a new buffer forward, relevance passed through unchanged. */
final class ActivationLayer extends Layer {

    final Activation activation;

    ActivationLayer(String name, String className, Layer input, Activation activation) {
        super(name, className, List.of(input), input.shape);
        this.activation = activation;
    }

    @Override
    boolean sharesRelevance() {
        return true;
    }

    @Override
    void forward(Workspace ws, Kernels kernels) {
        activation.apply(kernels, ws.values[input().valueSlot], ws.values[valueSlot], shape.size());
    }

    @Override
    void backward(Workspace ws, Kernels kernels, Rule rule) {
    }

    /**
     * {@code g ·= f'(input)} in place: the relevance slot is shared with the input, which {@link Network} checks
     * nothing else writes into (see {@link Network#gradient}).
     */
    @Override
    void gradient(Workspace ws, Kernels kernels) {
        gradient(ws, null, kernels, GradientRule.GRADIENT);
    }

    /** As {@link #gradient(Workspace, Kernels)}, with the local factor chosen by {@code rule}. */
    @Override
    void gradient(Workspace ws, Workspace reference, Kernels kernels, GradientRule rule) {
        int in = input().valueSlot;
        rule.scale(activation, kernels, ws.values[in], ws.values[valueSlot],
                reference == null ? null : reference.values[in], reference == null ? null : reference.values[valueSlot],
                ws.relevance[relevanceSlot], ws.contributions, shape.size());
    }

    @Override
    int contributionSize() {
        return shape.size();
    }
}
