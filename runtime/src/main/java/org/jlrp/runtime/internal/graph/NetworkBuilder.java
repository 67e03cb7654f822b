package org.jlrp.runtime.internal.graph;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.jlrp.kernels.Kernels;
import org.jlrp.runtime.JlrpException;
import org.jlrp.runtime.internal.model.Activation;
import org.jlrp.runtime.internal.model.ActivationSpec;
import org.jlrp.runtime.internal.model.BatchNormSpec;
import org.jlrp.runtime.internal.model.BidirectionalSpec;
import org.jlrp.runtime.internal.model.ConcatenateSpec;
import org.jlrp.runtime.internal.model.Conv1DSpec;
import org.jlrp.runtime.internal.model.DenseSpec;
import org.jlrp.runtime.internal.model.EmbeddingSpec;
import org.jlrp.runtime.internal.model.FlattenSpec;
import org.jlrp.runtime.internal.model.IdentitySpec;
import org.jlrp.runtime.internal.model.InputSpec;
import org.jlrp.runtime.internal.model.LayerSpec;
import org.jlrp.runtime.internal.model.ModelSpec;
import org.jlrp.runtime.internal.model.PoolingSpec;
import org.jlrp.runtime.internal.model.RecurrentSpec;
import org.jlrp.runtime.internal.model.ReshapeSpec;

/**
 * Binds a {@link ModelSpec}'s layers to kernels: maps each spec to a layer, checks it against its input shape,
 * computes output shapes (and the left padding of same/causal windows), and refuses anything jlrp cannot explain with
 * one line naming the layer. It knows no file format; importers have already checked the specs against their files.
 * The layers own their weights: the specs hand out copies.
 */
public final class NetworkBuilder {

    private final ModelSpec model;
    private final Kernels kernels;
    private final Map<String, Layer> built = new HashMap<>();

    private final long foldBudgetBytes;
    /** The number of token ids this network reads: the model's fixed length, or the one asked for. */
    private final int length;

    private NetworkBuilder(ModelSpec model, Kernels kernels, long foldBudgetBytes, int length) {
        this.model = model;
        this.kernels = kernels;
        this.foldBudgetBytes = foldBudgetBytes;
        this.length = length;
    }

    public static Network build(ModelSpec model, Kernels kernels) {
        return build(model, kernels, Network.defaultFoldBudgetBytes());
    }

    /**
     * Builds the network, folding the Embedding into the Conv1D layers that read it when the tables fit
     * {@code foldBudgetBytes} (0: never fold).
     */
    public static Network build(ModelSpec model, Kernels kernels, long foldBudgetBytes) {
        return build(model, kernels, foldBudgetBytes, model.fixedLength() ? model.inputLength() : 1);
    }

    /**
     * Builds the network for sequences of {@code length} token ids: the model's own length when it states one (any
     * other is refused), any positive length for a model that reads any ({@link ModelSpec#ANY_LENGTH}).
     */
    public static Network build(ModelSpec model, Kernels kernels, long foldBudgetBytes, int length) {
        if (length < 1 || model.fixedLength() && length != model.inputLength()) {
            throw new JlrpException(model.source() + ": cannot build the model for " + length + " tokens; it reads "
                    + (model.fixedLength() ? String.valueOf(model.inputLength()) : "any positive number of"));
        }
        try {
            return new NetworkBuilder(model, kernels, foldBudgetBytes, length).build();
        } catch (ArithmeticException overflow) {
            // Shapes are products of spec values; a corrupt file can make them overflow an int.
            throw new JlrpException(model.source() + ": the layer shapes are too large (input length "
                    + length + "): " + overflow.getMessage());
        }
    }

