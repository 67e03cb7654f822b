package org.jlrp.runtime.internal.keras;

import static org.jlrp.runtime.internal.keras.FixtureModels.A_B;
import static org.jlrp.runtime.internal.keras.FixtureModels.A_K;
import static org.jlrp.runtime.internal.keras.FixtureModels.B_B;
import static org.jlrp.runtime.internal.keras.FixtureModels.B_K;
import static org.jlrp.runtime.internal.keras.FixtureModels.CONV_B;
import static org.jlrp.runtime.internal.keras.FixtureModels.CONV_K;
import static org.jlrp.runtime.internal.keras.FixtureModels.D;
import static org.jlrp.runtime.internal.keras.FixtureModels.D1_B;
import static org.jlrp.runtime.internal.keras.FixtureModels.D1_K;
import static org.jlrp.runtime.internal.keras.FixtureModels.D2_B;
import static org.jlrp.runtime.internal.keras.FixtureModels.D2_K;
import static org.jlrp.runtime.internal.keras.FixtureModels.EMB;
import static org.jlrp.runtime.internal.keras.FixtureModels.KERAS2_ATTRIBUTES;
import static org.jlrp.runtime.internal.keras.FixtureModels.OUT_B;
import static org.jlrp.runtime.internal.keras.FixtureModels.OUT_K;
import static org.jlrp.runtime.internal.keras.FixtureModels.T;
import static org.jlrp.runtime.internal.keras.FixtureModels.V;
import static org.jlrp.runtime.internal.keras.FixtureModels.assertLogits;
import static org.jlrp.runtime.internal.keras.FixtureModels.assertSameExplanations;
import static org.jlrp.runtime.internal.keras.FixtureModels.smallCnnKeras2Weights;
import static org.jlrp.runtime.internal.keras.FixtureModels.smallCnnLayers;
import static org.jlrp.runtime.internal.keras.Keras2Configs.activation;
import static org.jlrp.runtime.internal.keras.Keras2Configs.concatenate;
import static org.jlrp.runtime.internal.keras.Keras2Configs.conv1d;
import static org.jlrp.runtime.internal.keras.Keras2Configs.dense;
import static org.jlrp.runtime.internal.keras.Keras2Configs.dropout;
import static org.jlrp.runtime.internal.keras.Keras2Configs.embedding;
import static org.jlrp.runtime.internal.keras.Keras2Configs.flatten;
import static org.jlrp.runtime.internal.keras.Keras2Configs.functional;
import static org.jlrp.runtime.internal.keras.Keras2Configs.globalMaxPooling;
import static org.jlrp.runtime.internal.keras.Keras2Configs.inputLayer;
import static org.jlrp.runtime.internal.keras.Keras2Configs.maxPooling;
import static org.jlrp.runtime.internal.keras.Keras2Configs.node;
import static org.jlrp.runtime.internal.keras.Keras2Configs.relu;
import static org.jlrp.runtime.internal.keras.Keras2Configs.reshape;
import static org.jlrp.runtime.internal.keras.Keras2Configs.sequentialList;
import static org.jlrp.runtime.internal.keras.Keras2Configs.sequentialNamed;
import static org.jlrp.runtime.internal.keras.Keras2Configs.spatialDropout;
import static org.jlrp.runtime.internal.keras.KerasFixtures.concatLastAxis;
import static org.jlrp.runtime.internal.keras.KerasFixtures.reshaped;
import static org.jlrp.runtime.internal.keras.KerasFixtures.splitLastAxis;
import static org.jlrp.runtime.internal.keras.KerasFixtures.writeFullH5;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.jlrp.runtime.JlrpException;
import org.jlrp.runtime.explain.Explainer;
import org.jlrp.runtime.internal.keras.KerasFixtures.H5Layer;
import org.jlrp.runtime.internal.keras.KerasFixtures.H5Options;
import org.jlrp.runtime.internal.keras.KerasFixtures.Keras3Vars;
import org.jlrp.runtime.internal.keras.KerasFixtures.Weight;
import org.jlrp.runtime.internal.model.Activation;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Layer-level variants, each written as a Keras 2 file and checked against an equivalent network: an activation
 * inline or as a layer, dropout variants, Flatten or Reshape, branches joined by Concatenate on the channel or the
 * flattened axis; the two-branch model in Keras 1, 2 and 3 layouts; and the refusal of layers jlrp cannot explain.
 */
class KerasLayersTest {

    @TempDir
    Path dir;

    private KerasModel reference() {
        return write("reference.h5", sequentialList(smallCnnLayers()), smallCnnKeras2Weights());
    }

    private KerasModel write(String name, String config, List<H5Layer> weights) {
        Path file = dir.resolve(name);
        writeFullH5(file, config, KERAS2_ATTRIBUTES, weights, H5Options.PLAIN);
        return KerasModelLoader.load(file);
    }

