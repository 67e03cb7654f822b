package org.jlrp.runtime.text;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.jlrp.runtime.JlrpException;

/**
 * Text → token ids exactly as a Keras {@code TextVectorization(output_mode="int")} layer computes them, for models
 * that carry the layer as their first layer (TensorFlow and Keras 3 semantics):
 * <ol>
 *   <li>standardize: {@code lower} lower-cases ASCII {@code A–Z} only; {@code strip_punctuation} deletes the 32
 *       ASCII punctuation characters {@code !"#$%&'()*+,-./:;<=>?@[\]^_`{|}~}; {@code lower_and_strip_punctuation}
 *       does both; {@code null} neither;</li>
 *   <li>split: {@code whitespace} at runs of {@code ' ', \t, \n, \u000B, \f, \r} (empty pieces dropped; a no-break
 *       space belongs to its token), {@code character} into Unicode code points, {@code null} not at all;</li>
 *   <li>look each token up in the vocabulary, where line 0 is {@code ""} (the mask, id 0) and line 1 the OOV token
 *       ({@code [UNK]}, id 1): an unknown token gets id 1;</li>
 *   <li>with an {@code output_sequence_length}, keep the first ids and pad with 0 at the end.</li>
 * </ol>
 * As a {@link TextEncoder} it pads and truncates at the end with id 0, as the layer does. Immutable.
 *
 * <pre>{@code
 * TextVectorizer v = new TextVectorizer(List.of("", "[UNK]", "good", "film"), "lower_and_strip_punctuation",
 *         "whitespace", 5);
 * int[] ids = v.vectorize("A good film!");   // 1 2 3 0 0
 * }</pre>
 */
public final class TextVectorizer implements TextEncoder {

    /** Keras's {@code DEFAULT_STRIP_REGEX} as a set: the ASCII punctuation characters. */
    private static final String PUNCTUATION = "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~";

    private final List<String> vocabulary;
    private final Map<String, Integer> index;
    private final String standardize;
    private final String split;
    private final int outputSequenceLength;

    /**
     * @param vocabulary           the lookup table, id = position: {@code ""} then the OOV token, then the tokens
     * @param standardize          {@code lower_and_strip_punctuation}, {@code lower}, {@code strip_punctuation} or
     *                             null (none)
     * @param split                {@code whitespace}, {@code character} or null (none)
     * @param outputSequenceLength the number of ids of every text, or -1 for as many as it has tokens
     * @throws JlrpException for another standardize or split, or a vocabulary without the mask and OOV tokens
     */
    public TextVectorizer(List<String> vocabulary, String standardize, String split, int outputSequenceLength) {
        this.vocabulary = List.copyOf(vocabulary);
        if (this.vocabulary.size() < 2 || !this.vocabulary.get(0).isEmpty()) {
            throw new JlrpException("a TextVectorization vocabulary starts with the mask token \"\" and the OOV "
                    + "token; this one starts with " + this.vocabulary.subList(0, Math.min(2, this.vocabulary.size())));
        }
        if (standardize != null && !List.of("lower_and_strip_punctuation", "lower", "strip_punctuation")
                .contains(standardize)) {
            throw new JlrpException("TextVectorization standardize '" + standardize + "' is not one jlrp knows "
                    + "(lower_and_strip_punctuation, lower, strip_punctuation or none)");
        }
        if (split != null && !List.of("whitespace", "character").contains(split)) {
            throw new JlrpException("TextVectorization split '" + split + "' is not one jlrp knows (whitespace, "
                    + "character or none)");
        }
        if (outputSequenceLength < 1 && outputSequenceLength != -1) {
            throw new JlrpException("TextVectorization output_sequence_length " + outputSequenceLength
                    + " is not positive");
        }
        this.standardize = standardize;
        this.split = split;
        this.outputSequenceLength = outputSequenceLength;
        this.index = new HashMap<>();
        for (int i = this.vocabulary.size() - 1; i >= 0; i--) {
            index.put(this.vocabulary.get(i), i); // the first occurrence wins, as in a lookup table built in order
        }
    }

