package org.jlrp.runtime.internal.demo;

import io.jhdf.HdfFile;
import io.jhdf.WritableHdfFile;
import io.jhdf.api.WritableGroup;
import io.jhdf.checksum.ChecksumUtils;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.jlrp.runtime.JlrpException;
import org.jlrp.runtime.explain.Explainer;
import org.jlrp.runtime.text.KerasTokenizer;

/**
 * The built-in demo: a tiny English sentiment CNN whose weights are set by hand, not trained, so that every number
 * in its explanations can be followed on paper. {@code jlrp explain --text "..."} uses it when no model is given.
 *
 * <p><b>Architecture</b> (Keras 2.4 Functional): {@code Input(50 int) → Embedding(V, 3) → Conv1D(4, width 3, valid,
 * relu) → GlobalMaxPooling1D → Dense(2, softmax)}, classes {@code negative}, {@code positive}.
 *
 * <p><b>Weights.</b> The embedding has three readable axes: <i>positive</i> strength, <i>negative</i> strength and
 * <i>negator</i> ("not", "never", "didn't"…). Padding (row 0), the OOV row (1) and neutral words are zero vectors,
 * so they get exactly zero relevance. Each filter looks at the last word of its 3-word window and at the two words
 * before it:
 * <ul>
 *   <li>filter 0, <i>positive</i>: the last word's positive strength, minus 2 per negator before it;</li>
 *   <li>filter 1, <i>negative</i>: the same for negative words;</li>
 *   <li>filter 2, <i>negated positive</i> ("not good"): positive strength + 1 per negator before it, bias −1, so
 *       it fires only when both are present (an AND gate);</li>
 *   <li>filter 3, <i>negated negative</i> ("not bad"): the same for negative words.</li>
 * </ul>
 * The Dense layer adds ±2 per filter (±1 for "not bad", which is only mildly positive) to the two logits, with no
 * bias. Because the AND gates carry a bias of −1, the biases absorb (negative) relevance on negated phrases: the
 * conservation line of a report shows it.
 *
 * <p><b>Files.</b> {@link #writeModel(Path)} writes a real Keras 2 full-model {@code .h5} ({@code model_config},
 * {@code keras_version}, {@code backend}, {@code model_weights} with {@code layer_names} and per-layer
 * {@code weight_names}, datasets {@code conv1d/conv1d/kernel:0}…), and {@link #writeTokenizer(Path)} the matching
 * Keras {@code Tokenizer.to_json()}. Both are deterministic: the same bytes on every write. {@link #files()} writes
 * them once into a cache folder keyed by {@link #VERSION}, and {@link #explainer()} loads the model through the
 * normal loader. One deviation from h5py's output: layers without weights get no {@code weight_names} attribute
 * (jhdf cannot write an empty attribute); Keras reads a missing attribute as an empty list.
 */
public final class DemoModel {

    /** Bump when the lexicon, weights or layout change: it keys the cache. */
    public static final String VERSION = "sentiment-v1";
    /** The model's input length: longer texts keep their last 50 words (truncating "pre"). */
    public static final int INPUT_LENGTH = 50;
    /** Class names in output order. */
    public static final List<String> LABELS = List.of("negative", "positive");
    /** Keras's OOV token; it takes index 1, as {@code Tokenizer(oov_token=...)} gives it. */
    public static final String OOV_TOKEN = "<OOV>";

    private static final int DIM = 3;
    private static final int POSITIVE = 0;
    private static final int NEGATIVE = 1;
    private static final int NEGATOR = 2;
    private static final int WIDTH = 3;
    private static final int FILTERS = 4;

    /** word → embedding row content, in word_index order (index 2, 3, …; 0 is padding, 1 the OOV token). */
    private static final Map<String, float[]> LEXICON = lexicon();

    private DemoModel() {
    }

    /** The cached model and tokenizer files. */
    public record DemoFiles(Path model, Path tokenizer) {
    }

