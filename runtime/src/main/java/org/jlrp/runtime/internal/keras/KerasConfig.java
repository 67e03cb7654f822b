package org.jlrp.runtime.internal.keras;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.jlrp.runtime.JlrpException;
import org.jlrp.runtime.internal.model.ModelSpec;

/**
 * Reads a Keras model config ({@code model_config}, {@code config.json} or {@code model.to_json()}) of any Keras
 * version into layer specs with Keras 2 class names and keys. Weights are attached later by
 * {@link KerasModelLoader}.
 *
 * <p>Handled here: Sequential configs as a bare list (Keras 1, Keras ≤ 2.1) or {@code {name, layers}}; Functional
 * {@code Model}/{@code Functional} configs with Keras 1/2 inbound-node lists or Keras 3 {@code __keras_tensor__}
 * arguments; Keras 1 layer names and keys ({@code Convolution1D}, {@code nb_filter}, {@code border_mode}, …).
 */
final class KerasConfig {

    /**
     * What the config says, before weights: layers in topological order (an InputLayer first), and the output.
     * {@code declared} lists every layer of the config in the config's own order with its class name as written
     * there: Keras's {@code model.layers} order, which decides how weights files that do not go by layer name
     * (Keras 3 {@code layers/<class>_N} paths, Keras 2 positional loading) assign weights.
     */
    record Parsed(List<KerasLayer> layers, int inputLength, String outputLayer, List<Declared> declared) {
    }

    /** One layer entry as the config lists it: its name and its class name before Keras 1 names are mapped. */
    record Declared(String name, String className) {
    }

    private static final JsonNodeFactory JSON = JsonNodeFactory.instance;

    private final String source;

    private KerasConfig(String source) {
        this.source = source;
    }

    static Parsed parse(JsonNode root, String source) {
        return new KerasConfig(source).parseRoot(root);
    }

    private Parsed parseRoot(JsonNode root) {
        if (root == null || !root.isObject()) {
            throw error("the model config is not a JSON object");
        }
        String className = root.path("class_name").asText("");
        JsonNode config = root.get("config");
        switch (className) {
            case "Sequential":
                return parseSequential(config, root);
            case "Model":
            case "Functional":
                return parseFunctional(config);
            default:
                throw error("the model class '" + className + "' is not supported (expected Sequential, Model or "
                        + "Functional)");
        }
    }

    // ------------------------------------------------------------------------------------------ Sequential

    private Parsed parseSequential(JsonNode config, JsonNode root) {
        JsonNode layerList = config != null && config.isArray() ? config : config == null ? null : config.get("layers");
        if (layerList == null || !layerList.isArray() || layerList.isEmpty()) {
            throw error("the Sequential config has no layers");
        }
        List<KerasLayer> layers = new ArrayList<>();
        List<Declared> declared = new ArrayList<>();
        Integer inputLength = null;
        String inputName = null;
        String previous = null;
        Set<String> names = new HashSet<>();
        for (JsonNode entry : layerList) {
            String cls = className(entry);
            ObjectNode layerConfig = layerConfig(entry);
            String name = layerName(entry, layerConfig);
            declared.add(new Declared(name, cls));
            if (inputLength == null) {
                inputLength = inputLengthOf(layerConfig);
            }
            if (cls.equals("InputLayer")) {
                if (previous != null) {
                    throw error("layer '" + name + "': an InputLayer in the middle of a Sequential model");
                }
                inputName = name;
                continue;
            }
            if (previous == null) {
                inputName = inputName != null ? inputName : uniqueName(layerList, "input");
                layers.add(inputLayer(inputName));
                names.add(inputName);
                previous = inputName;
            }
            if (!names.add(name)) {
                throw error("two layers are named '" + name + "'");
            }
            layers.add(normalize(cls, name, layerConfig, List.of(previous)));
            previous = name;
        }
        if (previous == null) {
            throw error("the Sequential config has only an InputLayer");
        }
        if (inputLength == null) {
            inputLength = shapeLength(config == null ? null : config.get("build_input_shape"));
        }
        if (inputLength == null) {
            inputLength = shapeLength(root.path("build_config").get("input_shape"));
        }
        return new Parsed(layers, requireInputLength(inputLength), previous, List.copyOf(declared));
    }

