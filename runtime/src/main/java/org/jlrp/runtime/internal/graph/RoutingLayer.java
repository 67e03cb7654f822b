package org.jlrp.runtime.internal.graph;

import org.jlrp.runtime.explain.Rule;
import java.util.List;
import org.jlrp.kernels.Kernels;

/**
 * Dropout, SpatialDropout1D (identities at inference), Flatten and Reshape (re-indexing only): the output is the
 * input's buffer read with another shape, and relevance flows back untouched.
 */
final class RoutingLayer extends Layer {

    /** Whether this is an inference identity (Dropout & co.) rather than a re-indexing (Flatten, Reshape). */
    final boolean identity;

    private RoutingLayer(String name, String className, Layer input, Shape shape, boolean identity) {
        super(name, className, List.of(input), shape);
        this.identity = identity;
    }

    /** Dropout, SpatialDropout1D and the other layers that are identities at inference. */
    static RoutingLayer identity(String name, String className, Layer input) {
        return new RoutingLayer(name, className, input, input.shape, true);
    }

    /** Flatten and Reshape: the input's buffer read with another shape. */
    static RoutingLayer reindex(String name, String className, Layer input, Shape shape) {
        return new RoutingLayer(name, className, input, shape, false);
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
