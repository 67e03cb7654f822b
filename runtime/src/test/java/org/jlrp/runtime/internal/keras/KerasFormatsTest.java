package org.jlrp.runtime.internal.keras;

import static org.jlrp.runtime.internal.keras.FixtureModels.CONV_B;
import static org.jlrp.runtime.internal.keras.FixtureModels.CONV_K;
import static org.jlrp.runtime.internal.keras.FixtureModels.D1_B;
import static org.jlrp.runtime.internal.keras.FixtureModels.D1_K;
import static org.jlrp.runtime.internal.keras.FixtureModels.D2_B;
import static org.jlrp.runtime.internal.keras.FixtureModels.D2_K;
import static org.jlrp.runtime.internal.keras.FixtureModels.EMB;
import static org.jlrp.runtime.internal.keras.FixtureModels.KERAS2_ATTRIBUTES;
import static org.jlrp.runtime.internal.keras.FixtureModels.T;
import static org.jlrp.runtime.internal.keras.FixtureModels.assertLogits;
import static org.jlrp.runtime.internal.keras.FixtureModels.assertSameExplanations;
import static org.jlrp.runtime.internal.keras.FixtureModels.assertTensor;
import static org.jlrp.runtime.internal.keras.FixtureModels.smallCnnKeras2Weights;
import static org.jlrp.runtime.internal.keras.FixtureModels.smallCnnLayers;
import static org.jlrp.runtime.internal.keras.Keras2Configs.embedding;
import static org.jlrp.runtime.internal.keras.Keras2Configs.functional;
import static org.jlrp.runtime.internal.keras.Keras2Configs.inputLayer;
import static org.jlrp.runtime.internal.keras.Keras2Configs.node;
import static org.jlrp.runtime.internal.keras.Keras2Configs.sequentialList;
import static org.jlrp.runtime.internal.keras.Keras2Configs.sequentialNamed;
import static org.jlrp.runtime.internal.keras.KerasFixtures.flippedWidth;
import static org.jlrp.runtime.internal.keras.KerasFixtures.keras11Kernel;
import static org.jlrp.runtime.internal.keras.KerasFixtures.reshaped;
import static org.jlrp.runtime.internal.keras.KerasFixtures.writeFullH5;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.jlrp.runtime.JlrpException;
import org.jlrp.runtime.internal.keras.KerasFixtures.H5Layer;
import org.jlrp.runtime.internal.keras.KerasFixtures.H5Options;
import org.jlrp.runtime.internal.keras.KerasFixtures.Keras3Vars;
import org.jlrp.runtime.internal.keras.KerasFixtures.Weight;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every Keras file layout of the small CNN (see {@link FixtureModels}), written at test time: each must read to the
 * same network as the Keras 2.1 reference file, which itself must reproduce an independent double-precision forward
 * pass.
 */
class KerasFormatsTest {

    @TempDir
    Path dir;

    private KerasModel reference() {
        Path file = dir.resolve("reference.h5");
        if (!Files.exists(file)) {
            writeFullH5(file, sequentialList(smallCnnLayers()), KERAS2_ATTRIBUTES, smallCnnKeras2Weights(),
                    H5Options.PLAIN);
        }
        return KerasModelLoader.load(file);
    }

    private KerasModel writeKeras2(String name, String config, List<H5Layer> weights, H5Options options) {
        Path file = dir.resolve(name);
        writeFullH5(file, config, KERAS2_ATTRIBUTES, weights, options);
        return KerasModelLoader.load(file);
    }

    // ------------------------------------------------------------------------------------------ Keras 2

    @Test
    void keras21SequentialListReproducesAnIndependentForwardPass() {
        KerasModel model = reference();
        assertEquals(ModelFormat.FULL_H5, model.format());
        assertEquals("2.1.6", model.kerasVersion());
        assertEquals("tensorflow", model.backend());
        assertEquals(T, model.inputLength());
        assertEquals(List.of(), model.theanoFlipped());
        assertEquals(List.of(), model.notes());
        assertTensor(CONV_K, model.layer("conv1d_1").weights().get(0));
        assertLogits(model, FixtureModels::smallCnnLogits);
    }

