package org.jlrp.runtime.render;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import javax.xml.parsers.DocumentBuilderFactory;
import org.jlrp.runtime.internal.demo.DemoModel;
import org.jlrp.runtime.explain.ExplainOptions;
import org.jlrp.runtime.explain.Explainer;
import org.jlrp.runtime.explain.Explanation;
import org.jlrp.runtime.explain.Target;
import org.jlrp.runtime.text.KerasTokenizer;
import org.jlrp.runtime.text.Sequences.Side;
import org.jlrp.runtime.text.TextBatch;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

class HeatmapReportsTest {

    private static final List<String> TEXTS = List.of(
            "this film was not good at all",
            "a great cast, but a boring & predictable <script> plot",
            "great great great",
            "\"quotes\" and 'apostrophes' aren't bad");

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

    private static ReportData report(List<String> texts, Target target) {
        TextBatch batch = TextBatch.encode(tokenizer, texts, explainer.network().inputLength(), Side.PRE, Side.PRE, 0);
        List<Explanation> results = explainer.explainAll(batch.sequences(), ExplainOptions.DEFAULT.withTarget(target));
        return new ReportData("demo <model>", results, batch.words(), DemoModel.LABELS, 0);
    }

    private static String html(ReportData data) throws Exception {
        StringWriter w = new StringWriter();
        HtmlReport.write(w, data);
        return w.toString();
    }

    private static Document parse(String html) throws Exception {
        DocumentBuilderFactory f = DocumentBuilderFactory.newInstance();
        f.setNamespaceAware(false);
        f.setExpandEntityReferences(false);
        return f.newDocumentBuilder().parse(new ByteArrayInputStream(html.getBytes(StandardCharsets.UTF_8)));
    }

    private static List<Element> elements(Element root, String tag, String cls) {
        List<Element> out = new ArrayList<>();
        NodeList nodes = root.getElementsByTagName(tag);
        for (int i = 0; i < nodes.getLength(); i++) {
            Element e = (Element) nodes.item(i);
            if (cls == null || cls.equals(e.getAttribute("class"))) {
                out.add(e);
            }
        }
        return out;
    }

    @Test
    void htmlIsWellFormedAndShowsEveryWordOnceInOrder() throws Exception {
        ReportData data = report(TEXTS, Target.all());
        String html = html(data);
        Document doc = parse(html);
        List<Element> sections = elements(doc.getDocumentElement(), "section", "text");
        assertEquals(data.results().size(), sections.size());
        for (int i = 0; i < sections.size(); i++) {
            Explanation e = data.results().get(i);
            List<String> expected = Arrays.stream(data.wordsOf(e)).filter(Objects::nonNull).toList();
            List<String> shown = elements(sections.get(i), "span", "w").stream().map(Element::getTextContent).toList();
            assertEquals(expected, shown, "section " + i);
            // The demo's padding embedding is zero: the padding run is one grey marker.
            assertEquals(1, elements(sections.get(i), "span", "pad").size(), "one padding marker");
            assertTrue(elements(sections.get(i), "span", "pad").get(0).getTextContent()
                    .startsWith((e.tokens().length - expected.size()) + " padding positions"));
            assertTrue(sections.get(i).getTextContent().contains("conservation: tokens"));
        }
        assertTrue(html.contains("demo &lt;model&gt;") && !html.contains("<model>"), "text is escaped");
        assertTrue(html.contains("&#39;apostrophes&#39;"), "apostrophes survive Keras's filters and are escaped");
    }

    @Test
    void colourSignFollowsRelevanceSign() throws Exception {
        ReportData data = report(TEXTS, Target.all());
        Document doc = parse(html(data));
        int positive = 0;
        int negative = 0;
        for (Element span : elements(doc.getDocumentElement(), "span", null)) {
            if (!span.hasAttribute("data-r")) {
                continue;
            }
            double r = Double.parseDouble(span.getAttribute("data-r"));
            String style = span.getAttribute("style");
            if (r == 0) {
                assertTrue(style.isEmpty() || style.startsWith("background:#ffffff"), style);
                continue;
            }
            int at = style.indexOf("background:#");
            assertTrue(at >= 0, "coloured span without background: " + style);
            String hex = style.substring(at + 12, at + 18);
            int red = Integer.parseInt(hex.substring(0, 2), 16);
            int blue = Integer.parseInt(hex.substring(4, 6), 16);
            if (r > 0) {
                assertTrue(red > blue, "R " + r + " drawn as #" + hex);
                positive++;
            } else {
                assertTrue(blue > red, "R " + r + " drawn as #" + hex);
                negative++;
            }
        }
        assertTrue(positive > 0 && negative > 0, "the fixture should have both signs");
    }

    @Test
    void htmlFetchesNothing() throws Exception {
        String html = html(report(TEXTS, Target.pred()));
        assertFalse(html.contains("http://") || html.contains("https://"), "external URL in the page");
        assertFalse(html.contains("<script") || html.contains("<link") || html.contains("src=")
                || html.contains("url("));
    }

    @Test
    void hundredsOfTextsInOnePage() throws Exception {
        List<String> many = new ArrayList<>();
        for (int i = 0; i < 300; i++) {
            many.add(TEXTS.get(i % TEXTS.size()) + " take " + i);
        }
        Document doc = parse(html(report(many, Target.pred())));
        assertEquals(300, elements(doc.getDocumentElement(), "section", "text").size());
    }

