package org.jlrp.runtime.internal.keras;

import static org.jlrp.runtime.internal.keras.FixtureModels.KERAS2_ATTRIBUTES;
import static org.jlrp.runtime.internal.keras.FixtureModels.assertSameExplanations;
import static org.jlrp.runtime.internal.keras.FixtureModels.smallCnnKeras2Weights;
import static org.jlrp.runtime.internal.keras.FixtureModels.smallCnnLayers;
import static org.jlrp.runtime.internal.keras.Keras2Configs.activation;
import static org.jlrp.runtime.internal.keras.Keras2Configs.conv1d;
import static org.jlrp.runtime.internal.keras.Keras2Configs.dense;
import static org.jlrp.runtime.internal.keras.Keras2Configs.relu;
import static org.jlrp.runtime.internal.keras.Keras2Configs.reshape;
import static org.jlrp.runtime.internal.keras.Keras2Configs.sequentialList;
import static org.jlrp.runtime.internal.keras.KerasFixtures.writeFullH5;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.jlrp.runtime.JlrpException;
import org.jlrp.runtime.explain.Explainer;
import org.jlrp.runtime.internal.keras.KerasFixtures.H5Layer;
import org.jlrp.runtime.internal.keras.KerasFixtures.H5Options;
import org.jlrp.runtime.internal.model.Activation;
import org.jlrp.runtime.internal.model.Conv1DSpec;
import org.jlrp.runtime.internal.model.ModelSpec;
import org.jlrp.runtime.internal.model.Padding;
import org.jlrp.runtime.internal.model.PoolingSpec;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Keras quirks the importer resolves into specs, and the Keras configs it refuses: each refusal is one line
 * naming the file and the layer, whether the importer finds it (config against weights) or the graph builder (shapes).
 */
class KerasImporterTest {

    @TempDir
    Path dir;

    /** The small CNN with layer {@code index} replaced by {@code replacement} (and extra weightless layers named). */
    private Path write(String name, int index, String replacement, String... extraLayers) {
        List<String> layers = new ArrayList<>(smallCnnLayers());
        layers.set(index, replacement);
        return write(name, layers, extraLayers);
    }

    private Path write(String name, List<String> layers, String... extraLayers) {
        List<H5Layer> weights = new ArrayList<>(smallCnnKeras2Weights());
        for (String extra : extraLayers) {
            weights.add(H5Layer.of(extra));
        }
        Path file = dir.resolve(name);
        writeFullH5(file, sequentialList(layers), KERAS2_ATTRIBUTES, weights, H5Options.PLAIN);
        return file;
    }

    private static String conv(String key, String value) {
        String c = conv1d("conv1d_1", 3, 3, "relu");
        String pattern = "\"" + key + "\": ";
        int at = c.indexOf(pattern);
        if (at < 0) {
            return c.replace("\"dilation_rate\": [1]", "\"dilation_rate\": [1], " + pattern + value);
        }
        int end = at + pattern.length();
        int stop = c.charAt(end) == '[' ? c.indexOf(']', end) + 1 : c.charAt(end) == '"' ? c.indexOf('"', end + 1) + 1
                : c.indexOf(',', end);
        return c.substring(0, end) + value + c.substring(stop);
    }

    private static void assertRefused(Path file, String layer, String fragment) {
        JlrpException e = assertThrows(JlrpException.class, () -> Explainer.load(file));
        String message = e.getMessage();
        assertFalse(message.contains("\n"), "one line: " + message);
        assertTrue(message.startsWith(file + ": "), "names the file: " + message);
        assertTrue(message.contains("'" + layer + "'"), "names the layer: " + message);
        assertTrue(message.contains(fragment), "says '" + fragment + "': " + message);
    }

    @Test
    void theSmallCnnImportsIntoTypedSpecs() {
        ModelSpec spec = KerasImporter.load(write("plain.h5", smallCnnLayers()));
        assertEquals(List.of("input", "embedding_1", "conv1d_1", "max_pooling1d_1", "flatten_1", "dense_1",
                "dropout_1", "dense_2"), spec.layerNames());
        assertEquals(List.of("InputLayer", "Embedding", "Conv1D", "MaxPooling1D", "Flatten", "Dense", "Dropout",
                "Dense"), spec.layers().stream().map(l -> l.type()).toList());
        Conv1DSpec conv = (Conv1DSpec) spec.layer("conv1d_1");
        assertEquals(3, conv.width());
        assertEquals(FixtureModels.D, conv.inputChannels());
        assertEquals(Padding.VALID, conv.padding());
        assertEquals(Activation.RELU, conv.activation());
        PoolingSpec pool = (PoolingSpec) spec.layer("max_pooling1d_1");
        assertEquals(2, pool.pool());
        assertEquals(2, pool.stride());
        assertEquals("dense_2", spec.output());
        assertEquals("2.1.6", spec.fact("keras_version").value());
        assertEquals("tensorflow", spec.fact("backend").text());
    }

