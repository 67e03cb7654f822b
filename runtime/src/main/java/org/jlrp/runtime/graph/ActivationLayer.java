package org.jlrp.runtime.graph;

import java.util.List;
import org.jlrp.kernels.Kernels;

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
    void backward(Workspace ws, Kernels kernels, LrpRule rule) {
    }
}
