package org.jlrp.runtime.text;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import org.jlrp.runtime.JlrpException;
import org.jlrp.runtime.SharedFiles;
import org.jlrp.runtime.explain.Explainer;
import org.junit.jupiter.api.Test;

/**
 * Keras TextVectorization semantics case by case, and the two real pairs: the model with the layer inside (its
 * vocabulary read from the .keras zip) and the separately saved vectorizer, each against its golden ids.
 */
class TextVectorizerTest {

    private static final List<String> VOCAB = List.of("", "[UNK]", "hello", "world", "nbsp\u00A0x", "it's", "a", "b");

    @Test
    void lowerAndStripPunctuationSplitsAtAsciiWhitespaceOnly() {
        TextVectorizer v = new TextVectorizer(VOCAB, "lower_and_strip_punctuation", "whitespace", 8);
        // ASCII A–Z only are lower-cased (Ä stays), the apostrophe is punctuation, a no-break space is not a break
        assertEquals(List.of("hello", "world", "nbsp\u00A0x", "its", "Äb"),
                v.tokens("Hello,  WORLD!\t\r\nnbsp\u00A0x\u000B\fit's ÄB"));
        assertArrayEquals(new int[]{2, 3, 4, 1, 1, 0, 0, 0}, v.vectorize("Hello,  WORLD!\tnbsp\u00A0x it's ÄB"));
        KerasTokenizer.Encoded e = v.encode("hello zebra world");
        assertEquals(List.of("zebra"), e.oov());
        assertEquals(2, e.unknownWords().known());
        assertArrayEquals(new int[8], v.vectorize("!!! ..."), "punctuation is stripped before the split, which "
                + "drops empty pieces: no token, all padding");
    }

    @Test
    void truncationKeepsTheFirstIdsAndPaddingGoesAtTheEnd() {
        TextVectorizer v = new TextVectorizer(VOCAB, "lower", "whitespace", 3);
        assertArrayEquals(new int[]{6, 7, 6}, v.vectorize("a b a b a"));
        assertArrayEquals(new int[]{7, 0, 0}, v.vectorize("b"));
        TextVectorizer any = new TextVectorizer(VOCAB, null, "whitespace", -1);
        assertArrayEquals(new int[]{1, 3}, any.vectorize("Hello world"), "no standardize: Hello is unknown");
    }

    @Test
    void characterSplitIsByCodePointAndNoSplitKeepsTheText() {
        TextVectorizer chars = new TextVectorizer(List.of("", "[UNK]", "a", "\uD83D\uDE00", " "), null, "character",
                6);
        assertArrayEquals(new int[]{2, 4, 3, 1, 2, 0}, chars.vectorize("a \uD83D\uDE00Aa"));
        TextVectorizer whole = new TextVectorizer(List.of("", "[UNK]", "a b"), "lower", null, 1);
        assertArrayEquals(new int[]{2}, whole.vectorize("A B"));
    }

    @Test
    void vocabularyLinesFollowPythonSplitlines() {
        assertEquals(List.of("", "[UNK]", "e", "\u0013"), TextVectorizer.vocabularyLines("\r\n[UNK]\r\ne\r\n\u0013\r\n"));
        assertEquals(List.of("a", "b", "c", "d", "e"), TextVectorizer.vocabularyLines("a\u000Bb\fc\u001Cd\re"));
        assertEquals(List.of("", "x"), TextVectorizer.vocabularyLines("\nx"));
    }

    @Test
    void refusesWhatItCannotReproduce() {
        assertThrows(JlrpException.class, () -> new TextVectorizer(List.of("[UNK]", "a"), null, "whitespace", 3));
        assertThrows(JlrpException.class, () -> new TextVectorizer(VOCAB, "custom_fn", "whitespace", 3));
        assertThrows(JlrpException.class, () -> new TextVectorizer(VOCAB, null, "sentencepiece", 3));
        assertThrows(JlrpException.class, () -> new TextVectorizer(VOCAB, null, "whitespace", 0));
    }

    // ----------------------------------------------------------------------------------------------- the pairs

    private record Row(String text, String tokens, int[] inputIds) {
    }

    private static List<Row> rows(Path tsv) throws IOException {
        List<String> lines = Files.readAllLines(tsv, StandardCharsets.UTF_8);
        List<Row> rows = new ArrayList<>();
        for (String line : lines.subList(1, lines.size())) {
            if (!line.isBlank()) {
                String[] f = line.split("\t", -1);
                rows.add(new Row(f[2], f[3], Arrays.stream(f[4].trim().split(" +")).mapToInt(Integer::parseInt)
                        .toArray()));
            }
        }
        assertTrue(rows.size() >= 8, "too few rows in " + tsv);
        return rows;
    }

