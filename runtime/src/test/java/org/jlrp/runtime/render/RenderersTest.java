package org.jlrp.runtime.render;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.jlrp.runtime.JlrpException;
import org.jlrp.runtime.internal.demo.DemoModel;
import org.jlrp.runtime.explain.ExplainOptions;
import org.jlrp.runtime.explain.Explainer;
import org.jlrp.runtime.explain.Explanation;
import org.jlrp.runtime.explain.SigmoidClasses;
import org.jlrp.runtime.explain.Method;
import org.jlrp.runtime.explain.Target;
import org.jlrp.runtime.text.KerasTokenizer;
import org.jlrp.runtime.text.Sequences.Side;
import org.jlrp.runtime.text.TextBatch;
import org.jlrp.runtime.text.UnknownWords;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The renderers' shared behaviour: one output type, padding folded in every format, method-specific diagnostics,
 * unknown words, float32 digits in JSON, and the class view of a single sigmoid unit.
 */
class RenderersTest {

    @TempDir
    static Path dir;
    static Explainer explainer;
    static KerasTokenizer tokenizer;

    @BeforeAll
    static void demo() {
        DemoModel.writeModel(dir.resolve("demo.h5"));
        DemoModel.writeTokenizer(dir.resolve("demo.json"));
        explainer = Explainer.load(dir.resolve("demo.h5"));
        tokenizer = KerasTokenizer.load(dir.resolve("demo.json"));
    }

    private static ReportData demoReport(List<String> texts, ExplainOptions options) {
        TextBatch batch = TextBatch.encode(tokenizer, texts, explainer.network().inputLength(), Side.PRE, Side.PRE, 0);
        List<Explanation> results = explainer.explainAll(batch.sequences(), options);
        return new ReportData("demo", explainer.network().inputLength(), options, results, batch.words(),
                DemoModel.LABELS, batch.unknownWords(), false);
    }

    /** Every format, rendered through the one entry point each has. */
    private static List<String> allFormats(ReportData data) throws Exception {
        List<String> out = new ArrayList<>();
        StringWriter w = new StringWriter();
        AnsiReport.write(w, data, AnsiReport.ColorMode.COLOR256);
        out.add(w.toString().replaceAll("\u001b\\[[0-9;]*m", ""));
        w = new StringWriter();
        TableReport.write(w, data);
        out.add(w.toString());
        w = new StringWriter();
        HtmlReport.write(w, data);
        out.add(w.toString());
        w = new StringWriter();
        JsonReport.write(w, data);
        out.add(w.toString());
        return out;
    }

    /** A sequence of 150 positions, 140 of them padding that carries relevance (a trained padding embedding). */
    private static Explanation paddedHeavily(int sequence) {
        int[] tokens = new int[150];
        double[] relevance = new double[150];
        for (int t = 0; t < 150; t++) {
            tokens[t] = t < 140 ? 0 : 5 + t;
            relevance[t] = t < 140 ? 0.001 * (t % 5 < 3 ? 1 : 0) : 0.5;
        }
        double sum = Arrays.stream(relevance).sum();
        return new Explanation(sequence, 0, new float[]{3f, 1f}, new float[]{0.88f, 0.12f}, 3.0, tokens, relevance,
                null, 4, 0.084, sum, 3.0 - sum);
    }

    @Test
    void htmlFoldsPaddingRunsSoThousandsOfTextsStaySmall() throws Exception {
        List<Explanation> results = new ArrayList<>();
        List<String[]> words = new ArrayList<>();
        for (int i = 0; i < 2000; i++) {
            results.add(paddedHeavily(i));
            String[] w = new String[150];
            for (int t = 140; t < 150; t++) {
                w[t] = "word" + t;
            }
            words.add(w);
        }
        StringWriter w = new StringWriter();
        HtmlReport.write(w, new ReportData("m", results, words, null, 0));
        String html = w.toString();
        // One span per word and one marker per padding run: about 3 KB a text (it was 12 KB with a span per position).
        assertTrue(html.length() < 2000 * 4000, "HTML of 2000 texts is " + html.length() + " characters");
        assertEquals(2000 * 10, html.split("data-r=", -1).length - 1, "a data-r per word, none per padding position");
        assertEquals(2000, html.split("class=\"pad\"", -1).length - 1, "one padding marker per run");
    }

