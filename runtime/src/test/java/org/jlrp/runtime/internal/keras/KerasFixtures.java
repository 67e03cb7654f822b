package org.jlrp.runtime.internal.keras;

import io.jhdf.HdfFile;
import io.jhdf.WritableHdfFile;
import io.jhdf.api.WritableGroup;
import java.io.IOException;
import java.io.OutputStream;
import java.lang.reflect.Array;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

/**
 * Writes small Keras model files at test time, in each layout a Keras version produces, with jhdf's HDF5 writer and
 * {@code java.util.zip}. The tests write the same weights in several layouts and check that jlrp reads them all to
 * the same network.
 *
 * <p>What jhdf 0.13 cannot write, and how the tests make up for it: it writes every string attribute as fixed-length
 * UTF-8, so the ASCII fixed-length strings of Keras ≤ 2.4 and the variable-length UTF-8 strings of tf.keras 2.5+ and
 * Keras 3 are covered by the real files in {@code ../shared} instead (see {@code StringAttributeKindsTest}). It cannot
 * write an empty attribute either (Keras gives weightless layers an empty {@code weight_names}); the fixtures leave
 * such layers' groups without the attribute, which the loader never reads for them.
 */
final class KerasFixtures {

    private KerasFixtures() {
    }

    /** One weight array as a Keras version names it inside its layer's group, e.g. {@code conv1d_1/kernel:0}. */
    record Weight(String name, Tensor tensor) {
    }

    /** One layer group of a Keras 1/2 (or Keras 3 legacy) HDF5 file: its name and its weights, in Keras order. */
    record H5Layer(String name, List<Weight> weights) {
        static H5Layer of(String name, Weight... weights) {
            return new H5Layer(name, List.of(weights));
        }
    }

    /** Extras of a Keras 1/2 HDF5 file that the loader must cope with. */
    record H5Options(int layerNameChunks, int weightNameChunks, boolean strayRootDatasets, boolean optimizerWeights) {
        static final H5Options PLAIN = new H5Options(1, 1, false, false);
    }

    // --------------------------------------------------------------------------------------------- tensors

    /** A tensor of uniform random values in [-1, 1). */
    static Tensor random(Random rng, String name, int... shape) {
        int n = 1;
        for (int d : shape) {
            n *= d;
        }
        float[] data = new float[n];
        for (int i = 0; i < n; i++) {
            data[i] = rng.nextFloat() * 2 - 1;
        }
        return new Tensor(name, shape.clone(), data);
    }

    /** The same values under another shape (a reshape in row-major order). */
    static Tensor reshaped(Tensor t, int... shape) {
        return new Tensor(t.name(), shape.clone(), t.data());
    }

    /** A Conv1D kernel {@code (width, in, filters)} reversed along the width axis (how Theano stores it). */
    static Tensor flippedWidth(Tensor kernel) {
        int width = kernel.shape()[0];
        int row = kernel.shape()[1] * kernel.shape()[2];
        float[] out = new float[kernel.data().length];
        for (int k = 0; k < width; k++) {
            System.arraycopy(kernel.data(), k * row, out, (width - 1 - k) * row, row);
        }
        return new Tensor(kernel.name(), kernel.shape(), out);
    }

    /** A Keras 2 Conv1D kernel {@code (width, in, filters)} in Keras 1.0/1.1's layout {@code (filters, in, width, 1)}. */
    static Tensor keras11Kernel(Tensor kernel) {
        int width = kernel.shape()[0];
        int in = kernel.shape()[1];
        int filters = kernel.shape()[2];
        float[] out = new float[kernel.data().length];
        for (int k = 0; k < width; k++) {
            for (int c = 0; c < in; c++) {
                for (int f = 0; f < filters; f++) {
                    out[(f * in + c) * width + k] = kernel.data()[(k * in + c) * filters + f];
                }
            }
        }
        return new Tensor(kernel.name(), new int[]{filters, in, width, 1}, out);
    }

