package org.jlrp.runtime.keras;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.jhdf.HdfFile;
import io.jhdf.api.Attribute;
import io.jhdf.api.Dataset;
import io.jhdf.api.Group;
import io.jhdf.api.Node;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.lang.reflect.Array;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import org.jlrp.runtime.JlrpException;

/**
 * Loads a Keras model file of any supported format into a {@link KerasModel}. The format is detected from the
 * file's bytes, never from its name:
 * <ul>
 *   <li>HDF5 with a {@code model_config} attribute: a full model (Keras 1, 2, or Keras 3 legacy {@code .h5});</li>
 *   <li>HDF5 with {@code layer_names} at the root: weights only, the architecture JSON must be given;</li>
 *   <li>a zip with {@code config.json} and {@code model.weights.h5}: a Keras 3 {@code .keras} file, read in
 *       memory without extracting anything to disk.</li>
 * </ul>
 */
public final class KerasModelLoader {

    private static final byte[] HDF5_SIGNATURE = {(byte) 0x89, 'H', 'D', 'F', '\r', '\n', 0x1a, '\n'};
    private static final byte[] ZIP_SIGNATURE = {'P', 'K', 3, 4};
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Limits limits;

    private KerasModelLoader(Limits limits) {
        this.limits = limits;
    }

    /** Loads a full model file ({@code .h5} or {@code .keras}) with the default {@link Limits}. */
    public static KerasModel load(Path model) {
        return load(model, null, Limits.DEFAULT);
    }

    /**
     * Loads a model.
     *
     * @param model        the {@code .h5} or {@code .keras} file
     * @param architecture the {@code model.to_json()} file for a weights-only {@code .h5}; null otherwise (when given
     *                     with a full model, it replaces the file's own config)
     * @param limits       size limits checked before anything is allocated
     */
    public static KerasModel load(Path model, Path architecture, Limits limits) {
        return new KerasModelLoader(limits).read(model, architecture);
    }

    private KerasModel read(Path model, Path architecture) {
        String source = model.toString();
        if (!Files.isRegularFile(model)) {
            throw new JlrpException(source + ": no such model file");
        }
        byte[] head = new byte[8];
        long size;
        try (InputStream in = Files.newInputStream(model)) {
            size = Files.size(model);
            int n = in.readNBytes(head, 0, head.length);
            head = Arrays.copyOf(head, n);
        } catch (IOException e) {
            throw new JlrpException(source + ": cannot read the model file (" + e.getMessage() + ")", e);
        }
        JsonNode architectureJson = architecture == null ? null : readJsonFile(architecture);
        try {
            if (startsWith(head, ZIP_SIGNATURE)) {
                return readKerasZip(model, size, architectureJson);
            }
            if (startsWith(head, HDF5_SIGNATURE)) {
                try (HdfFile hdf = new HdfFile(model)) {
                    return readHdf5(hdf, source, size, architectureJson, architecture);
                }
            }
        } catch (JlrpException e) {
            throw e;
        } catch (RuntimeException | OutOfMemoryError | StackOverflowError e) {
            // jhdf signals corrupt structures with assorted runtime exceptions; name the file and what went wrong.
            throw new JlrpException(source + ": corrupt or unreadable model file (" + describe(e) + ")", e);
        }
        throw new JlrpException(source + ": not a Keras model file (neither HDF5 nor a .keras zip)");
    }

    // --------------------------------------------------------------------------------------------- HDF5