    /** The small CNN's layers with {@code replacement} in place of layer {@code index} (nothing: removed). */
    private static List<String> replace(int index, String... replacement) {
        List<String> layers = new ArrayList<>(smallCnnLayers());
        layers.remove(index);
        layers.addAll(index, List.of(replacement));
        return layers;
    }

    /** The small CNN's weights plus weightless groups for the named extra layers. */
    private static List<H5Layer> weightsPlus(String... extraLayers) {
        List<H5Layer> weights = new ArrayList<>(smallCnnKeras2Weights());
        for (String extra : extraLayers) {
            weights.add(H5Layer.of(extra));
        }
        return weights;
    }

    // ---------------------------------------------------------------------------------------- activations

    @Test
    void inlineReluEqualsActivationLayerEqualsReluLayer() {
        KerasModel activationLayer = write("activation.h5", sequentialList(replace(1,
                conv1d("conv1d_1", 3, 3, "linear"), activation("activation_1", "relu"))), weightsPlus("activation_1"));
        KerasModel reluLayer = write("relu.h5", sequentialList(replace(1,
                conv1d("conv1d_1", 3, 3, "linear"), relu("re_lu_1"))), weightsPlus("re_lu_1"));
        assertSameExplanations(reference(), activationLayer);
        assertSameExplanations(reference(), reluLayer);
    }

    @Test
    void finalSoftmaxAsActivationLayerIsStrippedLikeTheInlineOne() {
        KerasModel model = write("softmax_layer.h5", sequentialList(replace(6,
                dense("dense_2", 2, "linear"), activation("activation_1", "softmax"))), weightsPlus("activation_1"));
        Explainer explainer = FixtureModels.explainer(model);
        assertEquals(Activation.SOFTMAX, explainer.network().strippedActivation());
        assertEquals("dense_2", explainer.network().explainedLayer().name());
        assertSameExplanations(reference(), model);
    }

    // --------------------------------------------------------------------------------- identity and views

    @Test
    void spatialDropoutAfterTheEmbeddingIsAnIdentity() {
        List<String> layers = new ArrayList<>(smallCnnLayers());
        layers.add(1, spatialDropout("spatial_dropout1d_1"));
        KerasModel model = write("spatial.h5", sequentialList(layers), weightsPlus("spatial_dropout1d_1"));
        assertSameExplanations(reference(), model);
    }

    @ParameterizedTest
    @ValueSource(strings = {"[-1]", "[9]"})
    void reshapeToAVectorEqualsFlatten(String target) {
        KerasModel model = write("reshape.h5", sequentialList(replace(3, reshape("reshape_1", target))),
                weightsPlus("reshape_1"));
        assertSameExplanations(reference(), model);
    }

    @Test
    void reshapeOfASequenceIsARe_index() {
        // (3 steps, 3 channels) → (9, 1) → Flatten: the same 9 values in the same order.
        List<String> layers = new ArrayList<>(smallCnnLayers());
        layers.add(3, reshape("reshape_1", "[9, 1]"));
        KerasModel model = write("reshape_seq.h5", sequentialList(layers), weightsPlus("reshape_1"));
        assertSameExplanations(reference(), model);
    }

    // ---------------------------------------------------------------------------------------- Concatenate

    /** Two Conv1D branches (1 and 2 filters) holding the reference kernel's filters between them. */
    private static List<H5Layer> branchWeights(List<H5Layer> tail) {
        Tensor[] kernels = splitLastAxis(CONV_K, 1, 2);
        Tensor[] biases = splitLastAxis(CONV_B, 1, 2);
        List<H5Layer> weights = new ArrayList<>(List.of(
                H5Layer.of("embedding_1", new Weight("embedding_1/embeddings:0", EMB)),
                H5Layer.of("conv_a", new Weight("conv_a/kernel:0", kernels[0]), new Weight("conv_a/bias:0", biases[0])),
                H5Layer.of("conv_b", new Weight("conv_b/kernel:0", kernels[1]), new Weight("conv_b/bias:0", biases[1]))));
        weights.addAll(tail);
        return weights;
    }

    @Test
    void concatenateOnTheChannelAxisEqualsOneConvolutionWithAllFilters() {
        List<String> nodes = List.of(
                node(inputLayer("input_1", T)),
                node(embedding("embedding_1", V, D, T), "input_1"),
                node(conv1d("conv_a", 1, 3, "relu"), "embedding_1"),
                node(conv1d("conv_b", 2, 3, "relu"), "embedding_1"),
                node(concatenate("concatenate_1", -1), "conv_a", "conv_b"),
                node(maxPooling("max_pooling1d_1", 2), "concatenate_1"),
                node(flatten("flatten_1"), "max_pooling1d_1"),
                node(dense("dense_1", 5, "relu"), "flatten_1"),
                node(dropout("dropout_1"), "dense_1"),
                node(dense("dense_2", 2, "softmax"), "dropout_1"));
        List<H5Layer> weights = branchWeights(List.of(
                H5Layer.of("dense_1", new Weight("dense_1/kernel:0", D1_K), new Weight("dense_1/bias:0", D1_B)),
                H5Layer.of("dense_2", new Weight("dense_2/kernel:0", D2_K), new Weight("dense_2/bias:0", D2_B))));
        KerasModel model = write("concat_channels.h5", functional("Model", "input_1", "dense_2", nodes), weights);
        assertSameExplanations(reference(), model);
    }