    private static String uniqueName(JsonNode layerList, String base) {
        Set<String> taken = new HashSet<>();
        for (JsonNode entry : layerList) {
            taken.add(entry.path("config").path("name").asText(entry.path("name").asText("")));
        }
        String name = base;
        for (int i = 1; taken.contains(name); i++) {
            name = base + "_" + i;
        }
        return name;
    }

    // ------------------------------------------------------------------------------------------ Functional

    private Parsed parseFunctional(JsonNode config) {
        if (config == null || !config.path("layers").isArray()) {
            throw error("the Functional config has no layer list");
        }
        String input = singleEndpoint(config.get("input_layers"), "input_layers");
        String output = singleEndpoint(config.get("output_layers"), "output_layers");
        Map<String, KerasLayer> byName = new LinkedHashMap<>();
        List<Declared> declared = new ArrayList<>();
        Integer inputLength = null;
        for (JsonNode entry : config.get("layers")) {
            String cls = className(entry);
            ObjectNode layerConfig = layerConfig(entry);
            String name = layerName(entry, layerConfig);
            declared.add(new Declared(name, cls));
            List<String> inbound = inboundNames(name, entry.get("inbound_nodes"));
            if (cls.equals("InputLayer")) {
                if (name.equals(input)) {
                    inputLength = inputLengthOf(layerConfig);
                }
                if (byName.put(name, inputLayer(name)) != null) {
                    throw error("two layers are named '" + name + "'");
                }
                continue;
            }
            if (inbound.isEmpty()) {
                throw error("layer '" + name + "' (" + cls + ") has no inbound layer");
            }
            if (byName.put(name, normalize(cls, name, layerConfig, inbound)) != null) {
                throw error("two layers are named '" + name + "'");
            }
        }
        if (!byName.containsKey(input) || !byName.get(input).className().equals("InputLayer")) {
            throw error("the input layer '" + input + "' is not an InputLayer of the config");
        }
        if (!byName.containsKey(output)) {
            throw error("the output layer '" + output + "' is not in the config");
        }
        if (inputLength == null) {
            for (KerasLayer l : byName.values()) {
                if (l.className().equals("Embedding") && l.config().path("input_length").isInt()) {
                    inputLength = l.config().get("input_length").asInt();
                    break;
                }
            }
        }
        return new Parsed(topologicalOrder(byName, input, output), requireInputLength(inputLength), output,
                List.copyOf(declared));
    }

    /**
     * Orders the layers that the output depends on so that every layer follows its inputs. Layers that do not feed
     * the output are dropped; dangling references and cycles are refused with the layer named.
     */
    private List<KerasLayer> topologicalOrder(Map<String, KerasLayer> byName, String input, String output) {
        List<KerasLayer> order = new ArrayList<>();
        Set<String> done = new HashSet<>();
        Set<String> onPath = new HashSet<>();
        visit(output, byName, done, onPath, order, 0);
        if (!done.contains(input)) {
            throw error("the output layer '" + output + "' does not depend on the input layer '" + input + "'");
        }
        return order;
    }

    private void visit(String name, Map<String, KerasLayer> byName, Set<String> done, Set<String> onPath,
                       List<KerasLayer> order, int depth) {
        if (done.contains(name)) {
            return;
        }
        if (depth > byName.size()) {
            throw error("the layer graph is too deep or cyclic at '" + name + "'");
        }
        if (!onPath.add(name)) {
            throw error("the layer graph has a cycle through '" + name + "'");
        }
        KerasLayer layer = byName.get(name);
        for (String in : layer.inbound()) {
            if (!byName.containsKey(in)) {
                throw error("layer '" + name + "' reads from '" + in + "', which is not in the config");
            }
            visit(in, byName, done, onPath, order, depth + 1);
        }
        onPath.remove(name);
        done.add(name);
        order.add(layer);
    }

