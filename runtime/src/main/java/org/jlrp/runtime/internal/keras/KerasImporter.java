package org.jlrp.runtime.internal.keras;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.jlrp.runtime.JlrpException;
import org.jlrp.runtime.text.TextVectorizer;
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
import org.jlrp.runtime.internal.model.ModelSpec.Fact;
import org.jlrp.runtime.internal.model.Padding;
import org.jlrp.runtime.internal.model.PoolingSpec;
import org.jlrp.runtime.internal.model.RecurrentSpec;
import org.jlrp.runtime.internal.model.ReshapeSpec;

/**
 * Imports a Keras model file ({@code .h5}, {@code .keras}, or a weights-only {@code .h5} with its architecture JSON)
 * into a format-neutral {@link ModelSpec}. Everything Keras-specific happens here or in {@link KerasModelLoader}:
 * Keras 1 names and layouts, the Theano flip, activation names, {@code data_format}, {@code groups},
 * {@code use_bias} and the weight counts, parameters given as {@code 3} or {@code [3]}, configs that contradict
 * their weights. What depends on the layer shapes (input channels, sequence lengths, reshape sizes) is checked by
 * the graph builder.
 */
public final class KerasImporter {

    /** The Keras classes jlrp explains. */
    public static final Set<String> SUPPORTED = new TreeSet<>(List.of(
            "InputLayer", "Embedding", "Conv1D", "Dense", "MaxPooling1D", "AveragePooling1D", "GlobalMaxPooling1D",
            "GlobalAveragePooling1D", "Dropout", "SpatialDropout1D", "GaussianDropout", "GaussianNoise",
            "AlphaDropout", "ActivityRegularization", "Flatten", "Reshape", "Activation", "ReLU", "Concatenate", "LSTM",
            "GRU", "SimpleRNN", "Bidirectional", "CuDNNLSTM", "CuDNNGRU", "BatchNormalization"));

    /** The Keras classes that are the identity at inference. */
    static final Set<String> INFERENCE_IDENTITIES = Set.of("Dropout", "SpatialDropout1D", "GaussianDropout",
            "GaussianNoise", "AlphaDropout", "ActivityRegularization");

    private final KerasModel model;

    private KerasImporter(KerasModel model) {
        this.model = model;
    }

    /** Imports a full model file ({@code .h5} or {@code .keras}) with the default {@link Limits}. */
    public static ModelSpec load(Path model) {
        return load(model, null, Limits.DEFAULT);
    }

    /**
     * Imports a model.
     *
     * @param model        the {@code .h5} or {@code .keras} file
     * @param architecture the {@code model.to_json()} file for a weights-only {@code .h5}; null otherwise (when given
     *                     with a full model, it replaces the file's own config)
     * @param limits       size limits checked before anything is allocated
     * @throws JlrpException with one line naming the file (and the layer) for anything jlrp cannot read or explain
     */
    public static ModelSpec load(Path model, Path architecture, Limits limits) {
        return toSpec(KerasModelLoader.load(model, architecture, limits));
    }

    /** The spec of a model the loader read. */
    static ModelSpec toSpec(KerasModel model) {
        return new KerasImporter(model).convert();
    }

    private ModelSpec convert() {
        List<LayerSpec> layers = new ArrayList<>();
        KerasLayer textLayer = model.layers().stream().filter(l -> l.className().equals("TextVectorization"))
                .findFirst().orElse(null);
        TextVectorizer textInput = textLayer == null ? null : textVectorizer(textLayer);
        int inputLength = textInput == null ? model.inputLength()
                : textInput.outputSequenceLength() > 0 ? textInput.outputSequenceLength() : ModelSpec.ANY_LENGTH;
        for (KerasLayer layer : model.layers()) {
            if (textLayer != null && layer.className().equals("InputLayer")) {
                continue; // the string input: the TextVectorization layer becomes the token-id input
            }
            if (textLayer != null && layer.className().equals("TextVectorization")) {
                layers.add(new InputSpec(layer.name()));
                continue;
            }
            if (textLayer != null && layer.className().equals("NotEqual")
                    && layer.inbound().equals(List.of(textLayer.name()))) {
                continue; // ids != 0 passed as a recurrent layer's mask: the Embedding's mask_zero, which jlrp applies
            }
            layers.add(layer(layer));
        }
        Map<String, Fact> facts = new LinkedHashMap<>();
        facts.put("keras_version", Fact.text("keras version", model.kerasVersion()));
        facts.put("backend", Fact.text("backend", model.backend() + (model.theanoFlipped().isEmpty() ? ""
                : "  (Theano kernels flipped along the width axis: " + String.join(", ", model.theanoFlipped())
                + ")"), model.backend()));
        facts.put("theano_flipped", Fact.list(model.theanoFlipped()));
        try {
            return new ModelSpec(model.source(), model.format().label(), inputLength, layers,
                    model.outputLayer(), facts, model.notes(), textInput);
        } catch (IllegalArgumentException e) {
            throw new JlrpException(e.getMessage(), e);
        }
    }

