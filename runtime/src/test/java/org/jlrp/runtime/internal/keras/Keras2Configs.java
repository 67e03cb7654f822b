package org.jlrp.runtime.internal.keras;

import java.util.List;

/**
 * Keras 2 layer and model configs as {@code model.to_json()} writes them (the keys of Keras 2.1–2.x), built from
 * small pieces so that the tests can vary one layer at a time. Keras 1 and Keras 3 configs are written out in full in
 * the tests, since their layouts differ throughout.
 */
final class Keras2Configs {

    private Keras2Configs() {
    }

    static String embedding(String name, int vocabulary, int dim, Integer batchLength) {
        return "{\"class_name\": \"Embedding\", \"config\": {\"name\": \"" + name + "\", \"trainable\": true, "
                + (batchLength == null ? "" : "\"batch_input_shape\": [null, " + batchLength + "], ")
                + "\"dtype\": \"float32\", \"input_dim\": " + vocabulary + ", \"output_dim\": " + dim + ", "
                + "\"embeddings_initializer\": {\"class_name\": \"RandomUniform\", \"config\": {\"minval\": -0.05, "
                + "\"maxval\": 0.05, \"seed\": null}}, \"embeddings_regularizer\": null, \"activity_regularizer\": null, "
                + "\"embeddings_constraint\": null, \"mask_zero\": false, \"input_length\": "
                + (batchLength == null ? "null" : batchLength) + "}}";
    }

    static String conv1d(String name, int filters, int width, String activation) {
        return "{\"class_name\": \"Conv1D\", \"config\": {\"name\": \"" + name + "\", \"trainable\": true, "
                + "\"filters\": " + filters + ", \"kernel_size\": [" + width + "], \"strides\": [1], "
                + "\"padding\": \"valid\", \"data_format\": \"channels_last\", \"dilation_rate\": [1], "
                + "\"activation\": \"" + activation + "\", \"use_bias\": true, \"kernel_initializer\": "
                + "{\"class_name\": \"VarianceScaling\", \"config\": {\"scale\": 1.0, \"mode\": \"fan_avg\", "
                + "\"distribution\": \"uniform\", \"seed\": null}}, \"bias_initializer\": {\"class_name\": \"Zeros\", "
                + "\"config\": {}}, \"kernel_regularizer\": null, \"bias_regularizer\": null, "
                + "\"activity_regularizer\": null, \"kernel_constraint\": null, \"bias_constraint\": null}}";
    }

    static String maxPooling(String name, int pool) {
        return "{\"class_name\": \"MaxPooling1D\", \"config\": {\"name\": \"" + name + "\", \"trainable\": true, "
                + "\"strides\": [" + pool + "], \"pool_size\": [" + pool + "], \"padding\": \"valid\", "
                + "\"data_format\": \"channels_last\"}}";
    }

    static String globalMaxPooling(String name) {
        return "{\"class_name\": \"GlobalMaxPooling1D\", \"config\": {\"name\": \"" + name + "\", \"trainable\": true, "
                + "\"data_format\": \"channels_last\"}}";
    }

    static String flatten(String name) {
        return "{\"class_name\": \"Flatten\", \"config\": {\"name\": \"" + name + "\", \"trainable\": true, "
                + "\"data_format\": \"channels_last\"}}";
    }

    static String reshape(String name, String targetShape) {
        return "{\"class_name\": \"Reshape\", \"config\": {\"name\": \"" + name + "\", \"trainable\": true, "
                + "\"target_shape\": " + targetShape + "}}";
    }

    static String dense(String name, int units, String activation) {
        return "{\"class_name\": \"Dense\", \"config\": {\"name\": \"" + name + "\", \"trainable\": true, "
                + "\"units\": " + units + ", \"activation\": \"" + activation + "\", \"use_bias\": true, "
                + "\"kernel_initializer\": {\"class_name\": \"VarianceScaling\", \"config\": {\"scale\": 1.0, "
                + "\"mode\": \"fan_avg\", \"distribution\": \"uniform\", \"seed\": null}}, \"bias_initializer\": "
                + "{\"class_name\": \"Zeros\", \"config\": {}}, \"kernel_regularizer\": null, \"bias_regularizer\": "
                + "null, \"activity_regularizer\": null, \"kernel_constraint\": null, \"bias_constraint\": null}}";
    }

