package org.jlrp.runtime.text;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jlrp.runtime.JlrpException;
import org.jlrp.runtime.text.Sequences.Side;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Keras texts_to_sequences semantics, case by case (expected values worked out from keras_preprocessing's code). */
class KerasTokenizerTest {

    private static Map<String, Integer> index(Object... wordThenId) {
        Map<String, Integer> m = new LinkedHashMap<>();
        for (int i = 0; i < wordThenId.length; i += 2) {
            m.put((String) wordThenId[i], (Integer) wordThenId[i + 1]);
        }
        return m;
    }

    @Test
    void filtersBecomeSeparatorsAndTextIsLowerCased() {
        KerasTokenizer t = KerasTokenizer.ofWordIndex(index("hello", 1, "world", 2, "it's", 3));
        assertEquals(List.of("hello", "world", "it's", "ok"), t.tokens("Hello,world!  It's\tOK."));
        KerasTokenizer.Encoded e = t.encode("Hello,world!  It's\tOK.");
        assertArrayEquals(new int[]{1, 2, 3}, e.ids());
        assertArrayEquals(new String[]{"hello", "world", "it's"}, e.words());
        assertEquals(List.of("ok"), e.dropped());
    }

    @Test
    void customSplitAndNoLowerCasing() {
        KerasTokenizer t = new KerasTokenizer(index("A", 1, "b", 2), null, "", false, "|", false, null);
        assertArrayEquals(new int[]{1, 2}, t.encode("A||b|a").ids());
        KerasTokenizer multi = new KerasTokenizer(index("x", 1, "y", 2), null, ".", true, "::", false, null);
        // filters map to the (multi-character) split string; Python's str.split then splits on the whole string
        assertEquals(List.of("x", "y", "x"), multi.tokens("x.y::X"));
    }

    @Test
    void numWordsCutOffDropsOrMapsToOov() {
        Map<String, Integer> wi = index("<oov>", 1, "a", 2, "b", 3, "c", 4);
        KerasTokenizer drop = new KerasTokenizer(wi, 3, KerasTokenizer.DEFAULT_FILTERS, true, " ", false, null);
        assertArrayEquals(new int[]{2}, drop.encode("a b c zzz").ids());
        KerasTokenizer oov = new KerasTokenizer(wi, 3, KerasTokenizer.DEFAULT_FILTERS, true, " ", false, "<oov>");
        KerasTokenizer.Encoded e = oov.encode("a b c zzz");
        assertArrayEquals(new int[]{2, 1, 1, 1}, e.ids());
        assertArrayEquals(new String[]{"a", "b", "c", "zzz"}, e.words(), "the heatmap shows the real word");
        KerasTokenizer zeroMeansNone = new KerasTokenizer(wi, 0, "", true, " ", false, null);
        assertArrayEquals(new int[]{2, 3, 4}, zeroMeansNone.encode("a b c").ids());
    }

    @Test
    void charLevelAppliesNoFiltersAndIteratesCodePoints() {
        KerasTokenizer t = new KerasTokenizer(index(".", 1, "a", 2, "/", 3, "\uD83D\uDE00", 4), null,
                KerasTokenizer.DEFAULT_FILTERS, true, " ", true, null);
        KerasTokenizer.Encoded e = t.encode("A./ \uD83D\uDE00");
        assertArrayEquals(new int[]{2, 1, 3, 4}, e.ids());
        assertEquals(List.of(" "), e.dropped());
    }

    @Test
    void loadsToJsonWithEmbeddedStringsAndPlainIndexes(@TempDir Path dir) throws Exception {
        Path keras = dir.resolve("tok.json");
        Files.writeString(keras, "{\"class_name\": \"Tokenizer\", \"config\": {\"num_words\": null, \"filters\": \"!\","
                + " \"lower\": false, \"split\": \" \", \"char_level\": false, \"oov_token\": \"<OOV>\","
                + " \"document_count\": 1, \"word_counts\": \"{}\", \"word_docs\": \"{}\", \"index_docs\": \"{}\","
                + " \"index_word\": \"{\\\"1\\\": \\\"<OOV>\\\", \\\"2\\\": \\\"Yes\\\"}\","
                + " \"word_index\": \"{\\\"<OOV>\\\": 1, \\\"Yes\\\": 2}\"}}");
        KerasTokenizer t = KerasTokenizer.load(keras);
        assertEquals("<OOV>", t.oovToken());
        assertArrayEquals(new int[]{2, 1}, t.encode("Yes! yes").ids());
        assertEquals("Yes", t.wordOf(2));
        assertNull(t.wordOf(99));

        Path plain = dir.resolve("plain.json");
        Files.writeString(plain, "{\"good\": 1, \"bad\": 2}");
        KerasTokenizer p = KerasTokenizer.load(plain);
        assertArrayEquals(new int[]{2, 1}, p.encode("Bad, good; ugly").ids());
        assertEquals(2, p.maxId());
    }

    @Test
    void badFilesGiveOneLineErrorsNamingTheFile(@TempDir Path dir) throws Exception {
        Path bad = dir.resolve("bad.json");
        Files.writeString(bad, "{\"good\": \"one\"}");
        JlrpException e = assertThrows(JlrpException.class, () -> KerasTokenizer.load(bad));
        assertTrue(e.getMessage().contains("bad.json") && e.getMessage().contains("good"), e.getMessage());
        Files.writeString(bad, "[1, 2]");
        assertThrows(JlrpException.class, () -> KerasTokenizer.load(bad));
        assertThrows(JlrpException.class, () -> KerasTokenizer.load(dir.resolve("missing.json")));
    }

    @Test
    void padWordsFollowsTheIdsPlacement() {
        String[] words = {"a", "b", "c"};
        int[] ids = {1, 2, 3};
        for (Side padding : Side.values()) {
            for (Side truncating : Side.values()) {
                for (int length : new int[]{2, 3, 5}) {
                    int[] padded = Sequences.pad(ids, length, padding, truncating, 0);
                    String[] w = Sequences.padWords(words, length, padding, truncating);
                    for (int i = 0; i < length; i++) {
                        assertEquals(padded[i] == 0 ? null : words[padded[i] - 1], w[i]);
                    }
                }
            }
        }
        assertArrayEquals(new String[]{null, null, "a", "b", "c"}, Sequences.padWords(words, 5, Side.PRE, Side.PRE));
        assertArrayEquals(new String[]{"b", "c"}, Sequences.padWords(words, 2, Side.POST, Side.PRE));
        assertArrayEquals(new String[]{"a", "b"}, Sequences.padWords(words, 2, Side.PRE, Side.POST));
    }
}