    private Network build() {
        LayerSpec output = model.layer(model.output());
        Activation outputActivation = activationOf(output);
        boolean strip = outputActivation != null && outputActivation.isOutputSquashing();
        boolean stripLayer = strip && output instanceof ActivationSpec;
        String explainedName = stripLayer ? output.inputs().get(0) : output.name();
        Activation stripped = strip ? outputActivation : Activation.LINEAR;

        List<Layer> layers = new ArrayList<>();
        for (LayerSpec spec : model.layers()) {
            if (stripLayer && spec == output) {
                continue; // the stripped final activation layer: its input is what we explain
            }
            boolean stripInline = strip && spec == output;
            Layer layer = buildLayer(spec, stripInline);
            built.put(spec.name(), layer);
            layers.add(layer);
        }
        long embeddings = layers.stream().filter(l -> l instanceof EmbeddingLayer).count();
        if (embeddings != 1) {
            throw error("the model has " + embeddings + " Embedding layers; jlrp explains models with exactly one");
        }
        Layer explained = built.get(explainedName);
        if (explained == null || explained instanceof InputLayer || explained instanceof EmbeddingLayer) {
            throw error("the model output '" + explainedName + "' is not computed from the Embedding");
        }
        return new Network(model, kernels, layers, explained, stripped, foldBudgetBytes);
    }

    /** The activation of a layer that has one (inline or as a layer); null otherwise. */
    private static Activation activationOf(LayerSpec spec) {
        if (spec instanceof ActivationSpec a) {
            return a.activation();
        }
        if (spec instanceof DenseSpec d) {
            return d.activation();
        }
        if (spec instanceof Conv1DSpec c) {
            return c.activation();
        }
        return null;
    }

    private Layer buildLayer(LayerSpec spec, boolean stripActivation) {
        if (spec instanceof InputSpec) {
            return new InputLayer(spec.name(), length);
        }
        String type = spec.type();
        List<Layer> inputs = new ArrayList<>();
        for (String name : spec.inputs()) {
            Layer in = built.get(name);
            if (in == null) {
                throw error("layer '" + spec.name() + "' reads from '" + name + "', which is not built before it");
            }
            inputs.add(in);
        }
        if (!(spec instanceof ConcatenateSpec) && inputs.size() != 1) {
            throw error("layer '" + spec.name() + "' (" + type + ") has " + inputs.size() + " inputs; expected 1");
        }
        Layer input = inputs.get(0);
        if (!(spec instanceof EmbeddingSpec) && inputs.stream().anyMatch(l -> l instanceof InputLayer)) {
            throw error("layer '" + spec.name() + "' (" + type + ") reads the token ids directly; only an Embedding "
                    + "may");
        }
        if (spec instanceof EmbeddingSpec e) {
            return embedding(e, input);
        }
        if (spec instanceof Conv1DSpec c) {
            return conv1d(c, input, stripActivation);
        }
        if (spec instanceof DenseSpec d) {
            return dense(d, input, stripActivation);
        }
        if (spec instanceof PoolingSpec p) {
            return p.global() ? globalPooling(p, input) : pooling(p, input);
        }
        if (spec instanceof FlattenSpec) {
            return RoutingLayer.reindex(spec.name(), type, input, Shape.vector(input.shape.size()));
        }
        if (spec instanceof ReshapeSpec r) {
            return reshape(r, input);
        }
        if (spec instanceof ActivationSpec a) {
            return new ActivationLayer(spec.name(), type, input, hiddenActivation(spec, a.activation()));
        }
        if (spec instanceof ConcatenateSpec c) {
            return concatenate(c, inputs);
        }
        if (spec instanceof IdentitySpec) {
            return RoutingLayer.identity(spec.name(), type, input);
        }
        if (spec instanceof RecurrentSpec r) {
            return recurrent(r, input, List.of(r), null);
        }
        if (spec instanceof BidirectionalSpec b) {
            return recurrent(b, input, List.of(b.forward(), b.backward()), b.merge());
        }
        if (spec instanceof BatchNormSpec b) {
            int last = input.shape.sequence() ? 2 : 1;
            if (b.axis() != -1 && b.axis() != last) {
                throw error("BatchNormalization '" + spec.name() + "' normalises axis " + b.axis() + " of its input "
                        + input.shape + "; jlrp supports the last (channel) axis only");
            }
            if (b.channels() != input.shape.channels()) {
                throw error("BatchNormalization '" + spec.name() + "' normalises " + b.channels() + " channels, but "
                        + "its input " + input.shape + " has " + input.shape.channels());
            }
            return new BatchNormLayer(spec.name(), type, input, b.scale(), b.shift(), b.parameterCount());
        }
        throw new IllegalStateException("unhandled layer spec " + spec.getClass().getSimpleName());
    }