    private static Map<String, float[]> lexicon() {
        Map<String, float[]> words = new LinkedHashMap<>();
        // Neutral words first: frequent words get small indices, as in a fitted Tokenizer.
        for (String w : ("the a and this film movie was is it of to i but at all that in its it's with for as "
                + "plot acting story actors ending script cast music scenes characters director one very really "
                + "so too quite just be been were are had has have my me you we they there than more some").split(" ")) {
            words.put(w, new float[DIM]);
        }
        for (String w : "not no never nothing hardly isn't wasn't aren't weren't don't doesn't didn't can't won't"
                .split(" ")) {
            words.put(w, axis(NEGATOR, 1f));
        }
        Object[][] positive = {{"great", 1f}, {"excellent", 1f}, {"wonderful", 1f}, {"brilliant", 1f},
            {"amazing", 1f}, {"superb", 1f}, {"masterpiece", 1f}, {"loved", 1f}, {"love", 0.9f}, {"best", 0.9f},
            {"enjoyed", 0.8f}, {"good", 0.8f}, {"beautiful", 0.8f}, {"recommend", 0.7f}, {"fun", 0.7f},
            {"funny", 0.6f}, {"nice", 0.6f}, {"liked", 0.6f}, {"like", 0.5f}, {"moving", 0.5f}, {"fine", 0.4f},
            {"decent", 0.4f}};
        Object[][] negative = {{"awful", 1f}, {"terrible", 1f}, {"horrible", 1f}, {"worst", 1f}, {"hated", 1f},
            {"hate", 0.9f}, {"boring", 0.9f}, {"waste", 0.9f}, {"bad", 0.8f}, {"dull", 0.8f},
            {"disappointing", 0.8f}, {"stupid", 0.8f}, {"poor", 0.7f}, {"mess", 0.7f}, {"weak", 0.6f},
            {"mediocre", 0.5f}, {"predictable", 0.5f}, {"slow", 0.4f}};
        for (Object[] p : positive) {
            words.put((String) p[0], axis(POSITIVE, (Float) p[1]));
        }
        for (Object[] n : negative) {
            words.put((String) n[0], axis(NEGATIVE, (Float) n[1]));
        }
        return words;
    }

    private static float[] axis(int axis, float value) {
        float[] v = new float[DIM];
        v[axis] = value;
        return v;
    }

    /** Vocabulary size: padding, the OOV token and the lexicon. */
    public static int vocabularySize() {
        return 2 + LEXICON.size();
    }

    // ------------------------------------------------------------------------------------------------ weights

    static float[][] embeddings() {
        float[][] e = new float[vocabularySize()][DIM];
        int row = 2;
        for (float[] v : LEXICON.values()) {
            e[row++] = v.clone();
        }
        return e;
    }

    /** Conv1D kernel {@code [width][in][filters]}; the "head" word is the last of the window (k = 2). */
    static float[][][] convKernel() {
        float[][][] k = new float[WIDTH][DIM][FILTERS];
        int head = WIDTH - 1;
        k[head][POSITIVE][0] = 1f;
        k[head][NEGATIVE][1] = 1f;
        k[head][POSITIVE][2] = 1f;
        k[head][NEGATIVE][3] = 1f;
        for (int before = 0; before < head; before++) {
            k[before][NEGATOR][0] = -2f; // "not good" must not count as good ...
            k[before][NEGATOR][1] = -2f;
            k[before][NEGATOR][2] = 1f;  // ... but as a negated positive, which needs both words (bias -1)
            k[before][NEGATOR][3] = 1f;
        }
        // A negator as the head word itself keeps "don't know, not" from reading as a negated phrase.
        k[head][NEGATOR][2] = -1f;
        k[head][NEGATOR][3] = -1f;
        return k;
    }

    static float[] convBias() {
        return new float[]{0f, 0f, -1f, -1f};
    }

    /** Dense kernel {@code [filters][classes]}: columns negative, positive. */
    static float[][] denseKernel() {
        return new float[][]{
            {-2f, 2f},  // positive word
            {2f, -2f},  // negative word
            {2f, -2f},  // negated positive: "not good"
            {-1f, 1f},  // negated negative: "not bad", mildly positive
        };
    }

    static float[] denseBias() {
        return new float[]{0f, 0f};
    }

    // ------------------------------------------------------------------------------------------------ files

