package org.jlrp.runtime.graph;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.jlrp.kernels.Kernels;
import org.jlrp.runtime.JlrpException;
import org.jlrp.runtime.internal.keras.KerasModel;
import org.jlrp.runtime.internal.keras.KerasLayer;
import org.jlrp.runtime.internal.keras.Tensor;

/**
 * Binds a {@link KerasModel}'s layers to kernels: reads each layer's config, checks it against its weights and its
 * input shape, computes output shapes, and refuses anything jlrp cannot explain with one line naming the layer.
 */
public final class NetworkBuilder {

    /** The Keras classes jlrp explains. */
    public static final Set<String> SUPPORTED = new TreeSet<>(List.of(
            "InputLayer", "Embedding", "Conv1D", "Dense", "MaxPooling1D", "AveragePooling1D", "GlobalMaxPooling1D",
            "GlobalAveragePooling1D", "Dropout", "SpatialDropout1D", "GaussianDropout", "GaussianNoise",
            "AlphaDropout", "ActivityRegularization", "Flatten", "Reshape", "Activation", "ReLU", "Concatenate"));

    static final Set<String> INFERENCE_IDENTITIES = Set.of("Dropout", "SpatialDropout1D", "GaussianDropout",
            "GaussianNoise", "AlphaDropout", "ActivityRegularization");

    private final KerasModel model;
    private final Kernels kernels;
    private final Map<String, Layer> built = new HashMap<>();

    private final long foldBudgetBytes;

    private NetworkBuilder(KerasModel model, Kernels kernels, long foldBudgetBytes) {
        this.model = model;
        this.kernels = kernels;
        this.foldBudgetBytes = foldBudgetBytes;
    }

    public static Network build(KerasModel model, Kernels kernels) {
        return build(model, kernels, Network.defaultFoldBudgetBytes());
    }

    /**
     * Builds the network, folding the Embedding into the Conv1D layers that read it when the tables fit
     * {@code foldBudgetBytes} (0: never fold).
     */
    public static Network build(KerasModel model, Kernels kernels, long foldBudgetBytes) {
        try {
            return new NetworkBuilder(model, kernels, foldBudgetBytes).build();
        } catch (ArithmeticException overflow) {
            // Shapes are products of config values; a corrupt config can make them overflow an int.
            throw new JlrpException(model.source() + ": the layer shapes are too large (input length "
                    + model.inputLength() + "): " + overflow.getMessage());
        }
    }

