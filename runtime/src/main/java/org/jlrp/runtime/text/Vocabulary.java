package org.jlrp.runtime.text;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import org.jlrp.runtime.JlrpException;

/**
 * A plain vocabulary, as PyTorch and ONNX projects ship one beside their model: a {@code {"token": id}} JSON object
 * or a file of one token per line (the line number, from 0, is the id). Its {@link #tokenizer} splits a text the way
 * the project did (characters, Keras-style words or whitespace-separated words), optionally lower-cased, and maps
 * unknown tokens to an id or drops them; padding and truncation are {@link Sequences}'. The result is a
 * {@link KerasTokenizer} with those settings, so everything that takes one (reports, {@link TextBatch}) takes it.
 *
 * <pre>{@code
 * Map<String, Integer> index = Vocabulary.read(Path.of("char2idx.json"));
 * KerasTokenizer chars = Vocabulary.tokenizer(index, Vocabulary.Split.CHARACTER, true, 0);
 * int[] ids = Sequences.pad(chars.encode("example.com/login").ids(), 200, Sequences.Side.POST,
 *         Sequences.Side.POST, 0);
 * }</pre>
 */
public final class Vocabulary {

    private static final ObjectMapper JSON = new ObjectMapper();

    /** How a text is cut into tokens. */
    public enum Split {
        /** One token per character (Unicode code point, as Python iterates a {@code str}); nothing is removed. */
        CHARACTER,
        /**
         * Keras's {@code text_to_word_sequence}: punctuation ({@link KerasTokenizer#DEFAULT_FILTERS}) removed, split on
         * spaces.
         */
        WORD,
        /** Python's {@code str.split()}: split on runs of spaces, tabs and line breaks; punctuation stays. */
        WHITESPACE;

        /** {@code char}, {@code word} or {@code whitespace}, as the CLI's {@code --split} takes them. */
        public static Split parse(String text, String option) {
            String t = text == null ? "" : text.trim().toLowerCase(Locale.ROOT);
            return switch (t) {
                case "char", "character" -> CHARACTER;
                case "word" -> WORD;
                case "whitespace" -> WHITESPACE;
                default -> throw new JlrpException(option + " must be char, word or whitespace, "
                        + "got '" + text + "'");
            };
        }
    }

    private Vocabulary() {
    }

    /**
     * Reads a vocabulary: a JSON object of token → non-negative id, or (any file that is not one) one token per line,
     * UTF-8, the line number from 0 being the id. Lines are taken as they are (a line holding one space is the space
     * token) but for a final carriage return; an empty line is an id without a token; a token seen twice keeps its
     * first id.
     *
     * @throws JlrpException naming the file and what is wrong with it
     */
    public static Map<String, Integer> read(Path file) {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (IOException e) {
            throw new JlrpException(file + ": cannot read the vocabulary (" + e.getMessage() + ")",
                    e);
        }
        String text;
        try {
            text = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            throw new JlrpException(file + ": the vocabulary is not UTF-8 text", e);
        }
        if (text.startsWith("\uFEFF")) {
            text = text.substring(1);
        }
        if (text.strip().startsWith("{")) {
            return readJson(text, file.toString());
        }
        Map<String, Integer> index = new LinkedHashMap<>();
        String[] lines = text.split("\n", -1);
        int count = text.endsWith("\n") ? lines.length - 1 : lines.length;
        for (int id = 0; id < count; id++) {
            String token = lines[id].endsWith("\r") ? lines[id].substring(0, lines[id].length() - 1) : lines[id];
            if (!token.isEmpty()) {
                index.putIfAbsent(token, id);
            }
        }
        if (index.isEmpty()) {
            throw new JlrpException(file + ": the vocabulary is empty");
        }
        return index;
    }

    private static Map<String, Integer> readJson(String text, String source) {
        JsonNode root;
        try {
            root = JSON.readTree(text);
        } catch (JsonProcessingException e) {
            throw new JlrpException(source + ": not a JSON file (" + e.getOriginalMessage() + ")",
                    e);
        }
        if (root == null || !root.isObject()) {
            throw new JlrpException(source + ": a JSON vocabulary must be an object of token → id");
        }
        Map<String, Integer> index = new LinkedHashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = root.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            JsonNode v = e.getValue();
            if (!v.isIntegralNumber() || !v.canConvertToInt() || v.asInt() < 0) {
                throw new JlrpException(source + ": the vocabulary maps '" + e.getKey() + "' to " + v
                        + ", not a non-negative integer id");
            }
            index.put(e.getKey(), v.asInt());
        }
        if (index.isEmpty()) {
            throw new JlrpException(source + ": the vocabulary is empty");
        }
        return index;
    }

    /**
     * A tokenizer over a vocabulary.
     *
     * @param lower     lower-case the text first ({@link Locale#ROOT}, as Python's {@code str.lower()} for most
     *                  scripts)
     * @param unknownId the id of a token the vocabulary lacks, or null to drop such tokens
     */
    public static KerasTokenizer tokenizer(Map<String, Integer> vocabulary, Split split, boolean lower,
                                           Integer unknownId) {
        KerasTokenizer t = switch (split) {
            case CHARACTER -> new KerasTokenizer(vocabulary, null, "", lower, " ", true, null);
            case WORD -> new KerasTokenizer(vocabulary, null, KerasTokenizer.DEFAULT_FILTERS, lower, " ", false,
                    null);
            // Tabs and line breaks become the split string: runs of whitespace, as str.split() without arguments.
            case WHITESPACE -> new KerasTokenizer(vocabulary, null, "\t\n\r\u000b\f", lower, " ", false, null);
        };
        return unknownId == null ? t : t.withUnknownId(unknownId);
    }
}
