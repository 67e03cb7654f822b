package org.jlrp.runtime.text;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.jlrp.runtime.JlrpException;

/**
 * Texts made ready for a model: tokenised with a {@link KerasTokenizer}, padded or truncated to the input length,
 * with the word behind every position kept (null at padding) so reports can show words.
 *
 * @param sequences    the token ids, each exactly the model's input length
 * @param words        per sequence, the word at each position, null at padding
 * @param unknownWords per sequence, the words the tokenizer dropped or mapped to the OOV (or unknown) id
 */
public record TextBatch(List<int[]> sequences, List<String[]> words, List<UnknownWords> unknownWords) {

    /** Tokenises and pads each text, as {@code pad_sequences(tokenizer.texts_to_sequences(texts), ...)}. */
    public static TextBatch encode(KerasTokenizer tokenizer, List<String> texts, int length, Sequences.Side padding,
                                   Sequences.Side truncating, int padId) {
        List<int[]> sequences = new ArrayList<>(texts.size());
        List<String[]> words = new ArrayList<>(texts.size());
        List<UnknownWords> unknown = new ArrayList<>(texts.size());
        for (String text : texts) {
            KerasTokenizer.Encoded e = tokenizer.encode(text);
            sequences.add(Sequences.pad(e.ids(), length, padding, truncating, padId));
            words.add(Sequences.padWords(e.words(), length, padding, truncating));
            unknown.add(e.unknownWords());
        }
        return new TextBatch(sequences, words, unknown);
    }

    /**
     * Tokenises each text with a model's own TextVectorization layer: its standardize, split and vocabulary, truncated
     * and padded with id 0 at the end, as the layer does, to {@code length} (the model's input length), or for a model
     * of any length ({@code length < 0}) to the text's own length (at least 1).
     */
    public static TextBatch encode(TextVectorizer vectorizer, List<String> texts, int length) {
        List<int[]> sequences = new ArrayList<>(texts.size());
        List<String[]> words = new ArrayList<>(texts.size());
        List<UnknownWords> unknown = new ArrayList<>(texts.size());
        for (String text : texts) {
            KerasTokenizer.Encoded e = vectorizer.encode(text);
            int n = length > 0 ? length : Math.max(1, e.ids().length);
            sequences.add(Sequences.pad(e.ids(), n, Sequences.Side.POST, Sequences.Side.POST, 0));
            words.add(Sequences.padWords(e.words(), n, Sequences.Side.POST, Sequences.Side.POST));
            unknown.add(e.unknownWords());
        }
        return new TextBatch(sequences, words, unknown);
    }

    /** Reads one text per line (UTF-8); blank lines are skipped. */
    public static List<String> readLines(Path file) {
        try (InputStream in = Files.newInputStream(file)) {
            return readLines(in, file.toString());
        } catch (IOException e) {
            throw new JlrpException(file + ": cannot read texts (" + e.getMessage() + ")", e);
        }
    }

    /**
     * Reads one text per line (UTF-8) from a stream, e.g. standard input; blank lines are skipped. The stream is not
     * closed.
     *
     * @param name what error messages call the stream
     */
    public static List<String> readLines(InputStream in, String name) {
        List<String> texts = new ArrayList<>();
        try {
            BufferedReader reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
            for (String line = reader.readLine(); line != null; line = reader.readLine()) {
                if (!line.isBlank()) {
                    texts.add(line);
                }
            }
        } catch (IOException e) {
            throw new JlrpException(name + ": cannot read texts (" + e.getMessage() + ")", e);
        }
        if (texts.isEmpty()) {
            throw new JlrpException(name + ": no texts (the input is empty or blank)");
        }
        return texts;
    }
}