    @Test
    void keras22SequentialWithNameAndLayers() {
        KerasModel model = writeKeras2("named.h5", sequentialNamed(smallCnnLayers()), smallCnnKeras2Weights(),
                H5Options.PLAIN);
        assertSameExplanations(reference(), model);
    }

    @Test
    void tfKerasSequentialStartingWithAnInputLayer() {
        List<String> layers = new ArrayList<>(List.of(inputLayer("input_1", T),
                embedding("embedding_1", FixtureModels.V, FixtureModels.D, null)));
        layers.addAll(smallCnnLayers().subList(1, smallCnnLayers().size()));
        KerasModel model = writeKeras2("input_layer.h5", sequentialNamed(layers), smallCnnKeras2Weights(),
                H5Options.PLAIN);
        assertEquals("input_1", model.layers().get(0).name());
        assertSameExplanations(reference(), model);
    }

    @Test
    void functionalModelAndFunctionalConfigs() {
        for (String className : List.of("Model", "Functional")) {
            KerasModel model = writeKeras2(className + ".h5", smallCnnFunctional(className), smallCnnKeras2Weights(),
                    H5Options.PLAIN);
            assertSameExplanations(reference(), model);
        }
    }

    /** The small CNN as a Keras 2 Functional config. */
    static String smallCnnFunctional(String className) {
        List<String> layers = smallCnnLayers();
        List<String> nodes = new ArrayList<>();
        nodes.add(node(inputLayer("input_1", T)));
        nodes.add(node(embedding("embedding_1", FixtureModels.V, FixtureModels.D, T), "input_1"));
        String previous = "embedding_1";
        for (String layer : layers.subList(1, layers.size())) {
            String entry = node(layer, previous);
            nodes.add(entry);
            previous = entry.replaceFirst("(?s)^\\{\"name\": \"([^\"]+)\".*", "$1");
        }
        return functional(className, "input_1", "dense_2", nodes);
    }

    @Test
    void layerAndWeightNamesSplitIntoNumberedAttributes() {
        KerasModel model = writeKeras2("split.h5", sequentialList(smallCnnLayers()), smallCnnKeras2Weights(),
                new H5Options(3, 2, false, false));
        assertSameExplanations(reference(), model);
    }

    @Test
    void strayRootDatasetsAndOptimizerWeightsAreIgnored() {
        KerasModel model = writeKeras2("stray.h5", sequentialList(smallCnnLayers()), smallCnnKeras2Weights(),
                new H5Options(1, 1, true, true));
        assertSameExplanations(reference(), model);
    }

    @Test
    void theanoBackendAttributeFlipsConv1DKernels() {
        List<H5Layer> weights = new ArrayList<>(smallCnnKeras2Weights());
        weights.set(1, H5Layer.of("conv1d_1", new Weight("conv1d_1/kernel", flippedWidth(CONV_K)),
                new Weight("conv1d_1/bias", CONV_B)));
        Path file = dir.resolve("theano2.h5");
        writeFullH5(file, sequentialList(smallCnnLayers()), Map.of("keras_version", "2.0.8", "backend", "theano"),
                weights, H5Options.PLAIN);
        KerasModel model = KerasModelLoader.load(file);
        assertEquals("theano", model.backend());
        assertEquals(List.of("conv1d_1"), model.theanoFlipped());
        assertTensor(CONV_K, model.layer("conv1d_1").weights().get(0));
        assertSameExplanations(reference(), model);
    }

    // ------------------------------------------------------------------------------------------ Keras 1