    // ----------------------------------------------------------------------------------------------- layers

    private Layer embedding(EmbeddingSpec spec, Layer input) {
        if (!(input instanceof InputLayer)) {
            throw error("Embedding '" + spec.name() + "' must read the model input directly");
        }
        return new EmbeddingLayer(spec.name(), input, spec.table(), spec.vocabulary(), spec.dim(), spec.maskZero());
    }

    private Layer conv1d(Conv1DSpec spec, Layer input, boolean stripActivation) {
        requireSequence(spec, input);
        int width = spec.width();
        int stride = spec.stride();
        int dilation = spec.dilation();
        if (stride > 1 && dilation > 1) {
            throw error("Conv1D '" + spec.name() + "' combines strides " + stride + " with dilation " + dilation
                    + ", which jlrp does not support");
        }
        int inChannels = input.shape.channels();
        if (spec.inputChannels() != inChannels) {
            throw error("Conv1D '" + spec.name() + "': kernel shape (" + width + ", " + spec.inputChannels() + ", "
                    + spec.filters() + ") does not match kernel_size " + width + " and " + inChannels
                    + " input channels");
        }
        int steps = input.shape.steps();
        int span = dilation * (width - 1) + 1;
        int outSteps;
        int padLeft;
        switch (spec.padding()) {
            case VALID -> {
                outSteps = steps >= span ? (steps - span) / stride + 1 : 0;
                padLeft = 0;
            }
            case SAME -> {
                outSteps = ceilDiv(steps, stride);
                padLeft = Math.max((outSteps - 1) * stride + span - steps, 0) / 2;
            }
            case CAUSAL -> {
                outSteps = ceilDiv(steps, stride);
                padLeft = span - 1;
            }
            case EXPLICIT -> {
                long padded = (long) steps + spec.padLeft() + spec.padRight() - span;
                outSteps = padded < 0 ? 0 : (int) (padded / stride + 1);
                padLeft = spec.padLeft();
            }
            default -> throw new IllegalStateException("unhandled padding " + spec.padding());
        }
        if (outSteps < 1) {
            throw error("Conv1D '" + spec.name() + "': its input of " + steps + " steps is shorter than its kernel "
                    + "span " + span);
        }
        Activation activation = stripActivation ? Activation.LINEAR : hiddenActivation(spec, spec.activation());
        return new Conv1DLayer(spec.name(), spec.type(), input, spec.kernel(), spec.bias(), width, spec.filters(),
                stride, dilation, padLeft, outSteps, activation);
    }

    private Layer dense(DenseSpec spec, Layer input, boolean stripActivation) {
        int units = spec.units();
        Activation activation = stripActivation ? Activation.LINEAR : hiddenActivation(spec, spec.activation());
        int in = input.shape.sequence() ? input.shape.channels() : input.shape.size();
        if (spec.inputSize() != in) {
            throw error("Dense '" + spec.name() + "': kernel shape (" + spec.inputSize() + ", " + units + ") does not "
                    + "match its input of " + in + (input.shape.sequence() ? " channels" : " units"));
        }
        if (input.shape.sequence()) {
            // A Dense layer on a sequence applies to the last axis, step by step: a width-1 convolution.
            return new Conv1DLayer(spec.name(), spec.type(), input, spec.kernel(), spec.bias(), 1, units, 1, 1, 0,
                    input.shape.steps(), activation);
        }
        return new DenseLayer(spec.name(), input, spec.kernel(), spec.bias(), units, activation);
    }