    /** An explanation with relevance on padding, as a model with a trained padding embedding gives. */
    private static ReportData paddedReport() {
        int[] tokens = {0, 0, 0, 7, 9};
        double[] relevance = {0.3, 0.3, 0.3, 1.0, -0.5};
        double sum = Arrays.stream(relevance).sum();
        Explanation e = new Explanation(0, 1, new float[]{-1f, 2f}, new float[]{0.05f, 0.95f}, 2.0, tokens,
                relevance, null, 3, 0.9, sum, 2.0 - sum);
        return new ReportData("m", List.of(e), List.<String[]>of(new String[]{null, null, null, "good", "plot"}),
                null, 0);
    }

    @Test
    void paddingOverTenPercentIsWarnedInEveryFormat() throws Exception {
        ReportData data = paddedReport();
        Diagnostics d = Diagnostics.of(data.results().get(0), 0);
        assertEquals(0.9 / 2.4, d.paddingAbsShare(), 1e-12);
        assertEquals(1.1, d.tokens() + d.padding() + d.bias() - 0.9, 1e-12);
        assertNotNull(d.warning(0));
        assertTrue(d.warning(0).contains("padding embedding (row 0) is non-zero"));

        Document doc = parse(html(data));
        assertEquals(1, elements(doc.getDocumentElement(), "p", "warn").size());
        List<Element> folded = elements(doc.getDocumentElement(), "span", "pad");
        assertEquals(1, folded.size(), "the padding run with relevance is one marker");
        assertTrue(folded.get(0).getTextContent().startsWith("3 padding positions, R = +0.9"),
                folded.get(0).getTextContent());
        String ansi = ansi(data, AnsiReport.ColorMode.TRUECOLOR);
        assertTrue(ansi.contains("warning: padding carries 37.5%"));
        assertTrue(table(data).contains("warning: padding carries"));
        JsonNode result = new ObjectMapper().readTree(json(data)).get("results").get(0);
        assertTrue(result.get("warnings").get(0).asText().contains("non-zero"));
        assertEquals(0.375, result.get("padding_abs_share").asDouble(), 1e-12);
        assertTrue(result.get("words").get(0).isNull());
    }

    @Test
    void noWarningWithAZeroPaddingEmbedding() {
        ReportData data = report(TEXTS, Target.pred());
        assertEquals(TEXTS.size(), data.results().size());
        for (Explanation e : data.results()) {
            assertNull(Diagnostics.of(e, 0).warning(0));
        }
    }

    private static String ansi(ReportData data, AnsiReport.ColorMode mode) throws Exception {
        StringWriter w = new StringWriter();
        AnsiReport.write(w, data, mode);
        return w.toString();
    }

    private static String table(ReportData data) throws Exception {
        StringWriter w = new StringWriter();
        TableReport.write(w, data);
        return w.toString();
    }

    private static String json(ReportData data) throws Exception {
        StringWriter w = new StringWriter();
        JsonReport.write(w, data);
        return w.toString();
    }

    @Test
    void ansiUsesTruecolourOnlyWhenTheTerminalSaysSo() throws Exception {
        ReportData data = report(TEXTS.subList(0, 1), Target.pred());
        String truecolor = ansi(data, AnsiReport.ColorMode.TRUECOLOR);
        String c256 = ansi(data, AnsiReport.ColorMode.COLOR256);
        assertTrue(truecolor.contains("\u001b[48;2;"));
        assertTrue(c256.contains("\u001b[48;5;") && !c256.contains("\u001b[48;2;"));
        String plain = truecolor.replaceAll("\u001b\\[[0-9;]*m", "");
        assertTrue(plain.contains(" this   film   was   not   good   at   all "), plain);
        assertTrue(plain.contains("[43 pad, R +0.00]"), plain);
        assertTrue(plain.contains("negative (p = 0.96"), plain);
        assertEquals(AnsiReport.ColorMode.TRUECOLOR, AnsiReport.ColorMode.fromEnvironment(Map.of("COLORTERM", "24bit")));
        assertEquals(AnsiReport.ColorMode.COLOR256, AnsiReport.ColorMode.fromEnvironment(Map.of()));
        assertEquals(16 + 36 * 5 + 6 * 5 + 5, AnsiReport.cube(new int[]{255, 255, 255}));
    }

    @Test
    void tableListsPositionWordIdRelevance() throws Exception {
        ReportData data = report(TEXTS.subList(0, 1), Target.pred());
        String table = table(data);
        assertTrue(table.contains("target 0 (negative)"), table);
        String row = table.lines().filter(l -> l.trim().startsWith("46 ")).findFirst().orElseThrow();
        String[] columns = row.trim().split("\\s+");
        assertEquals(List.of("46", "not", "58"), List.of(columns[0], columns[1], columns[2]), row);
        assertEquals(2.0, Double.parseDouble(columns[3]), 1e-4);
        assertTrue(table.lines().anyMatch(l -> l.matches("\\s+0-42\\s+\\[43 pad\\]\\s+0\\s+\\+0\\.0+e\\+00")), table);
        assertFalse(table.contains("<pad>"), "padding is folded into one row per run");
    }
}