    @Test
    void concatenateOfFlattenedBranchesEqualsOneConvolutionWithPermutedDenseRows() {
        List<String> nodes = List.of(
                node(inputLayer("input_1", T)),
                node(embedding("embedding_1", V, D, T), "input_1"),
                node(conv1d("conv_a", 1, 3, "relu"), "embedding_1"),
                node(conv1d("conv_b", 2, 3, "relu"), "embedding_1"),
                node(maxPooling("pool_a", 2), "conv_a"),
                node(maxPooling("pool_b", 2), "conv_b"),
                node(flatten("flat_a"), "pool_a"),
                node(flatten("flat_b"), "pool_b"),
                node(concatenate("concatenate_1", -1), "flat_a", "flat_b"),
                node(dense("dense_1", 5, "relu"), "concatenate_1"),
                node(dropout("dropout_1"), "dense_1"),
                node(dense("dense_2", 2, "softmax"), "dropout_1"));
        // The reference flattens (step p, filter c) to p*3 + c; here branch a's (p, 0) lands at p and branch b's
        // (p, c) at 3 + p*2 + (c - 1). Moving the Dense rows accordingly gives the same function.
        int units = D1_K.shape()[1];
        float[] rows = new float[D1_K.size()];
        for (int p = 0; p < 3; p++) {
            for (int c = 0; c < 3; c++) {
                int concatRow = c == 0 ? p : 3 + p * 2 + (c - 1);
                System.arraycopy(D1_K.data(), (p * 3 + c) * units, rows, concatRow * units, units);
            }
        }
        Tensor permuted = new Tensor("kernel", D1_K.shape(), rows);
        List<H5Layer> weights = branchWeights(List.of(
                H5Layer.of("dense_1", new Weight("dense_1/kernel:0", permuted), new Weight("dense_1/bias:0", D1_B)),
                H5Layer.of("dense_2", new Weight("dense_2/kernel:0", D2_K), new Weight("dense_2/bias:0", D2_B))));
        KerasModel model = write("concat_flat.h5", functional("Functional", "input_1", "dense_2", nodes), weights);
        assertSameExplanations(reference(), model);
    }

    // --------------------------------------------------------------------------------- two-branch model

    private KerasModel twoBranchKeras2() {
        List<String> nodes = List.of(
                node(inputLayer("input_1", T)),
                node(embedding("embedding_1", V, D, T), "input_1"),
                node(conv1d("conv1d_1", 2, 3, "relu"), "embedding_1"),
                node(globalMaxPooling("global_max_pooling1d_1"), "conv1d_1"),
                node(conv1d("conv1d_2", 3, 4, "relu"), "embedding_1"),
                node(globalMaxPooling("global_max_pooling1d_2"), "conv1d_2"),
                node(concatenate("concatenate_1", -1), "global_max_pooling1d_1", "global_max_pooling1d_2"),
                node(dense("dense_1", 2, "softmax"), "concatenate_1"));
        List<H5Layer> weights = List.of(
                H5Layer.of("input_1"),
                H5Layer.of("embedding_1", new Weight("embedding_1/embeddings:0", EMB)),
                H5Layer.of("conv1d_1", new Weight("conv1d_1/kernel:0", A_K), new Weight("conv1d_1/bias:0", A_B)),
                H5Layer.of("global_max_pooling1d_1"),
                H5Layer.of("conv1d_2", new Weight("conv1d_2/kernel:0", B_K), new Weight("conv1d_2/bias:0", B_B)),
                H5Layer.of("global_max_pooling1d_2"),
                H5Layer.of("concatenate_1"),
                H5Layer.of("dense_1", new Weight("dense_1/kernel:0", OUT_K), new Weight("dense_1/bias:0", OUT_B)));
        return write("two_branch.h5", functional("Model", "input_1", "dense_1", nodes), weights);
    }

    @Test
    void twoBranchKeras2FunctionalReproducesAnIndependentForwardPass() {
        assertLogits(twoBranchKeras2(), FixtureModels::twoBranchLogits);
    }

