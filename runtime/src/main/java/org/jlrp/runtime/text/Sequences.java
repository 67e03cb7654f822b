package org.jlrp.runtime.text;

import java.util.Arrays;
import java.util.Locale;
import org.jlrp.runtime.JlrpException;

/** Keras {@code pad_sequences} for one sequence: fit token ids to the model's input length. */
public final class Sequences {

    /** Where padding goes, or which end truncation cuts: Keras's {@code 'pre'} or {@code 'post'}. */
    public enum Side {
        PRE, POST;

        public static Side parse(String text, String option) {
            String t = text == null ? "" : text.trim().toLowerCase(Locale.ROOT);
            switch (t) {
                case "pre":
                    return PRE;
                case "post":
                    return POST;
                default:
                    throw new JlrpException(option + " must be pre or post, got '" + text + "'");
            }
        }
    }

    private Sequences() {
    }

    /**
     * Pads or truncates {@code ids} to {@code length}, as {@code pad_sequences(maxlen=length, padding=..., truncating=...,
     * value=padId)} does; {@code length} -1 (a model of any length) keeps them as they are (an empty sequence becomes
     * one padding id).
     */
    public static int[] pad(int[] ids, int length, Side padding, Side truncating, int padId) {
        int[] source = sourcePositions(ids.length, length, padding, truncating);
        int[] out = new int[source.length];
        for (int t = 0; t < out.length; t++) {
            out[t] = source[t] < 0 ? padId : ids[source[t]];
        }
        return out;
    }

    /**
     * The words that go with {@link #pad}'s ids, placed the same way, with null at padding positions: the mapping from
     * each input position back to its word.
     */
    public static String[] padWords(String[] words, int length, Side padding, Side truncating) {
        int[] source = sourcePositions(words.length, length, padding, truncating);
        String[] out = new String[source.length];
        for (int t = 0; t < out.length; t++) {
            out[t] = source[t] < 0 ? null : words[source[t]];
        }
        return out;
    }

    /**
     * The length a sequence of {@code size} ids gets for a model that reads {@code length} ({@code -1}: any length,
     * see {@code Explainer.inputLength()}): {@code length} when fixed; else the sequence's own, at least 1 (an empty
     * sequence becomes one padding id).
     */
    public static int fittedLength(int size, int length) {
        return length < 0 ? Math.max(1, size) : length;
    }

    /**
     * For each of the output positions, the index in the unpadded sequence, or -1 for padding. {@code length} -1 (a
     * model of any length) keeps the sequence as it is (see {@link #fittedLength}).
     */
    public static int[] sourcePositions(int size, int length, Side padding, Side truncating) {
        length = fittedLength(size, length);
        int[] out = new int[length];
        Arrays.fill(out, -1);
        if (size >= length) {
            int first = truncating == Side.PRE ? size - length : 0;
            for (int t = 0; t < length; t++) {
                out[t] = first + t;
            }
            return out;
        }
        int offset = padding == Side.PRE ? length - size : 0;
        for (int i = 0; i < size; i++) {
            out[offset + i] = i;
        }
        return out;
    }
}