    /** Concatenates tensors along their last axis (e.g. two Conv1D kernels into one with all their filters). */
    static Tensor concatLastAxis(Tensor... parts) {
        int[] shape = parts[0].shape().clone();
        int rows = parts[0].size() / shape[shape.length - 1];
        int total = 0;
        for (Tensor p : parts) {
            total += p.shape()[p.shape().length - 1];
        }
        shape[shape.length - 1] = total;
        float[] out = new float[rows * total];
        int offset = 0;
        for (Tensor p : parts) {
            int width = p.shape()[p.shape().length - 1];
            for (int r = 0; r < rows; r++) {
                System.arraycopy(p.data(), r * width, out, r * total + offset, width);
            }
            offset += width;
        }
        return new Tensor(parts[0].name(), shape, out);
    }

    /** Splits a tensor along its last axis into parts of the given widths. */
    static Tensor[] splitLastAxis(Tensor t, int... widths) {
        int total = t.shape()[t.shape().length - 1];
        int rows = t.size() / total;
        Tensor[] out = new Tensor[widths.length];
        int offset = 0;
        for (int i = 0; i < widths.length; i++) {
            int[] shape = t.shape().clone();
            shape[shape.length - 1] = widths[i];
            float[] data = new float[rows * widths[i]];
            for (int r = 0; r < rows; r++) {
                System.arraycopy(t.data(), r * total + offset, data, r * widths[i], widths[i]);
            }
            out[i] = new Tensor(t.name() + "_" + i, shape, data);
            offset += widths[i];
        }
        return out;
    }

    /** Nested Java arrays ({@code float[][]…}) holding a tensor, the form jhdf's writer takes. */
    static Object nested(Tensor t) {
        if (t.shape().length == 1) {
            return t.data().clone();
        }
        Object array = Array.newInstance(float.class, t.shape());
        fill(array, t.data(), 0, t.shape(), 0);
        return array;
    }

    private static int fill(Object array, float[] data, int offset, int[] shape, int axis) {
        if (axis == shape.length - 1) {
            System.arraycopy(data, offset, array, 0, shape[axis]);
            return offset + shape[axis];
        }
        for (int i = 0; i < shape[axis]; i++) {
            offset = fill(Array.get(array, i), data, offset, shape, axis + 1);
        }
        return offset;
    }

    // ------------------------------------------------------------------------------------- Keras 1/2 HDF5

    /**
     * A full-model HDF5 file as Keras 1/2 (and Keras 3's legacy {@code .h5}) save it: root attributes
     * {@code model_config} and the given {@code rootAttributes} ({@code keras_version}, {@code backend}), and a
     * {@code model_weights} group with {@code layer_names} and one group per layer holding {@code weight_names}.
     */
    static void writeFullH5(Path file, String modelConfig, Map<String, String> rootAttributes, List<H5Layer> layers,
                            H5Options options) {
        try (WritableHdfFile hdf = HdfFile.write(file)) {
            hdf.putAttribute("model_config", modelConfig);
            rootAttributes.forEach(hdf::putAttribute);
            if (options.strayRootDatasets()) {
                hdf.putDataset("stray_scores", new float[]{1f, 2f, 3f});
                hdf.putGroup("history").putDataset("loss", new double[]{0.5, 0.25});
                hdf.putAttribute("training_config", "{\"loss\": \"categorical_crossentropy\"}");
            }
            WritableGroup weights = hdf.putGroup("model_weights");
            rootAttributes.forEach(weights::putAttribute);
            writeLayerGroups(weights, layers, options);
            if (options.optimizerWeights()) {
                writeOptimizerWeights(hdf, layers);
            }
        }
        requireReadable(file);
    }