    private KerasModel readHdf5(HdfFile hdf, String source, long size, JsonNode architectureJson, Path architecture) {
        String modelConfig = attrString(hdf, "model_config");
        Group weightsRoot;
        ModelFormat format;
        JsonNode configJson;
        if (architectureJson != null) {
            configJson = architectureJson;
            format = modelConfig == null ? ModelFormat.WEIGHTS_H5_JSON : ModelFormat.FULL_H5;
            weightsRoot = hdf.getChild("model_weights") instanceof Group g ? g : hdf;
        } else if (modelConfig != null) {
            configJson = parseJson(modelConfig, source + " (model_config)");
            format = ModelFormat.FULL_H5;
            if (!(hdf.getChild("model_weights") instanceof Group g)) {
                throw new JlrpException(source + ": the file has a model_config but no model_weights group");
            }
            weightsRoot = g;
        } else if (attrStrings(hdf, "layer_names") != null) {
            throw new JlrpException(source + ": this is a weights-only file; pass the architecture JSON "
                    + "(model.to_json()) with --architecture");
        } else {
            throw new JlrpException(source + ": an HDF5 file without model_config or layer_names is not a Keras model");
        }
        String kerasVersion = firstNonNull(attrString(hdf, "keras_version"), attrString(weightsRoot, "keras_version"),
                architectureJson == null ? null : textOrNull(architectureJson.get("keras_version")));
        String backend = firstNonNull(attrString(hdf, "backend"), attrString(weightsRoot, "backend"),
                architectureJson == null ? null : textOrNull(architectureJson.get("backend")));
        KerasConfig.Parsed parsed = KerasConfig.parse(configJson,
                architecture != null ? architecture.toString() : source);
        List<LayerSpec> layers = new ArrayList<>();
        boolean sawColonZero = false;
        boolean sawWeights = false;
        List<String> stored = layerNames(weightsRoot, source);
        for (LayerSpec layer : parsed.layers()) {
            int expected = expectedWeightCount(layer);
            if (expected == 0) {
                layers.add(layer);
                continue;
            }
            if (stored != null && !stored.contains(layer.name())) {
                throw new JlrpException(source + ": layer '" + layer.name() + "' (" + layer.className()
                        + ") has no weights in the file");
            }
            if (!(weightsRoot.getChild(layer.name()) instanceof Group group)) {
                throw new JlrpException(source + ": layer '" + layer.name() + "' (" + layer.className()
                        + ") has no weight group in the file");
            }
            List<String> weightNames = multiPartAttr(group, "weight_names");
            if (weightNames == null || weightNames.isEmpty()) {
                throw new JlrpException(source + ": layer '" + layer.name() + "' lists no weight_names");
            }
            List<Tensor> tensors = new ArrayList<>();
            for (String weightName : weightNames) {
                sawWeights = true;
                sawColonZero |= weightName.endsWith(":0");
                Node node = group.getByPath(weightName);
                if (!(node instanceof Dataset dataset)) {
                    throw new JlrpException(source + ": layer '" + layer.name() + "': weight '" + weightName
                            + "' is not a dataset");
                }
                tensors.add(readTensor(dataset, weightName, source, size));
            }
            layers.add(layer.withWeights(tensors));
        }
        boolean theano = "theano".equalsIgnoreCase(backend)
                || (backend == null && kerasVersion != null && kerasVersion.startsWith("1") && sawWeights
                && !sawColonZero);
        return finish(source, format, kerasVersion, backend, parsed, layers, theano);
    }

    /** {@code layer_names}, possibly split by Keras into {@code layer_names0..N} when large. */
    private static List<String> layerNames(Group weightsRoot, String source) {
        return multiPartAttr(weightsRoot, "layer_names");
    }

    /** A string-list attribute that Keras may have split into {@code NAME0}, {@code NAME1}, … when it was large. */
    private static List<String> multiPartAttr(Node node, String name) {
        String[] whole = attrStrings(node, name);
        if (whole != null) {
            return Arrays.asList(whole);
        }
        if (node.getAttributes().get(name) != null) {
            return List.of(); // present but empty: a layer without weights
        }
        List<String> parts = new ArrayList<>();
        for (int i = 0; ; i++) {
            String[] chunk = attrStrings(node, name + i);
            if (chunk == null) {
                break;
            }
            parts.addAll(Arrays.asList(chunk));
        }
        return parts.isEmpty() && node.getAttributes().get(name + "0") == null ? null : parts;
    }

    // ------------------------------------------------------------------------------------------ .keras zip