    @Test
    void twoBranchKeras1ModelWithMergeConcat() {
        String config = """
                {"class_name": "Model", "config": {"name": "model_1", "layers": [
                 {"name": "input_1", "class_name": "InputLayer", "config": {"batch_input_shape": [null, 9],
                  "input_dtype": "int32", "sparse": false, "name": "input_1"}, "inbound_nodes": []},
                 {"name": "embedding_1", "class_name": "Embedding", "config": {"name": "embedding_1",
                  "trainable": true, "input_dim": 11, "output_dim": 4, "input_length": 9, "mask_zero": false,
                  "dropout": 0.0, "init": "uniform"}, "inbound_nodes": [[["input_1", 0, 0]]]},
                 {"name": "convolution1d_1", "class_name": "Convolution1D", "config": {"name": "convolution1d_1",
                  "nb_filter": 2, "filter_length": 3, "border_mode": "valid", "subsample_length": 1,
                  "activation": "relu", "bias": true}, "inbound_nodes": [[["embedding_1", 0, 0]]]},
                 {"name": "globalmaxpooling1d_1", "class_name": "GlobalMaxPooling1D", "config":
                  {"name": "globalmaxpooling1d_1", "trainable": true}, "inbound_nodes": [[["convolution1d_1", 0, 0]]]},
                 {"name": "convolution1d_2", "class_name": "Convolution1D", "config": {"name": "convolution1d_2",
                  "nb_filter": 3, "filter_length": 4, "border_mode": "valid", "subsample_length": 1,
                  "activation": "relu", "bias": true}, "inbound_nodes": [[["embedding_1", 0, 0]]]},
                 {"name": "globalmaxpooling1d_2", "class_name": "GlobalMaxPooling1D", "config":
                  {"name": "globalmaxpooling1d_2", "trainable": true}, "inbound_nodes": [[["convolution1d_2", 0, 0]]]},
                 {"name": "merge_1", "class_name": "Merge", "config": {"name": "merge_1", "mode": "concat",
                  "concat_axis": -1, "dot_axes": -1, "mode_type": "raw", "output_shape": null,
                  "output_shape_type": "raw", "output_mask": null, "output_mask_type": "raw", "arguments": {}},
                  "inbound_nodes": [[["globalmaxpooling1d_1", 0, 0], ["globalmaxpooling1d_2", 0, 0]]]},
                 {"name": "dense_1", "class_name": "Dense", "config": {"name": "dense_1", "output_dim": 2,
                  "activation": "softmax", "bias": true, "input_dim": 5}, "inbound_nodes": [[["merge_1", 0, 0]]]}
                ], "input_layers": [["input_1", 0, 0]], "output_layers": [["dense_1", 0, 0]]}}""";
        List<H5Layer> weights = List.of(
                H5Layer.of("input_1"),
                H5Layer.of("embedding_1", new Weight("embedding_1_W:0", EMB)),
                H5Layer.of("convolution1d_1", new Weight("convolution1d_1_W:0", reshaped(A_K, 3, 1, D, 2)),
                        new Weight("convolution1d_1_b:0", A_B)),
                H5Layer.of("globalmaxpooling1d_1"),
                H5Layer.of("convolution1d_2", new Weight("convolution1d_2_W:0", reshaped(B_K, 4, 1, D, 3)),
                        new Weight("convolution1d_2_b:0", B_B)),
                H5Layer.of("globalmaxpooling1d_2"),
                H5Layer.of("merge_1"),
                H5Layer.of("dense_1", new Weight("dense_1_W:0", OUT_K), new Weight("dense_1_b:0", OUT_B)));
        Path file = dir.resolve("keras1_merge.h5");
        writeFullH5(file, config, Map.of("keras_version", "1.2.2"), weights, H5Options.PLAIN);
        KerasModel model = KerasModelLoader.load(file);
        assertEquals("Concatenate", model.layer("merge_1").className());
        assertSameExplanations(twoBranchKeras2(), model);
    }