    @Test
    void ansiLinesNeverEndInASpace() throws Exception {
        ReportData data = demoReport(List.of("this film was not good at all", "a wonderful cast, but the plot was "
                + "boring and predictable and slow and awful and long and bad and dull and loud and silly and weak"),
                ExplainOptions.DEFAULT.withTarget(Target.all()));
        StringWriter w = new StringWriter();
        AnsiReport.write(w, data, AnsiReport.ColorMode.TRUECOLOR);
        for (String line : w.toString().split("\n", -1)) {
            assertFalse(line.endsWith(" ") || line.endsWith("\t"), "trailing space: '" + line + "'");
        }
        assertTrue(w.toString().lines().filter(l -> l.startsWith("  ") && l.contains("\u001b[48;")).count() >= 3,
                "the long text wraps");
    }

    @Test
    void jsonAsBytesIsTheWritersDocumentInUtf8() throws Exception {
        ReportData data = demoReport(List.of("this film was not good at all", "caf\u00e9 \u00fcber film \ud83d\ude00"),
                ExplainOptions.DEFAULT.withTarget(org.jlrp.runtime.explain.Target.all()));
        StringWriter w = new StringWriter();
        JsonReport.write(w, data);
        java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
        JsonReport.write(bytes, data);
        assertTrue(w.toString().contains("caf\u00e9"), w.toString());
        assertEquals(w.toString(), bytes.toString(java.nio.charset.StandardCharsets.UTF_8));
    }

    @Test
    void jsonWritesEveryRealNumberWithFloat32Digits() throws Exception {
        float f = 1.6f;
        Explanation e = new Explanation(0, 0, new float[]{f, 0.2f}, new float[]{0.8f, 0.2f}, f, new int[]{0, 3},
                new double[]{0, f}, null, 2, 0, f, 0);
        StringWriter w = new StringWriter();
        JsonReport.write(w, new ReportData("m", List.of(e), null, null, 0));
        String json = w.toString();
        assertTrue(json.contains("\"explained_logit\":1.6,"), json);
        assertTrue(json.contains("\"relevance\":[0.0,1.6]"), json);
        assertFalse(json.contains("1.600000"), json);
        assertEquals(1, json.lines().count(), "one object per line");
    }

    @Test
    void conservationAndBiasLinesAreForLrpOnly() throws Exception {
        List<String> texts = List.of("this film was not good at all");
        for (Method method : Method.values()) {
            ReportData data = demoReport(texts, ExplainOptions.DEFAULT.withMethod(method));
            List<String> formats = allFormats(data);
            for (int f = 0; f < 3; f++) { // ansi, table, html
                String text = formats.get(f);
                assertEquals(method == Method.LRP, text.contains("conservation: tokens"), method + " format " + f);
                assertEquals(method == Method.LRP, text.contains("|R|); bias"), method + " format " + f);
                boolean baselineMethod = method == Method.INTEGRATED_GRADIENTS || method == Method.DEEPLIFT
                        || method == Method.SHAPLEY;
                assertEquals(baselineMethod, text.contains("completeness: sum of R"), method + " format " + f);
            }
        }
    }

    @Test
    void unknownWordsAreReportedInEveryFormat() throws Exception {
        ReportData data = demoReport(List.of("Too expensive, would not recommend.", "not good"),
                ExplainOptions.DEFAULT);
        UnknownWords first = data.unknownWords().get(0);
        assertTrue(first.oov().contains("expensive"), first.toString());
        assertFalse(first.noKnownWord());
        List<String> formats = allFormats(data);
        for (int f = 0; f < 3; f++) {
            assertTrue(formats.get(f).contains("unknown words: " + first.count() + " (mapped to the OOV id: "),
                    "format " + f + ": " + formats.get(f));
            assertTrue(formats.get(f).contains("expensive"), "format " + f);
        }
        JsonNode results = new ObjectMapper().readTree(formats.get(3)).get("results");
        JsonNode unknown = results.get(0).get("unknown_words");
        assertEquals(first.count(), unknown.get("count").asInt());
        assertTrue(unknown.get("oov").toString().contains("expensive"), unknown.toString());
        assertEquals(0, results.get(1).get("unknown_words").get("count").asInt());

        // Without an OOV token the words are dropped, and a text of unknown words alone gets a warning.
        KerasTokenizer plain = KerasTokenizer.ofWordIndex(java.util.Map.of("good", 5, "not", 6));
        TextBatch batch = TextBatch.encode(plain, List.of("not good, expensive", "xyz qqq"), 50, Side.PRE, Side.PRE,
                0);
        assertEquals(List.of("expensive"), batch.unknownWords().get(0).dropped());
        assertNull(batch.unknownWords().get(0).warning());
        assertTrue(batch.unknownWords().get(1).noKnownWord());
        assertTrue(batch.unknownWords().get(1).warning().contains("no word of this text is in the tokenizer's"));
        UnknownWords mapped = plain.withUnknownId(0).encode("not good, expensive").unknownWords();
        assertEquals(List.of("expensive"), mapped.oov());
        assertEquals(List.of(), mapped.dropped());
    }

