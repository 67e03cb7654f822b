package org.jlrp.runtime.internal.keras;

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
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import org.jlrp.runtime.JlrpException;
import org.jlrp.runtime.text.TextVectorizer;

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
final class KerasModelLoader {

    private static final byte[] HDF5_SIGNATURE = {(byte) 0x89, 'H', 'D', 'F', '\r', '\n', 0x1a, '\n'};
    private static final byte[] ZIP_SIGNATURE = {'P', 'K', 3, 4};
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Limits limits;

    private KerasModelLoader(Limits limits) {
        this.limits = limits;
    }

    /** Loads a full model file ({@code .h5} or {@code .keras}) with the default {@link Limits}. */
    static KerasModel load(Path model) {
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
    static KerasModel load(Path model, Path architecture, Limits limits) {
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
                    // libhdf5's own check: a file that ends before the end-of-file address its superblock records
                    // was cut short; jhdf would otherwise fail later on a missing group ("has no weights").
                    long end = hdf.getHdfBackingStorage().getSuperblock().getBaseAddressByte()
                            + hdf.getHdfBackingStorage().getSuperblock().getEndOfFileAddress();
                    if (end > size && end > 0) {
                        throw new JlrpException(source + ": the file is truncated or corrupt: it has " + size
                                + " bytes, but its HDF5 superblock says " + end);
                    }
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
        boolean keras2Weights = multiPartAttr(hdf, "layer_names") != null;
        boolean keras3Weights = modelConfig == null && !keras2Weights && nodeAt(hdf, "layers") instanceof Group;
        List<String> notes = new ArrayList<>();
        if (architectureJson == null) {
            if (modelConfig == null && (keras2Weights || keras3Weights)) {
                throw new JlrpException(source + ": this is a weights-only file; pass the architecture JSON "
                        + "(model.to_json()) with --architecture");
            }
            if (modelConfig == null) {
                throw new JlrpException(source + ": an HDF5 file without model_config or layer_names is not a Keras "
                        + "model");
            }
        }
        if (keras3Weights) {
            // Keras 3 save_weights(".weights.h5"): the layout of the model.weights.h5 inside a .keras zip.
            KerasConfig.Parsed parsed = KerasConfig.parse(architectureJson, architecture.toString());
            notes.add("weights-only Keras 3 file (.weights.h5); architecture from " + architecture);
            List<KerasLayer> layers = readKeras3Weights(hdf, parsed, source, size, false);
            return finish(source, ModelFormat.WEIGHTS_H5_JSON, textOrNull(architectureJson.get("keras_version")),
                    textOrNull(architectureJson.get("backend")), parsed, layers, false, notes);
        }
        Group weightsRoot;
        ModelFormat format;
        JsonNode configJson;
        if (architectureJson != null) {
            configJson = architectureJson;
            format = modelConfig == null ? ModelFormat.WEIGHTS_H5_JSON : ModelFormat.FULL_H5;
            weightsRoot = hdf.getChild("model_weights") instanceof Group g ? g : hdf;
            notes.add((modelConfig == null ? "weights-only file" : "full model file, its own config replaced")
                    + "; architecture from " + architecture);
        } else {
            configJson = parseJson(modelConfig, source + " (model_config)");
            format = ModelFormat.FULL_H5;
            if (!(hdf.getChild("model_weights") instanceof Group g)) {
                throw new JlrpException(source + ": the file has a model_config but no model_weights group");
            }
            weightsRoot = g;
        }
        String kerasVersion = firstNonNull(attrString(hdf, "keras_version"), attrString(weightsRoot, "keras_version"),
                architectureJson == null ? null : textOrNull(architectureJson.get("keras_version")));
        String backend = firstNonNull(attrString(hdf, "backend"), attrString(weightsRoot, "backend"),
                architectureJson == null ? null : textOrNull(architectureJson.get("backend")));
        KerasConfig.Parsed parsed = KerasConfig.parse(configJson,
                architecture != null ? architecture.toString() : source);
        Map<String, Group> groups = weightGroups(weightsRoot, parsed, source, notes);
        List<KerasLayer> layers = new ArrayList<>();
        boolean sawColonZero = false;
        boolean sawWeights = false;
        for (KerasLayer layer : parsed.layers()) {
            Group group = groups.get(layer.name());
            if (group == null) {
                layers.add(layer);
                continue;
            }
            List<String> weightNames = multiPartAttr(group, "weight_names");
            if (weightNames == null || weightNames.isEmpty()) {
                throw new JlrpException(source + ": layer '" + layer.name() + "' lists no weight_names");
            }
            List<Tensor> tensors = new ArrayList<>();
            for (String weightName : weightNames) {
                sawWeights = true;
                sawColonZero |= weightName.endsWith(":0");
                Node node = nodeAt(group, weightName);
                if (!(node instanceof Dataset dataset)) {
                    throw new JlrpException(source + ": layer '" + layer.name() + "': weight '" + weightName
                            + "' is not a dataset");
                }
                tensors.add(readTensor(dataset, weightName, source, size));
            }
            layers.add(layer.withWeights(tensors));
        }
        boolean theano = "theano".equalsIgnoreCase(backend);
        if (backend == null && sawWeights && (kerasVersion == null || kerasVersion.startsWith("1"))) {
            // Keras 1 wrote no backend attribute. Its TensorFlow backend named weights after TF variables ("..._W:0"),
            // Theano did not ("..._W"): the same rule the golden reference uses.
            theano = !sawColonZero;
            backend = theano ? "theano" : "tensorflow";
            notes.add("backend inferred: Keras 1 files do not state it; weight names "
                    + (theano ? "without TensorFlow's ':0' suffix mean Theano" : "ending in ':0' mean TensorFlow"));
        }
        return finish(source, format, kerasVersion, backend, parsed, layers, theano, notes);
    }

    /**
     * The weight group of each layer that has weights. Keras 1/2 files (and Keras 3 legacy {@code .h5}) name the group
     * after the layer. When some names do not match (a weights-only file saved from a model whose layers were named
     * differently), the groups are taken by position as Keras's own {@code load_weights(by_name=False)} does: the
     * file's layers with weights, in {@code layer_names} order, against the model's layers with weights, in config
     * order.
     */
    private Map<String, Group> weightGroups(Group weightsRoot, KerasConfig.Parsed parsed, String source,
                                            List<String> notes) {
        List<String> stored = multiPartAttr(weightsRoot, "layer_names");
        List<KerasLayer> weighted = weightedLayersInConfigOrder(parsed);
        Map<String, Group> groups = new HashMap<>();
        KerasLayer missing = null;
        for (KerasLayer layer : weighted) {
            if ((stored == null || stored.contains(layer.name()))
                    && nodeAt(weightsRoot, layer.name()) instanceof Group group) {
                groups.put(layer.name(), group);
            } else if (missing == null) {
                missing = layer;
            }
        }
        if (missing == null) {
            return groups;
        }
        List<String> storedWeighted = new ArrayList<>();
        List<Group> storedGroups = new ArrayList<>();
        if (stored != null) {
            for (String name : stored) {
                if (nodeAt(weightsRoot, name) instanceof Group group) {
                    List<String> weightNames = multiPartAttr(group, "weight_names");
                    if (weightNames != null && !weightNames.isEmpty()) {
                        storedWeighted.add(name);
                        storedGroups.add(group);
                    }
                }
            }
        }
        // Keras counts every layer of the model; positions are only comparable when none was left out of the graph.
        boolean allDeclaredInGraph = parsed.declared().stream()
                .allMatch(d -> parsed.layers().stream().anyMatch(l -> l.name().equals(d.name())));
        if (storedGroups.size() != weighted.size() || !allDeclaredInGraph) {
            throw new JlrpException(source + ": layer '" + missing.name() + "' (" + missing.className()
                    + ") has no weights in the file"
                    + (stored == null ? "" : " (its layers with weights: " + abbreviateList(storedWeighted) + ")"));
        }
        groups.clear();
        List<String> modelNames = new ArrayList<>();
        for (int i = 0; i < weighted.size(); i++) {
            groups.put(weighted.get(i).name(), storedGroups.get(i));
            modelNames.add(weighted.get(i).name());
        }
        notes.add("weights matched by position, as Keras's load_weights does: the file's layers "
                + abbreviateList(storedWeighted) + " feed the model's " + abbreviateList(modelNames));
        return groups;
    }

    /** The graph's layers that carry weights, in the config's order (Keras's {@code model.layers}). */
    private static List<KerasLayer> weightedLayersInConfigOrder(KerasConfig.Parsed parsed) {
        Map<String, KerasLayer> byName = new HashMap<>();
        for (KerasLayer layer : parsed.layers()) {
            byName.put(layer.name(), layer);
        }
        List<KerasLayer> out = new ArrayList<>();
        for (KerasConfig.Declared declared : parsed.declared()) {
            KerasLayer layer = byName.remove(declared.name());
            if (layer != null && expectedWeightCount(layer) > 0) {
                out.add(layer);
            }
        }
        for (KerasLayer layer : parsed.layers()) { // not declared by name (cannot happen with a well-formed config)
            if (byName.containsKey(layer.name()) && expectedWeightCount(layer) > 0) {
                out.add(layer);
            }
        }
        return out;
    }

    private static String abbreviateList(List<String> names) {
        String joined = "[" + String.join(", ", names) + "]";
        return joined.length() > 160 ? joined.substring(0, 157) + "...]" : joined;
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
        Map<String, byte[]> vocabularies = new HashMap<>(); // TextVectorization assets, by zip path
        try (ZipInputStream zip = new ZipInputStream(Files.newInputStream(model))) {
            ZipEntry entry;
            int entries = 0;
            while ((entry = zip.getNextEntry()) != null) {
                if (++entries > limits.maxZipEntries()) {
                    throw new JlrpException(source + ": the .keras zip has more than " + limits.maxZipEntries()
                            + " entries");
                }
                String name = entry.getName();
                if (isOddEntryName(name)) {
                    // Nothing is ever extracted, but a path that climbs out or is absolute marks a crafted archive.
                    throw new JlrpException(source + ": the .keras zip has an odd entry name '"
                            + name.replaceAll("\\p{Cntrl}", "?") + "'");
                }
                switch (name) {
                    case "config.json" -> configBytes = readEntry(zip, entry, source, limits.maxConfigBytes());
                    case "metadata.json" -> metadataBytes = readEntry(zip, entry, source, limits.maxConfigBytes());
                    case "model.weights.h5" -> weightBytes = readEntry(zip, entry, source, limits.maxWeightBytes());
                    default -> {
                        // a TextVectorization layer's vocabulary is read; other assets are not needed. Nothing is
                        // ever extracted.
                        if (name.startsWith("assets/layers/") && name.endsWith("/vocabulary.txt")) {
                            vocabularies.put(name, readEntry(zip, entry, source, limits.maxConfigBytes()));
                        }
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
        List<KerasLayer> layers;
        try (HdfFile hdf = HdfFile.fromBytes(weightBytes)) {
            layers = readKeras3Weights(hdf, parsed, source, weightBytes.length, architectureJson == null);
        }
        layers = withVocabularies(layers, keras3LayerPaths(parsed.declared()), vocabularies);
        List<String> notes = new ArrayList<>();
        if (architectureJson != null) {
            notes.add("the zip's config.json replaced by the architecture JSON given");
        }
        return finish(source, ModelFormat.KERAS3_ZIP, kerasVersion, null, parsed, layers, false, notes);
    }

    /**
     * A TextVectorization layer whose config lists no vocabulary gets the one Keras 3 saved as the zip's asset
     * {@code assets/layers/<path>/vocabulary.txt} (the path of its variables), as a {@code vocabulary} list in its
     * config; the lines are read as Keras reads them ({@link TextVectorizer#vocabularyLines}).
     */
    private static List<KerasLayer> withVocabularies(List<KerasLayer> layers, Map<String, String> paths,
                                                     Map<String, byte[]> vocabularies) {
        List<KerasLayer> out = new ArrayList<>(layers.size());
        for (KerasLayer layer : layers) {
            byte[] asset = vocabularies.get("assets/layers/" + paths.get(layer.name()) + "/vocabulary.txt");
            JsonNode stated = layer.config().get("vocabulary");
            if (!layer.className().equals("TextVectorization") || asset == null
                    || stated != null && !stated.isNull()) {
                out.add(layer);
                continue;
            }
            com.fasterxml.jackson.databind.node.ObjectNode config = layer.config().deepCopy();
            com.fasterxml.jackson.databind.node.ArrayNode list = config.putArray("vocabulary");
            TextVectorizer.vocabularyLines(new String(asset, StandardCharsets.UTF_8)).forEach(list::add);
            out.add(new KerasLayer(layer.name(), layer.className(), config, layer.inbound(), layer.weights()));
        }
        return out;
    }

    /**
     * Reads Keras 3 weights ({@code model.weights.h5} of a {@code .keras} zip, or a {@code .weights.h5} file): each
     * layer's variables sit at {@code layers/<path>/vars/<i>}, see {@link #keras3LayerPaths}.
     *
     * @param checkNames when the config came from the same file: refuse a {@code vars} group whose {@code name}
     *                   attribute (written by newer Keras 3 versions) names another layer than the path assigned it
     */
    private List<KerasLayer> readKeras3Weights(Group root, KerasConfig.Parsed parsed, String source, long size,
                                              boolean checkNames) {
        Map<String, String> paths = keras3LayerPaths(parsed.declared());
        List<KerasLayer> layers = new ArrayList<>();
        for (KerasLayer layer : parsed.layers()) {
            if (expectedWeightCount(layer) == 0) {
                layers.add(layer);
                continue;
            }
            String path = "layers/" + paths.get(layer.name()) + "/vars";
            if (!(nodeAt(root, path) instanceof Group group)) {
                throw new JlrpException(source + ": layer '" + layer.name() + "' (" + layer.className()
                        + ") has no weights at " + path);
            }
            String stated = attrString(group, "name");
            if (checkNames && stated != null && !stated.equals(layer.name())) {
                throw new JlrpException(source + ": " + path + " holds the weights of layer '" + stated
                        + "', but the config's layer order assigns that path to layer '" + layer.name() + "'");
            }
            List<Tensor> tensors = new ArrayList<>();
            String base = "layers/" + paths.get(layer.name());
            List<String> varPaths = group.getChildren().isEmpty() ? nestedVarPaths(root, base, layer) : List.of(path);
            for (String varPath : varPaths) {
                if (!(nodeAt(root, varPath) instanceof Group vars)) {
                    throw new JlrpException(source + ": layer '" + layer.name() + "' (" + layer.className()
                            + ") has no weights at " + varPath);
                }
                for (String index : sortedVarNames(vars.getChildren().keySet(), source, varPath)) {
                    if (!(vars.getChild(index) instanceof Dataset dataset)) {
                        throw new JlrpException(source + ": " + varPath + "/" + index + " is not a dataset");
                    }
                    tensors.add(readTensor(dataset, layer.name() + "/" + index, source, size));
                }
            }
            layers.add(layer.withWeights(tensors));
        }
        return layers;
    }

    /**
     * Where Keras 3 keeps the variables of a layer whose own {@code vars} is empty: a recurrent layer's cell
     * ({@code cell/vars}), a Bidirectional layer's two halves ({@code forward_layer/cell/vars},
     * {@code backward_layer/cell/vars}).
     */
    private static List<String> nestedVarPaths(Group root, String base, KerasLayer layer) {
        if (layer.className().equals("Bidirectional")) {
            return List.of(base + "/forward_layer/cell/vars", base + "/backward_layer/cell/vars");
        }
        return List.of(base + "/cell/vars");
    }

    /**
     * Keras 3 stores a layer's variables under {@code layers/<snake_case class>[_N]}: N counts the earlier layers of
     * the same class in the model's layer list (the config's order, whether or not they feed the output), the first
     * has no suffix. The layer name plays no part.
     */
    static Map<String, String> keras3LayerPaths(List<KerasConfig.Declared> declared) {
        Map<String, Integer> classCounters = new HashMap<>();
        Map<String, String> paths = new HashMap<>();
        for (KerasConfig.Declared layer : declared) {
            String snake = toSnakeCase(layer.className());
            int n = classCounters.merge(snake, 1, Integer::sum) - 1;
            paths.put(layer.name(), n == 0 ? snake : snake + "_" + n);
        }
        return paths;
    }

    /** Variable names {@code 0, 1, …} in numeric order (HDF5 lists them alphabetically: 0, 1, 10, 2, …). */
    static List<String> sortedVarNames(Collection<String> names, String source, String path) {
        List<String> sorted = new ArrayList<>(names);
        for (String name : sorted) {
            if (!name.matches("[0-9]{1,9}")) {
                throw new JlrpException(source + ": unexpected variable name '" + name + "' in " + path);
            }
        }
        sorted.sort((a, b) -> Integer.compare(Integer.parseInt(a), Integer.parseInt(b)));
        return sorted;
    }

    private static boolean isOddEntryName(String name) {
        return name.isEmpty() || name.startsWith("/") || name.contains("\\") || name.contains("\0")
                || name.matches("(?s).*(^|/)\\.\\.(/|$).*") || name.matches("^[A-Za-z]:.*")
                || name.chars().anyMatch(Character::isISOControl);
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

    private byte[] readEntry(ZipInputStream zip, ZipEntry entry, String source, long limit) throws IOException {
        // An entry is held in memory (never extracted): bound it by the heap as well as by the configured limit.
        long max = Math.min(limit, Runtime.getRuntime().maxMemory() / 4);
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

    /**
     * Refuses an allocation that would not fit comfortably in this JVM's heap, before it is attempted: a corrupt size
     * must end in a clear error, not in an OutOfMemoryError that takes the service down.
     */
    private static void requireHeap(long bytes, String what, String source) {
        long heap = Runtime.getRuntime().maxMemory();
        if (bytes > heap / 2) {
            throw new JlrpException(source + ": " + what + " needs " + (bytes >> 20) + " MiB, more than half of the "
                    + (heap >> 20) + " MiB JVM heap (raise -Xmx, e.g. JLRP_JAVA_OPTS=-Xmx8g)");
        }
    }

    /** How many weight arrays a layer of this class must have (0 for layers without weights). */
    private static int expectedWeightCount(KerasLayer layer) {
        switch (layer.className()) {
            case "Embedding":
                return 1;
            case "Conv1D":
            case "Dense":
                return layer.config().path("use_bias").asBoolean(true) ? 2 : 1;
            case "LSTM":
            case "GRU":
            case "SimpleRNN":
                return layer.config().path("use_bias").asBoolean(true) ? 3 : 2;
            case "CuDNNLSTM":
            case "CuDNNGRU":
                return 3;
            case "BatchNormalization": // γ and β when scale and center (Keras 1: always), the moving mean and variance
                return (layer.config().path("scale").asBoolean(true) ? 1 : 0)
                        + (layer.config().path("center").asBoolean(true) ? 1 : 0) + 2;
            case "Bidirectional": {
                JsonNode inner = layer.config().path("layer");
                String cls = inner.path("class_name").asText("");
                boolean bias = inner.path("config").path("use_bias").asBoolean(true);
                return cls.startsWith("CuDNN") ? 6 : bias ? 6 : 4;
            }
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
        requireHeap(elements * (type == double.class ? 12 : 4), "weight '" + name + "' " + Arrays.toString(shape),
                source);
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
     * Brings weights to Keras 2 shapes, as Keras 2's {@code preprocess_weights_for_loading} does: a Keras 1.2 Conv1D
     * kernel {@code (width, 1, in, filters)} loses its unit axis, a Keras 1.0/1.1 one {@code (filters, in, width, 1)}
     * is transposed first, and Theano-trained Conv1D kernels are reversed along the width axis (Keras's
     * {@code convert_kernel}), so that every kernel computes a cross-correlation.
     */
    private static KerasModel finish(String source, ModelFormat format, String kerasVersion, String backend,
                                     KerasConfig.Parsed parsed, List<KerasLayer> layers, boolean theano,
                                     List<String> notes) {
        List<KerasLayer> fixed = new ArrayList<>();
        List<String> flipped = new ArrayList<>();
        List<String> keras11 = new ArrayList<>();
        for (KerasLayer layer : layers) {
            if (layer.className().equals("Conv1D") && !layer.weights().isEmpty()) {
                List<Tensor> weights = new ArrayList<>(layer.weights());
                Tensor kernel = weights.get(0);
                int[] shape = kernel.shape();
                if (shape.length == 4) {
                    int width = configInt(layer, "kernel_size");
                    int filters = configInt(layer, "filters");
                    boolean keras12 = shape[1] == 1 && (width < 0 || shape[0] == width)
                            && (filters < 0 || shape[3] == filters);
                    if (!keras12 && shape[3] == 1 && (width < 0 || shape[2] == width)
                            && (filters < 0 || shape[0] == filters)) {
                        kernel = keras11ToKeras2(kernel);
                        keras11.add(layer.name());
                    } else if (keras12) {
                        kernel = new Tensor(kernel.name(), new int[]{shape[0], shape[2], shape[3]}, kernel.data());
                    }
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
        List<String> allNotes = new ArrayList<>(notes);
        if (!keras11.isEmpty()) {
            allNotes.add("Keras 1.0/1.1 Conv1D kernels (filters, in, width, 1) transposed to (width, in, filters): "
                    + String.join(", ", keras11));
        }
        if (!flipped.isEmpty()) {
            allNotes.add("Theano-trained: Conv1D kernels reversed along the width axis, as Keras's convert_kernel "
                    + "does on load (Theano convolves, TensorFlow cross-correlates): " + String.join(", ", flipped));
        }
        return new KerasModel(source, format, kerasVersion == null ? "unknown" : kerasVersion,
                backend == null ? "unknown" : backend, parsed.inputLength(), fixed, parsed.outputLayer(), flipped,
                allNotes);
    }

    /** An integer config value given as {@code 3} or {@code [3]}; -1 when absent or not an integer. */
    private static int configInt(KerasLayer layer, String key) {
        JsonNode node = layer.config().get(key);
        if (node != null && node.isArray() && node.size() == 1) {
            node = node.get(0);
        }
        return node != null && node.isIntegralNumber() ? node.asInt() : -1;
    }

    /** {@code (filters, in, width, 1)} → {@code (width, in, filters)}: numpy's {@code transpose(2, 3, 1, 0)[:, 0]}. */
    private static Tensor keras11ToKeras2(Tensor kernel) {
        int filters = kernel.shape()[0];
        int in = kernel.shape()[1];
        int width = kernel.shape()[2];
        float[] src = kernel.data();
        float[] out = new float[src.length];
        for (int f = 0; f < filters; f++) {
            for (int c = 0; c < in; c++) {
                for (int k = 0; k < width; k++) {
                    out[(k * in + c) * filters + f] = src[(f * in + c) * width + k];
                }
            }
        }
        return new Tensor(kernel.name(), new int[]{width, in, filters}, out);
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