    /**
     * A weights-only HDF5 file as Keras 1/2's {@code save_weights} writes it: {@code layer_names}, {@code backend} and
     * {@code keras_version} at the root, one group per layer.
     */
    static void writeWeightsOnlyH5(Path file, Map<String, String> rootAttributes, List<H5Layer> layers,
                                   H5Options options) {
        try (WritableHdfFile hdf = HdfFile.write(file)) {
            rootAttributes.forEach(hdf::putAttribute);
            writeLayerGroups(hdf, layers, options);
            if (options.strayRootDatasets()) {
                hdf.putDataset("stray_scores", new float[]{1f, 2f, 3f});
            }
        }
        requireReadable(file);
    }

    private static void writeLayerGroups(WritableGroup root, List<H5Layer> layers, H5Options options) {
        List<String> names = new ArrayList<>();
        for (H5Layer layer : layers) {
            names.add(layer.name());
        }
        putStrings(root, "layer_names", names, options.layerNameChunks());
        for (H5Layer layer : layers) {
            WritableGroup group = root.putGroup(layer.name());
            if (layer.weights().isEmpty()) {
                continue; // Keras writes an empty weight_names here; jhdf cannot write empty attributes
            }
            List<String> weightNames = new ArrayList<>();
            Map<String, WritableGroup> subgroups = new HashMap<>();
            for (Weight w : layer.weights()) {
                weightNames.add(w.name());
                putTensor(group, subgroups, w.name(), w.tensor());
            }
            putStrings(group, "weight_names", weightNames, options.weightNameChunks());
        }
    }

    /** Keras's {@code save_attributes_to_hdf5_group}: one attribute, or {@code NAME0..NAME(k-1)} when it is large. */
    private static void putStrings(WritableGroup group, String name, List<String> values, int maxChunks) {
        int chunks = Math.min(maxChunks, values.size()); // Keras splits only what is large: never below one name
        if (chunks <= 1) {
            group.putAttribute(name, values.toArray(new String[0]));
            return;
        }
        int per = (values.size() + chunks - 1) / chunks;
        for (int c = 0; c < chunks; c++) {
            List<String> part = values.subList(Math.min(c * per, values.size()),
                    Math.min((c + 1) * per, values.size()));
            if (part.isEmpty()) {
                throw new IllegalArgumentException("too many chunks for " + values.size() + " values");
            }
            group.putAttribute(name + c, part.toArray(new String[0]));
        }
    }

    /** A dataset at a path like {@code conv1d_1/kernel:0} below {@code group}, creating the groups on the way. */
    private static void putTensor(WritableGroup group, Map<String, WritableGroup> subgroups, String path, Tensor t) {
        String[] parts = path.split("/");
        WritableGroup parent = group;
        StringBuilder prefix = new StringBuilder();
        for (int i = 0; i < parts.length - 1; i++) {
            prefix.append(parts[i]).append('/');
            WritableGroup current = parent;
            String part = parts[i];
            parent = subgroups.computeIfAbsent(prefix.toString(), k -> current.putGroup(part));
        }
        parent.putDataset(parts[parts.length - 1], nested(t));
    }

    /** An {@code optimizer_weights} group like Adam's in Keras 2: moments shaped like the weights, plus a counter. */
    private static void writeOptimizerWeights(WritableHdfFile hdf, List<H5Layer> layers) {
        WritableGroup optimizer = hdf.putGroup("optimizer_weights");
        WritableGroup adam = optimizer.putGroup("Adam");
        adam.putDataset("iterations:0", new long[]{120});
        List<String> names = new ArrayList<>(List.of("Adam/iterations:0"));
        int i = 0;
        for (H5Layer layer : layers) {
            for (Weight w : layer.weights()) {
                String name = "m_" + i++ + ":0";
                adam.putDataset(name, nested(new Tensor(name, w.tensor().shape(), new float[w.tensor().size()])));
                names.add("Adam/" + name);
            }
        }
        optimizer.putAttribute("weight_names", names.toArray(new String[0]));
    }

    // ------------------------------------------------------------------------------------------- Keras 3