    @Test
    void aSingleSigmoidUnitIsABinaryClassifier() throws Exception {
        // The unit's logit is -2 (p = 0.119): the negative class is predicted.
        double[] relevance = {0, -1.5, -0.25};
        Explanation unit = new Explanation(0, 0, new float[]{-2f}, new float[]{(float) (1 / (1 + Math.exp(2)))},
                -2.0, new int[]{0, 4, 5}, relevance, new float[]{0, 0, -1f, -0.5f, 0.25f, -0.5f}, 2, 0, -1.75, -0.25);
        List<Explanation> pred = SigmoidClasses.toClasses(List.of(unit), Target.pred(), Method.LRP);
        assertEquals(1, pred.size());
        Explanation negative = pred.get(0);
        assertEquals(0, negative.target());
        assertEquals(2.0, negative.explainedLogit());
        assertEquals(List.of(0.0, 1.5, 0.25), Arrays.stream(negative.relevance()).boxed().toList());
        assertEquals(1.75, negative.relevanceSum());
        assertEquals(0.25, negative.relevanceBias(), 1e-12);
        assertEquals(1f, negative.embeddingRelevance()[2]);
        assertEquals(0.881, negative.probabilities()[0], 1e-3);
        assertEquals(0.119, negative.probabilities()[1], 1e-3);
        assertEquals(2f, negative.logits()[0]);

        List<Explanation> all = SigmoidClasses.toClasses(List.of(unit), Target.all(), Method.LRP);
        assertEquals(List.of(0, 1), all.stream().map(Explanation::target).toList());
        assertEquals(-2.0, all.get(1).explainedLogit());
        assertEquals(-1.5, all.get(1).relevance()[1]);
        // Saliency's norms keep their sign; the gradient map changes it.
        Explanation saliency = SigmoidClasses.asClass(unit, 0, Method.GRADIENT);
        assertEquals(-1.5, saliency.relevance()[1]);
        assertEquals(1f, saliency.embeddingRelevance()[2]);
        assertThrows(JlrpException.class, () -> SigmoidClasses.toClasses(List.of(unit), Target.index(2), Method.LRP));

        ReportData oneLabel = new ReportData("m", pred, null, List.of("legitimate"), 0).withSingleSigmoid(true);
        assertEquals("not legitimate", oneLabel.label(0));
        assertEquals(List.of("not legitimate", "legitimate"), oneLabel.classNames());
        ReportData twoLabels = new ReportData("m", pred, null, List.of("phishing", "legitimate"), 0)
                .withSingleSigmoid(true);
        for (String text : allFormats(twoLabels).subList(0, 3)) {
            assertTrue(text.contains("phishing (p = 0.8808)") || text.contains("0 (phishing, p = 0.8808)")
                    || text.contains(">phishing</b> (p = 0.8808)"), text);
            assertFalse(text.contains("legitimate"), text);
        }
        JsonNode json = new ObjectMapper().readTree(allFormats(twoLabels).get(3));
        assertTrue(json.get("single_sigmoid").asBoolean());
        assertEquals("phishing", json.get("results").get(0).get("label").asText());
        assertEquals(0, json.get("results").get(0).get("target").asInt());
        // p = 0.5 exactly (logit 0) is the positive class, as Keras's threshold is p >= 0.5.
        assertEquals(1, SigmoidClasses.predictedClass(0.0));
        assertEquals(1, SigmoidClasses.predictedClass(-0.0));
    }
}