    private KerasModel readKerasZip(Path model, long size, JsonNode architectureJson) {
        String source = model.toString();
        byte[] configBytes = null;
        byte[] metadataBytes = null;
        byte[] weightBytes = null;
        try (ZipInputStream zip = new ZipInputStream(Files.newInputStream(model))) {
            ZipEntry entry;
            int entries = 0;
            while ((entry = zip.getNextEntry()) != null) {
                if (++entries > limits.maxZipEntries()) {
                    throw new JlrpException(source + ": the .keras zip has more than " + limits.maxZipEntries()
                            + " entries");
                }
                String name = entry.getName();
                switch (name) {
                    case "config.json" -> configBytes = readEntry(zip, entry, source, limits.maxConfigBytes());
                    case "metadata.json" -> metadataBytes = readEntry(zip, entry, source, limits.maxConfigBytes());
                    case "model.weights.h5" -> weightBytes = readEntry(zip, entry, source, limits.maxWeightBytes());
                    default -> {
                        // assets and other entries are not needed; they are never extracted
                    }
                }
            }
        } catch (IOException e) {
            throw new JlrpException(source + ": corrupt .keras zip (" + e.getMessage() + ")", e);
        }
        if (configBytes == null && architectureJson == null) {
            throw new JlrpException(source + ": the .keras zip has no config.json");
        }
        if (weightBytes == null) {
            throw new JlrpException(source + ": the .keras zip has no model.weights.h5");
        }
        JsonNode config = architectureJson != null ? architectureJson
                : parseJson(new String(configBytes, StandardCharsets.UTF_8), source + " (config.json)");
        String kerasVersion = null;
        if (metadataBytes != null) {
            kerasVersion = textOrNull(parseJson(new String(metadataBytes, StandardCharsets.UTF_8),
                    source + " (metadata.json)").get("keras_version"));
        }
        KerasConfig.Parsed parsed = KerasConfig.parse(config, source);
        List<LayerSpec> layers = new ArrayList<>();
        try (HdfFile hdf = HdfFile.fromBytes(weightBytes)) {
            Map<String, Integer> classCounters = new HashMap<>();
            for (LayerSpec layer : parsed.layers()) {
                String path = keras3LayerPath(layer, classCounters);
                int expected = expectedWeightCount(layer);
                if (expected == 0) {
                    layers.add(layer);
                    continue;
                }
                Node vars = nodeAt(hdf, "layers/" + path + "/vars");
                if (!(vars instanceof Group group)) {
                    throw new JlrpException(source + ": layer '" + layer.name() + "' (" + layer.className()
                            + ") has no weights at layers/" + path + "/vars in model.weights.h5");
                }
                List<String> indices = new ArrayList<>(group.getChildren().keySet());
                indices.sort((a, b) -> Long.compare(parseIndex(a, source), parseIndex(b, source)));
                List<Tensor> tensors = new ArrayList<>();
                for (String index : indices) {
                    if (!(group.getChild(index) instanceof Dataset dataset)) {
                        throw new JlrpException(source + ": layers/" + path + "/vars/" + index + " is not a dataset");
                    }
                    tensors.add(readTensor(dataset, layer.name() + "/" + index, source, weightBytes.length));
                }
                layers.add(layer.withWeights(tensors));
            }
        }
        return finish(source, ModelFormat.KERAS3_ZIP, kerasVersion, "unknown", parsed, layers, false);
    }

    /**
     * Keras 3 stores a layer's variables under {@code layers/<snake_case class>[_N]}: N counts earlier layers of the
     * same class in model order, the first has no suffix. The layer name plays no part.
     */
    private static String keras3LayerPath(LayerSpec layer, Map<String, Integer> classCounters) {
        String snake = toSnakeCase(layer.className());
        int n = classCounters.merge(snake, 1, Integer::sum) - 1;
        return n == 0 ? snake : snake + "_" + n;
    }

    /** Keras's {@code naming.to_snake_case}. */
    static String toSnakeCase(String name) {
        String s = name.replaceAll("\\W+", "");
        s = s.replaceAll("(.)([A-Z][a-z]+)", "$1_$2");
        return s.replaceAll("([a-z])([A-Z])", "$1_$2").toLowerCase(Locale.ROOT);
    }

    private static Node nodeAt(Group root, String path) {
        try {
            return root.getByPath(path);
        } catch (RuntimeException e) { // jhdf throws when a path element is missing
            return null;
        }
    }

    private static long parseIndex(String index, String source) {
        try {
            return Long.parseLong(index);
        } catch (NumberFormatException e) {
            throw new JlrpException(source + ": unexpected variable name '" + index + "' in model.weights.h5");
        }
    }