    /**
     * The two-branch model as a Keras 3 {@code .keras} zip whose config lists the wide branch first while the
     * Concatenate reads the narrow one first: weight paths follow the config's order ({@code conv1d} is the wide
     * branch), not the graph's.
     */
    @Test
    void twoBranchKeras3ZipWithKerasTensorsAndConfigOrderUnlikeGraphOrder() throws IOException {
        String dtype = "{\"module\": \"keras\", \"class_name\": \"DTypePolicy\", \"config\": {\"name\": \"float32\"}, "
                + "\"registered_name\": null}";
        String config = """
                {"module": "keras.src.models.functional", "class_name": "Functional", "config": {"name": "functional",
                 "trainable": true, "layers": [
                 {"module": "keras.layers", "class_name": "InputLayer", "config": {"batch_shape": [null, 9],
                  "dtype": "int32", "sparse": false, "name": "input_layer"}, "registered_name": null,
                  "name": "input_layer", "inbound_nodes": []},
                 {"module": "keras.layers", "class_name": "Embedding", "config": {"name": "embedding",
                  "trainable": true, "dtype": %1$s, "input_dim": 11, "output_dim": 4, "mask_zero": false},
                  "registered_name": null, "build_config": {"input_shape": [null, 9]}, "name": "embedding",
                  "inbound_nodes": [{"args": [{"class_name": "__keras_tensor__", "config": {"shape": [null, 9],
                  "dtype": "int32", "keras_history": ["input_layer", 0, 0]}}], "kwargs": {}}]},
                 {"module": "keras.layers", "class_name": "Conv1D", "config": {"name": "wide", "trainable": true,
                  "dtype": %1$s, "filters": 3, "kernel_size": [4], "strides": [1], "padding": "valid",
                  "data_format": "channels_last", "dilation_rate": [1], "groups": 1, "activation": "relu",
                  "use_bias": true}, "registered_name": null, "name": "wide", "inbound_nodes": [{"args":
                  [{"class_name": "__keras_tensor__", "config": {"shape": [null, 9, 4], "dtype": "float32",
                  "keras_history": ["embedding", 0, 0]}}], "kwargs": {}}]},
                 {"module": "keras.layers", "class_name": "Conv1D", "config": {"name": "narrow", "trainable": true,
                  "dtype": %1$s, "filters": 2, "kernel_size": [3], "strides": [1], "padding": "valid",
                  "data_format": "channels_last", "dilation_rate": [1], "groups": 1, "activation": "relu",
                  "use_bias": true}, "registered_name": null, "name": "narrow", "inbound_nodes": [{"args":
                  [{"class_name": "__keras_tensor__", "config": {"shape": [null, 9, 4], "dtype": "float32",
                  "keras_history": ["embedding", 0, 0]}}], "kwargs": {}}]},
                 {"module": "keras.layers", "class_name": "GlobalMaxPooling1D", "config": {"name": "pool_wide",
                  "trainable": true, "dtype": %1$s, "data_format": "channels_last", "keepdims": false},
                  "registered_name": null, "name": "pool_wide", "inbound_nodes": [{"args": [{"class_name":
                  "__keras_tensor__", "config": {"shape": [null, 6, 3], "dtype": "float32", "keras_history":
                  ["wide", 0, 0]}}], "kwargs": {}}]},
                 {"module": "keras.layers", "class_name": "GlobalMaxPooling1D", "config": {"name": "pool_narrow",
                  "trainable": true, "dtype": %1$s, "data_format": "channels_last", "keepdims": false},
                  "registered_name": null, "name": "pool_narrow", "inbound_nodes": [{"args": [{"class_name":
                  "__keras_tensor__", "config": {"shape": [null, 7, 2], "dtype": "float32", "keras_history":
                  ["narrow", 0, 0]}}], "kwargs": {}}]},
                 {"module": "keras.layers", "class_name": "Concatenate", "config": {"name": "concatenate",
                  "trainable": true, "dtype": %1$s, "axis": -1}, "registered_name": null, "name": "concatenate",
                  "inbound_nodes": [{"args": [[{"class_name": "__keras_tensor__", "config": {"shape": [null, 2],
                  "dtype": "float32", "keras_history": ["pool_narrow", 0, 0]}}, {"class_name": "__keras_tensor__",
                  "config": {"shape": [null, 3], "dtype": "float32", "keras_history": ["pool_wide", 0, 0]}}]],
                  "kwargs": {}}]},
                 {"module": "keras.layers", "class_name": "Dense", "config": {"name": "out", "trainable": true,
                  "dtype": %1$s, "units": 2, "activation": "softmax", "use_bias": true}, "registered_name": null,
                  "name": "out", "inbound_nodes": [{"args": [{"class_name": "__keras_tensor__", "config":
                  {"shape": [null, 5], "dtype": "float32", "keras_history": ["concatenate", 0, 0]}}],
                  "kwargs": {}}]}
                 ], "input_layers": [["input_layer", 0, 0]], "output_layers": [["out", 0, 0]]},
                 "registered_name": "Functional", "build_config": {"input_shape": null}}""".formatted(dtype);
        Path file = dir.resolve("two_branch.keras");
        KerasFixtures.writeKerasZip(file, config, KerasFixtures.ordered(
                Map.entry("input_layer", Keras3Vars.of("input_layer")),
                Map.entry("embedding", Keras3Vars.of("embedding", EMB)),
                Map.entry("conv1d", Keras3Vars.of("wide", B_K, B_B)),
                Map.entry("conv1d_1", Keras3Vars.of("narrow", A_K, A_B)),
                Map.entry("global_max_pooling1d", Keras3Vars.of("pool_wide")),
                Map.entry("global_max_pooling1d_1", Keras3Vars.of("pool_narrow")),
                Map.entry("concatenate", Keras3Vars.of("concatenate")),
                Map.entry("dense", Keras3Vars.of("out", OUT_K, OUT_B))));
        KerasModel model = KerasModelLoader.load(file);
        assertEquals(T, model.inputLength());
        assertEquals(List.of("pool_narrow", "pool_wide"), model.layer("concatenate").inbound());
        assertSameExplanations(twoBranchKeras2(), model);
    }

    // ------------------------------------------------------------------------------------ BatchNormalization

    private static String batchNorm(String name, boolean center, boolean scale, String axis) {
        return "{\"class_name\": \"BatchNormalization\", \"config\": {\"name\": \"" + name + "\", \"trainable\": "
                + "true, \"axis\": " + axis + ", \"momentum\": 0.99, \"epsilon\": 0.001, \"center\": " + center
                + ", \"scale\": " + scale + "}}";
    }

