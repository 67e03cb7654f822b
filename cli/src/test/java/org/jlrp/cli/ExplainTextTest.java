package org.jlrp.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import javax.xml.parsers.DocumentBuilderFactory;
import org.jlrp.runtime.SharedFiles;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code jlrp explain} with text input: the demo model, tokenizers, formats, labels, progress and errors. */
class ExplainTextTest {

    @TempDir
    static Path cache;
    private static String oldCache;

    @BeforeAll
    static void privateCache() {
        oldCache = System.getProperty("jlrp.cache.dir");
        System.setProperty("jlrp.cache.dir", cache.toString());
    }

    @AfterAll
    static void restoreCache() {
        if (oldCache == null) {
            System.clearProperty("jlrp.cache.dir");
        } else {
            System.setProperty("jlrp.cache.dir", oldCache);
        }
    }

    private record Run(int code, String out, String err) {
    }

    private static Run jlrp(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = Main.run(args, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        return new Run(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    /** {@code explain} with stdout a terminal and the given environment. */
    private static Run explain(Map<String, String> env, String... args) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = new ExplainCommand(new Streams(System.in, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8), true, env)).run(args);
        return new Run(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    @Test
    void theReadmeCommandPrintsAColouredHeatmapWithTheDemoModel() throws Exception {
        Run r = explain(Map.of(), "--text", "this film was not good at all");
        assertEquals(0, r.code(), r.err());
        assertEquals("", r.err());
        assertTrue(r.out().contains("\u001b[48;"), "coloured backgrounds");
        String plain = r.out().replaceAll("\u001b\\[[0-9;]*m", "");
        assertTrue(plain.contains("negative (p = 0.96"), plain);
        assertTrue(plain.contains("conservation: tokens"), plain);
    }

    @Test
    void noColorFallsBackToTheTableAndColortermPicksTruecolour() throws Exception {
        Run table = explain(Map.of("NO_COLOR", "1"), "--text", "great");
        assertFalse(table.out().contains("\u001b["), table.out());
        assertTrue(table.out().contains("target 1 (positive)"), table.out());
        Run truecolor = explain(Map.of("COLORTERM", "truecolor"), "--text", "great");
        assertTrue(truecolor.out().contains("\u001b[48;2;"));
    }

    @Test
    void jsonForTextsHasWordsLabelsAndDiagnostics() throws Exception {
        Run r = jlrp("explain", "--text", "not bad", "--text", "Awful!", "--format", "json", "--target", "all");
        assertEquals(0, r.code(), r.err());
        JsonNode doc = new ObjectMapper().readTree(r.out());
        assertEquals("negative", doc.get("labels").get(0).asText());
        JsonNode results = doc.get("results");
        assertEquals(4, results.size());
        JsonNode first = results.get(0);
        int n = doc.get("input_length").asInt();
        assertEquals("not", first.get("words").get(n - 2).asText());
        assertEquals("bad", first.get("words").get(n - 1).asText());
        assertTrue(first.get("words").get(0).isNull());
        assertEquals("awful", results.get(2).get("words").get(n - 1).asText());
        for (JsonNode res : results) {
            double sum = res.get("relevance_tokens").asDouble() + res.get("relevance_padding").asDouble()
                    + res.get("relevance_bias").asDouble();
            assertEquals(res.get("explained_logit").asDouble(), sum, 1e-6);
        }
    }

    @Test
    void htmlGoesToTheOutputFileAndParses(@TempDir Path dir) throws Exception {
        Path html = dir.resolve("report.html");
        Run r = jlrp("explain", "--text", "a wonderful film", "--text", "the worst plot", "--format", "html",
                "--output", html.toString(), "--labels", "neg,pos");
        assertEquals(0, r.code(), r.err());
        assertEquals("", r.out());
        assertTrue(r.err().contains("report.html"), r.err());
        String page = Files.readString(html);
        assertTrue(page.contains(">pos</b>") && page.contains(">neg</b>"), "label names are used");
        DocumentBuilderFactory.newInstance().newDocumentBuilder().parse(html.toFile());
    }

    @Test
    void progressGoesToStderrForLongBatches(@TempDir Path dir) throws Exception {
        List<String> lines = new ArrayList<>();
        for (int i = 0; i < 2 * (ExplainCommand.PROGRESS_THRESHOLD + 50); i++) {
            lines.add(i % 2 == 0 ? "a great film number " + i : "");
        }
        Path texts = dir.resolve("texts.txt");
        Files.write(texts, lines);
        Run r = jlrp("explain", "--texts", texts.toString(), "--format", "json");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.err().contains("jlrp: explained 350/350 sequences"), r.err());
        JsonNode doc = new ObjectMapper().readTree(r.out());
        assertEquals(350, doc.get("results").size(), "blank lines are skipped");
        Run few = jlrp("explain", "--text", "fine", "--format", "json");
        assertEquals("", few.err());
    }

    @Test
    void userModelWithItsOwnTokenizer() {
        Path dir = SharedFiles.require("pairs/rithika204-phishing-url-charcnn");
        Run three = jlrp("explain", "--model", dir.resolve("cnn_model.h5").toString(), "--tokenizer",
                dir.resolve("tokenizer.json").toString(), "--text", "https://www.google.com", "--format", "table",
                "--labels", "a,b,c");
        assertEquals(2, three.code(), "one sigmoid unit, three labels: " + three.err());
        assertTrue(three.err().contains("one sigmoid unit"), three.err());
        Run ok = jlrp("explain", "--model", dir.resolve("cnn_model.h5").toString(), "--tokenizer",
                dir.resolve("tokenizer.json").toString(), "--text", "https://www.google.com", "--format", "table",
                "--labels", "legitimate");
        assertEquals(0, ok.code(), ok.err());
        assertTrue(ok.out().contains("target 1 (legitimate)  logit") && ok.out().contains("probability 0.99"),
                ok.out());
        assertTrue(ok.out().matches("(?s).*\\n\\s+99\\s+m\\s+14\\s.*"), "the last character is 'm', id 14");
    }

    /**
     * A model with its own TextVectorization layer needs no tokenizer: the texts (cleaned as its project cleans
     * them) become exactly the golden ids and the golden probabilities.
     */
    @Test
    void modelWithItsOwnTextVectorizationNeedsNoTokenizer() throws Exception {
        Path dir = SharedFiles.require("pairs/ycw666-phishguard-textvec-bilstm");
        List<String> lines = Files.readAllLines(dir.resolve("golden_numpy.tsv"), StandardCharsets.UTF_8);
        List<String> texts = new ArrayList<>();
        List<String[]> golden = new ArrayList<>();
        for (String line : lines.subList(1, lines.size())) {
            if (!line.isBlank()) {
                String[] f = line.split("\t", -1);
                texts.add(f[2].replaceFirst("^https?://", "").strip().toLowerCase(java.util.Locale.ROOT)
                        .replaceAll("[^\\x00-\\x7F]", ""));
                golden.add(f);
            }
        }
        Path file = cache.resolve("urls.txt");
        Files.write(file, texts, StandardCharsets.UTF_8);
        Run r = jlrp("explain", "--model", dir.resolve("0623_lstm_model.keras").toString(), "--texts",
                file.toString(), "--format", "json");
        assertEquals(0, r.code(), r.err());
        JsonNode results = new ObjectMapper().readTree(r.out()).get("results");
        assertEquals(golden.size(), results.size());
        for (int i = 0; i < golden.size(); i++) {
            JsonNode result = results.get(i);
            StringBuilder ids = new StringBuilder();
            result.get("tokens").forEach(t -> ids.append(ids.length() == 0 ? "" : " ").append(t.asInt()));
            assertEquals(golden.get(i)[4].trim(), ids.toString(), texts.get(i));
            assertEquals(Double.parseDouble(golden.get(i)[5]), result.get("probabilities").get(1).asDouble(), 1e-5,
                    texts.get(i));
        }
        Run unknownId = jlrp("explain", "--model", dir.resolve("0623_lstm_model.keras").toString(), "--text", "x.com",
                "--unknown-id", "0");
        assertEquals(2, unknownId.code());
        assertEquals("jlrp: --unknown-id applies to --tokenizer and --vocab; the model's own TextVectorization layer "
                + "maps unknown words to id 1", unknownId.err().strip());
    }

    /**
     * A PyTorch character CNN exported to ONNX with its plain {@code {char: id}} dictionary: the app lower-cases, maps
     * unknown characters to 0 and pads and truncates at the end (the scheme it strips first is left out here).
     */
    @Test
    void plainVocabularyExplainsTheOnnxCharCnnAsItsAppReadsText() throws Exception {
        Path dir = SharedFiles.require("pairs/ycw666-phishguard-charcnn-onnx");
        Run r = jlrp("explain", "--model", dir.resolve("cnn_model.onnx").toString(), "--vocab",
                dir.resolve("char2idx.json").toString(), "--split", "char", "--unknown-id", "0", "--padding", "post",
                "--truncating", "post", "--text", "Mail.Example.COM/Inbox", "--format", "json");
        assertEquals(0, r.code(), r.err());
        JsonNode result = new ObjectMapper().readTree(r.out()).get("results").get(0);
        // golden_numpy.tsv: HTTPS://Mail.Example.COM/Inbox -> m a i l . e x a m p l e . c o m / i n b o x, p 0.4...
        int[] want = {51, 39, 47, 50, 15, 43, 62, 39, 51, 54, 50, 43, 15, 41, 53, 51, 16, 47, 52, 40, 53, 62};
        JsonNode tokens = result.get("tokens");
        assertEquals(200, tokens.size());
        for (int t = 0; t < 200; t++) {
            assertEquals(t < want.length ? want[t] : 0, tokens.get(t).asInt(), "position " + t);
        }
        assertEquals("m", result.get("words").get(0).asText());
        Run keep = jlrp("explain", "--model", dir.resolve("cnn_model.onnx").toString(), "--vocab",
                dir.resolve("char2idx.json").toString(), "--split", "char", "--keep-case", "--padding", "post",
                "--text", "Mail", "--format", "json");
        assertEquals(0, keep.code(), keep.err());
        JsonNode kept = new ObjectMapper().readTree(keep.out()).get("results").get(0);
        assertEquals("a", kept.get("words").get(0).asText(), "the upper-case M is not in the dictionary: dropped");
        Run both = jlrp("explain", "--model", dir.resolve("cnn_model.onnx").toString(), "--vocab",
                dir.resolve("char2idx.json").toString(), "--tokenizer", dir.resolve("char2idx.json").toString(),
                "--text", "x");
        assertEquals(2, both.code());
        assertEquals("jlrp explain: give either --tokenizer or --vocab, not both (see jlrp explain --help)",
                both.err().strip());
        Run split = jlrp("explain", "--text", "x", "--split", "char");
        assertEquals(2, split.code());
        assertEquals("jlrp explain: --split and --keep-case apply to --vocab only (see jlrp explain --help)",
                split.err().strip());
    }

    @Test
    void badTextUsageIsOneLineExit2() {
        Path model = SharedFiles.require("models/seed_textcnn.h5");
        Run noTokenizer = jlrp("explain", "--model", model.toString(), "--text", "hello");
        assertEquals(2, noTokenizer.code());
        assertEquals(1, noTokenizer.err().lines().count(), noTokenizer.err());
        assertTrue(noTokenizer.err().contains("--tokenizer"), noTokenizer.err());
        Run both = jlrp("explain", "--text", "x", "--tokens", "t.json");
        assertEquals(2, both.code());
        assertEquals(1, both.err().lines().count(), both.err());
        Run labels = jlrp("explain", "--text", "x", "--labels", "a,b,c");
        assertEquals(2, labels.code());
        assertTrue(labels.err().contains("--labels names 3 classes but the model has 2 outputs"), labels.err());
        Run format = jlrp("explain", "--text", "x", "--format", "svg");
        assertEquals(2, format.code());
    }
}