    private LayerSpec layer(KerasLayer layer) {
        String cls = layer.className();
        if (!SUPPORTED.contains(cls)) {
            throw error("layer '" + layer.name() + "' has class " + cls + ", which jlrp does not support; supported: "
                    + String.join(", ", SUPPORTED));
        }
        if (cls.equals("InputLayer")) {
            return new InputSpec(layer.name());
        }
        checkChannelsLast(layer);
        try {
            return spec(layer);
        } catch (IllegalArgumentException e) {
            // A spec refused a value the checks above let through (an empty axis, say): still one line naming the
            // layer, as every spec message does.
            throw error(e.getMessage(), e);
        }
    }

    private LayerSpec spec(KerasLayer layer) {
        String name = layer.name();
        List<String> inputs = layer.inbound();
        String cls = layer.className();
        switch (cls) {
            case "Embedding":
                return embedding(layer);
            case "Conv1D":
                return conv1d(layer);
            case "Dense":
                return dense(layer);
            case "MaxPooling1D":
            case "AveragePooling1D":
                return pooling(layer);
            case "GlobalMaxPooling1D":
            case "GlobalAveragePooling1D":
                return PoolingSpec.global(name, inputs, cls.equals("GlobalMaxPooling1D") ? PoolingSpec.Kind.MAX
                        : PoolingSpec.Kind.AVERAGE, layer.config().path("keepdims").asBoolean(false));
            case "Flatten":
                return new FlattenSpec(name, inputs);
            case "Reshape":
                return reshape(layer);
            case "Activation":
                return new ActivationSpec(name, inputs, activation(layer));
            case "ReLU":
                return relu(layer);
            case "Concatenate":
                return new ConcatenateSpec(name, inputs, layer.config().path("axis").asInt(-1));
            case "LSTM":
            case "GRU":
            case "SimpleRNN":
            case "CuDNNLSTM":
            case "CuDNNGRU":
                return recurrent(layer, cls, layer.config(), layer.weights(), name, false);
            case "Bidirectional":
                return bidirectional(layer);
            case "BatchNormalization":
                return batchNormalization(layer);
            default:
                if (INFERENCE_IDENTITIES.contains(cls)) {
                    return new IdentitySpec(name, inputs, cls);
                }
                throw new IllegalStateException("unhandled supported class " + cls);
        }
    }

    // ----------------------------------------------------------------------------------------------- layers

    private LayerSpec embedding(KerasLayer layer) {
        Tensor table = weight(layer, 0, 2);
        int vocabulary = table.shape()[0];
        int dim = table.shape()[1];
        expectConfig(layer, "input_dim", vocabulary);
        expectConfig(layer, "output_dim", dim);
        if (vocabulary < 1 || dim < 1) {
            throw error("Embedding '" + layer.name() + "' has an empty table " + table.shapeString());
        }
        return new EmbeddingSpec(layer.name(), layer.inbound(), table.data(), vocabulary, dim,
                layer.config().path("mask_zero").asBoolean(false));
    }