    /** The small CNN as Keras 1.2 writes its config: Keras 1 class names and keys, a bare Sequential list. */
    static String keras1Config(boolean withBiasKey) {
        String bias = withBiasKey ? ", \"bias\": true" : "";
        return """
                {"class_name": "Sequential", "config": [
                 {"class_name": "Embedding", "config": {"name": "embedding_1", "trainable": true,
                  "batch_input_shape": [null, 9], "input_dtype": "int32", "input_dim": 11, "output_dim": 4,
                  "init": "uniform", "input_length": 9, "W_regularizer": null, "activity_regularizer": null,
                  "W_constraint": null, "mask_zero": false, "dropout": 0.0}},
                 {"class_name": "Convolution1D", "config": {"name": "convolution1d_1", "trainable": true,
                  "nb_filter": 3, "filter_length": 3, "init": "glorot_uniform", "activation": "relu",
                  "border_mode": "valid", "subsample_length": 1, "W_regularizer": null, "b_regularizer": null,
                  "activity_regularizer": null, "W_constraint": null, "b_constraint": null%s, "input_dim": null,
                  "input_length": null}},
                 {"class_name": "MaxPooling1D", "config": {"name": "maxpooling1d_1", "trainable": true,
                  "pool_length": 2, "stride": 2, "border_mode": "valid"}},
                 {"class_name": "Flatten", "config": {"name": "flatten_1", "trainable": true}},
                 {"class_name": "Dense", "config": {"name": "dense_1", "trainable": true, "output_dim": 5,
                  "init": "glorot_uniform", "activation": "relu", "W_regularizer": null, "b_regularizer": null,
                  "activity_regularizer": null, "W_constraint": null, "b_constraint": null%s, "input_dim": 9}},
                 {"class_name": "Dropout", "config": {"name": "dropout_1", "trainable": true, "p": 0.5}},
                 {"class_name": "Dense", "config": {"name": "dense_2", "trainable": true, "output_dim": 2,
                  "init": "glorot_uniform", "activation": "softmax", "W_regularizer": null, "b_regularizer": null,
                  "activity_regularizer": null, "W_constraint": null, "b_constraint": null%s, "input_dim": 5}}
                ]}""".formatted(bias, bias, bias);
    }

    /** Keras 1 weights: {@code <layer>_W[:0]} directly in the layer's group; the Conv1D kernel as given. */
    static List<H5Layer> keras1Weights(String suffix, Tensor convKernel) {
        return List.of(
                H5Layer.of("embedding_1", new Weight("embedding_1_W" + suffix, EMB)),
                H5Layer.of("convolution1d_1", new Weight("convolution1d_1_W" + suffix, convKernel),
                        new Weight("convolution1d_1_b" + suffix, CONV_B)),
                H5Layer.of("maxpooling1d_1"),
                H5Layer.of("flatten_1"),
                H5Layer.of("dense_1", new Weight("dense_1_W" + suffix, D1_K), new Weight("dense_1_b" + suffix, D1_B)),
                H5Layer.of("dropout_1"),
                H5Layer.of("dense_2", new Weight("dense_2_W" + suffix, D2_K), new Weight("dense_2_b" + suffix, D2_B)));
    }

    private KerasModel writeKeras1(String name, String version, String suffix, Tensor convKernel, boolean biasKey) {
        Path file = dir.resolve(name);
        writeFullH5(file, keras1Config(biasKey), Map.of("keras_version", version), keras1Weights(suffix, convKernel),
                H5Options.PLAIN);
        return KerasModelLoader.load(file);
    }

    @Test
    void keras12TensorFlowFileWithWidthOneInFiltersKernels() {
        KerasModel model = writeKeras1("keras1_tf.h5", "1.2.2", ":0", reshaped(CONV_K, 3, 1, FixtureModels.D, 3),
                true);
        assertEquals("1.2.2", model.kerasVersion());
        assertEquals("tensorflow", model.backend());
        assertEquals(List.of(), model.theanoFlipped());
        assertTrue(model.notes().get(0).contains("':0'"), model.notes().toString());
        assertEquals("Conv1D", model.layer("convolution1d_1").className());
        assertTensor(CONV_K, model.layer("convolution1d_1").weights().get(0));
        assertSameExplanations(reference(), model);
    }

