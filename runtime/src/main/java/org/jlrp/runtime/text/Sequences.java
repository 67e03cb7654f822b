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
     * value=padId)} does.
     */
    public static int[] pad(int[] ids, int length, Side padding, Side truncating, int padId) {
        if (ids.length == length) {
            return ids.clone();
        }
        if (ids.length > length) {
            return truncating == Side.PRE ? Arrays.copyOfRange(ids, ids.length - length, ids.length)
                    : Arrays.copyOf(ids, length);
        }
        int[] out = new int[length];
        Arrays.fill(out, padId);
        System.arraycopy(ids, 0, out, padding == Side.PRE ? length - ids.length : 0, ids.length);
        return out;
    }
}
