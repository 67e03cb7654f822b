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
 * Texts made ready for a model: encoded with a {@link TextEncoder} (a tokenizer or a TextVectorization layer),
 * padded or truncated to the input length, with the word behind every position kept (null at padding) so reports can
 * show words.
 *
 * @param sequences    the token ids, each exactly the model's input length
 * @param words        per sequence, the word at each position, null at padding
 * @param unknownWords per sequence, the words the tokenizer dropped or mapped to the OOV (or unknown) id
 */
public record TextBatch(List<int[]> sequences, List<String[]> words, List<UnknownWords> unknownWords) {

    /**
     * Encodes each text and fits its ids to {@code length} (the model's input length; {@code -1}: any length, each
     * text keeping its own, at least 1), with the encoder's padding: a tokenizer's, or a TextVectorization layer's
     * (id 0 at the end).
     */
    public static TextBatch encode(TextEncoder encoder, List<String> texts, int length) {
        List<int[]> sequences = new ArrayList<>(texts.size());
        List<String[]> words = new ArrayList<>(texts.size());
        List<UnknownWords> unknown = new ArrayList<>(texts.size());
        for (String text : texts) {
            KerasTokenizer.Encoded e = encoder.encode(text);
            sequences.add(encoder.fit(e.ids(), length));
            words.add(encoder.fitWords(e.words(), length));
            unknown.add(e.unknownWords());
        }
        return new TextBatch(sequences, words, unknown);
    }

    /**
     * Tokenises and pads each text, as {@code pad_sequences(tokenizer.texts_to_sequences(texts), ...)}: the same as
     * {@code encode(tokenizer.withPadding(padding, truncating, padId), texts, length)}.
     */
    public static TextBatch encode(KerasTokenizer tokenizer, List<String> texts, int length, Sequences.Side padding,
                                   Sequences.Side truncating, int padId) {
        return encode(tokenizer.withPadding(padding, truncating, padId), texts, length);
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
