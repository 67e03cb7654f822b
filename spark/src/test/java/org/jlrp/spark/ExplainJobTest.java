package org.jlrp.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.ByteArrayOutputStream;
import java.io.StringWriter;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.jlrp.runtime.SharedFiles;
import org.jlrp.runtime.explain.ExplainOptions;
import org.jlrp.runtime.explain.Explainer;
import org.jlrp.runtime.explain.Target;
import org.jlrp.runtime.render.JsonReport;
import org.jlrp.runtime.render.ReportData;
import org.jlrp.runtime.text.KerasTokenizer;
import org.jlrp.runtime.text.TextBatch;
import org.jlrp.runtime.text.Sequences;
import org.jlrp.runtime.text.TokenFile;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code jlrp-spark explain} end to end on the shared local session, against the CLI's own result objects. */
class ExplainJobTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    private static Path model;
    private static Explainer engine;
    private static List<int[]> sequences;

    @TempDir
    Path dir;

    @BeforeAll
    static void load() {
        model = SharedFiles.require("models/seed_textcnn.h5");
        engine = Explainer.load(model);
        sequences = new ArrayList<>(TokenFile.read(SharedFiles.require("golden/seed_textcnn.tokens.json")));
        sequences.add(new int[]{5, 17, 300});              // padded at the front to the model's 150
        sequences.add(Arrays.copyOf(sequences.get(0), 170)); // truncated at the front
        LocalSpark.warmUp(engine, sequences);
        LocalSpark.session(); // the job runs on the active session, and leaves it running
    }

    @Test
    void everyLineIsTheCliResultObjectWithItsIdInInputOrder() throws IOException {
        Path input = jsonLines(sequences, -1, null);
        Path output = dir.resolve("out.jsonl");
        Run run = job("explain", "--model", model.toString(), "--input", input.toString(),
                "--output", output.toString(), "--batch", "3");
        assertEquals(0, run.code, run.err);
        assertEquals("", run.err);
        assertEquals(expectedLines(sequences, ExplainOptions.DEFAULT), readLines(output));
    }

    @Test
    void targetAllAndEpsGiveOneLinePerClass() throws IOException {
        Path input = jsonLines(sequences, -1, null);
        Path output = dir.resolve("out.jsonl");
        Run run = job("explain", "--model", model.toString(), "--input", input.toString(),
                "--output", output.toString(), "--target", "all", "--eps", "0.01");
        assertEquals(0, run.code, run.err);
        assertEquals(expectedLines(sequences, ExplainOptions.DEFAULT.withTarget(Target.all()).withEps(0.01)),
                readLines(output));
    }

    @Test
    void badLineFailsNamingItsLineNumberOrIsSkipped() throws IOException {
        Path input = jsonLines(sequences, 2, "{\"id\": \"broken\", \"tokens\": [1, 2, 99999]}");
        Path output = dir.resolve("out.jsonl");
        Run failed = job("explain", "--model", model.toString(), "--input", input.toString(),
                "--output", output.toString());
        assertEquals(2, failed.code);
        assertEquals(1, failed.err.lines().count(), failed.err);
        assertTrue(failed.err.startsWith("jlrp-spark: " + input + " line 3: position 149: token id 99999"),
                failed.err);
        assertFalse(Files.exists(output), "no output after a failed job");
        try (var leftovers = Files.list(dir)) {
            assertEquals(1, leftovers.count(), "no partial file left behind");
        }

        Run skipped = job("explain", "--model", model.toString(), "--input", input.toString(),
                "--output", output.toString(), "--on-error", "skip");
        assertEquals(0, skipped.code, skipped.err);
        assertTrue(skipped.err.startsWith("jlrp-spark: skipped " + input + " line 3: "), skipped.err);
        List<String> expected = expectedLines(sequences, ExplainOptions.DEFAULT);
        expected.remove(2);
        List<String> actual = readLines(output);
        assertEquals(expected.size(), actual.size());
        for (int i = 0; i < actual.size(); i++) {
            // Records keep their input position as "sequence": the skipped line leaves a gap.
            JsonNode line = JSON.readTree(actual.get(i));
            assertEquals(i < 2 ? i : i + 1, line.get("sequence").asInt());
            ((ObjectNode) line).put("sequence", JSON.readTree(expected.get(i)).get("sequence").asInt());
            assertEquals(JSON.readTree(expected.get(i)), line);
        }
    }

    @Test
    void malformedRecordsNameTheirLine() throws IOException {
        for (String bad : List.of("not json", "[1, 2]", "{\"id\": 1}", "{\"id\": 1, \"tokens\": []}",
                "{\"id\": 1, \"tokens\": [1, \"a\"]}", "{\"id\": 1, \"tokens\": [1, 3000000000]}")) {
            Path input = jsonLines(sequences.subList(0, 3), 1, bad);
            Run run = job("explain", "--model", model.toString(), "--input", input.toString(),
                    "--output", dir.resolve("out.jsonl").toString());
            assertEquals(2, run.code, bad + ": " + run.err);
            assertEquals(1, run.err.lines().count(), run.err);
            assertTrue(run.err.startsWith("jlrp-spark: " + input + " line 2: "), run.err);
        }
    }

    @Test
    void parquetInAndOut() throws IOException {
        List<Row> rows = new ArrayList<>();
        for (int i = 0; i < sequences.size(); i++) {
            List<Long> ids = new ArrayList<>();
            for (int id : sequences.get(i)) {
                ids.add((long) id);
            }
            rows.add(RowFactory.create("doc-" + i, ids));
        }
        StructType schema = new StructType().add("id", DataTypes.StringType)
                .add("tokens", DataTypes.createArrayType(DataTypes.LongType));
        Path input = dir.resolve("in.parquet");
        LocalSpark.session().createDataFrame(rows, schema).coalesce(1).write().parquet(input.toString());
        Path output = dir.resolve("out.parquet");
        Run run = job("explain", "--model", model.toString(), "--input", input.toString(), "--input-format",
                "parquet", "--output", output.toString(), "--output-format", "parquet");
        assertEquals(0, run.code, run.err);

        List<Row> results = LocalSpark.session().read().parquet(output.toString()).orderBy("sequence").collectAsList();
        assertEquals(sequences.size(), results.size());
        for (int i = 0; i < results.size(); i++) {
            Row r = results.get(i);
            var expected = engine.explain(padded(sequences.get(i)), ExplainOptions.DEFAULT).get(0);
            assertEquals("doc-" + i, r.getString(r.fieldIndex("id")));
            assertEquals(expected.target(), r.getInt(r.fieldIndex("target")));
            List<Double> relevance = r.getList(r.fieldIndex("relevance"));
            for (int t = 0; t < relevance.size(); t++) {
                // The JSON lines (and so the Parquet columns) carry the float32 value of each relevance.
                assertEquals((float) expected.relevance()[t], relevance.get(t).floatValue(), 0f,
                        "row " + i + " position " + t);
            }
        }
    }

    @Test
    void textInputWithATokenizerAndPostPaddingGivesTheCliResultObjects() throws IOException {
        Path pair = SharedFiles.require("pairs/williampoch-hotel-sentiment-cnn");
        Path weights = pair.resolve("sentiment_model2.h5");
        Path architecture = pair.resolve("sentiment_model2.json");
        Path tokenizerFile = pair.resolve("tokenizer2.json");
        List<String> texts = List.of("Too expensive, would not recommend.", "the room was clean and the staff friendly");
        Path input = dir.resolve("texts.jsonl");
        Files.write(input, List.of("{\"id\": \"a\", \"review\": \"" + texts.get(0) + "\"}",
                "{\"id\": \"b\", \"review\": \"" + texts.get(1) + "\"}"));
        Path output = dir.resolve("out.jsonl");
        Run run = job("explain", "--model", weights.toString(), "--architecture", architecture.toString(),
                "--input", input.toString(), "--output", output.toString(), "--tokenizer", tokenizerFile.toString(),
                "--text-field", "review", "--padding", "post");
        assertEquals(0, run.code, run.err);

        // What jlrp explain --text ... --padding post --format json writes for the same texts.
        Explainer hotel = Explainer.load(weights, architecture);
        TextBatch batch = TextBatch.encode(KerasTokenizer.load(tokenizerFile), texts, hotel.network().inputLength(),
                Sequences.Side.POST, Sequences.Side.PRE, 0);
        StringWriter report = new StringWriter();
        JsonReport.write(report, new ReportData("m", hotel.explainAll(batch.sequences(), ExplainOptions.DEFAULT),
                batch.words(), null, 0).withUnknownWords(batch.unknownWords()));
        JsonNode expected = JSON.readTree(report.toString()).get("results");
        List<String> lines = Files.readAllLines(output);
        assertEquals(2, lines.size());
        for (int i = 0; i < 2; i++) {
            JsonNode line = JSON.readTree(lines.get(i));
            assertEquals(i == 0 ? "a" : "b", line.get("id").asText());
            for (String field : List.of("sequence", "target", "tokens", "words", "unknown_words")) {
                assertEquals(expected.get(i).get(field), line.get(field), field);
            }
            for (int t = 0; t < line.get("relevance").size(); t++) {
                assertEquals(expected.get(i).get("relevance").get(t).asDouble(), line.get("relevance").get(t)
                        .asDouble(), 1e-5, "record " + i + " position " + t);
            }
        }
        JsonNode first = JSON.readTree(lines.get(0));
        assertEquals("[\"expensive\"]", first.get("unknown_words").get("dropped").toString());
        assertEquals("too", first.get("words").get(0).asText(), "post-padding: the words come first");
    }

    /**
     * Texts without a tokenizer file: a model's own TextVectorization layer (--text-field alone), and a plain
     * vocabulary (--vocab, as jlrp explain --vocab): the ids are the pairs' golden ones, as explain encodes them.
     */
    @Test
    void textInputWithTheModelsOwnTextVectorizationOrAVocabulary() throws IOException {
        Path tvDir = SharedFiles.require("pairs/ycw666-phishguard-textvec-bilstm");
        Path input = dir.resolve("urls.jsonl");
        Files.write(input, List.of("{\"id\": 7, \"url\": \"www.google.com/search?q=lstm\"}"));
        Path output = dir.resolve("tv.jsonl");
        Run run = job("explain", "--model", tvDir.resolve("0623_lstm_model.keras").toString(), "--input",
                input.toString(), "--output", output.toString(), "--text-field", "url", "--pad-id", "3");
        assertEquals(0, run.code, run.err);
        JsonNode line = JSON.readTree(Files.readAllLines(output).get(0));
        String golden = Files.readAllLines(tvDir.resolve("golden_numpy.tsv")).get(1).split("\t")[4].trim();
        assertEquals(golden, ids(line), "the layer's ids, 0-padded at the end whatever --pad-id says");
        assertEquals("w", line.get("words").get(0).asText());
        assertTrue(line.get("words").get(199).isNull());

        // The ISEAR emotion CNN with its {"word": id} dict: whitespace words, unknown -> 0, padded at the end.
        Path isear = SharedFiles.require("pairs/swswy-isear-emotion-cnn");
        String[] row = Files.readAllLines(isear.resolve("golden_numpy.tsv")).get(1).split("\t");
        Files.write(input, List.of(JSON.createObjectNode().put("id", 8).put("text", row[2]).toString()));
        Path vocabOut = dir.resolve("vocab.jsonl");
        Run vocab = job("explain", "--model", isear.resolve("cnn_model.h5").toString(), "--input", input.toString(),
                "--output", vocabOut.toString(), "--vocab", isear.resolve("dict.json").toString(), "--split",
                "whitespace", "--unknown-id", "0", "--padding", "post");
        assertEquals(0, vocab.code, vocab.err);
        JsonNode encoded = JSON.readTree(Files.readAllLines(vocabOut).get(0));
        assertEquals(row[4].trim(), ids(encoded), "the golden ids, as ExplainTextTest/VocabularyTest read them");
        assertEquals("a", encoded.get("words").get(0).asText());
        assertEquals("neurotic", encoded.get("unknown_words").get("oov").get(0).asText(), "mapped to --unknown-id 0");

        Run none = job("explain", "--model", model.toString(), "--input", input.toString(), "--output",
                dir.resolve("none.jsonl").toString(), "--text-field", "text");
        assertEquals(2, none.code);
        assertTrue(none.err.contains("--text-field needs --tokenizer FILE or --vocab FILE"), none.err);
        Run both = job("explain", "--model", model.toString(), "--input", "x", "--output", "y", "--split", "char");
        assertEquals(2, both.code);
        assertTrue(both.err.contains("--split and --keep-case apply to --vocab only"), both.err);
    }

    private static String ids(JsonNode line) {
        StringBuilder b = new StringBuilder();
        line.get("tokens").forEach(t -> b.append(b.length() == 0 ? "" : " ").append(t.asInt()));
        return b.toString();
    }

    @Test
    void usageAndMissingFilesExitWithTwoAndOneLine() {
        Run unknown = job("explain", "--model", model.toString(), "--bogus", "1");
        assertEquals(2, unknown.code);
        assertTrue(unknown.err.contains("unknown option '--bogus'"), unknown.err);
        Run missingModel = job("explain", "--model", dir.resolve("nope.h5").toString(), "--input", "x.jsonl",
                "--output", dir.resolve("o.jsonl").toString());
        assertEquals(2, missingModel.code);
        assertEquals(1, missingModel.err.lines().count(), missingModel.err);
        assertTrue(missingModel.err.contains("no such model file"), missingModel.err);
        Run badTarget = job("explain", "--model", model.toString(), "--input", "x", "--output", "y", "--target", "x");
        assertEquals(2, badTarget.code);
        assertEquals(2, job().code);
        assertEquals(0, job("explain", "--help").code);
    }

    /** The CLI's result objects for the same inputs (JsonReport, as {@code jlrp explain --format json}), plus ids. */
    private static List<String> expectedLines(List<int[]> inputs, ExplainOptions options) throws IOException {
        List<int[]> padded = inputs.stream().map(ExplainJobTest::padded).toList();
        StringWriter report = new StringWriter();
        JsonReport.write(report, new ReportData(model.toString(), engine.explainAll(padded, options), null, null, 0)
                .withOptions(options));
        List<String> lines = new ArrayList<>();
        for (JsonNode result : JSON.readTree(report.toString()).get("results")) {
            ObjectNode withId = JSON.createObjectNode();
            withId.put("id", "doc-" + result.get("sequence").asInt());
            withId.setAll((ObjectNode) result);
            lines.add(JSON.writeValueAsString(withId));
        }
        return lines;
    }

    private static List<String> readLines(Path output) throws IOException {
        List<String> out = new ArrayList<>();
        for (String line : Files.readAllLines(output)) {
            out.add(JSON.writeValueAsString(JSON.readTree(line)));
        }
        return out;
    }

    /** One {@code {"id": "doc-i", "tokens": [...]}} line per sequence; {@code replaced} (if any) at 0-based {@code at}. */
    private Path jsonLines(List<int[]> inputs, int at, String replaced) throws IOException {
        List<String> lines = new ArrayList<>();
        for (int i = 0; i < inputs.size(); i++) {
            lines.add(i == at ? replaced : "{\"id\": \"doc-" + i + "\", \"tokens\": " + Arrays.toString(inputs.get(i)) + "}");
        }
        Path file = Files.createTempFile(dir, "in-", ".jsonl");
        Files.write(file, lines);
        return file;
    }

    private static int[] padded(int[] ids) {
        return Sequences.pad(ids, engine.network().inputLength(), Sequences.Side.PRE, Sequences.Side.PRE, 0);
    }

    private record Run(int code, String out, String err) {
    }

    private static Run job(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = ExplainJob.run(args, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        return new Run(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }
}