    static String dropout(String name) {
        return "{\"class_name\": \"Dropout\", \"config\": {\"name\": \"" + name + "\", \"trainable\": true, "
                + "\"rate\": 0.5, \"noise_shape\": null, \"seed\": null}}";
    }

    static String spatialDropout(String name) {
        return "{\"class_name\": \"SpatialDropout1D\", \"config\": {\"name\": \"" + name + "\", \"trainable\": true, "
                + "\"rate\": 0.2, \"noise_shape\": null, \"seed\": null}}";
    }

    static String activation(String name, String activation) {
        return "{\"class_name\": \"Activation\", \"config\": {\"name\": \"" + name + "\", \"trainable\": true, "
                + "\"activation\": \"" + activation + "\"}}";
    }

    static String relu(String name) {
        return "{\"class_name\": \"ReLU\", \"config\": {\"name\": \"" + name + "\", \"trainable\": true, "
                + "\"dtype\": \"float32\", \"max_value\": null, \"negative_slope\": 0.0, \"threshold\": 0.0}}";
    }

    static String concatenate(String name, int axis) {
        return "{\"class_name\": \"Concatenate\", \"config\": {\"name\": \"" + name + "\", \"trainable\": true, "
                + "\"axis\": " + axis + "}}";
    }

    static String inputLayer(String name, int length) {
        return "{\"class_name\": \"InputLayer\", \"config\": {\"batch_input_shape\": [null, " + length + "], "
                + "\"dtype\": \"float32\", \"sparse\": false, \"ragged\": false, \"name\": \"" + name + "\"}}";
    }

    /** Keras ≤ 2.1: the Sequential config is the bare layer list. */
    static String sequentialList(List<String> layers) {
        return "{\"class_name\": \"Sequential\", \"config\": [" + String.join(", ", layers) + "], "
                + "\"keras_version\": \"2.1.6\", \"backend\": \"tensorflow\"}";
    }

    /** Keras 2.2+: {@code {name, layers}}. */
    static String sequentialNamed(List<String> layers) {
        return "{\"class_name\": \"Sequential\", \"config\": {\"name\": \"sequential_1\", \"layers\": ["
                + String.join(", ", layers) + "]}, \"keras_version\": \"2.2.4\", \"backend\": \"tensorflow\"}";
    }

    /** A layer of a Functional config: the layer's own config plus {@code name} and Keras 2 {@code inbound_nodes}. */
    static String node(String layerJson, String... inbound) {
        String name = layerJson.replaceFirst("(?s).*?\"name\": \"([^\"]+)\".*", "$1");
        StringBuilder nodes = new StringBuilder();
        for (String in : inbound) {
            nodes.append(nodes.length() == 0 ? "" : ", ").append("[\"").append(in).append("\", 0, 0, {}]");
        }
        String inboundNodes = inbound.length == 0 ? "[]" : "[[" + nodes + "]]";
        return "{\"name\": \"" + name + "\", " + layerJson.substring(1, layerJson.length() - 1)
                + ", \"inbound_nodes\": " + inboundNodes + "}";
    }

    /** A Functional config: {@code Model} (Keras 2.0–2.3) or {@code Functional} (tf.keras 2.4+). */
    static String functional(String className, String input, String output, List<String> nodes) {
        return "{\"class_name\": \"" + className + "\", \"config\": {\"name\": \"model_1\", \"layers\": ["
                + String.join(", ", nodes) + "], \"input_layers\": [[\"" + input + "\", 0, 0]], "
                + "\"output_layers\": [[\"" + output + "\", 0, 0]]}, \"keras_version\": \"2.2.4\", "
                + "\"backend\": \"tensorflow\"}";
    }
}