    /** Writes the demo model as a Keras 2.4 full-model HDF5 file (the same bytes every time). */
    public static void writeModel(Path file) {
        try (WritableHdfFile hdf = HdfFile.write(file)) {
            // jhdf stamps its version, OS and CPU into the root; drop it so the bytes don't depend on the machine.
            hdf.removeAttribute("_jHDF");
            hdf.putAttribute("keras_version", "2.4.0");
            hdf.putAttribute("backend", "tensorflow");
            hdf.putAttribute("model_config", PythonJson.dumps(modelConfig()));
            WritableGroup weights = hdf.putGroup("model_weights");
            weights.putAttribute("layer_names", new String[]{"tokens", "embedding", "conv1d",
                "global_max_pooling1d", "dense"});
            weights.putAttribute("backend", "tensorflow");
            weights.putAttribute("keras_version", "2.4.0");
            weights.putGroup("tokens");
            putLayer(weights, "embedding", new String[]{"embeddings:0"}, new Object[]{embeddings()});
            putLayer(weights, "conv1d", new String[]{"kernel:0", "bias:0"}, new Object[]{convKernel(), convBias()});
            weights.putGroup("global_max_pooling1d");
            putLayer(weights, "dense", new String[]{"kernel:0", "bias:0"}, new Object[]{denseKernel(), denseBias()});
        } catch (RuntimeException e) {
            throw new JlrpException(file + ": cannot write the demo model (" + e + ")", e);
        }
        try {
            stripWriterStamp(file);
        } catch (IOException e) {
            throw new JlrpException(file + ": cannot write the demo model (" + e.getMessage() + ")", e);
        }
    }

    /**
     * jhdf appends "jHDF - version - OS - arch - byte order" after the last object (unreferenced bytes that the
     * superblock's end-of-file address covers). Cut it off and fix the superblock, so the file is the same on every
     * machine. Leaves the file alone if its layout is not the expected superblock v2/v3 one.
     */
    private static void stripWriterStamp(Path file) throws IOException {
        byte[] bytes = Files.readAllBytes(file);
        byte[] marker = "jHDF - ".getBytes(StandardCharsets.US_ASCII);
        int at = lastIndexOf(bytes, marker);
        int superblockVersion = bytes.length > 48 ? bytes[8] : -1;
        ByteBuffer header = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        if (at < 48 || (superblockVersion != 2 && superblockVersion != 3) || header.getLong(EOF_ADDRESS) != bytes.length
                || bytes.length - at > 200) {
            return;
        }
        byte[] trimmed = Arrays.copyOf(bytes, at);
        ByteBuffer b = ByteBuffer.wrap(trimmed).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(EOF_ADDRESS, trimmed.length);
        b.putInt(SUPERBLOCK_CHECKSUM, ChecksumUtils.checksum(Arrays.copyOf(trimmed, SUPERBLOCK_CHECKSUM)));
        Files.write(file, trimmed);
    }

    /** Superblock v2/v3: signature 8, versions and sizes 4, base address 8, extension address 8, then end of file. */
    private static final int EOF_ADDRESS = 28;
    private static final int SUPERBLOCK_CHECKSUM = 44;