    private LayerSpec conv1d(KerasLayer layer) {
        JsonNode c = layer.config();
        int width = intParam(layer, "kernel_size", null);
        int stride = intParam(layer, "strides", 1);
        int dilation = intParam(layer, "dilation_rate", 1);
        int groups = c.path("groups").asInt(1);
        if (groups != 1) {
            throw error("Conv1D '" + layer.name() + "' uses groups=" + groups + "; only groups=1 is supported");
        }
        if (stride > 1 && dilation > 1) {
            throw error("Conv1D '" + layer.name() + "' combines strides " + stride + " with dilation " + dilation
                    + ", which Keras does not allow");
        }
        Tensor kernel = weight(layer, 0, 3);
        if (kernel.shape()[0] != width) {
            throw error("Conv1D '" + layer.name() + "': kernel shape " + kernel.shapeString() + " does not match "
                    + "kernel_size " + width);
        }
        int filters = kernel.shape()[2];
        expectConfig(layer, "filters", filters);
        float[] bias = bias(layer, filters);
        String padding = c.path("padding").asText("valid");
        Padding mode;
        switch (padding) {
            case "valid" -> mode = Padding.VALID;
            case "same" -> mode = Padding.SAME;
            case "causal" -> mode = Padding.CAUSAL;
            default -> throw error("Conv1D '" + layer.name() + "' has padding '" + padding + "'; expected valid, "
                    + "same or causal");
        }
        return new Conv1DSpec(layer.name(), layer.inbound(), kernel.data(), bias, width, kernel.shape()[1], filters,
                stride, dilation, mode, activation(layer));
    }

    private LayerSpec dense(KerasLayer layer) {
        Tensor kernel = weight(layer, 0, 2);
        int units = kernel.shape()[1];
        expectConfig(layer, "units", units);
        float[] bias = bias(layer, units);
        return new DenseSpec(layer.name(), layer.inbound(), kernel.data(), bias, kernel.shape()[0], units,
                activation(layer));
    }

    /**
     * A recurrent layer (or one half of a Bidirectional layer, {@code name} then the half's name). Keras 2/3 weights:
     * kernel {@code [in][G·u]}, recurrent kernel {@code [u][G·u]}, bias {@code [G·u]} (a GRU with reset_after:
     * {@code [2][G·u]}, input and recurrent bias); CuDNN layers: bias {@code [2·G·u]}, the input then the recurrent
     * bias (an LSTM's sum is the Keras bias; a CuDNNGRU is a GRU with reset_after).
     */
    private RecurrentSpec recurrent(KerasLayer layer, String cls, JsonNode c, List<Tensor> weights, String name,
                                    boolean bidirectionalHalf) {
        String where = cls + " '" + name + "'";
        for (String refused : List.of("stateful", "return_state", "time_major")) {
            if (c.path(refused).asBoolean(false)) {
                throw error(where + " uses " + refused + "=True, which jlrp does not support");
            }
        }
        if (c.has("consume_less") || c.has("inner_activation")) {
            throw error(where + " is a Keras 1 recurrent layer (one matrix per gate), which jlrp does not support yet");
        }
        boolean cudnn = cls.startsWith("CuDNN");
        RecurrentSpec.Kind kind = cls.endsWith("LSTM") ? RecurrentSpec.Kind.LSTM : cls.endsWith("GRU")
                ? RecurrentSpec.Kind.GRU : RecurrentSpec.Kind.SIMPLE_RNN;
        boolean useBias = cudnn || c.path("use_bias").asBoolean(true);
        int expected = useBias ? 3 : 2;
        if (weights.size() != expected) {
            throw error(where + " has " + weights.size() + " weight arrays; expected " + expected
                    + (useBias ? " (kernel, recurrent kernel, bias)" : " (kernel, recurrent kernel)"));
        }
        Tensor kernel = weights.get(0);
        Tensor recurrentKernel = weights.get(1);
        if (kernel.shape().length != 2 || recurrentKernel.shape().length != 2) {
            throw error(where + ": kernel " + kernel.shapeString() + " and recurrent kernel "
                    + recurrentKernel.shapeString() + " must have 2 axes");
        }
        int units = recurrentKernel.shape()[0];
        int width = kind.gates() * units;
        if (kernel.shape()[1] != width || recurrentKernel.shape()[1] != width) {
            throw error(where + ": kernel " + kernel.shapeString() + " and recurrent kernel "
                    + recurrentKernel.shapeString() + " do not hold " + kind.gates() + " gates of " + units + " units");
        }
        expectConfig(layer, c, "units", units);
        boolean resetAfter = kind == RecurrentSpec.Kind.GRU && (cudnn || c.path("reset_after").asBoolean(false));
        float[] bias = null;
        float[] recurrentBias = null;
        if (useBias) {
            Tensor b = weights.get(2);
            float[] data = b.data();
            if (cudnn || resetAfter) {
                if (data.length != 2 * width) {
                    throw error(where + ": bias shape " + b.shapeString() + " does not hold an input and a recurrent "
                            + "bias of " + width);
                }
                bias = java.util.Arrays.copyOfRange(data, 0, width);
                float[] second = java.util.Arrays.copyOfRange(data, width, 2 * width);
                if (kind == RecurrentSpec.Kind.LSTM) {
                    for (int i = 0; i < width; i++) {
                        bias[i] += second[i];
                    }
                } else {
                    recurrentBias = second;
                }
            } else {
                if (data.length != width || b.shape().length != 1) {
                    throw error(where + ": bias shape " + b.shapeString() + " does not match " + width);
                }
                bias = data;
            }
        }
        Activation activation = cudnn ? Activation.TANH : recurrentActivation(layer, c, "activation", "tanh");
        Activation recurrentActivation = kind == RecurrentSpec.Kind.SIMPLE_RNN ? Activation.LINEAR
                : cudnn ? Activation.SIGMOID : recurrentActivation(layer, c, "recurrent_activation",
                        model.kerasVersion().startsWith("3") ? "sigmoid" : "hard_sigmoid");
        return new RecurrentSpec(name, layer.inbound(), kind, kernel.data(), recurrentKernel.data(), bias,
                recurrentBias, kernel.shape()[0], units, activation, recurrentActivation,
                c.path("return_sequences").asBoolean(false), c.path("go_backwards").asBoolean(false), resetAfter);
    }