    private static Tensor vector(String name, double... values) {
        float[] data = new float[values.length];
        for (int i = 0; i < values.length; i++) {
            data[i] = (float) values[i];
        }
        return new Tensor(name, new int[]{values.length}, data);
    }

    /**
     * BatchNormalization after the Embedding is an affine map of the embedding rows, so the model computes what the
     * small CNN computes with the table {@code a⊙E + c}: both files written here, γ and β present or not.
     */
    @ParameterizedTest
    @ValueSource(strings = {"true,true", "false,true", "true,false", "false,false"})
    void batchNormalizationAfterTheEmbeddingIsItsAffineMap(String flags) throws IOException {
        boolean center = Boolean.parseBoolean(flags.split(",")[0]);
        boolean scale = Boolean.parseBoolean(flags.split(",")[1]);
        String name = "batch_normalization_1";
        Tensor gamma = vector("gamma", 1.5, -0.5, 0.8, 2.0);
        Tensor beta = vector("beta", 0.1, -0.2, 0.3, 0.05);
        Tensor mean = vector("moving_mean", 0.2, -0.1, 0.0, 0.4);
        Tensor variance = vector("moving_variance", 0.5, 2.0, 0.09, 1.0);
        List<Weight> bnWeights = new ArrayList<>();
        if (scale) {
            bnWeights.add(new Weight(name + "/gamma:0", gamma));
        }
        if (center) {
            bnWeights.add(new Weight(name + "/beta:0", beta));
        }
        bnWeights.add(new Weight(name + "/moving_mean:0", mean));
        bnWeights.add(new Weight(name + "/moving_variance:0", variance));
        List<String> layers = new ArrayList<>(smallCnnLayers());
        layers.add(1, batchNorm(name, center, scale, "-1"));
        List<H5Layer> weights = new ArrayList<>(smallCnnKeras2Weights());
        weights.add(1, new H5Layer(name, bnWeights));
        KerasModel model = write("bn_" + center + "_" + scale + ".h5", sequentialList(layers), weights);

        org.jlrp.runtime.internal.model.BatchNormSpec spec = KerasImporter.toSpec(model).layers().stream()
                .filter(l -> l instanceof org.jlrp.runtime.internal.model.BatchNormSpec)
                .map(l -> (org.jlrp.runtime.internal.model.BatchNormSpec) l).findFirst().orElseThrow();
        assertEquals(0.001, spec.epsilon(), 1e-12);
        float[] table = EMB.data().clone();
        for (int i = 0; i < table.length; i++) {
            int c = i % D;
            double a = (scale ? gamma.data()[c] : 1.0) / Math.sqrt(variance.data()[c] + 0.001);
            table[i] = (float) (a * EMB.data()[i] + (center ? beta.data()[c] : 0.0) - a * mean.data()[c]);
            assertEquals(a, spec.scale()[c], 1e-12, "a at channel " + c);
        }
        List<H5Layer> folded = new ArrayList<>(smallCnnKeras2Weights());
        folded.set(0, H5Layer.of("embedding_1", new Weight("embedding_1/embeddings:0",
                new Tensor("embeddings", EMB.shape(), table))));
        KerasModel reference = write("bn_reference_" + center + "_" + scale + ".h5", sequentialList(smallCnnLayers()),
                folded);
        Explainer withBn = FixtureModels.explainer(model);
        Explainer withTable = FixtureModels.explainer(reference);
        int[] tokens = {1, 4, 7, 10, 2, 0, 3, 5, 9};
        float[] want = withTable.explain(tokens).logits();
        float[] got = withBn.explain(tokens).logits();
        for (int k = 0; k < want.length; k++) {
            assertEquals(want[k], got[k], 1e-5 * Math.max(1, Math.abs(want[k])), "logit " + k);
        }
    }

