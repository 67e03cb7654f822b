package org.jlrp.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.jlrp.cli.CliRun.Run;
import org.jlrp.runtime.SharedFiles;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The adoption issue's first and third items through {@link Main}: a one-unit sigmoid model is a binary classifier
 * with both classes nameable and explainable, and the words a tokenizer does not know are reported.
 */
class SigmoidAndUnknownWordsCliTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String PHISHING_URL = "http://192.168.10.5/bank/login.html";
    private static final String LEGITIMATE_URL = "https://www.google.com";

    private static List<String> phishing(String... more) {
        Path dir = SharedFiles.require("pairs/rithika204-phishing-url-charcnn");
        List<String> args = new ArrayList<>(List.of("explain", "--model", dir.resolve("cnn_model.h5").toString(),
                "--tokenizer", dir.resolve("tokenizer.json").toString()));
        args.addAll(List.of(more));
        return args;
    }

    private static List<String> hotel(String... more) {
        Path dir = SharedFiles.require("pairs/williampoch-hotel-sentiment-cnn");
        List<String> args = new ArrayList<>(List.of("explain", "--model", dir.resolve("sentiment_model2.h5").toString(),
                "--architecture", dir.resolve("sentiment_model2.json").toString(), "--tokenizer",
                dir.resolve("tokenizer2.json").toString(), "--padding", "post", "--labels", "positive,neutral,negative"));
        args.addAll(List.of(more));
        return args;
    }

    private static Run run(List<String> args) {
        return CliRun.run(args.toArray(String[]::new));
    }

    @Test
    void aPhishingUrlIsTheNegativeClassWithItsOwnProbabilityInEveryFormat(@TempDir Path dir) throws Exception {
        Run json = run(phishing("--text", PHISHING_URL, "--labels", "phishing,legitimate", "--format", "json"));
        assertEquals(0, json.code(), json.err());
        JsonNode doc = JSON.readTree(json.out());
        assertTrue(doc.get("single_sigmoid").asBoolean());
        assertEquals("[\"phishing\",\"legitimate\"]", doc.get("labels").toString());
        JsonNode result = doc.get("results").get(0);
        assertEquals(0, result.get("target").asInt(), "the predicted class is the negative one");
        assertEquals("phishing", result.get("label").asText());
        double z = result.get("logits").get(1).asDouble();
        assertTrue(z < -10, "the unit's logit: " + z);
        assertEquals(-z, result.get("logits").get(0).asDouble(), 0.0);
        assertEquals(-z, result.get("explained_logit").asDouble(), 1e-5, "class 0 explains minus the logit");
        assertTrue(result.get("probabilities").get(0).asDouble() > 0.9999, result.toString());
        assertEquals(result.get("explained_logit").asDouble(),
                result.get("relevance_sum").asDouble() + result.get("relevance_bias").asDouble(), 1e-4);

        Run table = run(phishing("--text", PHISHING_URL, "--labels", "phishing,legitimate", "--format", "table"));
        assertTrue(table.out().contains("target 0 (phishing)") && table.out().contains("probability 1.0000")
                && table.out().contains("predicted 0 (phishing, p = 1.0000)"), table.out());
        Run ansi = CliRun.run(true, "", Map.of(), phishing("--text", PHISHING_URL, "--labels", "phishing,legitimate")
                .toArray(String[]::new));
        String plain = ansi.out().replaceAll("\u001b\\[[0-9;]*m", "");
        assertTrue(ansi.out().contains("\u001b[48;") && plain.startsWith("#0  phishing (p = 1.0000)   explaining "
                + "phishing"), plain);
        Path html = dir.resolve("r.html");
        Run page = run(phishing("--text", PHISHING_URL, "--labels", "phishing,legitimate", "--output", html.toString()));
        assertEquals(0, page.code(), page.err());
        String text = Files.readString(html);
        assertTrue(text.contains("predicted <b class=\"label\">phishing</b> (p = 1.0000)"), text);
        assertFalse(text.contains("legitimate</b>"), "legitimate is neither predicted nor explained");

        // One label names the positive class; the other is "not" it.
        Run one = run(phishing("--text", PHISHING_URL, "--labels", "legitimate", "--format", "table"));
        assertTrue(one.out().contains("predicted 0 (not legitimate, p = 1.0000)"), one.out());
        Run legitimate = run(phishing("--text", LEGITIMATE_URL, "--labels", "phishing,legitimate", "--format", "table"));
        assertTrue(legitimate.out().contains("predicted 1 (legitimate, p = 0.9980)"), legitimate.out());
    }

    @Test
    void targetZeroIsTheNegativeClassAndItsRelevanceIsMinusThePositiveOnes() throws Exception {
        Run all = run(phishing("--text", LEGITIMATE_URL, "--target", "all", "--format", "json"));
        assertEquals(0, all.code(), all.err());
        JsonNode results = JSON.readTree(all.out()).get("results");
        assertEquals(2, results.size(), "one result per class");
        JsonNode negative = results.get(0);
        JsonNode positive = results.get(1);
        assertEquals(0, negative.get("target").asInt());
        assertEquals(1, positive.get("target").asInt());
        assertTrue(positive.get("explained_logit").asDouble() > 0);
        assertEquals(-positive.get("explained_logit").asDouble(), negative.get("explained_logit").asDouble(), 0.0);
        for (int t = 0; t < positive.get("relevance").size(); t++) {
            assertEquals(-positive.get("relevance").get(t).asDouble(), negative.get("relevance").get(t).asDouble(), 0.0,
                    "position " + t);
        }
        assertEquals(-positive.get("relevance_bias").asDouble(), negative.get("relevance_bias").asDouble(), 0.0);

        Run zero = run(phishing("--text", LEGITIMATE_URL, "--target", "0", "--format", "json"));
        JsonNode forced = JSON.readTree(zero.out()).get("results").get(0);
        assertEquals(0, forced.get("target").asInt());
        assertEquals(negative.get("relevance"), forced.get("relevance"));
        Run pred = run(phishing("--text", LEGITIMATE_URL, "--format", "json"));
        assertEquals(1, JSON.readTree(pred.out()).get("results").get(0).get("target").asInt());

        Run two = run(phishing("--text", LEGITIMATE_URL, "--target", "2"));
        assertEquals(2, two.code());
        assertEquals(1, two.errLines(), two.err());
        assertTrue(two.err().contains("classes 0 (negative, p < 0.5) and 1 (positive"), two.err());
    }

    @Test
    void droppedWordsAreReportedInEveryFormat(@TempDir Path dir) throws Exception {
        String text = "Too expensive, would not recommend.";
        Run json = run(hotel("--text", text, "--format", "json"));
        assertEquals(0, json.code(), json.err());
        assertEquals("", json.err());
        JsonNode unknown = JSON.readTree(json.out()).get("results").get(0).get("unknown_words");
        assertEquals(1, unknown.get("count").asInt());
        assertEquals("[\"expensive\"]", unknown.get("dropped").toString());
        assertEquals("[]", unknown.get("oov").toString());
        Run table = run(hotel("--text", text, "--format", "table"));
        assertTrue(table.out().contains("  unknown words: 1 (dropped: expensive)\n"), table.out());
        Run ansi = CliRun.run(true, "", Map.of(), hotel("--text", text).toArray(String[]::new));
        assertTrue(ansi.out().replaceAll("\u001b\\[[0-9;]*m", "").contains("unknown words: 1 (dropped: expensive)"),
                ansi.out());
        Path html = dir.resolve("r.html");
        run(hotel("--text", text, "--output", html.toString()));
        assertTrue(Files.readString(html).contains("<p class=\"note\">unknown words: 1 (dropped: expensive)</p>"));

        Run mapped = run(hotel("--text", text, "--unknown-id", "0", "--format", "json"));
        assertEquals(0, mapped.code(), mapped.err());
        JsonNode result = JSON.readTree(mapped.out()).get("results").get(0);
        assertEquals("[\"expensive\"]", result.get("unknown_words").get("oov").toString());
        assertEquals("expensive", result.get("words").get(1).asText(), "the unknown word keeps its position");
        assertEquals(0, result.get("tokens").get(1).asInt());
        Run tooLarge = run(hotel("--text", text, "--unknown-id", "999999"));
        assertEquals(2, tooLarge.code());
        assertTrue(tooLarge.err().contains("--unknown-id 999999 is out of range"), tooLarge.err());
    }

    @Test
    void aTextWithNoKnownWordIsAWarningOrUnderStrictAnError() throws Exception {
        Run warned = run(hotel("--text", "Qwertzuiop xyzzyplugh!", "--text", "great room", "--format", "json"));
        assertEquals(0, warned.code(), warned.err());
        assertEquals(1, warned.errLines(), warned.err());
        assertTrue(warned.err().startsWith("jlrp: warning: text #0 ('Qwertzuiop xyzzyplugh!') has no word in the "
                + "tokenizer's vocabulary"), warned.err());
        JsonNode first = JSON.readTree(warned.out()).get("results").get(0);
        assertTrue(first.get("warnings").toString().contains("no word of this text is in the tokenizer's vocabulary"));

        Run strict = run(hotel("--text", "great room", "--text", "Qwertzuiop xyzzyplugh!", "--strict"));
        assertEquals(2, strict.code());
        assertEquals(1, strict.errLines(), strict.err());
        assertTrue(strict.err().contains("text #1") && strict.err().contains("--strict"), strict.err());
        assertEquals("", strict.out());

        Path tokens = Files.writeString(Files.createTempFile("tokens", ".json"), "[[1, 2]]");
        Run tokenInput = CliRun.run("explain", "--tokens", tokens.toString(), "--strict");
        assertEquals(2, tokenInput.code());
        assertTrue(tokenInput.err().contains("--text/--texts input only"), tokenInput.err());
    }
}
