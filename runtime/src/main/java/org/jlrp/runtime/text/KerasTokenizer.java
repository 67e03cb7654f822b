package org.jlrp.runtime.text;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.jlrp.runtime.JlrpException;

/**
 * Text → token ids exactly as Keras's {@code Tokenizer.texts_to_sequences} does it (keras_preprocessing 1.1, and
 * the same code in {@code keras.src.legacy.preprocessing.text}):
 * <ol>
 *   <li>word level: lower-case (when {@code lower}), replace every character of {@code filters} by {@code split},
 *       split on {@code split}, drop empty pieces; character level: lower-case only, <b>no filters</b>, one token
 *       per character (Unicode code point, as Python iterates a {@code str});</li>
 *   <li>look each token up in {@code word_index}; an id ≥ {@code num_words} (when set) and a token not in the
 *       index become the OOV token's id when {@code oov_token} is set, and are dropped otherwise.</li>
 * </ol>
 * Reads a {@code Tokenizer.to_json()} file (where {@code word_index} and friends are JSON strings inside the
 * config) or a plain {@code {"word": id}} JSON, which gets Keras's default settings. As a {@link TextEncoder} it fits
 * ids to a model's length with {@code pad_sequences}' defaults (pre, pre, id 0) unless {@link #withPadding} says
 * otherwise. Instances are immutable.
 *
 * <pre>{@code
 * KerasTokenizer tokenizer = KerasTokenizer.load(Path.of("tokenizer.json"));
 * KerasTokenizer.Encoded e = tokenizer.encode("This film was not good at all");
 * int[] ids = Sequences.pad(e.ids(), 50, Sequences.Side.PRE, Sequences.Side.PRE, 0);
 * String[] words = Sequences.padWords(e.words(), 50, Sequences.Side.PRE, Sequences.Side.PRE);
 * }</pre>
 */
public final class KerasTokenizer implements TextEncoder {

    /** Keras's default {@code filters}: punctuation, tab and newline (the apostrophe is not among them). */
    public static final String DEFAULT_FILTERS = "!\"#$%&()*+,-./:;<=>?@[\\]^_`{|}~\t\n";

    private static final ObjectMapper JSON = new ObjectMapper();

    private final Map<String, Integer> wordIndex;
    private final Map<Integer, String> indexWord;
    private final Integer numWords;
    private final String filters;
    private final Set<Integer> filterCodePoints;
    private final boolean lower;
    private final String split;
    private final boolean charLevel;
    private final String oovToken;
    private final Integer unknownId;
    private final Sequences.Side padding;
    private final Sequences.Side truncating;
    private final int padId;

    /**
     * A tokenizer with explicit settings, as {@code Tokenizer(num_words, filters, lower, split, char_level,
     * oov_token)} with a fitted {@code word_index}.
     *
     * @param numWords null (or 0) for no cut-off
     * @param oovToken null to drop unknown words
     */
    public KerasTokenizer(Map<String, Integer> wordIndex, Integer numWords, String filters, boolean lower, String split,
                          boolean charLevel, String oovToken) {
        this(wordIndex, null, numWords, filters, lower, split, charLevel, oovToken, null, Sequences.Side.PRE,
                Sequences.Side.PRE, 0);
    }

    private KerasTokenizer(Map<String, Integer> wordIndex, Map<Integer, String> indexWord, Integer numWords,
                           String filters, boolean lower, String split, boolean charLevel, String oovToken,
                           Integer unknownId, Sequences.Side padding, Sequences.Side truncating, int padId) {
        if (split == null || split.isEmpty()) {
            throw new JlrpException("the tokenizer's split string is empty");
        }
        this.wordIndex = Collections.unmodifiableMap(new LinkedHashMap<>(wordIndex));
        if (indexWord == null) {
            indexWord = new HashMap<>();
            for (Map.Entry<String, Integer> e : wordIndex.entrySet()) {
                indexWord.put(e.getValue(), e.getKey()); // Keras: {c: w for w, c in word_index.items()}
            }
        }
        this.indexWord = Collections.unmodifiableMap(indexWord);
        this.numWords = numWords != null && numWords == 0 ? null : numWords; // Python: `if num_words and ...`
        this.filters = filters == null ? "" : filters;
        this.filterCodePoints = new HashSet<>();
        this.filters.codePoints().forEach(filterCodePoints::add);
        this.lower = lower;
        this.split = split;
        this.charLevel = charLevel;
        this.oovToken = oovToken;
        this.unknownId = unknownId;
        if (padding == null || truncating == null) {
            throw new JlrpException("the tokenizer's padding and truncating sides must be given");
        }
        this.padding = padding;
        this.truncating = truncating;
        this.padId = padId;
    }

    /** A plain word→index map with Keras's defaults: default filters, lower-case, split on " ", unknown dropped. */
    public static KerasTokenizer ofWordIndex(Map<String, Integer> wordIndex) {
        return new KerasTokenizer(wordIndex, null, DEFAULT_FILTERS, true, " ", false, null);
    }

