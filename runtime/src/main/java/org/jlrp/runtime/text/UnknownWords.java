package org.jlrp.runtime.text;

import java.util.List;

/**
 * The words of one text that the tokenizer did not know: those it dropped, and those it mapped to the OOV token (or
 * to {@link KerasTokenizer#withUnknownId(int) the unknown id}). Reports show them, since a dropped word silently
 * changes what the model sees ("Too expensive, would not recommend." loses "expensive").
 *
 * @param dropped tokens that got no id (unknown, or over {@code num_words}, with no OOV token), in text order
 * @param oov     tokens that got the OOV token's id or the unknown id, in text order
 * @param known   how many tokens got an id of their own (not the OOV or unknown id)
 */
public record UnknownWords(List<String> dropped, List<String> oov, int known) {

    public UnknownWords {
        dropped = List.copyOf(dropped);
        oov = List.copyOf(oov);
    }

    /** Dropped plus OOV tokens. */
    public int count() {
        return dropped.size() + oov.size();
    }

    /** Whether every token was dropped or unknown (or the text had none): the model sees no word of it. */
    public boolean noKnownWord() {
        return known == 0;
    }

    /**
     * One line for the human formats, e.g. {@code unknown words: 2 (dropped: expensive, pricey)}; null when there are
     * none.
     */
    public String line() {
        if (count() == 0) {
            return null;
        }
        StringBuilder b = new StringBuilder("unknown words: ").append(count()).append(" (");
        if (!dropped.isEmpty()) {
            b.append("dropped: ").append(String.join(", ", dropped));
        }
        if (!oov.isEmpty()) {
            b.append(dropped.isEmpty() ? "" : "; ").append("mapped to the OOV id: ").append(String.join(", ", oov));
        }
        return b.append(')').toString();
    }

    /** The warning for a text with no known word, or null. */
    public String warning() {
        return noKnownWord() ? "warning: no word of this text is in the tokenizer's vocabulary"
                + (count() == 0 ? " (it has no tokens)" : "") + ", so the model sees only padding and unknown ids"
                : null;
    }
}