    /**
     * A TextVectorization first layer: {@code output_mode="int"}, a built-in standardize and split, no n-grams, and a
     * vocabulary in the config (inline, or the zip's asset that the loader put there).
     */
    private TextVectorizer textVectorizer(KerasLayer layer) {
        JsonNode c = layer.config();
        String where = "TextVectorization '" + layer.name() + "'";
        if (!layer.inbound().isEmpty() && model.layers().stream().noneMatch(l -> l.className().equals("InputLayer")
                && layer.inbound().equals(List.of(l.name())))) {
            throw error(where + " must read the model's input directly");
        }
        if (!c.path("output_mode").asText("int").equals("int")) {
            throw error(where + " has output_mode '" + c.path("output_mode").asText() + "'; jlrp explains int ids");
        }
        if (!c.path("ngrams").isMissingNode() && !c.path("ngrams").isNull()) {
            throw error(where + " uses ngrams, which jlrp does not support");
        }
        JsonNode vocabulary = c.path("vocabulary");
        if (!vocabulary.isArray()) {
            throw error(where + " has no vocabulary in the file (neither in its config nor as a .keras asset)");
        }
        List<String> words = new ArrayList<>();
        vocabulary.forEach(v -> words.add(v.asText()));
        // A vocabulary given to the layer may leave out the mask and OOV tokens, which Keras puts first.
        String oov = c.path("oov_token").asText("[UNK]");
        if (words.isEmpty() || !words.get(0).isEmpty()) {
            if (words.isEmpty() || !words.get(0).equals(oov)) {
                words.add(0, oov);
            }
            words.add(0, "");
        }
        JsonNode length = c.path("output_sequence_length");
        try {
            return new TextVectorizer(words, textOrNull(c.path("standardize")), textOrNull(c.path("split")),
                    length.isIntegralNumber() ? length.asInt() : -1);
        } catch (JlrpException e) {
            throw error(where + ": " + e.getMessage());
        }
    }

    private static String textOrNull(JsonNode node) {
        return node.isMissingNode() || node.isNull() ? null : node.asText();
    }

