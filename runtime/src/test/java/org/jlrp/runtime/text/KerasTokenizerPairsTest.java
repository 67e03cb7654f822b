package org.jlrp.runtime.text;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.jlrp.runtime.SharedFiles;
import org.jlrp.runtime.text.Sequences.Side;
import org.junit.jupiter.api.Test;

/**
 * Reproduces the expected {@code input_ids} of the real model/tokenizer pairs in {@code ../shared/pairs}, read in
 * place. Each pair's NOTES.txt says what preprocessing its project did; only the Keras part is ours to reproduce.
 */
class KerasTokenizerPairsTest {

    /** One row of golden_numpy.tsv: source, true_label, text, tokens, input_ids, output, argmax_or_threshold. */
    private record Row(String text, String tokens, int[] inputIds) {
    }

    private static List<Row> rows(Path tsv) throws IOException {
        List<String> lines = Files.readAllLines(tsv, StandardCharsets.UTF_8);
        assertEquals("source\ttrue_label\ttext\ttokens\tinput_ids", String.join("\t",
                Arrays.copyOf(lines.get(0).split("\t"), 5)), "unexpected header in " + tsv);
        List<Row> rows = new ArrayList<>();
        for (String line : lines.subList(1, lines.size())) {
            if (line.isBlank()) {
                continue;
            }
            String[] f = line.split("\t", -1);
            int[] ids = Arrays.stream(f[4].trim().split(" +")).mapToInt(Integer::parseInt).toArray();
            rows.add(new Row(f[2], f[3], ids));
        }
        assertTrue(rows.size() >= 8, "too few rows in " + tsv);
        return rows;
    }

    /** Plain Keras, character level: raw URL → ids, pad_sequences(maxlen=100) pre/pre. No filters at char level. */
    @Test
    void phishingCharCnnIdsFromRawText() throws IOException {
        Path dir = SharedFiles.require("pairs/rithika204-phishing-url-charcnn");
        KerasTokenizer tokenizer = KerasTokenizer.load(dir.resolve("tokenizer.json"));
        assertTrue(tokenizer.charLevel());
        for (Row row : rows(dir.resolve("golden_numpy.tsv"))) {
            KerasTokenizer.Encoded e = tokenizer.encode(row.text());
            assertArrayEquals(row.inputIds(), Sequences.pad(e.ids(), 100, Side.PRE, Side.PRE, 0), row.text());
            String[] words = Sequences.padWords(e.words(), 100, Side.PRE, Side.PRE);
            assertEquals(String.join(" ", row.tokens().split(" ")),
                    String.join(" ", Arrays.stream(words).filter(w -> w != null).toArray(String[]::new)));
        }
    }

    /**
     * The hotel project Porter-stems its text (NLTK) before the tokenizer; jlrp has no stemmer, so this starts from the
     * already stemmed {@code tokens} column and tests the Keras part: num_words=5000 cut-off, default filters,
     * pad_sequences(maxlen=100, padding='post').
     */
    @Test
    void hotelSentimentIdsFromStemmedTokens() throws IOException {
        Path dir = SharedFiles.require("pairs/williampoch-hotel-sentiment-cnn");
        KerasTokenizer tokenizer = KerasTokenizer.load(dir.resolve("tokenizer2.json"));
        assertEquals(5000, tokenizer.numWords());
        for (Row row : rows(dir.resolve("golden_numpy.tsv"))) {
            KerasTokenizer.Encoded e = tokenizer.encode(row.tokens());
            assertArrayEquals(row.inputIds(), Sequences.pad(e.ids(), 100, Side.POST, Side.PRE, 0), row.tokens());
        }
    }

    /**
     * The ISEAR project maps words through a plain dict.json and sends unknown words to 0 itself (not Keras
     * behaviour); its texts are already cleaned. With {@code withUnknownId(0)} the ids match exactly; plain Keras
     * semantics drop the unknown words, which leaves exactly the non-zero ids.
     */
    @Test
    void isearPlainDictionaryIds() throws IOException {
        Path dir = SharedFiles.require("pairs/swswy-isear-emotion-cnn");
        KerasTokenizer keras = KerasTokenizer.load(dir.resolve("dict.json"));
        assertEquals(null, keras.oovToken());
        KerasTokenizer unknownToZero = keras.withUnknownId(0);
        boolean sawUnknown = false;
        for (Row row : rows(dir.resolve("golden_numpy.tsv"))) {
            assertArrayEquals(row.inputIds(),
                    Sequences.pad(unknownToZero.encode(row.text()).ids(), 120, Side.POST, Side.PRE, 0), row.text());
            KerasTokenizer.Encoded dropped = keras.encode(row.text());
            int[] nonZero = Arrays.stream(row.inputIds()).filter(id -> id != 0).toArray();
            int[] kept = Arrays.copyOf(dropped.ids(), Math.min(dropped.ids().length, 120));
            assertArrayEquals(nonZero, kept, row.text());
            sawUnknown |= !dropped.dropped().isEmpty();
        }
        assertTrue(sawUnknown, "the fixture should exercise unknown words");
    }
}
