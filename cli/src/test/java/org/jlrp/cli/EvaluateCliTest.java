package org.jlrp.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.xml.parsers.DocumentBuilderFactory;
import org.jlrp.cli.CliRun.Run;
import org.jlrp.runtime.SharedFiles;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code jlrp evaluate}: ERASER comprehensiveness/sufficiency, word deletion, labels, the three formats. */
class EvaluateCliTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    static Path dir;
    static String model;
    static String tokens;

    @BeforeAll
    static void files() throws Exception {
        model = SharedFiles.require("models/kim_textcnn.h5").toString(); // 4 classes, input length 150
        tokens = Files.writeString(dir.resolve("t.json"), "[[12, 7, 345, 99, 1000, 4, 88, 23, 5, 61, 3],"
                + " [17541, 1122, 7142, 40, 9]]").toString();
    }

    private static Run evaluate(String... more) {
        String[] args = new String[8 + more.length];
        System.arraycopy(new String[]{"evaluate", "--model", model, "--tokens", tokens, "--steps", "3", "--methods"},
                0, args, 0, 8);
        System.arraycopy(more, 0, args, 8, more.length);
        return CliRun.run(args);
    }

    @Test
    void jsonHasEveryMetricPerMethod() throws Exception {
        Run r = evaluate("lrp,gradient-input,random", "--format", "json");
        assertEquals(0, r.code(), r.err());
        JsonNode json = JSON.readTree(r.out());
        assertEquals(2, json.path("texts").asInt());
        assertEquals("pad", json.path("removal").asText());
        assertEquals(3, json.path("steps").asInt());
        assertEquals("[1,5,10,20,50]", json.path("percents").toString());
        assertFalse(json.path("labelled").asBoolean());
        assertTrue(json.path("accuracy").isNull());
        assertEquals(3, json.path("methods").size());
        for (JsonNode m : json.path("methods")) {
            assertEquals(5, m.path("comprehensiveness").size(), m.toString());
            assertEquals(5, m.path("sufficiency").size(), m.toString());
            assertEquals(4, m.path("mean_logit_drop").size(), m.toString());
            assertEquals(4, m.path("accuracy").size(), m.toString());
            assertEquals(mean(m.path("comprehensiveness")), m.path("comprehensiveness_aopc").asDouble(), 1e-6);
            assertEquals(mean(m.path("sufficiency")), m.path("sufficiency_aopc").asDouble(), 1e-6);
            assertEquals(mean(m.path("mean_logit_drop")), m.path("aopc").asDouble(), 1e-5);
            // 100 % of the tokens kept is the text itself: no sufficiency drop at the last bin of 50 % is not
            // guaranteed, but the first deletion point is always 0.
            assertEquals(0.0, m.path("mean_logit_drop").get(0).asDouble());
        }
        assertEquals("lrp epsilon", json.path("methods").get(0).path("name").asText());
        Run bins = evaluate("lrp", "--format", "json", "--percents", "10,100");
        JsonNode b = JSON.readTree(bins.out()).path("methods").get(0);
        assertEquals(2, b.path("sufficiency").size());
        assertEquals(0.0, b.path("sufficiency").get(1).asDouble(), "keeping every token changes nothing");
    }

    private static double mean(JsonNode values) {
        double sum = 0;
        for (JsonNode v : values) {
            sum += v.asDouble();
        }
        return sum / values.size();
    }

    @Test
    void padAndDeleteDiffer() throws Exception {
        JsonNode pad = JSON.readTree(evaluate("lrp", "--format", "json").out()).path("methods").get(0);
        Run d = evaluate("lrp", "--format", "json", "--removal", "delete");
        assertEquals(0, d.code(), d.err());
        JsonNode json = JSON.readTree(d.out());
        assertEquals("delete", json.path("removal").asText());
        assertNotEquals(pad.path("comprehensiveness").toString(),
                json.path("methods").get(0).path("comprehensiveness").toString());
        Run bad = evaluate("lrp", "--removal", "cut");
        assertEquals(2, bad.code());
        assertEquals("jlrp: --removal must be pad, delete or zero, got 'cut'\n", bad.err());
    }

    @Test
    void labelsByIndexOrNameGiveTheAccuracy() throws Exception {
        // The predicted classes, from explain: label the first text right and the second wrong.
        JsonNode explained = JSON.readTree(CliRun.run("explain", "--model", model, "--tokens", tokens, "--format",
                "json").out());
        int first = explained.path("results").get(0).path("target").asInt();
        int second = explained.path("results").get(1).path("target").asInt();
        String[] names = {"world", "sports", "business", "science"};
        Path labels = Files.writeString(dir.resolve("labels.txt"), names[first] + "\n" + (second + 1) % 4 + "\n");
        Run r = evaluate("lrp,random", "--format", "json", "--labels", String.join(",", names), "--labels-file",
                labels.toString());
        assertEquals(0, r.code(), r.err());
        JsonNode json = JSON.readTree(r.out());
        assertTrue(json.path("labelled").asBoolean());
        assertEquals(0.5, json.path("accuracy").asDouble());
        assertEquals(0.5, json.path("methods").get(1).path("accuracy").get(0).asDouble());
        Run table = evaluate("lrp,random", "--labels-file", Files.writeString(dir.resolve("l.json"),
                "[" + first + ", " + second + "]").toString());
        assertEquals(0, table.code(), table.err());
        assertTrue(table.out().contains("accuracy 1.0000 against the labels"), table.out());
        assertTrue(table.out().contains("compr.") && table.out().contains("random"), table.out());
    }

    @Test
    void badLabelsAreOneLineAndExitTwo() throws Exception {
        Path three = Files.writeString(dir.resolve("three.txt"), "0\n1\n2\n");
        Run count = evaluate("lrp", "--labels-file", three.toString());
        assertEquals(2, count.code());
        assertEquals("jlrp: --labels-file " + three + " has 3 labels for 2 sequences\n", count.err());
        Path unknown = Files.writeString(dir.resolve("unknown.txt"), "0\nsports\n");
        Run name = evaluate("lrp", "--labels-file", unknown.toString());
        assertEquals(2, name.code());
        assertEquals(1, name.errLines(), name.err());
        assertTrue(name.err().contains("label 2 'sports' is not a class index"), name.err());
        Path range = Files.writeString(dir.resolve("range.txt"), "0\n4\n");
        Run outOfRange = evaluate("lrp", "--labels-file", range.toString());
        assertEquals(2, outOfRange.code());
        assertTrue(outOfRange.err().contains("not a class of this model (0 to 3)"), outOfRange.err());
        Run namesOnly = evaluate("lrp", "--labels", "a,b,c,d");
        assertEquals(2, namesOnly.code());
        assertEquals(1, namesOnly.errLines(), namesOnly.err());
        Run percents = evaluate("lrp", "--percents", "5,1");
        assertEquals(2, percents.code());
        assertEquals(1, percents.errLines(), percents.err());
    }

    @Test
    void htmlPlotsTheCurvesInline() throws Exception {
        Path html = dir.resolve("eval.html");
        Run r = evaluate("lrp,gradient,random", "--output", html.toString());
        assertEquals(0, r.code(), r.err());
        String page = Files.readString(html);
        DocumentBuilderFactory.newInstance().newDocumentBuilder().parse(html.toFile());
        Matcher svg = Pattern.compile("<svg class=\"curves\"").matcher(page);
        int plots = 0;
        while (svg.find()) {
            plots++;
        }
        assertEquals(3, plots, "comprehensiveness, sufficiency and deletion curves");
        assertEquals(9, page.split("<polyline").length - 1, "one curve per method per plot");
        assertTrue(page.contains("comprehensiveness &#8593;") && page.contains("<style>"), page);
        assertFalse(page.contains("<script") || page.contains("src=") || page.contains("href="),
                "no external assets");
    }

    /**
     * Texts are encoded as {@code jlrp explain} encodes them (the model's own TextVectorization layer; a plain
     * vocabulary): evaluating them gives exactly the evaluation of the ids explain reports for them.
     */
    @Test
    void textsAreEvaluatedOnTheIdsExplainEncodes() throws Exception {
        Path tv = SharedFiles.require("pairs/ycw666-phishguard-textvec-bilstm/0623_lstm_model.keras");
        JsonNode own = sameAsOnExplainsIds(new String[]{"--model", tv.toString()}, new String[]{"--padding", "post"},
                "www.google.com/search?q=lstm", "login-microsoftonline.com.account-verify.top/owa/");
        // golden_numpy.tsv: the layer's ids of the first URL
        assertEquals("[20,20,20,5,18,3,3,18,14,2]", idsPrefix(own.get(0).get("tokens"), 10));
        Path onnx = SharedFiles.require("pairs/ycw666-phishguard-charcnn-onnx");
        String[] fitting = {"--padding", "post", "--truncating", "post"};
        JsonNode vocab = sameAsOnExplainsIds(new String[]{"--model", onnx.resolve("cnn_model.onnx").toString(),
            "--vocab", onnx.resolve("char2idx.json").toString(), "--split", "char", "--unknown-id", "0", fitting[0],
            fitting[1], fitting[2], fitting[3]}, fitting, "Mail.Example.COM/Inbox", "login-verify.examp1e.top");
        // golden_numpy.tsv: m a i l . e ...
        assertEquals("[51,39,47,50,15,43]", idsPrefix(vocab.get(0).get("tokens"), 6));

        Path kim = Path.of(model);
        Run none = CliRun.run("evaluate", "--model", kim.toString(), "--text", "a text");
        assertEquals(2, none.code());
        assertEquals("jlrp: --text/--texts need --tokenizer FILE (the model's Keras Tokenizer.to_json() or a "
                + "word->index JSON) or --vocab FILE for " + kim + ", which has no TextVectorization layer",
                none.err().strip());
        Run both = CliRun.run("evaluate", "--model", model, "--tokens", tokens, "--vocab", "v.txt");
        assertEquals(2, both.code());
        assertEquals(1, both.err().lines().count(), both.err());
        assertTrue(both.err().contains("apply to --text/--texts input only"), both.err());
    }

    private static String idsPrefix(JsonNode ids, int n) {
        StringBuilder b = new StringBuilder("[");
        for (int t = 0; t < n; t++) {
            b.append(t == 0 ? "" : ",").append(ids.get(t).asInt());
        }
        return b.append(']').toString();
    }

    /**
     * Explains the texts with {@code encoding} ({@code --format json}), then evaluates the texts with the same
     * options and the reported ids with {@code tokensFitting}; both evaluations must be identical.
     *
     * @return explain's results
     */
    private static JsonNode sameAsOnExplainsIds(String[] encoding, String[] tokensFitting, String... texts)
            throws Exception {
        java.util.List<String> explain = new java.util.ArrayList<>(java.util.List.of("explain"));
        java.util.List<String> evaluate = new java.util.ArrayList<>(java.util.List.of("evaluate"));
        explain.addAll(java.util.List.of(encoding));
        evaluate.addAll(java.util.List.of(encoding));
        for (String t : texts) {
            explain.addAll(java.util.List.of("--text", t));
            evaluate.addAll(java.util.List.of("--text", t));
        }
        explain.addAll(java.util.List.of("--format", "json"));
        Run explained = CliRun.run(explain.toArray(String[]::new));
        assertEquals(0, explained.code(), explained.err());
        JsonNode results = JSON.readTree(explained.out()).get("results");
        StringBuilder ids = new StringBuilder("[");
        for (JsonNode r : results) {
            ids.append(ids.length() == 1 ? "" : ",").append(r.get("tokens"));
        }
        Path file = Files.writeString(Files.createTempFile(dir, "ids", ".json"), ids.append(']'));
        String[] options = {"--steps", "2", "--methods", "lrp,gradient-input", "--format", "json"};
        evaluate.addAll(java.util.List.of(options));
        Run onTexts = CliRun.run(evaluate.toArray(String[]::new));
        assertEquals(0, onTexts.code(), onTexts.err());
        java.util.List<String> onIdsArgs = new java.util.ArrayList<>(java.util.List.of("evaluate", encoding[0],
                encoding[1], "--tokens", file.toString()));
        onIdsArgs.addAll(java.util.List.of(tokensFitting));
        onIdsArgs.addAll(java.util.List.of(options));
        Run onIds = CliRun.run(onIdsArgs.toArray(String[]::new));
        assertEquals(0, onIds.code(), onIds.err());
        assertEquals(onIds.out(), onTexts.out());
        assertEquals(texts.length, JSON.readTree(onTexts.out()).get("texts").asInt());
        return results;
    }
}