    @Test
    void keras1TheanoFileIsTheFlippedKernelOfTheTensorFlowFile() {
        Tensor stored = reshaped(flippedWidth(CONV_K), 3, 1, FixtureModels.D, 3);
        KerasModel model = writeKeras1("keras1_theano.h5", "1.2.2", "", stored, true);
        assertEquals("theano", model.backend());
        assertEquals(List.of("convolution1d_1"), model.theanoFlipped());
        assertTrue(String.join(" ", model.notes()).contains("Theano"), model.notes().toString());
        assertTensor(CONV_K, model.layer("convolution1d_1").weights().get(0));
        assertSameExplanations(reference(), model);
    }

    @Test
    void keras11KernelLayoutFiltersInWidthOne() {
        KerasModel model = writeKeras1("keras11.h5", "1.1.0", ":0", keras11Kernel(CONV_K), false);
        assertTensor(CONV_K, model.layer("convolution1d_1").weights().get(0));
        assertTrue(String.join(" ", model.notes()).contains("Keras 1.0/1.1"), model.notes().toString());
        assertSameExplanations(reference(), model);
    }

    @Test
    void keras1FileWithoutKerasVersionIsStillRecognised() {
        Path file = dir.resolve("keras10.h5");
        Tensor stored = reshaped(flippedWidth(CONV_K), 3, 1, FixtureModels.D, 3);
        writeFullH5(file, keras1Config(true), Map.of(), keras1Weights("", stored), H5Options.PLAIN);
        KerasModel model = KerasModelLoader.load(file);
        assertEquals("unknown", model.kerasVersion());
        assertEquals("theano", model.backend());
        assertSameExplanations(reference(), model);
    }

    // ------------------------------------------------------------------------------------------ Keras 3

    /** The small CNN as Keras 3 serialises it, with the given names for its two Dense layers. */
    static String keras3SequentialConfig(String dense1, String dense2) {
        String dtype = "{\"module\": \"keras\", \"class_name\": \"DTypePolicy\", \"config\": {\"name\": \"float32\"}, "
                + "\"registered_name\": null}";
        return """
                {"module": "keras", "class_name": "Sequential", "config": {"name": "sequential", "trainable": true,
                 "dtype": %1$s, "layers": [
                 {"module": "keras.layers", "class_name": "InputLayer", "config": {"batch_shape": [null, 9],
                  "dtype": "int32", "sparse": false, "name": "input_layer"}, "registered_name": null},
                 {"module": "keras.layers", "class_name": "Embedding", "config": {"name": "embedding",
                  "trainable": true, "dtype": %1$s, "input_dim": 11, "output_dim": 4, "embeddings_initializer":
                  {"module": "keras.initializers", "class_name": "RandomUniform", "config": {"seed": null,
                  "minval": -0.05, "maxval": 0.05}, "registered_name": null}, "embeddings_regularizer": null,
                  "activity_regularizer": null, "embeddings_constraint": null, "mask_zero": false},
                  "registered_name": null, "build_config": {"input_shape": [null, 9]}},
                 {"module": "keras.layers", "class_name": "Conv1D", "config": {"name": "conv1d", "trainable": true,
                  "dtype": %1$s, "filters": 3, "kernel_size": [3], "strides": [1], "padding": "valid",
                  "data_format": "channels_last", "dilation_rate": [1], "groups": 1, "activation": "relu",
                  "use_bias": true}, "registered_name": null, "build_config": {"input_shape": [null, 9, 4]}},
                 {"module": "keras.layers", "class_name": "MaxPooling1D", "config": {"name": "max_pooling1d",
                  "trainable": true, "dtype": %1$s, "pool_size": [2], "padding": "valid", "strides": [2],
                  "data_format": "channels_last"}, "registered_name": null},
                 {"module": "keras.layers", "class_name": "Flatten", "config": {"name": "flatten", "trainable": true,
                  "dtype": %1$s, "data_format": "channels_last"}, "registered_name": null},
                 {"module": "keras.layers", "class_name": "Dense", "config": {"name": "%2$s", "trainable": true,
                  "dtype": %1$s, "units": 5, "activation": "relu", "use_bias": true}, "registered_name": null,
                  "build_config": {"input_shape": [null, 9]}},
                 {"module": "keras.layers", "class_name": "Dropout", "config": {"name": "dropout",
                  "trainable": true, "dtype": %1$s, "rate": 0.5, "seed": null, "noise_shape": null},
                  "registered_name": null},
                 {"module": "keras.layers", "class_name": "Dense", "config": {"name": "%3$s", "trainable": true,
                  "dtype": %1$s, "units": 2, "activation": "softmax", "use_bias": true}, "registered_name": null,
                  "build_config": {"input_shape": [null, 5]}}
                 ], "build_input_shape": [null, 9]}, "registered_name": null,
                 "build_config": {"input_shape": [null, 9]}}""".formatted(dtype, dense1, dense2);
    }