    private Layer recurrent(LayerSpec spec, Layer input, List<RecurrentSpec> cells, BidirectionalSpec.Merge merge) {
        requireSequence(spec, input);
        RecurrentSpec cell = cells.get(0);
        if (cell.inputSize() != input.shape.channels()) {
            throw error(spec.type() + " '" + spec.name() + "': kernel shape (" + cell.inputSize() + ", "
                    + cell.kind().gates() * cell.units() + ") does not match its input of " + input.shape.channels()
                    + " channels");
        }
        for (RecurrentSpec c : cells) {
            hiddenActivation(spec, c.activation());
            hiddenActivation(spec, c.recurrentActivation());
        }
        return new RecurrentLayer(spec.name(), spec.type(), input, cells, merge, masked(input));
    }

    /**
     * Whether a layer reading {@code input} sees Keras's mask: the input comes from an Embedding with mask_zero through
     * layers that pass the mask on unchanged (inference identities, BatchNormalization, recurrent layers returning
     * sequences) and keep
     * one step per token.
     */
    private static boolean masked(Layer input) {
        Layer in = input;
        while (true) {
            if (in instanceof EmbeddingLayer e) {
                return e.maskZero;
            }
            if (in instanceof RoutingLayer r && r.identity || in instanceof RecurrentLayer && in.shape.sequence()
                    || in instanceof BatchNormLayer) {
                in = in.input();
                continue;
            }
            return false;
        }
    }

    private Layer pooling(PoolingSpec spec, Layer input) {
        requireSequence(spec, input);
        int pool = spec.pool();
        int stride = spec.stride();
        int steps = input.shape.steps();
        int outSteps;
        int padLeft;
        switch (spec.padding()) {
            case VALID -> {
                outSteps = steps >= pool ? (steps - pool) / stride + 1 : 0;
                padLeft = 0;
            }
            case SAME -> {
                outSteps = ceilDiv(steps, stride);
                padLeft = Math.max((outSteps - 1) * stride + pool - steps, 0) / 2;
            }
            default -> throw error(spec.type() + " '" + spec.name() + "' has padding " + spec.padding()
                    + "; expected valid or same");
        }
        if (outSteps < 1) {
            throw error(spec.type() + " '" + spec.name() + "': its input of " + steps + " steps is shorter than its "
                    + "pool size " + pool);
        }
        Shape shape = Shape.sequence(outSteps, input.shape.channels());
        return spec.kind() == PoolingSpec.Kind.MAX
                ? new MaxPoolLayer(spec.name(), spec.type(), input, shape, pool, stride, padLeft)
                : new AvgPoolLayer(spec.name(), spec.type(), input, shape, pool, stride, padLeft);
    }

    private Layer globalPooling(PoolingSpec spec, Layer input) {
        requireSequence(spec, input);
        int steps = input.shape.steps();
        int channels = input.shape.channels();
        Shape shape = spec.keepdims() ? Shape.sequence(1, channels) : Shape.vector(channels);
        return spec.kind() == PoolingSpec.Kind.MAX
                ? new MaxPoolLayer(spec.name(), spec.type(), input, shape, steps, steps, 0)
                : new AvgPoolLayer(spec.name(), spec.type(), input, shape, steps, steps, 0);
    }