    /**
     * The character-level URL model with TextVectorization inside: its project's cleaning (drop a leading http:// or
     * https://, strip, lower-case, drop non-ASCII) is not the model's; the model's layer (no standardize, one token a
     * character, upper case unknown) then gives exactly the golden ids.
     */
    @Test
    void phishGuardModelVectorizesUrlsToTheGoldenIds() throws IOException {
        Path dir = SharedFiles.require("pairs/ycw666-phishguard-textvec-bilstm");
        TextVectorizer v = Explainer.load(dir.resolve("0623_lstm_model.keras")).textVectorizer().orElseThrow();
        List<String> file = TextVectorizer.vocabularyLines(Files.readString(dir.resolve("vocabulary.txt"),
                StandardCharsets.UTF_8));
        assertEquals(71, v.vocabulary().size());
        assertEquals(file, v.vocabulary(), "the zip's asset, read as the shared copy of it");
        assertEquals("\u0013", v.vocabulary().get(70));
        assertEquals(200, v.outputSequenceLength());
        for (Row row : rows(dir.resolve("golden_numpy.tsv"))) {
            String cleaned = row.text().replaceFirst("^https?://", "").strip().toLowerCase(Locale.ROOT)
                    .replaceAll("[^\\x00-\\x7F]", "");
            assertEquals(row.tokens(), String.join(" ", v.tokens(cleaned)), row.text());
            assertArrayEquals(row.inputIds(), v.vectorize(cleaned), row.text());
        }
    }

    /** The phishguard model's config, changed, as an architecture file beside the real .keras file. */
    private static Explainer withConfig(Path dir, String from, String to) throws IOException {
        Path model = SharedFiles.require("pairs/ycw666-phishguard-textvec-bilstm/0623_lstm_model.keras");
        String config;
        try (java.util.zip.ZipFile zip = new java.util.zip.ZipFile(model.toFile())) {
            config = new String(zip.getInputStream(zip.getEntry("config.json")).readAllBytes(), StandardCharsets.UTF_8);
        }
        assertTrue(config.contains(from), from);
        Path architecture = Files.writeString(dir.resolve("architecture.json"), config.replace(from, to));
        return Explainer.load(model, architecture);
    }

    /**
     * A vocabulary in the layer's config (as passed to the layer: without the mask and OOV tokens) wins over the
     * asset; the settings come from the config; what jlrp cannot reproduce is refused in one line.
     */
    @Test
    void theLayerConfigDecidesAndWhatCannotBeReproducedIsRefused(@org.junit.jupiter.api.io.TempDir Path dir)
            throws IOException {
        TextVectorizer inline = withConfig(dir, "\"standardize\": null, \"split\": \"character\"",
                "\"standardize\": \"lower\", \"split\": \"character\"").textVectorizer().orElseThrow();
        assertArrayEquals(new int[]{2, 1}, Arrays.copyOf(inline.vectorize("E\u00C9"), 2), "E lower-cased, É not");
        TextVectorizer given = withConfig(dir, "\"vocabulary\": null", "\"vocabulary\": [\"a\", \"b\"]")
                .textVectorizer().orElseThrow();
        assertEquals(List.of("", "[UNK]", "a", "b"), given.vocabulary());
        for (String[] change : List.of(new String[]{"\"output_mode\": \"int\"", "\"output_mode\": \"multi_hot\""},
                new String[]{"\"ngrams\": null", "\"ngrams\": 2"},
                new String[]{"\"split\": \"character\"", "\"split\": \"my_split\""})) {
            JlrpException e = assertThrows(JlrpException.class, () -> withConfig(dir, change[0], change[1]));
            assertTrue(e.getMessage().contains("TextVectorization 'text_vectorization'")
                    && !e.getMessage().contains("\n"), e.getMessage());
        }
    }

    /** The financial-news vectorizer saved beside its model: its config and vocabulary, its preprocessed tokens. */
    @Test
    void finSentVectorizerGivesTheGoldenIds() throws IOException {
        Path dir = SharedFiles.require("pairs/twrzeszcz-finsent-bilstm");
        JsonNode json = new ObjectMapper().readTree(dir.resolve("text_vectorization.json").toFile());
        JsonNode config = json.get("config");
        List<String> vocabulary = new ArrayList<>();
        json.get("vocabulary").forEach(w -> vocabulary.add(w.asText()));
        assertEquals(TextVectorizer.vocabularyLines(Files.readString(dir.resolve("vocabulary.txt"),
                StandardCharsets.UTF_8)), vocabulary);
        TextVectorizer v = new TextVectorizer(vocabulary, config.get("standardize").asText(),
                config.get("split").asText(), config.get("output_sequence_length").asInt());
        for (Row row : rows(dir.resolve("golden_numpy.tsv"))) {
            assertArrayEquals(row.inputIds(), v.vectorize(row.tokens()), row.text());
        }
    }
}