    @Test
    void keras3LegacyH5WithModulesDTypePoliciesAndScopedWeightPaths() {
        List<H5Layer> weights = List.of(
                H5Layer.of("embedding", new Weight("sequential/embedding/embeddings", EMB)),
                H5Layer.of("conv1d", new Weight("sequential/conv1d/kernel", CONV_K),
                        new Weight("sequential/conv1d/bias", CONV_B)),
                H5Layer.of("max_pooling1d"),
                H5Layer.of("flatten"),
                H5Layer.of("dense", new Weight("sequential/dense/kernel", D1_K),
                        new Weight("sequential/dense/bias", D1_B)),
                H5Layer.of("dropout"),
                H5Layer.of("dense_1", new Weight("sequential/dense_1/kernel", D2_K),
                        new Weight("sequential/dense_1/bias", D2_B)),
                H5Layer.of("top_level_model_weights"));
        Path file = dir.resolve("keras3_legacy.h5");
        writeFullH5(file, keras3SequentialConfig("dense", "dense_1"),
                Map.of("keras_version", "3.11.3", "backend", "tensorflow"), weights, new H5Options(1, 1, true, true));
        KerasModel model = KerasModelLoader.load(file);
        assertEquals("3.11.3", model.kerasVersion());
        assertEquals(List.of(), model.theanoFlipped());
        assertSameExplanations(reference(), model);
    }

    /** The small CNN's Keras 3 variables: paths by class and counter; the Dense layers are named as given. */
    static Map<String, Keras3Vars> keras3Vars(String dense1, String dense2) {
        return KerasFixtures.ordered(
                Map.entry("embedding", Keras3Vars.of("embedding", EMB)),
                Map.entry("conv1d", Keras3Vars.of("conv1d", CONV_K, CONV_B)),
                Map.entry("max_pooling1d", Keras3Vars.of("max_pooling1d")),
                Map.entry("flatten", Keras3Vars.of("flatten")),
                Map.entry("dense", Keras3Vars.of(dense1, D1_K, D1_B)),
                Map.entry("dropout", Keras3Vars.of("dropout")),
                Map.entry("dense_1", Keras3Vars.of(dense2, D2_K, D2_B)));
    }

    @Test
    void keras3ZipFindsWeightsByClassCounterNotByLayerName() throws IOException {
        Path file = dir.resolve("model.keras");
        // Layer names dense_7/dense_8 (a session that built several models); the paths are still dense, dense_1.
        KerasFixtures.writeKerasZip(file, keras3SequentialConfig("dense_7", "dense_8"), keras3Vars("dense_7", "dense_8"));
        KerasModel model = KerasModelLoader.load(file);
        assertEquals(ModelFormat.KERAS3_ZIP, model.format());
        assertEquals("3.5.0", model.kerasVersion());
        assertSameExplanations(reference(), model);
    }

