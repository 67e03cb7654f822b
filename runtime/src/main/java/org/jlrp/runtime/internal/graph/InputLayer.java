package org.jlrp.runtime.internal.graph;

import org.jlrp.runtime.explain.Rule;
import java.util.List;
import org.jlrp.kernels.Kernels;

/** The token-id input. Its values are the workspace's token array, read by the Embedding. */
final class InputLayer extends Layer {

    InputLayer(String name, int length) {
        super(name, "InputLayer", List.of(), Shape.vector(length));
    }

    @Override
    void forward(Workspace ws, Kernels kernels) {
    }

    @Override
    void backward(Workspace ws, Kernels kernels, Rule rule) {
    }
}