    /**
     * A Keras 3 {@code .keras} zip, Embedding → BatchNormalization(center=False) → GlobalAveragePooling1D → Dense:
     * the variables at {@code layers/batch_normalization/vars} (γ, moving mean, moving variance), against the
     * logits computed here in double precision.
     */
    @Test
    void keras3ZipBatchNormalizationMatchesADoubleComputation() throws IOException {
        String dtype = "{\"module\": \"keras\", \"class_name\": \"DTypePolicy\", \"config\": {\"name\": \"float32\"}, "
                + "\"registered_name\": null}";
        String config = """
                {"module": "keras.src.models.functional", "class_name": "Functional", "config": {"name": "functional",
                 "trainable": true, "layers": [
                 {"module": "keras.layers", "class_name": "InputLayer", "config": {"batch_shape": [null, 9],
                  "dtype": "int32", "sparse": false, "name": "input_layer"}, "registered_name": null,
                  "name": "input_layer", "inbound_nodes": []},
                 {"module": "keras.layers", "class_name": "Embedding", "config": {"name": "embedding",
                  "trainable": true, "dtype": %1$s, "input_dim": 11, "output_dim": 4, "mask_zero": false},
                  "registered_name": null, "name": "embedding", "inbound_nodes": [{"args": [{"class_name":
                  "__keras_tensor__", "config": {"shape": [null, 9], "dtype": "int32", "keras_history":
                  ["input_layer", 0, 0]}}], "kwargs": {}}]},
                 {"module": "keras.layers", "class_name": "BatchNormalization", "config": {"name": "norm",
                  "trainable": true, "dtype": %1$s, "axis": -1, "momentum": 0.99, "epsilon": 0.01, "center": false,
                  "scale": true, "synchronized": false}, "registered_name": null, "name": "norm", "inbound_nodes":
                  [{"args": [{"class_name": "__keras_tensor__", "config": {"shape": [null, 9, 4], "dtype":
                  "float32", "keras_history": ["embedding", 0, 0]}}], "kwargs": {}}]},
                 {"module": "keras.layers", "class_name": "GlobalAveragePooling1D", "config": {"name": "pool",
                  "trainable": true, "dtype": %1$s, "data_format": "channels_last", "keepdims": false},
                  "registered_name": null, "name": "pool", "inbound_nodes": [{"args": [{"class_name":
                  "__keras_tensor__", "config": {"shape": [null, 9, 4], "dtype": "float32", "keras_history":
                  ["norm", 0, 0]}}], "kwargs": {}}]},
                 {"module": "keras.layers", "class_name": "Dense", "config": {"name": "out", "trainable": true,
                  "dtype": %1$s, "units": 2, "activation": "linear", "use_bias": true}, "registered_name": null,
                  "name": "out", "inbound_nodes": [{"args": [{"class_name": "__keras_tensor__", "config":
                  {"shape": [null, 4], "dtype": "float32", "keras_history": ["pool", 0, 0]}}], "kwargs": {}}]}
                 ], "input_layers": [["input_layer", 0, 0]], "output_layers": [["out", 0, 0]]},
                 "registered_name": "Functional", "build_config": {"input_shape": null}}""".formatted(dtype);
        Tensor gamma = vector("gamma", 1.5, -0.5, 0.8, 2.0);
        Tensor mean = vector("moving_mean", 0.2, -0.1, 0.0, 0.4);
        Tensor variance = vector("moving_variance", 0.5, 2.0, 0.09, 1.0);
        Tensor kernel = new Tensor("kernel", new int[]{D, 2}, new float[]{0.3f, -0.7f, 1.1f, 0.2f, -0.4f, 0.9f,
                0.5f, -0.6f});
        Path file = dir.resolve("bn.keras");
        KerasFixtures.writeKerasZip(file, config, KerasFixtures.ordered(
                Map.entry("input_layer", Keras3Vars.of("input_layer")),
                Map.entry("embedding", Keras3Vars.of("embedding", EMB)),
                Map.entry("batch_normalization", Keras3Vars.of("norm", gamma, mean, variance)),
                Map.entry("global_average_pooling1d", Keras3Vars.of("pool")),
                Map.entry("dense", Keras3Vars.of("out", kernel, OUT_B))));
        int[] tokens = {1, 4, 7, 10, 2, 0, 3, 5, 9};
        float[] logits = FixtureModels.explainer(KerasModelLoader.load(file)).explain(tokens).logits();
        for (int k = 0; k < 2; k++) {
            double want = OUT_B.data()[k];
            for (int d = 0; d < D; d++) {
                double a = gamma.data()[d] / Math.sqrt(variance.data()[d] + 0.01);
                double pooled = 0;
                for (int token : tokens) {
                    pooled += (a * EMB.data()[token * D + d] - a * mean.data()[d]) / tokens.length;
                }
                want += pooled * kernel.data()[d * 2 + k];
            }
            assertEquals(want, logits[k], 1e-5, "logit " + k);
        }
    }