    @Test
    void keras3ZipRefusesVarsThatNameAnotherLayer() throws IOException {
        Path file = dir.resolve("swapped.keras");
        Map<String, Keras3Vars> vars = keras3Vars("dense_8", "dense_7"); // stated names contradict the paths
        KerasFixtures.writeKerasZip(file, keras3SequentialConfig("dense_7", "dense_8"), vars);
        JlrpException e = assertThrows(JlrpException.class, () -> KerasModelLoader.load(file));
        assertTrue(e.getMessage().contains("layers/dense/vars") && e.getMessage().contains("dense_8"), e.getMessage());
    }

    @Test
    void keras3WeightsOnlyFileWithArchitecture() throws IOException {
        Path weights = dir.resolve("model.weights.h5");
        KerasFixtures.writeKeras3Weights(weights, keras3Vars(null, null));
        Path architecture = dir.resolve("model.json");
        Files.writeString(architecture, keras3SequentialConfig("dense", "dense_1"));
        KerasModel model = KerasModelLoader.load(weights, architecture, Limits.DEFAULT);
        assertEquals(ModelFormat.WEIGHTS_H5_JSON, model.format());
        assertTrue(model.notes().get(0).contains("weights-only Keras 3"), model.notes().toString());
        assertSameExplanations(reference(), model);

        JlrpException e = assertThrows(JlrpException.class, () -> KerasModelLoader.load(weights));
        assertTrue(e.getMessage().contains("weights-only") && e.getMessage().contains("--architecture"),
                e.getMessage());
    }

    // ------------------------------------------------------------------------------------- weights only

    @Test
    void keras2WeightsOnlyFileWithArchitectureJson() throws IOException {
        Path weights = dir.resolve("weights.h5");
        KerasFixtures.writeWeightsOnlyH5(weights, KERAS2_ATTRIBUTES, smallCnnKeras2Weights(),
                new H5Options(1, 1, true, false));
        Path architecture = dir.resolve("model.json");
        Files.writeString(architecture, sequentialNamed(smallCnnLayers()));
        KerasModel model = KerasModelLoader.load(weights, architecture, Limits.DEFAULT);
        assertEquals(ModelFormat.WEIGHTS_H5_JSON, model.format());
        assertEquals("2.1.6", model.kerasVersion());
        assertTrue(model.notes().get(0).startsWith("weights-only file"), model.notes().toString());
        assertSameExplanations(reference(), model);

        JlrpException e = assertThrows(JlrpException.class, () -> KerasModelLoader.load(weights));
        assertTrue(e.getMessage().contains("weights-only") && e.getMessage().contains("--architecture"),
                e.getMessage());
    }

    @Test
    void weightsOnlyFileWithOtherLayerNamesIsMatchedByPositionLikeKeras() throws IOException {
        List<H5Layer> renamed = new ArrayList<>();
        for (H5Layer layer : smallCnnKeras2Weights()) {
            List<Weight> weights = new ArrayList<>();
            for (Weight w : layer.weights()) {
                weights.add(new Weight(w.name().replace("_1", "_4").replace("_2", "_5"), w.tensor()));
            }
            renamed.add(new H5Layer(layer.name().replace("_1", "_4").replace("_2", "_5"), weights));
        }
        Path weights = dir.resolve("renamed.h5");
        KerasFixtures.writeWeightsOnlyH5(weights, KERAS2_ATTRIBUTES, renamed, H5Options.PLAIN);
        Path architecture = dir.resolve("model.json");
        Files.writeString(architecture, sequentialNamed(smallCnnLayers()));
        KerasModel model = KerasModelLoader.load(weights, architecture, Limits.DEFAULT);
        assertTrue(String.join(" ", model.notes()).contains("matched by position"), model.notes().toString());
        assertSameExplanations(reference(), model);
    }