    /**
     * A vocabulary file's lines as Keras reads them: text mode, then Python's {@code str.splitlines()}, which breaks
     * at {@code \n}, {@code \r}, {@code \r\n}, {@code \u000B}, {@code \f}, {@code \u001C–\u001E}, {@code \u0085},
     * {@code \u2028} and {@code \u2029}.
     */
    public static List<String> vocabularyLines(String text) {
        List<String> lines = new ArrayList<>();
        StringBuilder line = new StringBuilder();
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            boolean breaks = c == '\n' || c == '\r' || c == '\u000B' || c == '\f' || c >= '\u001C' && c <= '\u001E'
                    || c == '\u0085' || c == '\u2028' || c == '\u2029';
            if (!breaks) {
                line.append(c);
                continue;
            }
            if (c == '\r' && i + 1 < text.length() && text.charAt(i + 1) == '\n') {
                i++;
            }
            lines.add(line.toString());
            line.setLength(0);
        }
        if (line.length() > 0) {
            lines.add(line.toString());
        }
        return lines;
    }

    /** The tokens of a text before lookup: standardized and split. */
    public List<String> tokens(String text) {
        String t = text;
        if ("lower".equals(standardize) || "lower_and_strip_punctuation".equals(standardize)) {
            StringBuilder b = new StringBuilder(t.length());
            for (int i = 0; i < t.length(); i++) {
                char c = t.charAt(i);
                b.append(c >= 'A' && c <= 'Z' ? (char) (c + 32) : c);
            }
            t = b.toString();
        }
        if ("strip_punctuation".equals(standardize) || "lower_and_strip_punctuation".equals(standardize)) {
            StringBuilder b = new StringBuilder(t.length());
            for (int i = 0; i < t.length(); i++) {
                char c = t.charAt(i);
                if (PUNCTUATION.indexOf(c) < 0) {
                    b.append(c);
                }
            }
            t = b.toString();
        }
        List<String> out = new ArrayList<>();
        if (split == null) {
            out.add(t);
        } else if (split.equals("character")) {
            t.codePoints().forEach(cp -> out.add(new String(Character.toChars(cp))));
        } else {
            int from = -1;
            for (int i = 0; i <= t.length(); i++) {
                boolean space = i == t.length() || " \t\n\u000B\f\r".indexOf(t.charAt(i)) >= 0;
                if (space && from >= 0) {
                    out.add(t.substring(from, i));
                    from = -1;
                } else if (!space && from < 0) {
                    from = i;
                }
            }
        }
        return out;
    }

    /**
     * One text's ids before padding (at most {@code output_sequence_length}, the first ones), with the token behind
     * each id and the tokens that got the OOV id; pad with {@link Sequences#pad} at the end
     * ({@link Sequences.Side#POST}, id 0) or use {@link #vectorize}.
     */
    @Override
    public KerasTokenizer.Encoded encode(String text) {
        List<String> tokens = tokens(text);
        int n = outputSequenceLength < 0 ? tokens.size() : Math.min(outputSequenceLength, tokens.size());
        int[] ids = new int[n];
        String[] words = new String[n];
        List<String> oov = new ArrayList<>();
        for (int t = 0; t < n; t++) {
            String token = tokens.get(t);
            Integer id = index.get(token);
            if (id == null || id == 1) {
                oov.add(token);
            }
            ids[t] = id == null ? 1 : id;
            words[t] = token;
        }
        return new KerasTokenizer.Encoded(ids, words, List.of(), oov);
    }

    /** The layer's output for one text: {@link #encode}'s ids, 0-padded at the end to the output length. */
    public int[] vectorize(String text) {
        int[] ids = encode(text).ids();
        return outputSequenceLength < 0 ? ids : java.util.Arrays.copyOf(ids, outputSequenceLength);
    }

    /** The layer pads at the end. */
    @Override
    public Sequences.Side padding() {
        return Sequences.Side.POST;
    }

    /** The layer keeps the first ids. */
    @Override
    public Sequences.Side truncating() {
        return Sequences.Side.POST;
    }

    /** The mask id, 0. */
    @Override
    public int padId() {
        return 0;
    }

    /** The token of an id, or null when the vocabulary has none. */
    @Override
    public String wordOf(int id) {
        return id >= 0 && id < vocabulary.size() ? vocabulary.get(id) : null;
    }

    /** The vocabulary, id = position. */
    public List<String> vocabulary() {
        return vocabulary;
    }

    /** The number of ids of every text, or -1 when each text keeps its own length. */
    public int outputSequenceLength() {
        return outputSequenceLength;
    }

    /** One line for reports, e.g. {@code standardize lower_and_strip_punctuation, split whitespace, 1000 tokens}. */
    public String describe() {
        return "standardize " + (standardize == null ? "none" : standardize) + ", split "
                + (split == null ? "none" : split) + ", " + vocabulary.size() + " tokens"
                + (outputSequenceLength < 0 ? "" : ", " + outputSequenceLength + " ids (0-padded at the end)");
    }
}