    private Network build() {
        KerasLayer output = model.layer(model.outputLayer());
        Activation outputActivation = activationOf(output);
        boolean strip = outputActivation != null && outputActivation.isOutputSquashing();
        String explainedName = strip && isActivationLayer(output) ? output.inbound().get(0) : output.name();
        Activation stripped = strip ? outputActivation : Activation.LINEAR;

        List<Layer> layers = new ArrayList<>();
        for (KerasLayer spec : model.layers()) {
            if (strip && spec == output && isActivationLayer(output)) {
                continue; // the stripped final Activation layer: its input is what we explain
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

    private static boolean isActivationLayer(KerasLayer spec) {
        return spec.className().equals("Activation");
    }

    /** The activation of a layer that has one (inline or as a layer); null otherwise. */
    private Activation activationOf(KerasLayer spec) {
        switch (spec.className()) {
            case "Activation":
            case "Dense":
            case "Conv1D":
                return activation(spec);
            default:
                return null;
        }
    }

    private Layer buildLayer(KerasLayer spec, boolean stripActivation) {
        String cls = spec.className();
        if (!SUPPORTED.contains(cls)) {
            throw error("layer '" + spec.name() + "' has class " + cls + ", which jlrp does not support; supported: "
                    + String.join(", ", SUPPORTED));
        }
        if (cls.equals("InputLayer")) {
            return new InputLayer(spec.name(), model.inputLength());
        }
        List<Layer> inputs = new ArrayList<>();
        for (String name : spec.inbound()) {
            Layer in = built.get(name);
            if (in == null) {
                throw error("layer '" + spec.name() + "' reads from '" + name + "', which is not built before it");
            }
            inputs.add(in);
        }
        if (!cls.equals("Concatenate") && inputs.size() != 1) {
            throw error("layer '" + spec.name() + "' (" + cls + ") has " + inputs.size() + " inputs; expected 1");
        }
        Layer input = inputs.get(0);
        if (!cls.equals("Embedding") && inputs.stream().anyMatch(l -> l instanceof InputLayer)) {
            throw error("layer '" + spec.name() + "' (" + cls + ") reads the token ids directly; only an Embedding "
                    + "may");
        }
        checkChannelsLast(spec);
        switch (cls) {
            case "Embedding":
                return embedding(spec, input);
            case "Conv1D":
                return conv1d(spec, input, stripActivation);
            case "Dense":
                return dense(spec, input, stripActivation);
            case "MaxPooling1D":
            case "AveragePooling1D":
                return pooling(spec, input);
            case "GlobalMaxPooling1D":
            case "GlobalAveragePooling1D":
                return globalPooling(spec, input);
            case "Flatten":
                return new RoutingLayer(spec.name(), cls, input, Shape.vector(input.shape.size()));
            case "Reshape":
                return reshape(spec, input);
            case "Activation":
            case "ReLU":
                return activationLayer(spec, input);
            case "Concatenate":
                return concatenate(spec, inputs);
            default:
                if (INFERENCE_IDENTITIES.contains(cls)) {
                    return new RoutingLayer(spec.name(), cls, input, input.shape);
                }
                throw new IllegalStateException("unhandled supported class " + cls);
        }
    }

    // ----------------------------------------------------------------------------------------------- layers

    private Layer embedding(KerasLayer spec, Layer input) {
        if (!(input instanceof InputLayer)) {
            throw error("Embedding '" + spec.name() + "' must read the model input directly");
        }
        Tensor table = weight(spec, 0, 2);
        int vocabulary = table.shape()[0];
        int dim = table.shape()[1];
        expectConfig(spec, "input_dim", vocabulary);
        expectConfig(spec, "output_dim", dim);
        if (vocabulary < 1 || dim < 1) {
            throw error("Embedding '" + spec.name() + "' has an empty table " + table.shapeString());
        }
        return new EmbeddingLayer(spec.name(), input, table.data(), vocabulary, dim);
    }

    private Layer conv1d(KerasLayer spec, Layer input, boolean stripActivation) {
        requireSequence(spec, input);
        JsonNode c = spec.config();
        int width = intParam(spec, "kernel_size", null);
        int stride = intParam(spec, "strides", 1);
        int dilation = intParam(spec, "dilation_rate", 1);
        int groups = c.path("groups").asInt(1);
        if (groups != 1) {
            throw error("Conv1D '" + spec.name() + "' uses groups=" + groups + "; only groups=1 is supported");
        }
        if (stride > 1 && dilation > 1) {
            throw error("Conv1D '" + spec.name() + "' combines strides " + stride + " with dilation " + dilation
                    + ", which Keras does not allow");
        }
        Tensor kernel = weight(spec, 0, 3);
        int inChannels = input.shape.channels();
        if (kernel.shape()[0] != width || kernel.shape()[1] != inChannels) {
            throw error("Conv1D '" + spec.name() + "': kernel shape " + kernel.shapeString() + " does not match "
                    + "kernel_size " + width + " and " + inChannels + " input channels");
        }
        int filters = kernel.shape()[2];
        expectConfig(spec, "filters", filters);
        float[] bias = bias(spec, filters);
        int steps = input.shape.steps();
        int span = dilation * (width - 1) + 1;
        String padding = c.path("padding").asText("valid");
        int outSteps;
        int padLeft;
        switch (padding) {
            case "valid":
                outSteps = steps >= span ? (steps - span) / stride + 1 : 0;
                padLeft = 0;
                break;
            case "same":
                outSteps = ceilDiv(steps, stride);
                padLeft = Math.max((outSteps - 1) * stride + span - steps, 0) / 2;
                break;
            case "causal":
                outSteps = ceilDiv(steps, stride);
                padLeft = span - 1;
                break;
            default:
                throw error("Conv1D '" + spec.name() + "' has padding '" + padding + "'; expected valid, same or "
                        + "causal");
        }
        if (outSteps < 1) {
            throw error("Conv1D '" + spec.name() + "': its input of " + steps + " steps is shorter than its kernel "
                    + "span " + span);
        }
        Activation activation = stripActivation ? Activation.LINEAR : hiddenActivation(spec);
        return new Conv1DLayer(spec.name(), "Conv1D", input, kernel.data(), bias, width, filters, stride, dilation,
                padLeft, outSteps, activation);
    }

    private Layer dense(KerasLayer spec, Layer input, boolean stripActivation) {
        Tensor kernel = weight(spec, 0, 2);
        int units = kernel.shape()[1];
        expectConfig(spec, "units", units);
        float[] bias = bias(spec, units);
        Activation activation = stripActivation ? Activation.LINEAR : hiddenActivation(spec);
        int in = input.shape.sequence() ? input.shape.channels() : input.shape.size();
        if (kernel.shape()[0] != in) {
            throw error("Dense '" + spec.name() + "': kernel shape " + kernel.shapeString() + " does not match its "
                    + "input of " + in + (input.shape.sequence() ? " channels" : " units"));
        }
        if (input.shape.sequence()) {
            // Keras applies Dense to the last axis of a sequence, step by step: a width-1 convolution.
            return new Conv1DLayer(spec.name(), "Dense", input, kernel.data(), bias, 1, units, 1, 1, 0,
                    input.shape.steps(), activation);
        }
        return new DenseLayer(spec.name(), input, kernel.data(), bias, units, activation);
    }

    private Layer pooling(KerasLayer spec, Layer input) {
        requireSequence(spec, input);
        int pool = intParam(spec, "pool_size", 2);
        int stride = spec.config().path("strides").isNull() || spec.config().path("strides").isMissingNode()
                ? pool : intParam(spec, "strides", pool);
        int steps = input.shape.steps();
        String padding = spec.config().path("padding").asText("valid");
        int outSteps;
        int padLeft;
        if (padding.equals("valid")) {
            outSteps = steps >= pool ? (steps - pool) / stride + 1 : 0;
            padLeft = 0;
        } else if (padding.equals("same")) {
            outSteps = ceilDiv(steps, stride);
            padLeft = Math.max((outSteps - 1) * stride + pool - steps, 0) / 2;
        } else {
            throw error(spec.className() + " '" + spec.name() + "' has padding '" + padding + "'; expected valid or "
                    + "same");
        }
        if (outSteps < 1) {
            throw error(spec.className() + " '" + spec.name() + "': its input of " + steps + " steps is shorter than "
                    + "its pool size " + pool);
        }
        Shape shape = Shape.sequence(outSteps, input.shape.channels());
        return spec.className().equals("MaxPooling1D")
                ? new MaxPoolLayer(spec.name(), spec.className(), input, shape, pool, stride, padLeft)
                : new AvgPoolLayer(spec.name(), spec.className(), input, shape, pool, stride, padLeft);
    }

    private Layer globalPooling(KerasLayer spec, Layer input) {
        requireSequence(spec, input);
        int steps = input.shape.steps();
        int channels = input.shape.channels();
        Shape shape = spec.config().path("keepdims").asBoolean(false) ? Shape.sequence(1, channels)
                : Shape.vector(channels);
        return spec.className().equals("GlobalMaxPooling1D")
                ? new MaxPoolLayer(spec.name(), spec.className(), input, shape, steps, steps, 0)
                : new AvgPoolLayer(spec.name(), spec.className(), input, shape, steps, steps, 0);
    }

    private Layer reshape(KerasLayer spec, Layer input) {
        JsonNode target = spec.config().path("target_shape");
        if (!target.isArray() || target.isEmpty() || target.size() > 2) {
            throw error("Reshape '" + spec.name() + "' has target_shape " + target + "; jlrp supports 1 or 2 axes");
        }
        int[] dims = new int[target.size()];
        int unknown = -1;
        long known = 1;
        for (int i = 0; i < dims.length; i++) {
            dims[i] = target.get(i).asInt(0);
            if (dims[i] == -1 && unknown < 0) {
                unknown = i;
            } else if (dims[i] <= 0) {
                throw error("Reshape '" + spec.name() + "' has target_shape " + target);
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
        return new RoutingLayer(spec.name(), "Reshape", input, shape);
    }

    private Layer activationLayer(KerasLayer spec, Layer input) {
        Activation activation;
        if (spec.className().equals("ReLU")) {
            JsonNode c = spec.config();
            boolean plain = (c.path("max_value").isNull() || c.path("max_value").isMissingNode())
                    && c.path("negative_slope").asDouble(0) == 0 && c.path("threshold").asDouble(0) == 0;
            if (!plain) {
                throw error("ReLU '" + spec.name() + "' uses max_value, negative_slope or threshold, which jlrp does "
                        + "not support");
            }
            activation = Activation.RELU;
        } else {
            activation = hiddenActivation(spec);
        }
        return new ActivationLayer(spec.name(), spec.className(), input, activation);
    }

    private Layer concatenate(KerasLayer spec, List<Layer> inputs) {
        if (inputs.size() < 2) {
            throw error("Concatenate '" + spec.name() + "' has " + inputs.size() + " input");
        }
        boolean sequence = inputs.get(0).shape.sequence();
        for (Layer in : inputs) {
            if (in.shape.sequence() != sequence) {
                throw error("Concatenate '" + spec.name() + "' mixes sequences and vectors");
            }
        }
        int axis = spec.config().path("axis").asInt(-1);
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
        throw error("Concatenate '" + spec.name() + "' uses axis " + spec.config().path("axis") + " on inputs "
                + shapes(inputs));
    }

    private static String shapes(List<Layer> inputs) {
        List<String> out = new ArrayList<>();
        for (Layer in : inputs) {
            out.add(in.shape.toString());
        }
        return out.toString();
    }

    // ---------------------------------------------------------------------------------------------- config

    /** The activation of a Dense/Conv1D/Activation config; softmax is refused except on the stripped output. */
    private Activation hiddenActivation(KerasLayer spec) {
        Activation activation = activation(spec);
        if (activation == Activation.SOFTMAX) {
            throw error("layer '" + spec.name() + "' applies softmax inside the network; jlrp supports softmax only "
                    + "as the final activation");
        }
        return activation;
    }

    private Activation activation(KerasLayer spec) {
        JsonNode node = spec.config().get("activation");
        String name;
        if (node == null || node.isNull()) {
            name = "linear";
        } else if (node.isTextual()) {
            name = node.asText();
        } else if (node.isObject()) { // Keras 3 may serialise {"class_name": "function", "config": "relu"}
            name = node.path("config").isTextual() ? node.path("config").asText() : node.path("class_name").asText();
        } else {
            name = node.toString();
        }
        Activation activation = Activation.fromKeras(name);
        if (activation == null) {
            throw error("layer '" + spec.name() + "' uses activation '" + name + "', which jlrp does not support");
        }
        return activation;
    }

    private void checkChannelsLast(KerasLayer spec) {
        String format = spec.config().path("data_format").asText("channels_last");
        if (!format.equals("channels_last")) {
            throw error("layer '" + spec.name() + "' uses data_format " + format + "; only channels_last is "
                    + "supported");
        }
    }

    /** An integer parameter given as {@code 3} or {@code [3]}. */
    private int intParam(KerasLayer spec, String key, Integer fallback) {
        JsonNode node = spec.config().get(key);
        if (node != null && node.isArray() && node.size() == 1) {
            node = node.get(0);
        }
        if (node == null || node.isNull()) {
            if (fallback == null) {
                throw error("layer '" + spec.name() + "' has no " + key);
            }
            return fallback;
        }
        if (!node.isIntegralNumber() || node.asLong() < 1 || node.asLong() > 1_000_000) {
            throw error("layer '" + spec.name() + "' has " + key + " = " + node + "; expected a positive integer");
        }
        return node.asInt();
    }

    private void expectConfig(KerasLayer spec, String key, int actual) {
        JsonNode node = spec.config().get(key);
        if (node != null && node.isNumber() && node.asLong() != actual) {
            throw error("layer '" + spec.name() + "' states " + key + " = " + node + " but its weights have "
                    + actual);
        }
    }

    private void requireSequence(KerasLayer spec, Layer input) {
        if (!input.shape.sequence()) {
            throw error(spec.className() + " '" + spec.name() + "' needs a sequence input, got " + input.shape);
        }
    }

    private Tensor weight(KerasLayer spec, int index, int rank) {
        if (spec.weights().size() <= index) {
            throw error("layer '" + spec.name() + "' (" + spec.className() + ") has " + spec.weights().size()
                    + " weight arrays; expected at least " + (index + 1));
        }
        Tensor t = spec.weights().get(index);
        if (t.shape().length != rank) {
            throw error("layer '" + spec.name() + "': weight '" + t.name() + "' has shape " + t.shapeString()
                    + "; expected " + rank + " axes");
        }
        return t;
    }

    private float[] bias(KerasLayer spec, int units) {
        boolean useBias = spec.config().path("use_bias").asBoolean(true);
        int expected = useBias ? 2 : 1;
        if (spec.weights().size() != expected) {
            throw error("layer '" + spec.name() + "' (" + spec.className() + ") has " + spec.weights().size()
                    + " weight arrays; expected " + expected + (useBias ? " (kernel and bias)" : " (kernel)"));
        }
        if (!useBias) {
            return null;
        }
        Tensor b = spec.weights().get(1);
        if (b.shape().length != 1 || b.shape()[0] != units) {
            throw error("layer '" + spec.name() + "': bias shape " + b.shapeString() + " does not match " + units
                    + " units");
        }
        return b.data();
    }

    private static int ceilDiv(int a, int b) {
        return (a + b - 1) / b;
    }

    private JlrpException error(String message) {
        return new JlrpException(model.source() + ": " + message);
    }
}
