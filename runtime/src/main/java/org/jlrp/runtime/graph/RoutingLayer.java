package org.jlrp.runtime.graph;

import org.jlrp.runtime.explain.Rule;
import java.util.List;
import org.jlrp.kernels.Kernels;

/**
 * Dropout, SpatialDropout1D (identities at inference), Flatten and Reshape (re-indexing only): the output is the
 * input's buffer read with another shape, and relevance flows back untouched.
 */
final class RoutingLayer extends Layer {

    RoutingLayer(String name, String className, Layer input, Shape shape) {
        super(name, className, List.of(input), shape);
    }

    @Override
    boolean sharesValues() {
        return true;
    }

    @Override
    boolean sharesRelevance() {
        return true;
    }

    @Override
    void forward(Workspace ws, Kernels kernels) {
    }

    @Override
    void backward(Workspace ws, Kernels kernels, Rule rule) {
    }
}