    /**
     * This tokenizer, but mapping words it would drop (not in the index, or over {@code num_words}, with no
     * {@code oov_token}) to {@code id} instead. Not Keras's behaviour: many projects with a plain dictionary map
     * unknown words to 0 themselves.
     */
    public KerasTokenizer withUnknownId(int id) {
        return new KerasTokenizer(wordIndex, indexWord, numWords, filters, lower, split, charLevel, oovToken, id,
                padding, truncating, padId);
    }

    /**
     * This tokenizer, fitting texts to a model's length as {@code pad_sequences(padding=..., truncating=...,
     * value=padId)} does; a tokenizer pads and truncates at the start with id 0 (Keras's defaults) until told
     * otherwise.
     */
    public KerasTokenizer withPadding(Sequences.Side padding, Sequences.Side truncating, int padId) {
        return new KerasTokenizer(wordIndex, indexWord, numWords, filters, lower, split, charLevel, oovToken,
                unknownId, padding, truncating, padId);
    }

    @Override
    public Sequences.Side padding() {
        return padding;
    }

    @Override
    public Sequences.Side truncating() {
        return truncating;
    }

    @Override
    public int padId() {
        return padId;
    }

    /**
     * Loads a {@code Tokenizer.to_json()} file, its bare {@code config} object, or a plain word→index JSON.
     *
     * @throws JlrpException naming the file and what is wrong with it
     */
    public static KerasTokenizer load(Path file) {
        JsonNode root;
        try {
            root = JSON.readTree(Files.readAllBytes(file));
        } catch (JsonProcessingException e) {
            throw new JlrpException(file + ": not a JSON file (" + e.getOriginalMessage() + ")", e);
        } catch (IOException e) {
            throw new JlrpException(file + ": cannot read the tokenizer (" + e.getMessage() + ")", e);
        }
        return parse(root, file.toString());
    }

    /**
     * Parses the JSON text of a file {@link #load(Path)} reads; {@code source} names it in errors.
     *
     * @throws JlrpException naming the source and what is wrong with it
     */
    public static KerasTokenizer parse(String json, String source) {
        try {
            return parse(JSON.readTree(json), source);
        } catch (JsonProcessingException e) {
            throw new JlrpException(source + ": not a JSON file (" + e.getOriginalMessage() + ")", e);
        }
    }

    private static KerasTokenizer parse(JsonNode root, String source) {
        if (root == null || !root.isObject()) {
            throw new JlrpException(source + ": a tokenizer must be a JSON object (Tokenizer.to_json() or "
                    + "{\"word\": index})");
        }
        JsonNode config = root.has("config") && root.get("config").isObject() ? root.get("config")
                : root.has("word_index") ? root : null;
        if (config == null) {
            return ofWordIndex(readWordIndex(root, source, "the word index"));
        }
        String cls = root.path("class_name").asText("Tokenizer");
        if (!cls.equals("Tokenizer")) {
            throw new JlrpException(source + ": class_name is '" + cls + "', expected Tokenizer");
        }
        JsonNode wordIndexNode = embeddedJson(config.get("word_index"), source, "word_index");
        if (wordIndexNode == null) {
            throw new JlrpException(source + ": the tokenizer config has no word_index");
        }
        Map<String, Integer> wordIndex = readWordIndex(wordIndexNode, source, "word_index");
        Map<Integer, String> indexWord = null;
        JsonNode indexWordNode = embeddedJson(config.get("index_word"), source, "index_word");
        if (indexWordNode != null && indexWordNode.isObject()) {
            indexWord = new HashMap<>();
            for (Iterator<Map.Entry<String, JsonNode>> it = indexWordNode.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                try {
                    indexWord.put(Integer.parseInt(e.getKey().trim()), e.getValue().asText());
                } catch (NumberFormatException bad) {
                    throw new JlrpException(source + ": index_word key '" + e.getKey() + "' is not an integer");
                }
            }
        }
        JsonNode numWords = config.get("num_words");
        Integer n = null;
        if (numWords != null && !numWords.isNull()) {
            if (!numWords.canConvertToInt() || numWords.asInt() < 0) {
                throw new JlrpException(source + ": num_words must be null or a non-negative integer, got "
                        + numWords);
            }
            n = numWords.asInt();
        }
        JsonNode filters = config.get("filters");
        String split = config.path("split").isTextual() ? config.get("split").asText() : " ";
        if (split.isEmpty()) {
            throw new JlrpException(source + ": the tokenizer's split is the empty string");
        }
        JsonNode oov = config.get("oov_token");
        return new KerasTokenizer(wordIndex, indexWord, n,
                filters == null || filters.isNull() ? DEFAULT_FILTERS : filters.asText(),
                config.path("lower").asBoolean(true), split, config.path("char_level").asBoolean(false),
                oov == null || oov.isNull() ? null : oov.asText(), null, Sequences.Side.PRE, Sequences.Side.PRE, 0);
    }

    /** Keras stores {@code word_index} etc. as JSON text inside the config; some hand-made files inline them. */
    private static JsonNode embeddedJson(JsonNode node, String source, String field) {
        if (node == null || node.isNull()) {
            return null;
        }
        if (node.isTextual()) {
            try {
                return JSON.readTree(node.asText());
            } catch (JsonProcessingException e) {
                throw new JlrpException(source + ": " + field + " is not valid JSON (" + e.getOriginalMessage()
                        + ")", e);
            }
        }
        return node;
    }

