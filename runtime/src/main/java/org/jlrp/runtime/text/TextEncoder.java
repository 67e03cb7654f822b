package org.jlrp.runtime.text;

/**
 * Text → token ids for a model, with the word behind every id for reports, and how a text's ids are fitted to the
 * model's input length. Three kinds: a {@link KerasTokenizer} (a {@code Tokenizer.to_json()} file, or a plain
 * vocabulary's, {@link Vocabulary#tokenizer}) with the padding its training code used
 * ({@link KerasTokenizer#withPadding}), and a model's own Keras {@code TextVectorization} layer
 * ({@link TextVectorizer}, from {@code Explainer.textVectorizer()}), which pads with id 0 at the end.
 * {@link TextBatch#encode(TextEncoder, java.util.List, int)} encodes a list of texts with any of them.
 *
 * <pre>{@code
 * TextEncoder encoder = KerasTokenizer.load(Path.of("tokenizer.json"))
 *         .withPadding(Sequences.Side.POST, Sequences.Side.POST, 0);        // as the training code padded
 * if (explainer.textVectorizer().isPresent()) {
 *     encoder = explainer.textVectorizer().get();                        // the model encodes its own texts
 * }
 * TextBatch batch = TextBatch.encode(encoder, List.of("a text"), explainer.inputLength());
 * }</pre>
 */
public interface TextEncoder {

    /** One text's ids before fitting, with the token behind each id and the tokens dropped or mapped to OOV. */
    KerasTokenizer.Encoded encode(String text);

    /** Where short sequences are padded. */
    Sequences.Side padding();

    /** Which end of long sequences is cut. */
    Sequences.Side truncating();

    /** The id padding positions get. */
    int padId();

    /** The token of an id, or null when there is none. */
    String wordOf(int id);

    /**
     * {@link #encode}'s ids fitted to a model's input length ({@code -1}: any length, kept as they are, at least
     * one id), as {@link Sequences#pad} with this encoder's padding.
     */
    default int[] fit(int[] ids, int length) {
        return Sequences.pad(ids, length, padding(), truncating(), padId());
    }

    /** The words that go with {@link #fit}'s ids, placed the same way; null at padding. */
    default String[] fitWords(String[] words, int length) {
        return Sequences.padWords(words, length, padding(), truncating());
    }

    /** The word of each id of token-id input, for reports: null at the padding id and for ids without a word. */
    default String[] words(int[] ids) {
        String[] w = new String[ids.length];
        for (int t = 0; t < ids.length; t++) {
            w[t] = ids[t] == padId() ? null : wordOf(ids[t]);
        }
        return w;
    }
}