    /**
     * BatchNormalization at inference. Weights in Keras's order: γ (when {@code scale}), β (when {@code center}), the
     * moving mean and the moving variance. Keras 1 has neither flag (both are present) and calls the variance
     * {@code running_std} (its TensorFlow and Theano backends use it as the variance); only its {@code mode=0}
     * normalises with the moving statistics at inference.
     */
    private LayerSpec batchNormalization(KerasLayer layer) {
        JsonNode c = layer.config();
        String where = "BatchNormalization '" + layer.name() + "'";
        int mode = c.path("mode").asInt(0);
        if (mode != 0) {
            throw error(where + " uses Keras 1 mode=" + mode + ", which normalises with batch statistics at inference;"
                    + " jlrp supports mode=0");
        }
        for (String refused : List.of("renorm", "synchronized")) {
            if (c.path(refused).asBoolean(false)) {
                throw error(where + " uses " + refused + "=True, which jlrp does not support");
            }
        }
        JsonNode axisNode = c.path("axis");
        if (axisNode.isArray() && axisNode.size() == 1) {
            axisNode = axisNode.get(0);
        }
        if (!axisNode.isMissingNode() && !axisNode.isIntegralNumber()) {
            throw error(where + " has axis " + axisNode + "; jlrp supports one axis, the last");
        }
        int axis = axisNode.asInt(-1);
        if (axis == 0 || axis < -1) {
            throw error(where + " normalises axis " + axis + "; jlrp supports the last (channel) axis only");
        }
        boolean scale = c.path("scale").asBoolean(true);
        boolean center = c.path("center").asBoolean(true);
        int expected = (scale ? 1 : 0) + (center ? 1 : 0) + 2;
        List<Tensor> weights = layer.weights();
        if (weights.size() != expected) {
            throw error(where + " has " + weights.size() + " weight arrays; expected " + expected + " ("
                    + (scale ? "gamma, " : "") + (center ? "beta, " : "") + "moving mean, moving variance)");
        }
        int channels = weights.get(0).size();
        for (Tensor t : weights) {
            if (t.shape().length != 1 || t.size() != channels) {
                throw error(where + ": weight '" + t.name() + "' has shape " + t.shapeString() + "; expected ("
                        + channels + ",)");
            }
        }
        int next = 0;
        float[] gamma = scale ? weights.get(next++).data() : null;
        float[] beta = center ? weights.get(next++).data() : null;
        float[] mean = weights.get(next++).data();
        float[] variance = weights.get(next).data();
        double epsilon = c.path("epsilon").asDouble(1e-3);
        return new BatchNormSpec(layer.name(), layer.inbound(), axis, channels, gamma, beta, mean, variance, epsilon);
    }

    private LayerSpec bidirectional(KerasLayer layer) {
        JsonNode c = layer.config();
        String merge = c.path("merge_mode").isNull() ? "none" : c.path("merge_mode").asText("concat");
        BidirectionalSpec.Merge mode = switch (merge) {
            case "concat" -> BidirectionalSpec.Merge.CONCAT;
            case "sum" -> BidirectionalSpec.Merge.SUM;
            case "ave" -> BidirectionalSpec.Merge.AVE;
            default -> throw error("Bidirectional '" + layer.name() + "' has merge_mode '" + merge + "'; jlrp explains "
                    + "concat, sum and ave");
        };
        JsonNode inner = c.path("layer");
        String cls = inner.path("class_name").asText("");
        if (!List.of("LSTM", "GRU", "SimpleRNN", "CuDNNLSTM", "CuDNNGRU").contains(cls)) {
            throw error("Bidirectional '" + layer.name() + "' wraps a " + cls + "; jlrp explains LSTM, GRU and "
                    + "SimpleRNN");
        }
        JsonNode innerConfig = inner.path("config");
        JsonNode backwardConfig = c.path("backward_layer").path("config");
        if (!backwardConfig.isMissingNode() && !backwardConfig.isNull()) {
            for (String key : List.of("units", "return_sequences", "activation", "recurrent_activation", "reset_after",
                    "use_bias")) {
                if (!String.valueOf(backwardConfig.get(key)).equals(String.valueOf(innerConfig.get(key)))) {
                    throw error("Bidirectional '" + layer.name() + "' has a backward layer that differs from its "
                            + "forward layer in " + key + ", which jlrp does not support");
                }
            }
        }
        List<Tensor> weights = layer.weights();
        if (weights.size() % 2 != 0) {
            throw error("Bidirectional '" + layer.name() + "' has " + weights.size() + " weight arrays; expected "
                    + "the same number for each direction");
        }
        int half = weights.size() / 2;
        String innerName = innerConfig.path("name").asText(cls.toLowerCase(Locale.ROOT));
        RecurrentSpec forward = recurrent(layer, cls, innerConfig, weights.subList(0, half), "forward_" + innerName,
                true);
        RecurrentSpec backward = recurrent(layer, cls, innerConfig, weights.subList(half, weights.size()),
                "backward_" + innerName, true);
        boolean goBackwards = innerConfig.path("go_backwards").asBoolean(false);
        return new BidirectionalSpec(layer.name(), layer.inbound(), forward.renamed(forward.name(), goBackwards),
                backward.renamed(backward.name(), !goBackwards), mode);
    }