    private static Map<String, Integer> readWordIndex(JsonNode node, String source, String what) {
        if (!node.isObject()) {
            throw new JlrpException(source + ": " + what + " is not a JSON object of word → index");
        }
        Map<String, Integer> index = new LinkedHashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            JsonNode v = e.getValue();
            if (!v.isIntegralNumber() || !v.canConvertToInt() || v.asInt() < 0) {
                throw new JlrpException(source + ": " + what + " maps '" + e.getKey() + "' to " + v
                        + ", not a non-negative integer index");
            }
            index.put(e.getKey(), v.asInt());
        }
        if (index.isEmpty()) {
            throw new JlrpException(source + ": " + what + " is empty");
        }
        return index;
    }

    /**
     * One text, encoded.
     *
     * @param ids     the token ids, as {@code texts_to_sequences} gives them (no padding)
     * @param words   for each id, the token it came from (after lower-casing and filtering)
     * @param dropped tokens that got no id (unknown or over {@code num_words}, with no OOV token), in order
     * @param oov     tokens that got the OOV token's id or the {@link #withUnknownId(int) unknown id}, in order
     */
    public record Encoded(int[] ids, String[] words, List<String> dropped, List<String> oov) {

        /** The unknown words of this text, for reports. */
        public UnknownWords unknownWords() {
            return new UnknownWords(dropped, oov, ids.length - oov.size());
        }
    }

    /** The tokens of a text before lookup: Keras's {@code text_to_word_sequence}, or its characters. */
    public List<String> tokens(String text) {
        List<String> out = new ArrayList<>();
        if (charLevel) {
            String t = lower ? text.toLowerCase(Locale.ROOT) : text;
            t.codePoints().forEach(cp -> out.add(new String(Character.toChars(cp))));
            return out;
        }
        String t = lower ? text.toLowerCase(Locale.ROOT) : text;
        StringBuilder translated = new StringBuilder(t.length());
        t.codePoints().forEach(cp -> {
            if (filterCodePoints.contains(cp)) {
                translated.append(split);
            } else {
                translated.appendCodePoint(cp);
            }
        });
        String s = translated.toString();
        int from = 0;
        while (true) {
            int at = s.indexOf(split, from);
            String piece = at < 0 ? s.substring(from) : s.substring(from, at);
            if (!piece.isEmpty()) {
                out.add(piece);
            }
            if (at < 0) {
                return out;
            }
            from = at + split.length();
        }
    }

    /** {@code texts_to_sequences([text])[0]}, with the token behind each id. */
    @Override
    public Encoded encode(String text) {
        Integer oovIndex = oovToken == null ? null : wordIndex.get(oovToken);
        List<String> tokens = tokens(text);
        int[] ids = new int[tokens.size()];
        String[] words = new String[tokens.size()];
        List<String> dropped = new ArrayList<>();
        List<String> oov = new ArrayList<>();
        int n = 0;
        for (String token : tokens) {
            Integer id = wordIndex.get(token);
            boolean unknown = id == null || numWords != null && id >= numWords;
            if (id != null && numWords != null && id >= numWords) {
                id = oovIndex;
            } else if (id == null && oovToken != null) {
                id = oovIndex;
            }
            if (id == null) {
                id = unknownId;
            }
            if (id == null) {
                dropped.add(token);
                continue;
            }
            if (unknown) {
                oov.add(token);
            }
            ids[n] = id;
            words[n] = token;
            n++;
        }
        return new Encoded(java.util.Arrays.copyOf(ids, n), java.util.Arrays.copyOf(words, n), List.copyOf(dropped),
                List.copyOf(oov));
    }

    /** The word for an id ({@code index_word}), or null. */
    @Override
    public String wordOf(int id) {
        return indexWord.get(id);
    }

    /** Each id's word ({@link #wordOf}) for token-id input; null at padding ({@code padId}) and unknown ids. */
    public String[] words(int[] ids, int padId) {
        String[] w = new String[ids.length];
        for (int t = 0; t < ids.length; t++) {
            w[t] = ids[t] == padId ? null : wordOf(ids[t]);
        }
        return w;
    }

    /** {@code word_index}: unmodifiable, in the file's order. */
    public Map<String, Integer> wordIndex() {
        return wordIndex;
    }

    /** The largest id this tokenizer can produce, for checking it against a model's vocabulary. */
    public int maxId() {
        int max = unknownId == null ? 0 : unknownId;
        for (int id : wordIndex.values()) {
            if (numWords == null || id < numWords) {
                max = Math.max(max, id);
            }
        }
        Integer oov = oovToken == null ? null : wordIndex.get(oovToken);
        return oov == null ? max : Math.max(max, oov);
    }

    public Integer numWords() {
        return numWords;
    }

    public String filters() {
        return filters;
    }

    public boolean lower() {
        return lower;
    }

    public String split() {
        return split;
    }

    public boolean charLevel() {
        return charLevel;
    }

    public String oovToken() {
        return oovToken;
    }
}
