package org.jlrp.runtime.text;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.jlrp.runtime.JlrpException;
import org.jlrp.runtime.SharedFiles;
import org.jlrp.runtime.explain.Explainer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Plain vocabularies: the two file forms, the three splits, case, unknown tokens; and a real PyTorch pair (a
 * character CNN exported to ONNX with its {@code {char: id}} dictionary), whose recorded texts must give exactly its
 * recorded ids and probabilities.
 */
class VocabularyTest {

    @TempDir
    Path dir;

    /**
     * The pair's app: the scheme removed (its own cleaning, done before tokenising), lower-cased, one id per character,
     * unknown characters → 0, the first 200 kept, padded with 0 at the end.
     */
    @Test
    void phishguardCharCnnTextsGiveTheRecordedIdsAndProbabilities() throws IOException {
        Path pair = SharedFiles.require("pairs/ycw666-phishguard-charcnn-onnx");
        KerasTokenizer chars = Vocabulary.tokenizer(Vocabulary.read(pair.resolve("char2idx.json")),
                Vocabulary.Split.CHARACTER, true, 0);
        Explainer explainer = Explainer.load(pair.resolve("cnn_model.onnx"));
        assertEquals(200, explainer.inputLength());
        Pattern scheme = Pattern.compile("^https?://", Pattern.CASE_INSENSITIVE);
        List<String> lines = Files.readAllLines(pair.resolve("golden_numpy.tsv"), StandardCharsets.UTF_8);
        List<String> header = List.of(lines.get(0).split("\t", -1));
        int rows = 0;
        for (String row : lines.subList(1, lines.size())) {
            if (row.isBlank()) {
                continue;
            }
            String[] f = row.split("\t", -1);
            String text = scheme.matcher(f[header.indexOf("text")].strip()).replaceFirst("");
            int[] ids = Sequences.pad(chars.encode(text).ids(), 200, Sequences.Side.POST, Sequences.Side.POST, 0);
            int[] want = java.util.Arrays.stream(f[header.indexOf("input_ids")].trim().split(" "))
                    .mapToInt(Integer::parseInt).toArray();
            assertArrayEquals(want, ids, text);
            double p = 1 / (1 + Math.exp(-explainer.logits(ids, null)[0]));
            assertEquals(Double.parseDouble(f[header.indexOf("output")]), p, 1e-5, text);
            rows++;
        }
        assertEquals(8, rows);
    }

    @Test
    void oneTokenPerLineIsIdByLineNumber() throws IOException {
        Path file = dir.resolve("vocab.txt");
        // id 0 <pad>, 1 a space, 2 empty (no token), 3 "Hello" (CRLF), 4 "world", 5 "hello", then a duplicate
        Files.writeString(file, "<pad>\n \n\nHello\r\nworld\nhello\nworld\n", StandardCharsets.UTF_8);
        Map<String, Integer> v = Vocabulary.read(file);
        assertEquals(Map.of("<pad>", 0, " ", 1, "Hello", 3, "world", 4, "hello", 5), v);
        KerasTokenizer words = Vocabulary.tokenizer(v, Vocabulary.Split.WHITESPACE, false, null);
        KerasTokenizer.Encoded e = words.encode("Hello  world,\tdear world");
        assertArrayEquals(new int[] {3, 4}, e.ids());
        assertEquals(List.of("world,", "dear"), e.dropped());
        // Keras-style words drop the punctuation; lower-casing maps Hello to hello; unknown words to id 0
        KerasTokenizer keras = Vocabulary.tokenizer(v, Vocabulary.Split.WORD, true, 0);
        KerasTokenizer.Encoded k = keras.encode("Hello  world,\tdear world");
        assertArrayEquals(new int[] {5, 4, 0, 4}, k.ids());
        assertEquals(List.of("dear"), k.oov());
        KerasTokenizer chars = Vocabulary.tokenizer(v, Vocabulary.Split.CHARACTER, false, null);
        assertArrayEquals(new int[] {1, 1}, chars.encode("a b c").ids());
    }

    @Test
    void badFilesAndOptionsGiveOneLine() throws IOException {
        Path json = dir.resolve("v.json");
        Files.writeString(json, "{\"a\": 1, \"b\": \"two\"}");
        assertTrue(assertThrows(JlrpException.class, () -> Vocabulary.read(json)).getMessage()
                .contains("maps 'b' to \"two\", not a non-negative integer id"));
        Path empty = dir.resolve("empty.txt");
        Files.writeString(empty, "\n\n");
        assertTrue(assertThrows(JlrpException.class, () -> Vocabulary.read(empty)).getMessage()
                .endsWith("the vocabulary is empty"));
        Path latin1 = dir.resolve("latin1.txt");
        Files.write(latin1, new byte[] {'a', '\n', (byte) 0xe9, '\n'});
        assertTrue(assertThrows(JlrpException.class, () -> Vocabulary.read(latin1)).getMessage()
                .endsWith("the vocabulary is not UTF-8 text"));
        String message = assertThrows(JlrpException.class, () -> Vocabulary.Split.parse("bytes", "--split"))
                .getMessage();
        assertEquals("--split must be char, word or whitespace, got 'bytes'", message);
    }
}