    private Layer reshape(ReshapeSpec spec, Layer input) {
        int[] dims = spec.targetShape();
        String target = shapeText(dims);
        if (dims.length > 2) {
            throw error("Reshape '" + spec.name() + "' has target_shape " + target + "; jlrp supports 1 or 2 axes");
        }
        int unknown = -1;
        long known = 1;
        for (int i = 0; i < dims.length; i++) {
            if (dims[i] == -1) {
                unknown = i;
            } else {
                known *= dims[i];
            }
        }
        int size = input.shape.size();
        if (unknown >= 0) {
            if (size % known != 0) {
                throw error("Reshape '" + spec.name() + "' cannot reshape " + input.shape + " to " + target);
            }
            dims[unknown] = (int) (size / known);
            known *= dims[unknown];
        }
        if (known != size) {
            throw error("Reshape '" + spec.name() + "' cannot reshape " + input.shape + " to " + target);
        }
        Shape shape = dims.length == 1 ? Shape.vector(dims[0]) : Shape.sequence(dims[0], dims[1]);
        return RoutingLayer.reindex(spec.name(), spec.type(), input, shape);
    }

    /** A target shape as the config wrote it: {@code [-1,4]}. */
    private static String shapeText(int[] dims) {
        StringBuilder s = new StringBuilder("[");
        for (int i = 0; i < dims.length; i++) {
            s.append(i == 0 ? "" : ",").append(dims[i]);
        }
        return s.append(']').toString();
    }

    private Layer concatenate(ConcatenateSpec spec, List<Layer> inputs) {
        if (inputs.size() < 2) {
            throw error("Concatenate '" + spec.name() + "' has " + inputs.size() + " input");
        }
        boolean sequence = inputs.get(0).shape.sequence();
        for (Layer in : inputs) {
            if (in.shape.sequence() != sequence) {
                throw error("Concatenate '" + spec.name() + "' mixes sequences and vectors");
            }
        }
        int axis = spec.axis();
        int rank = sequence ? 2 : 1;
        if (axis < 0) {
            axis += rank + 1;
        }
        int[] widths = new int[inputs.size()];
        if (!sequence && axis == 1) {
            int total = 0;
            for (int i = 0; i < widths.length; i++) {
                widths[i] = inputs.get(i).shape.size();
                total += widths[i];
            }
            return new ConcatenateLayer(spec.name(), inputs, Shape.vector(total), 1, widths);
        }
        if (sequence && (axis == 1 || axis == 2)) {
            int steps = inputs.get(0).shape.steps();
            int channels = inputs.get(0).shape.channels();
            int total = 0;
            for (int i = 0; i < widths.length; i++) {
                Shape s = inputs.get(i).shape;
                if (axis == 2 && s.steps() != steps || axis == 1 && s.channels() != channels) {
                    throw error("Concatenate '" + spec.name() + "': input shapes " + shapes(inputs)
                            + " do not agree off axis " + axis);
                }
                widths[i] = axis == 2 ? s.channels() : s.size();
                total += axis == 2 ? s.channels() : s.steps();
            }
            return axis == 2
                    ? new ConcatenateLayer(spec.name(), inputs, Shape.sequence(steps, total), steps, widths)
                    : new ConcatenateLayer(spec.name(), inputs, Shape.sequence(total, channels), 1, widths);
        }
        throw error("Concatenate '" + spec.name() + "' uses axis " + spec.axis() + " on inputs " + shapes(inputs));
    }

    private static String shapes(List<Layer> inputs) {
        List<String> out = new ArrayList<>();
        for (Layer in : inputs) {
            out.add(in.shape.toString());
        }
        return out.toString();
    }

    // ---------------------------------------------------------------------------------------------- checks

    /** The activation of a hidden layer; softmax is refused except on the stripped output. */
    private Activation hiddenActivation(LayerSpec spec, Activation activation) {
        if (activation == Activation.SOFTMAX) {
            throw error("layer '" + spec.name() + "' applies softmax inside the network; jlrp supports softmax only "
                    + "as the final activation");
        }
        return activation;
    }

    private void requireSequence(LayerSpec spec, Layer input) {
        if (!input.shape.sequence()) {
            throw error(spec.type() + " '" + spec.name() + "' needs a sequence input, got " + input.shape);
        }
    }

    private static int ceilDiv(int a, int b) {
        return (a + b - 1) / b;
    }

    private JlrpException error(String message) {
        return new JlrpException(model.source() + ": " + message);
    }
}