    @Test
    void weightsThatMatchNeitherByNameNorByPositionAreRefused() {
        List<H5Layer> weights = new ArrayList<>(smallCnnKeras2Weights());
        weights.remove(6); // dense_2 missing
        Path file = dir.resolve("missing.h5");
        writeFullH5(file, sequentialList(smallCnnLayers()), KERAS2_ATTRIBUTES, weights, H5Options.PLAIN);
        JlrpException e = assertThrows(JlrpException.class, () -> KerasModelLoader.load(file));
        assertTrue(e.getMessage().contains("'dense_2' (Dense) has no weights"), e.getMessage());
    }

    // ------------------------------------------------------------------------------------ format detection

    @Test
    void formatIsDetectedFromTheBytesNotTheName() throws IOException {
        Path zipNamedH5 = dir.resolve("really_a_zip.h5");
        KerasFixtures.writeKerasZip(zipNamedH5, keras3SequentialConfig("dense", "dense_1"), keras3Vars("dense", "dense_1"));
        assertEquals(ModelFormat.KERAS3_ZIP, KerasModelLoader.load(zipNamedH5).format());

        Path h5NamedKeras = dir.resolve("really_hdf5.keras");
        writeFullH5(h5NamedKeras, sequentialList(smallCnnLayers()), KERAS2_ATTRIBUTES, smallCnnKeras2Weights(),
                H5Options.PLAIN);
        KerasModel model = KerasModelLoader.load(h5NamedKeras);
        assertEquals(ModelFormat.FULL_H5, model.format());
        assertSameExplanations(reference(), model);

        Path text = dir.resolve("notes.h5");
        Files.writeString(text, "not a model");
        JlrpException e = assertThrows(JlrpException.class, () -> KerasModelLoader.load(text));
        assertTrue(e.getMessage().contains("neither HDF5 nor a .keras zip"), e.getMessage());
    }

    // ----------------------------------------------------------------------------------------- helpers

    @Test
    void keras3PathsCountEachClassInConfigOrder() {
        Map<String, String> paths = KerasModelLoader.keras3LayerPaths(List.of(
                new KerasConfig.Declared("input_layer", "InputLayer"),
                new KerasConfig.Declared("dense_3", "Dense"),
                new KerasConfig.Declared("conv_wide", "Conv1D"),
                new KerasConfig.Declared("gmp", "GlobalMaxPooling1D"),
                new KerasConfig.Declared("dense_4", "Dense"),
                new KerasConfig.Declared("conv_narrow", "Conv1D")));
        assertEquals("input_layer", paths.get("input_layer"));
        assertEquals("dense", paths.get("dense_3"));
        assertEquals("dense_1", paths.get("dense_4"));
        assertEquals("conv1d", paths.get("conv_wide"));
        assertEquals("conv1d_1", paths.get("conv_narrow"));
        assertEquals("global_max_pooling1d", paths.get("gmp"));
    }

    @Test
    void varsAreSortedNumerically() {
        List<String> names = List.of("0", "1", "10", "11", "2", "3", "4", "5", "6", "7", "8", "9");
        assertEquals(List.of("0", "1", "2", "3", "4", "5", "6", "7", "8", "9", "10", "11"),
                KerasModelLoader.sortedVarNames(names, "f", "layers/x/vars"));
        JlrpException e = assertThrows(JlrpException.class,
                () -> KerasModelLoader.sortedVarNames(List.of("0", "kernel"), "f.keras", "layers/x/vars"));
        assertTrue(e.getMessage().contains("'kernel'") && e.getMessage().contains("layers/x/vars"), e.getMessage());
    }

    @Test
    void snakeCaseMatchesKeras() {
        assertEquals("conv1d", KerasModelLoader.toSnakeCase("Conv1D"));
        assertEquals("global_max_pooling1d", KerasModelLoader.toSnakeCase("GlobalMaxPooling1D"));
        assertEquals("spatial_dropout1d", KerasModelLoader.toSnakeCase("SpatialDropout1D"));
        assertEquals("re_lu", KerasModelLoader.toSnakeCase("ReLU"));
        assertEquals("dense", KerasModelLoader.toSnakeCase("Dense"));
    }
}