    /**
     * A Keras 3 weights file ({@code model.weights.h5} in a zip, or a {@code .weights.h5}): each entry of
     * {@code layerVars} is a path below {@code layers/} (e.g. {@code dense_1}) with its variables, stored as
     * {@code layers/<path>/vars/0, 1, …}; the {@code vars} group carries the layer's name as newer Keras 3 versions
     * write it (null: no attribute).
     */
    static void writeKeras3Weights(Path file, Map<String, Keras3Vars> layerVars) {
        try (WritableHdfFile hdf = HdfFile.write(file)) {
            WritableGroup layers = hdf.putGroup("layers");
            for (Map.Entry<String, Keras3Vars> e : layerVars.entrySet()) {
                WritableGroup vars = layers.putGroup(e.getKey()).putGroup("vars");
                if (e.getValue().layerName() != null) {
                    vars.putAttribute("name", e.getValue().layerName());
                }
                List<Tensor> tensors = e.getValue().tensors();
                for (int i = 0; i < tensors.size(); i++) {
                    vars.putDataset(Integer.toString(i), nested(tensors.get(i)));
                }
            }
            // Keras 3 also writes the optimizer's variables; the loader must not mind them. (The model's own root
            // "vars" group is left out: jhdf 0.13's writer produces an unreadable root group for some child names,
            // "vars" among them.)
            WritableGroup optimizer = hdf.putGroup("optimizer").putGroup("vars");
            optimizer.putDataset("0", new long[]{7});
        }
        requireReadable(file);
    }

    /** Fails fast when jhdf's writer produced a file its reader cannot walk (it does for some group names). */
    private static void requireReadable(Path file) {
        try (HdfFile hdf = new HdfFile(file)) {
            walk(hdf);
        } catch (RuntimeException e) {
            throw new IllegalStateException("jhdf wrote an unreadable fixture " + file + ": " + e.getMessage(), e);
        }
    }

    private static void walk(io.jhdf.api.Group group) {
        for (io.jhdf.api.Node child : group.getChildren().values()) {
            child.getAttributes();
            if (child instanceof io.jhdf.api.Group g) {
                walk(g);
            }
        }
    }

    /** The variables of one Keras 3 layer path, and the layer name its {@code vars} group states (or null). */
    record Keras3Vars(String layerName, List<Tensor> tensors) {
        static Keras3Vars of(String layerName, Tensor... tensors) {
            return new Keras3Vars(layerName, List.of(tensors));
        }
    }

    /** A Keras 3 {@code .keras} zip: {@code metadata.json}, {@code config.json} and {@code model.weights.h5}. */
    static void writeKerasZip(Path file, String configJson, Map<String, Keras3Vars> layerVars) throws IOException {
        Path weights = Files.createTempFile(file.getParent(), "model", ".weights.h5");
        writeKeras3Weights(weights, layerVars);
        Map<String, byte[]> entries = new LinkedHashMap<>();
        entries.put("metadata.json", "{\"keras_version\": \"3.5.0\", \"date_saved\": \"2025-01-01@00:00:00\"}"
                .getBytes(StandardCharsets.UTF_8));
        entries.put("config.json", configJson.getBytes(StandardCharsets.UTF_8));
        entries.put("assets/", new byte[0]);
        entries.put("model.weights.h5", Files.readAllBytes(weights));
        Files.delete(weights);
        try (OutputStream out = Files.newOutputStream(file); ZipOutputStream zip = new ZipOutputStream(out)) {
            for (Map.Entry<String, byte[]> e : entries.entrySet()) {
                zip.putNextEntry(new ZipEntry(e.getKey()));
                zip.write(e.getValue());
                zip.closeEntry();
            }
        }
    }

    /** {@code Map.of} that keeps its order (layer order matters in the files written). */
    @SafeVarargs
    static <V> Map<String, V> ordered(Map.Entry<String, V>... entries) {
        Map<String, V> map = new LinkedHashMap<>();
        for (Map.Entry<String, V> e : entries) {
            map.put(e.getKey(), e.getValue());
        }
        return map;
    }

    static String shapeOf(Tensor t) {
        return Arrays.toString(t.shape());
    }
}