    private byte[] readEntry(ZipInputStream zip, ZipEntry entry, String source, long max) throws IOException {
        if (entry.getSize() > max) {
            throw new JlrpException(source + ": zip entry " + entry.getName() + " declares " + entry.getSize()
                    + " bytes, over the limit of " + max);
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] buffer = new byte[1 << 16];
        long total = 0;
        int n;
        while ((n = zip.read(buffer)) > 0) {
            total += n;
            if (total > max) {
                throw new JlrpException(source + ": zip entry " + entry.getName() + " inflates past the limit of "
                        + max + " bytes");
            }
            out.write(buffer, 0, n);
        }
        return out.toByteArray();
    }

    // ---------------------------------------------------------------------------------------------- weights

    /** How many weight arrays a layer of this class must have (0 for layers without weights). */
    private static int expectedWeightCount(LayerSpec layer) {
        switch (layer.className()) {
            case "Embedding":
                return 1;
            case "Conv1D":
            case "Dense":
                return layer.config().path("use_bias").asBoolean(true) ? 2 : 1;
            default:
                return 0;
        }
    }

    private Tensor readTensor(Dataset dataset, String name, String source, long fileSize) {
        int[] shape = dataset.getDimensions();
        long elements = 1;
        for (int d : shape) {
            if (d < 0) {
                throw new JlrpException(source + ": weight '" + name + "' has a negative dimension");
            }
            elements *= d;
            if (elements > limits.maxTensorElements()) {
                throw new JlrpException(source + ": weight '" + name + "' has shape " + Arrays.toString(shape)
                        + ", over the limit of " + limits.maxTensorElements() + " elements");
            }
        }
        Class<?> type = dataset.getJavaType();
        if (type != float.class && type != double.class) {
            throw new JlrpException(source + ": weight '" + name + "' has element type " + type.getSimpleName()
                    + "; expected float32 or float64");
        }
        if (dataset.getFilters().isEmpty() && dataset.getSizeInBytes() > fileSize) {
            throw new JlrpException(source + ": weight '" + name + "' declares " + dataset.getSizeInBytes()
                    + " bytes in a file of " + fileSize);
        }
        Object flat = elements == 0 ? new float[0] : dataset.getDataFlat();
        float[] data;
        if (flat instanceof float[] f) {
            data = f;
        } else if (flat instanceof double[] d) {
            data = new float[d.length];
            for (int i = 0; i < d.length; i++) {
                data[i] = (float) d[i];
            }
        } else {
            throw new JlrpException(source + ": weight '" + name + "' could not be read as floats");
        }
        if (data.length != elements) {
            throw new JlrpException(source + ": weight '" + name + "' holds " + data.length + " values for shape "
                    + Arrays.toString(shape));
        }
        for (int i = 0; i < data.length; i++) {
            if (!Float.isFinite(data[i])) {
                throw new JlrpException(source + ": weight '" + name + "' holds a non-finite value (" + data[i]
                        + ") at flat index " + i);
            }
        }
        return new Tensor(name, shape, data);
    }

    /**
     * Brings weights to Keras 2 shapes: Keras 1.2's Conv1D kernel {@code (width, 1, in, filters)} loses its unit axis,
     * and Theano-trained Conv1D kernels are reversed along the width axis, as Keras's {@code convert_kernel} does when
     * it loads them, so that every kernel computes a cross-correlation.
     */
    private static KerasModel finish(String source, ModelFormat format, String kerasVersion, String backend,
                                     KerasConfig.Parsed parsed, List<LayerSpec> layers, boolean theano) {
        List<LayerSpec> fixed = new ArrayList<>();
        List<String> flipped = new ArrayList<>();
        for (LayerSpec layer : layers) {
            if (layer.className().equals("Conv1D") && !layer.weights().isEmpty()) {
                List<Tensor> weights = new ArrayList<>(layer.weights());
                Tensor kernel = weights.get(0);
                if (kernel.shape().length == 4 && kernel.shape()[1] == 1) {
                    kernel = new Tensor(kernel.name(), new int[]{kernel.shape()[0], kernel.shape()[2],
                            kernel.shape()[3]}, kernel.data());
                }
                if (theano && kernel.shape().length == 3) {
                    kernel = flipWidth(kernel);
                    flipped.add(layer.name());
                }
                weights.set(0, kernel);
                layer = layer.withWeights(weights);
            }
            fixed.add(layer);
        }
        return new KerasModel(source, format, kerasVersion == null ? "unknown" : kerasVersion,
                backend == null ? (theano ? "theano" : "unknown") : backend, parsed.inputLength(), List.copyOf(fixed),
                parsed.outputLayer(), List.copyOf(flipped));
    }