    /**
     * Keras 1's BatchNormalization: no center/scale flags (γ and β always), the variance stored as
     * {@code running_std}; mode 0 uses the moving statistics, modes 1 and 2 (batch statistics) are refused.
     */
    @Test
    void keras1BatchNormalizationReadsRunningStdAsTheVariance() {
        String name = "batchnormalization_1";
        List<Weight> bnWeights = List.of(new Weight(name + "_gamma:0", vector("gamma", 1.5, -0.5, 0.8, 2.0)),
                new Weight(name + "_beta:0", vector("beta", 0.1, -0.2, 0.3, 0.05)),
                new Weight(name + "_running_mean:0", vector("running_mean", 0.2, -0.1, 0.0, 0.4)),
                new Weight(name + "_running_std:0", vector("running_std", 0.5, 2.0, 0.09, 1.0)));
        for (int mode : new int[]{0, 2}) {
            String config = "{\"class_name\": \"BatchNormalization\", \"config\": {\"name\": \"" + name
                    + "\", \"trainable\": true, \"mode\": " + mode + ", \"axis\": -1, \"epsilon\": 0.001, "
                    + "\"momentum\": 0.99, \"beta_init\": \"zero\", \"gamma_init\": \"one\"}}";
            List<String> layers = new ArrayList<>(smallCnnLayers());
            layers.add(1, config);
            List<H5Layer> weights = new ArrayList<>(smallCnnKeras2Weights());
            weights.add(1, new H5Layer(name, bnWeights));
            if (mode == 0) {
                org.jlrp.runtime.internal.model.BatchNormSpec spec =
                        (org.jlrp.runtime.internal.model.BatchNormSpec) KerasImporter.toSpec(
                                write("bn_keras1.h5", sequentialList(layers), weights)).layer(name);
                assertEquals(-0.5 / Math.sqrt(2.0 + 0.001), spec.scale()[1], 1e-7);
                assertEquals(0.3 - 0.8 / Math.sqrt(0.09 + 0.001) * 0.0, spec.shift()[2], 1e-7);
                assertEquals(0.05 - 2.0 / Math.sqrt(1.0 + 0.001) * 0.4, spec.shift()[3], 1e-6);
            } else {
                Path file = dir.resolve("bn_keras1_mode2.h5");
                writeFullH5(file, sequentialList(layers), KERAS2_ATTRIBUTES, weights, H5Options.PLAIN);
                JlrpException e = assertThrows(JlrpException.class, () -> Explainer.load(file));
                assertTrue(e.getMessage().contains("mode=2") && !e.getMessage().contains("\n"), e.getMessage());
            }
        }
    }

    @Test
    void batchNormalizationRefusesWhatItCannotExplain() {
        String name = "batch_normalization_1";
        List<Weight> bnWeights = List.of(new Weight(name + "/gamma:0", vector("gamma", 1, 1, 1, 1)),
                new Weight(name + "/beta:0", vector("beta", 0, 0, 0, 0)),
                new Weight(name + "/moving_mean:0", vector("moving_mean", 0, 0, 0, 0)),
                new Weight(name + "/moving_variance:0", vector("moving_variance", 1, 1, 1, 1)));
        for (String axis : List.of("1", "[1, 2]")) {
            List<String> layers = new ArrayList<>(smallCnnLayers());
            layers.add(1, batchNorm(name, true, true, axis));
            List<H5Layer> weights = new ArrayList<>(smallCnnKeras2Weights());
            weights.add(1, new H5Layer(name, bnWeights));
            Path file = dir.resolve("bn_axis_" + axis.length() + ".h5");
            writeFullH5(file, sequentialList(layers), KERAS2_ATTRIBUTES, weights, H5Options.PLAIN);
            JlrpException e = assertThrows(JlrpException.class, () -> Explainer.load(file));
            assertTrue(e.getMessage().contains("'" + name + "'") && e.getMessage().contains("axis")
                    && !e.getMessage().contains("\n"), e.getMessage());
        }
    }

    // ------------------------------------------------------------------------------------------ refusals

    /**
     * Unsupported layers, each put after the Embedding of a Keras 2 Sequential model. (LSTM, GRU, SimpleRNN and
     * Bidirectional are supported now: RecurrentReferenceTest and the recurrent goldens.)
     */
    @ParameterizedTest
    @ValueSource(strings = {"ConvLSTM1D:conv_lstm1d_1", "TimeDistributed:time_distributed_1",
            "LayerNormalization:layer_normalization_1",
            "MultiHeadAttention:multi_head_attention_1", "Attention:attention_1", "Conv1DTranspose:conv1d_transpose_1",
            "Conv2D:conv2d_1"})
    void unsupportedLayersAreRefusedWithOneLineNamingLayerClassAndTheSupportedList(String spec) {
        String cls = spec.split(":")[0];
        String name = spec.split(":")[1];
        String layer = "{\"class_name\": \"" + cls + "\", \"config\": {\"name\": \"" + name + "\", \"trainable\": true, "
                + "\"units\": 4}}";
        List<String> layers = List.of(embedding("embedding_1", V, D, T), layer, flatten("flatten_1"),
                dense("dense_2", 2, "softmax"));
        List<H5Layer> weights = List.of(
                H5Layer.of("embedding_1", new Weight("embedding_1/embeddings:0", EMB)),
                H5Layer.of(name, new Weight(name + "/kernel:0", CONV_K)),
                H5Layer.of("flatten_1"),
                H5Layer.of("dense_2", new Weight("dense_2/kernel:0", D2_K), new Weight("dense_2/bias:0", D2_B)));
        Path file = dir.resolve(name + ".h5");
        writeFullH5(file, sequentialNamed(layers), KERAS2_ATTRIBUTES, weights, H5Options.PLAIN);
        JlrpException e = assertThrows(JlrpException.class, () -> Explainer.load(file));
        String message = e.getMessage();
        assertTrue(message.contains("layer '" + name + "'") && message.contains(" " + cls + ","), message);
        assertTrue(message.contains("supported: ") && message.contains("Conv1D") && message.contains("Embedding"),
                message);
        assertFalse(message.contains("\n"), "one line: " + message);
    }
}