    /** A recurrent layer's activation under {@code key}, with the file's Keras version's {@code hard_sigmoid}. */
    private Activation recurrentActivation(KerasLayer layer, JsonNode c, String key, String fallback) {
        JsonNode node = c.get(key);
        String name;
        if (node == null || node.isNull()) {
            name = fallback;
        } else if (node.isTextual()) {
            name = node.asText();
        } else if (node.isObject()) {
            name = node.path("config").isTextual() ? node.path("config").asText() : node.path("class_name").asText();
        } else {
            name = node.toString();
        }
        Activation activation = activationNamed(name);
        if (activation == null || activation == Activation.SOFTMAX) {
            throw error("layer '" + layer.name() + "' uses " + key + " '" + name + "', which jlrp does not support");
        }
        if (activation == Activation.HARD_SIGMOID && model.kerasVersion().startsWith("3")) {
            return Activation.HARD_SIGMOID_KERAS3;
        }
        return activation;
    }

    private void expectConfig(KerasLayer layer, JsonNode c, String key, int actual) {
        JsonNode node = c.get(key);
        if (node != null && node.isNumber() && node.asLong() != actual) {
            throw error("layer '" + layer.name() + "' states " + key + " = " + node + " but its weights have "
                    + actual);
        }
    }

    private LayerSpec pooling(KerasLayer layer) {
        JsonNode c = layer.config();
        int pool = intParam(layer, "pool_size", 2);
        int stride = c.path("strides").isNull() || c.path("strides").isMissingNode() ? pool
                : intParam(layer, "strides", pool);
        String padding = c.path("padding").asText("valid");
        Padding mode;
        if (padding.equals("valid")) {
            mode = Padding.VALID;
        } else if (padding.equals("same")) {
            mode = Padding.SAME;
        } else {
            throw error(layer.className() + " '" + layer.name() + "' has padding '" + padding + "'; expected valid "
                    + "or same");
        }
        PoolingSpec.Kind kind = layer.className().equals("MaxPooling1D") ? PoolingSpec.Kind.MAX
                : PoolingSpec.Kind.AVERAGE;
        return PoolingSpec.window(layer.name(), layer.inbound(), kind, pool, stride, mode);
    }

    private LayerSpec reshape(KerasLayer layer) {
        JsonNode target = layer.config().path("target_shape");
        if (!target.isArray() || target.isEmpty()) {
            throw error("Reshape '" + layer.name() + "' has target_shape " + target + "; jlrp supports 1 or 2 axes");
        }
        int[] dims = new int[target.size()];
        boolean unknown = false;
        for (int i = 0; i < dims.length; i++) {
            dims[i] = target.get(i).asInt(0);
            if (dims[i] == -1 && !unknown) {
                unknown = true;
            } else if (dims[i] <= 0) {
                throw error("Reshape '" + layer.name() + "' has target_shape " + target);
            }
        }
        return new ReshapeSpec(layer.name(), layer.inbound(), dims);
    }

    private LayerSpec relu(KerasLayer layer) {
        JsonNode c = layer.config();
        boolean plain = (c.path("max_value").isNull() || c.path("max_value").isMissingNode())
                && c.path("negative_slope").asDouble(0) == 0 && c.path("threshold").asDouble(0) == 0;
        if (!plain) {
            throw error("ReLU '" + layer.name() + "' uses max_value, negative_slope or threshold, which jlrp does not "
                    + "support");
        }
        return new ActivationSpec(layer.name(), layer.inbound(), Activation.RELU, "ReLU");
    }