    private static Tensor flipWidth(Tensor kernel) {
        int width = kernel.shape()[0];
        int row = kernel.shape()[1] * kernel.shape()[2];
        float[] out = new float[kernel.data().length];
        for (int k = 0; k < width; k++) {
            System.arraycopy(kernel.data(), k * row, out, (width - 1 - k) * row, row);
        }
        return new Tensor(kernel.name(), kernel.shape(), out);
    }

    // ----------------------------------------------------------------------------------------- attributes

    /** A string attribute (scalar, or a one-element array), or null when absent or not a string. */
    static String attrString(Node node, String name) {
        Object data = attrData(node, name);
        if (data instanceof String s) {
            return s;
        }
        if (data instanceof byte[] b) {
            return new String(b, StandardCharsets.UTF_8);
        }
        if (data != null && data.getClass().isArray() && Array.getLength(data) == 1
                && Array.get(data, 0) instanceof String s) {
            return s;
        }
        return null;
    }

    /** A string-array attribute; null when absent; an empty array when present with no data. */
    static String[] attrStrings(Node node, String name) {
        Attribute attribute = node.getAttributes().get(name);
        if (attribute == null) {
            return null;
        }
        Object data = attrData(node, name);
        if (data == null) {
            return new String[0];
        }
        if (data instanceof String s) {
            return new String[]{s};
        }
        if (data instanceof String[] a) {
            return a;
        }
        if (data.getClass().isArray()) {
            int n = Array.getLength(data);
            String[] out = new String[n];
            for (int i = 0; i < n; i++) {
                Object item = Array.get(data, i);
                out[i] = item instanceof byte[] b ? new String(b, StandardCharsets.UTF_8) : String.valueOf(item);
            }
            return out;
        }
        return null;
    }

    private static Object attrData(Node node, String name) {
        Attribute attribute = node.getAttributes().get(name);
        if (attribute == null || attribute.isEmpty()) {
            return null;
        }
        return attribute.getData();
    }

    // ----------------------------------------------------------------------------------------------- JSON

    private JsonNode readJsonFile(Path file) {
        try {
            long size = Files.size(file);
            if (size > limits.maxConfigBytes()) {
                throw new JlrpException(file + ": the architecture JSON is " + size + " bytes, over the limit of "
                        + limits.maxConfigBytes());
            }
            return parseJson(Files.readString(file, StandardCharsets.UTF_8), file.toString());
        } catch (IOException e) {
            throw new JlrpException(file + ": cannot read the architecture JSON (" + e.getMessage() + ")", e);
        }
    }

    private static JsonNode parseJson(String text, String what) {
        try {
            JsonNode node = JSON.readTree(text);
            if (node == null || !node.isObject()) {
                throw new JlrpException(what + ": the model config is not a JSON object");
            }
            return node;
        } catch (JsonProcessingException e) {
            throw new JlrpException(what + ": invalid JSON (" + e.getOriginalMessage() + ")", e);
        }
    }

    private static String textOrNull(JsonNode node) {
        return node != null && node.isTextual() ? node.asText() : null;
    }

    @SafeVarargs
    private static <T> T firstNonNull(T... values) {
        for (T v : values) {
            if (v != null) {
                return v;
            }
        }
        return null;
    }

    private static boolean startsWith(byte[] data, byte[] prefix) {
        if (data.length < prefix.length) {
            return false;
        }
        for (int i = 0; i < prefix.length; i++) {
            if (data[i] != prefix[i]) {
                return false;
            }
        }
        return true;
    }

    private static String describe(Throwable e) {
        String message = e.getMessage();
        return e.getClass().getSimpleName() + (message == null ? "" : ": " + message);
    }
}
