package org.jlrp.runtime.text;

import java.io.IOException;
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
 * @param sequences the token ids, each exactly the model's input length
 * @param words     per sequence, the word at each position, null at padding
 * @param dropped   per sequence, the tokens the tokenizer dropped (unknown, or over num_words, with no OOV token)
 */
public record TextBatch(List<int[]> sequences, List<String[]> words, List<List<String>> dropped) {

    /** Tokenises and pads each text, as {@code pad_sequences(tokenizer.texts_to_sequences(texts), ...)}. */
    public static TextBatch encode(KerasTokenizer tokenizer, List<String> texts, int length, Sequences.Side padding,
                                   Sequences.Side truncating, int padId) {
        List<int[]> sequences = new ArrayList<>(texts.size());
        List<String[]> words = new ArrayList<>(texts.size());
        List<List<String>> dropped = new ArrayList<>(texts.size());
        for (String text : texts) {
            KerasTokenizer.Encoded e = tokenizer.encode(text);
            sequences.add(Sequences.pad(e.ids(), length, padding, truncating, padId));
            words.add(Sequences.padWords(e.words(), length, padding, truncating));
            dropped.add(e.dropped());
        }
        return new TextBatch(sequences, words, dropped);
    }

    /** Reads one text per line (UTF-8); blank lines are skipped. */
    public static List<String> readLines(Path file) {
        List<String> texts = new ArrayList<>();
        try {
            for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
                if (!line.isBlank()) {
                    texts.add(line);
                }
            }
        } catch (IOException e) {
            throw new JlrpException(file + ": cannot read texts (" + e.getMessage() + ")", e);
        }
        if (texts.isEmpty()) {
            throw new JlrpException(file + ": no texts (the file is empty or blank)");
        }
        return texts;
    }
}