    /** The one layer named by {@code input_layers}/{@code output_layers}: {@code [[name, 0, 0]]} or {@code [name, 0, 0]}. */
    private String singleEndpoint(JsonNode endpoints, String key) {
        if (endpoints == null || !endpoints.isArray() || endpoints.isEmpty()) {
            throw error("the Functional config has no " + key);
        }
        if (endpoints.get(0).isTextual()) {
            return endpoints.get(0).asText();
        }
        if (endpoints.size() != 1) {
            throw error("the model has " + endpoints.size() + " " + key.replace("_layers", "s")
                    + "; jlrp explains models with one input and one output");
        }
        JsonNode first = endpoints.get(0);
        if (!first.isArray() || first.isEmpty() || !first.get(0).isTextual()) {
            throw error("malformed " + key + ": " + abbreviate(endpoints));
        }
        return first.get(0).asText();
    }

    /** The layer names feeding one layer, from Keras 1/2 node lists or Keras 3 {@code args}. */
    private List<String> inboundNames(String layer, JsonNode nodes) {
        List<String> names = new ArrayList<>();
        if (nodes == null || nodes.isNull() || (nodes.isArray() && nodes.isEmpty())) {
            return names;
        }
        if (!nodes.isArray()) {
            throw error("layer '" + layer + "': malformed inbound_nodes " + abbreviate(nodes));
        }
        if (nodes.size() > 1) {
            throw error("layer '" + layer + "' is called " + nodes.size() + " times (a shared layer); "
                    + "jlrp supports layers used once");
        }
        JsonNode node = nodes.get(0);
        if (node.isObject()) {
            collectKerasTensors(node.get("args"), names, 0);
        } else if (node.isArray()) {
            for (JsonNode ref : node) {
                if (!ref.isArray() || ref.isEmpty() || !ref.get(0).isTextual()) {
                    throw error("layer '" + layer + "': malformed inbound node " + abbreviate(ref));
                }
                names.add(ref.get(0).asText());
            }
        } else {
            throw error("layer '" + layer + "': malformed inbound_nodes " + abbreviate(nodes));
        }
        return names;
    }

    private void collectKerasTensors(JsonNode node, List<String> names, int depth) {
        if (node == null || depth > 16) {
            return;
        }
        if (node.isObject()) {
            if ("__keras_tensor__".equals(node.path("class_name").asText())) {
                JsonNode history = node.path("config").path("keras_history");
                if (history.isArray() && !history.isEmpty() && history.get(0).isTextual()) {
                    names.add(history.get(0).asText());
                }
            }
            return;
        }
        if (node.isArray()) {
            for (JsonNode item : node) {
                collectKerasTensors(item, names, depth + 1);
            }
        }
    }

    // ----------------------------------------------------------------------------------- layer normalisation

    private String className(JsonNode entry) {
        JsonNode cls = entry == null ? null : entry.get("class_name");
        if (cls == null || !cls.isTextual() || cls.asText().isEmpty()) {
            throw error("a layer entry has no class_name: " + abbreviate(entry));
        }
        return cls.asText();
    }

    private ObjectNode layerConfig(JsonNode entry) {
        JsonNode config = entry.get("config");
        if (config == null || !config.isObject()) {
            throw error("layer entry " + abbreviate(entry) + " has no config object");
        }
        return ((ObjectNode) config).deepCopy();
    }

    private String layerName(JsonNode entry, JsonNode config) {
        JsonNode name = config.get("name");
        if (name == null || !name.isTextual()) {
            name = entry.get("name");
        }
        if (name == null || !name.isTextual() || name.asText().isEmpty()) {
            throw error("a " + className(entry) + " layer has no name");
        }
        return name.asText();
    }

    private static KerasLayer inputLayer(String name) {
        ObjectNode config = JSON.objectNode();
        config.put("name", name);
        return new KerasLayer(name, "InputLayer", config, List.of(), List.of());
    }