    // ---------------------------------------------------------------------------------------------- config

    /** The activation of a Dense/Conv1D/Activation config ({@code linear} when absent). */
    private Activation activation(KerasLayer layer) {
        JsonNode node = layer.config().get("activation");
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
        Activation activation = activationNamed(name);
        if (activation == null) {
            throw error("layer '" + layer.name() + "' uses activation '" + name + "', which jlrp does not support");
        }
        return activation;
    }

    /** A Keras activation name ({@code "relu"}, {@code "swish"}/{@code "silu"}, …); null when unknown. */
    static Activation activationNamed(String name) {
        if (name == null) {
            return Activation.LINEAR;
        }
        switch (name.toLowerCase(Locale.ROOT)) {
            case "linear": case "none": case "": return Activation.LINEAR;
            case "relu": return Activation.RELU;
            case "tanh": return Activation.TANH;
            case "sigmoid": return Activation.SIGMOID;
            case "hard_sigmoid": return Activation.HARD_SIGMOID;
            case "softplus": return Activation.SOFTPLUS;
            case "softsign": return Activation.SOFTSIGN;
            case "elu": return Activation.ELU;
            case "selu": return Activation.SELU;
            case "exponential": return Activation.EXPONENTIAL;
            case "swish": case "silu": return Activation.SWISH;
            case "gelu": return Activation.GELU;
            case "softmax": return Activation.SOFTMAX;
            default: return null;
        }
    }

    private void checkChannelsLast(KerasLayer layer) {
        String format = layer.config().path("data_format").asText("channels_last");
        if (!format.equals("channels_last")) {
            throw error("layer '" + layer.name() + "' uses data_format " + format + "; only channels_last is "
                    + "supported");
        }
    }

    /** An integer parameter given as {@code 3} or {@code [3]}. */
    private int intParam(KerasLayer layer, String key, Integer fallback) {
        JsonNode node = layer.config().get(key);
        if (node != null && node.isArray() && node.size() == 1) {
            node = node.get(0);
        }
        if (node == null || node.isNull()) {
            if (fallback == null) {
                throw error("layer '" + layer.name() + "' has no " + key);
            }
            return fallback;
        }
        if (!node.isIntegralNumber() || node.asLong() < 1 || node.asLong() > 1_000_000) {
            throw error("layer '" + layer.name() + "' has " + key + " = " + node + "; expected a positive integer");
        }
        return node.asInt();
    }

    private void expectConfig(KerasLayer layer, String key, int actual) {
        JsonNode node = layer.config().get(key);
        if (node != null && node.isNumber() && node.asLong() != actual) {
            throw error("layer '" + layer.name() + "' states " + key + " = " + node + " but its weights have "
                    + actual);
        }
    }

    private Tensor weight(KerasLayer layer, int index, int rank) {
        if (layer.weights().size() <= index) {
            throw error("layer '" + layer.name() + "' (" + layer.className() + ") has " + layer.weights().size()
                    + " weight arrays; expected at least " + (index + 1));
        }
        Tensor t = layer.weights().get(index);
        if (t.shape().length != rank) {
            throw error("layer '" + layer.name() + "': weight '" + t.name() + "' has shape " + t.shapeString()
                    + "; expected " + rank + " axes");
        }
        return t;
    }

    private float[] bias(KerasLayer layer, int units) {
        boolean useBias = layer.config().path("use_bias").asBoolean(true);
        int expected = useBias ? 2 : 1;
        if (layer.weights().size() != expected) {
            throw error("layer '" + layer.name() + "' (" + layer.className() + ") has " + layer.weights().size()
                    + " weight arrays; expected " + expected + (useBias ? " (kernel and bias)" : " (kernel)"));
        }
        if (!useBias) {
            return null;
        }
        Tensor b = layer.weights().get(1);
        if (b.shape().length != 1 || b.shape()[0] != units) {
            throw error("layer '" + layer.name() + "': bias shape " + b.shapeString() + " does not match " + units
                    + " units");
        }
        return b.data();
    }

    private JlrpException error(String message) {
        return new JlrpException(model.source() + ": " + message);
    }

    private JlrpException error(String message, Throwable cause) {
        return new JlrpException(model.source() + ": " + message, cause);
    }
}