    @Test
    void kerasSpellingsOfTheSameLayerImportAlike() {
        Path scalarKernelSize = write("scalar.h5", 1, conv("kernel_size", "3"));
        Path keras3Activation = write("k3act.h5", 1, conv("activation",
                "{\"module\": \"keras.activations\", \"class_name\": \"function\", \"config\": \"relu\"}"));
        Path nullStrides = write("nullstrides.h5", 2, Keras2Configs.maxPooling("max_pooling1d_1", 2)
                .replace("\"strides\": [2]", "\"strides\": null"));
        for (Path file : List.of(scalarKernelSize, keras3Activation, nullStrides)) {
            assertSameExplanations(KerasModelLoader.load(write("reference.h5", smallCnnLayers())),
                    KerasModelLoader.load(file));
        }
    }

    @Test
    void configsTheImporterRefuses() {
        assertRefused(write("groups.h5", 1, conv("groups", "2")), "conv1d_1", "groups=2");
        assertRefused(write("channels_first.h5", 1, conv("data_format", "\"channels_first\"")), "conv1d_1",
                "data_format channels_first");
        assertRefused(write("width.h5", 1, conv("kernel_size", "[4]")), "conv1d_1",
                "does not match kernel_size 4");
        assertRefused(write("filters.h5", 1, conv("filters", "4")), "conv1d_1", "states filters = 4");
        assertRefused(write("activation.h5", 1, conv("activation", "\"mish\"")), "conv1d_1", "activation 'mish'");
        assertRefused(write("padding.h5", 1, conv("padding", "\"full\"")), "conv1d_1",
                "expected valid, same or causal");
        assertRefused(write("bias.h5", 1, conv("use_bias", "false")), "conv1d_1", "expected 1 (kernel)");
        assertRefused(write("dilated.h5", 1, conv("strides", "[2]").replace("\"dilation_rate\": [1]",
                "\"dilation_rate\": [2]")), "conv1d_1", "which Keras does not allow");
        assertRefused(write("zero_width.h5", 1, conv("kernel_size", "[0]")), "conv1d_1", "positive integer");
        assertRefused(write("pool_padding.h5", 2, Keras2Configs.maxPooling("max_pooling1d_1", 2)
                .replace("\"valid\"", "\"causal\"")), "max_pooling1d_1", "expected valid or same");
        List<String> withRelu = new ArrayList<>(smallCnnLayers());
        withRelu.set(1, conv1d("conv1d_1", 3, 3, "linear"));
        withRelu.add(2, relu("re_lu_1").replace("\"max_value\": null", "\"max_value\": 6.0"));
        assertRefused(write("relu6.h5", withRelu, "re_lu_1"), "re_lu_1", "max_value");
        assertRefused(write("reshape.h5", 3, reshape("reshape_1", "[3, -2]"), "reshape_1"), "reshape_1",
                "target_shape [3,-2]");
    }

    @Test
    void shapesTheBuilderRefuses() {
        assertRefused(write("hidden_softmax.h5", 4, dense("dense_1", 5, "softmax")), "dense_1",
                "softmax inside the network");
        assertRefused(write("reshape3.h5", 3, reshape("reshape_1", "[3, 3, 1]"), "reshape_1"), "reshape_1",
                "jlrp supports 1 or 2 axes");
        assertRefused(write("reshape_size.h5", 3, reshape("reshape_1", "[4]"), "reshape_1"), "reshape_1",
                "cannot reshape (None, 3, 3) to [4]");
        List<String> activationFirst = new ArrayList<>(smallCnnLayers());
        activationFirst.add(2, activation("activation_1", "softmax"));
        assertRefused(write("softmax_layer.h5", activationFirst, "activation_1"), "activation_1",
                "softmax inside the network");
    }
}