    /** Maps Keras 1 class names and keys onto their Keras 2 forms, leaving Keras 2/3 configs as they are. */
    private KerasLayer normalize(String cls, String name, ObjectNode c, List<String> inbound) {
        switch (cls) {
            case "Convolution1D":
            case "Conv1D":
                rename(c, "nb_filter", "filters");
                rename(c, "filter_length", "kernel_size");
                rename(c, "border_mode", "padding");
                rename(c, "subsample_length", "strides");
                rename(c, "bias", "use_bias");
                cls = "Conv1D";
                break;
            case "AtrousConvolution1D":
                rename(c, "nb_filter", "filters");
                rename(c, "filter_length", "kernel_size");
                rename(c, "border_mode", "padding");
                rename(c, "subsample_length", "strides");
                rename(c, "atrous_rate", "dilation_rate");
                rename(c, "bias", "use_bias");
                cls = "Conv1D";
                break;
            case "MaxPooling1D":
            case "AveragePooling1D":
            case "MaxPool1D":
            case "AvgPool1D":
                rename(c, "pool_length", "pool_size");
                rename(c, "stride", "strides");
                rename(c, "border_mode", "padding");
                cls = cls.startsWith("Max") ? "MaxPooling1D" : "AveragePooling1D";
                break;
            case "GlobalMaxPool1D":
                cls = "GlobalMaxPooling1D";
                break;
            case "GlobalAvgPool1D":
                cls = "GlobalAveragePooling1D";
                break;
            case "Dense":
                rename(c, "output_dim", "units");
                rename(c, "bias", "use_bias");
                break;
            case "Merge":
                if (!"concat".equals(c.path("mode").asText())) {
                    throw error("layer '" + name + "' (Merge) uses mode '" + c.path("mode").asText()
                            + "'; only mode 'concat' is supported");
                }
                rename(c, "concat_axis", "axis");
                cls = "Concatenate";
                break;
            default:
                break;
        }
        return new KerasLayer(name, cls, c, List.copyOf(inbound), List.of());
    }

    private static void rename(ObjectNode c, String from, String to) {
        if (c.has(from) && !c.has(to)) {
            c.set(to, c.get(from));
        }
        c.remove(from);
    }

    // ----------------------------------------------------------------------------------------- input length

    /** The sequence length from {@code batch_input_shape}/{@code batch_shape}, or an Embedding's input_length. */
    private Integer inputLengthOf(JsonNode config) {
        Integer length = shapeLength(config.get("batch_input_shape"));
        if (length == null) {
            length = shapeLength(config.get("batch_shape"));
        }
        if (length == null && config.path("input_length").canConvertToInt()
                && !config.path("input_length").isNull() && config.path("input_length").isNumber()) {
            length = config.get("input_length").asInt();
        }
        return length;
    }

    /** The second entry of a {@code [null, T]} shape; null when absent or unknown. */
    private Integer shapeLength(JsonNode shape) {
        if (shape == null || !shape.isArray() || shape.size() < 2) {
            return null;
        }
        if (shape.size() > 2) {
            throw error("the model input has shape " + abbreviate(shape)
                    + "; jlrp explains models that read a sequence of token ids (batch, steps)");
        }
        JsonNode steps = shape.get(1);
        return steps.isIntegralNumber() ? steps.asInt() : null;
    }

    /** The stated length, or {@link ModelSpec#ANY_LENGTH} when the config states none (any length). */
    private int requireInputLength(Integer length) {
        if (length == null) {
            return ModelSpec.ANY_LENGTH;
        }
        if (length <= 0) {
            throw error("the model config states an input length of " + length);
        }
        return length;
    }

    // ---------------------------------------------------------------------------------------------- helpers

    private JlrpException error(String message) {
        return new JlrpException(source + ": " + message);
    }

    static String abbreviate(JsonNode node) {
        String s = String.valueOf(node);
        return s.length() > 120 ? s.substring(0, 117) + "..." : s;
    }
}
