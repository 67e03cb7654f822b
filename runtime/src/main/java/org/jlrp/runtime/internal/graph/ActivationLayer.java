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
        if (activation == Activation.LINEAR) {
            return;
        }
        float[] derivative = ws.contributions;
        activation.derivative(kernels, ws.values[input().valueSlot], derivative, shape.size());
        kernels.multiply(derivative, ws.relevance[relevanceSlot], shape.size());
    }

    @Override
    int contributionSize() {
        return shape.size();
    }
}