    private static int lastIndexOf(byte[] haystack, byte[] needle) {
        outer:
        for (int i = haystack.length - needle.length; i >= 0; i--) {
            for (int j = 0; j < needle.length; j++) {
                if (haystack[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }

    private static void putLayer(WritableGroup weights, String layer, String[] names, Object[] values) {
        WritableGroup group = weights.putGroup(layer);
        String[] weightNames = new String[names.length];
        for (int i = 0; i < names.length; i++) {
            weightNames[i] = layer + "/" + names[i];
        }
        group.putAttribute("weight_names", weightNames);
        WritableGroup inner = group.putGroup(layer);
        for (int i = 0; i < names.length; i++) {
            inner.putDataset(names[i], values[i]);
        }
    }

    /** {@code {"class_name": "Functional", "config": model.get_config()}}, as Keras 2.4 stores it. */
    static Map<String, Object> modelConfig() {
        List<Object> layers = new ArrayList<>();
        Map<String, Object> input = map("batch_input_shape", shape(), "dtype", "int32", "sparse", false,
                "ragged", false, "name", "tokens");
        layers.add(layer("InputLayer", "tokens", input, null));
        layers.add(layer("Embedding", "embedding", map("name", "embedding", "trainable", true,
                "batch_input_shape", shape(), "dtype", "float32", "input_dim", vocabularySize(), "output_dim", DIM,
                "embeddings_initializer", map("class_name", "RandomUniform", "config",
                        map("minval", -0.05, "maxval", 0.05, "seed", null)),
                "embeddings_regularizer", null, "activity_regularizer", null, "embeddings_constraint", null,
                "mask_zero", false, "input_length", INPUT_LENGTH), "tokens"));
        layers.add(layer("Conv1D", "conv1d", map("name", "conv1d", "trainable", true, "dtype", "float32",
                "filters", FILTERS, "kernel_size", List.of(WIDTH), "strides", List.of(1), "padding", "valid",
                "data_format", "channels_last", "dilation_rate", List.of(1), "groups", 1, "activation", "relu",
                "use_bias", true, "kernel_initializer", glorot(), "bias_initializer", zeros(),
                "kernel_regularizer", null, "bias_regularizer", null, "activity_regularizer", null,
                "kernel_constraint", null, "bias_constraint", null), "embedding"));
        layers.add(layer("GlobalMaxPooling1D", "global_max_pooling1d", map("name", "global_max_pooling1d",
                "trainable", true, "dtype", "float32", "data_format", "channels_last"), "conv1d"));
        layers.add(layer("Dense", "dense", map("name", "dense", "trainable", true, "dtype", "float32",
                "units", LABELS.size(), "activation", "softmax", "use_bias", true, "kernel_initializer", glorot(),
                "bias_initializer", zeros(), "kernel_regularizer", null, "bias_regularizer", null,
                "activity_regularizer", null, "kernel_constraint", null, "bias_constraint", null),
                "global_max_pooling1d"));
        Map<String, Object> config = map("name", "demo_sentiment_cnn", "layers", layers,
                "input_layers", List.of(List.of("tokens", 0, 0)), "output_layers", List.of(List.of("dense", 0, 0)));
        return map("class_name", "Functional", "config", config);
    }

    private static List<Object> shape() {
        List<Object> s = new ArrayList<>();
        s.add(null);
        s.add(INPUT_LENGTH);
        return s;
    }

    private static Map<String, Object> glorot() {
        return map("class_name", "GlorotUniform", "config", map("seed", null));
    }

    private static Map<String, Object> zeros() {
        return map("class_name", "Zeros", "config", map());
    }

    private static Map<String, Object> layer(String cls, String name, Map<String, Object> config, String inbound) {
        List<Object> nodes = inbound == null ? List.of()
                : List.of(List.of(List.of(inbound, 0, 0, map())));
        return map("class_name", cls, "config", config, "name", name, "inbound_nodes", nodes);
    }

    private static Map<String, Object> map(Object... keyValues) {
        Map<String, Object> m = new LinkedHashMap<>();
        for (int i = 0; i < keyValues.length; i += 2) {
            m.put((String) keyValues[i], keyValues[i + 1]);
        }
        return m;
    }

    /** Writes the matching Keras {@code Tokenizer.to_json()} (default filters, lower, split " ", OOV token). */
    public static void writeTokenizer(Path file) {
        try {
            Files.writeString(file, tokenizerJson(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new JlrpException(file + ": cannot write the demo tokenizer (" + e.getMessage() + ")", e);
        }
    }

    static String tokenizerJson() {
        // A fitted Tokenizer orders word_index by descending count; invent counts that give the lexicon's order.
        Map<String, Object> wordCounts = new LinkedHashMap<>();
        Map<String, Object> wordIndex = new LinkedHashMap<>();
        Map<String, Object> indexWord = new LinkedHashMap<>();
        Map<String, Object> indexDocs = new LinkedHashMap<>();
        wordIndex.put(OOV_TOKEN, 1);
        indexWord.put("1", OOV_TOKEN);
        int index = 2;
        int count = LEXICON.size();
        for (String w : LEXICON.keySet()) {
            wordCounts.put(w, count);
            wordIndex.put(w, index);
            indexWord.put(Integer.toString(index), w);
            indexDocs.put(Integer.toString(index), count);
            index++;
            count--;
        }
        Map<String, Object> config = map("num_words", null, "filters", KerasTokenizer.DEFAULT_FILTERS,
                "lower", true, "split", " ", "char_level", false, "oov_token", OOV_TOKEN,
                "document_count", LEXICON.size(), "word_counts", PythonJson.dumps(wordCounts),
                "word_docs", PythonJson.dumps(wordCounts), "index_docs", PythonJson.dumps(indexDocs),
                "index_word", PythonJson.dumps(indexWord), "word_index", PythonJson.dumps(wordIndex));
        return PythonJson.dumps(map("class_name", "Tokenizer", "config", config));
    }

    // ------------------------------------------------------------------------------------------------ cache

    /**
     * The demo files in the cache folder, written on first use: {@code -Djlrp.cache.dir}, else {@code $JLRP_CACHE_DIR},
     * else {@code $XDG_CACHE_HOME/jlrp}, else {@code ~/.cache/jlrp}; the system temp folder when none is writable.
     */
    public static DemoFiles files() {
        Path dir = cacheDir();
        Path model = dir.resolve("demo-" + VERSION + ".h5");
        Path tokenizer = dir.resolve("demo-" + VERSION + ".tokenizer.json");
        if (!Files.isRegularFile(model)) {
            publish(dir, model, DemoModel::writeModel);
        }
        if (!Files.isRegularFile(tokenizer)) {
            publish(dir, tokenizer, DemoModel::writeTokenizer);
        }
        return new DemoFiles(model, tokenizer);
    }

    /** Loads the cached demo model through the normal loader, rewriting the cache once if it is damaged. */
    public static Explainer explainer() {
        DemoFiles f = files();
        try {
            return Explainer.load(f.model());
        } catch (JlrpException damaged) {
            publish(f.model().getParent(), f.model(), DemoModel::writeModel);
            return Explainer.load(f.model());
        }
    }

    /** The demo tokenizer, from the cache. */
    public static KerasTokenizer tokenizer() {
        DemoFiles f = files();
        try {
            return KerasTokenizer.load(f.tokenizer());
        } catch (JlrpException damaged) {
            publish(f.tokenizer().getParent(), f.tokenizer(), DemoModel::writeTokenizer);
            return KerasTokenizer.load(f.tokenizer());
        }
    }

    /** Writes to a private temporary file, then moves it into place, so concurrent first uses never see half a file. */
    private static void publish(Path dir, Path target, Consumer<Path> writer) {
        Path tmp = null;
        try {
            tmp = Files.createTempFile(dir, target.getFileName().toString(), ".tmp");
            Files.delete(tmp); // jhdf creates the file itself
            writer.accept(tmp);
            try {
                Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE,
                        StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
            }
        } catch (IOException e) {
            throw new JlrpException(target + ": cannot write the demo file (" + e.getMessage() + ")", e);
        } finally {
            if (tmp != null) {
                try {
                    Files.deleteIfExists(tmp);
                } catch (IOException ignored) {
                    // best effort: a stray temp file in the cache is harmless
                }
            }
        }
    }

    static Path cacheDir() {
        List<Path> candidates = new ArrayList<>();
        String property = System.getProperty("jlrp.cache.dir");
        String env = System.getenv("JLRP_CACHE_DIR");
        String xdg = System.getenv("XDG_CACHE_HOME");
        String home = System.getProperty("user.home");
        if (property != null && !property.isBlank()) {
            candidates.add(Path.of(property));
        } else if (env != null && !env.isBlank()) {
            candidates.add(Path.of(env));
        } else {
            if (xdg != null && !xdg.isBlank()) {
                candidates.add(Path.of(xdg, "jlrp"));
            }
            if (home != null && !home.isBlank()) {
                candidates.add(Path.of(home, ".cache", "jlrp"));
            }
        }
        candidates.add(Path.of(System.getProperty("java.io.tmpdir"), "jlrp-cache"));
        for (Path dir : candidates) {
            try {
                Files.createDirectories(dir);
                if (Files.isWritable(dir)) {
                    return dir;
                }
            } catch (IOException | SecurityException e) {
                // try the next candidate
            }
        }
        throw new JlrpException("no writable cache folder for the demo model (tried " + candidates
                + "); set JLRP_CACHE_DIR");
    }
}
