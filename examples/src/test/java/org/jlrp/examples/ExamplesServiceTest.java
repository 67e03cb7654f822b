package org.jlrp.examples;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.jlrp.runtime.SharedFiles;
import org.jlrp.runtime.internal.demo.DemoModel;
import org.jlrp.runtime.explain.ExplainOptions;
import org.jlrp.runtime.explain.Explainer;
import org.jlrp.runtime.explain.Explanation;
import org.jlrp.runtime.text.KerasTokenizer;
import org.jlrp.runtime.text.Sequences;
import org.jlrp.runtime.text.TextBatch;
import org.junit.jupiter.api.Test;

/**
 * The example service gives, on 8 threads sharing one explainer, exactly the bits a separately loaded explainer gives
 * one text at a time on one thread.
 */
class ExamplesServiceTest {

    private static final int THREADS = 8;

    @Test
    void demoModelOnEightThreadsEqualsOneThread() {
        List<String> texts = randomTexts(new ArrayList<>(DemoModel.tokenizer().wordIndex().keySet()), 400, 1);
        texts.add(0, "this film was not good at all");
        texts.add(1, "not bad, i enjoyed it");
        Explainer reference = DemoModel.explainer(); // a second instance: nothing shared with the service's
        try (ExplainService service = ExplainService.demo(THREADS)) {
            List<ExplainService.Result> results = service.explainAll(texts);
            assertSameAsOneAtATime(reference, DemoModel.tokenizer(), texts, results);

            ExplainService.Result first = results.get(0);
            assertEquals("negative", first.label());
            assertEquals("not", first.topWords(1).get(0).word());
            assertEquals("positive", results.get(1).label());
        }
    }

    @Test
    void realModelOnEightThreadsEqualsOneThread() {
        Path model = SharedFiles.require("models/seed_textcnn.h5");
        Explainer explainer = Explainer.load(model);
        // This model comes without a tokenizer: word "wN" is token id N.
        Map<String, Integer> index = new LinkedHashMap<>();
        for (int id = 1; id < explainer.vocabularySize(); id++) {
            index.put("w" + id, id);
        }
        KerasTokenizer tokenizer = KerasTokenizer.ofWordIndex(index);
        List<String> texts = randomTexts(new ArrayList<>(index.keySet()), 96, 2);
        Explainer reference = Explainer.load(model);
        try (ExplainService service = new ExplainService(explainer, tokenizer, null, ExplainOptions.DEFAULT,
                THREADS)) {
            assertSameAsOneAtATime(reference, tokenizer, texts, service.explainAll(texts));
        }
    }

    @Test
    void mainPrintsOneLinePerText() {
        PrintStream stdout = System.out;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        try {
            System.setOut(new PrintStream(captured, true, StandardCharsets.UTF_8));
            ExplainService.main(new String[]{"--threads", "3", "this film was not good at all", "a great movie"});
        } finally {
            System.setOut(stdout);
        }
        String[] lines = captured.toString(StandardCharsets.UTF_8).split("\n");
        assertEquals(2, lines.length, String.join("\n", lines));
        assertTrue(lines[0].startsWith("negative") && lines[0].contains(" not +2.000"), lines[0]);
        assertTrue(lines[1].startsWith("positive") && lines[1].contains(" great +"), lines[1]);
    }

    private static void assertSameAsOneAtATime(Explainer reference, KerasTokenizer tokenizer, List<String> texts,
                                               List<ExplainService.Result> results) {
        assertEquals(texts.size(), results.size());
        for (int i = 0; i < texts.size(); i++) {
            int[] ids = TextBatch.encode(tokenizer, List.of(texts.get(i)), reference.inputLength(),
                    Sequences.Side.PRE, Sequences.Side.PRE, 0).sequences().get(0);
            Explanation expected = reference.explain(ids);
            Explanation actual = results.get(i).explanation();
            assertEquals(texts.get(i), results.get(i).text());
            assertArrayEquals(ids, actual.tokens(), "text " + i);
            assertEquals(expected.target(), actual.target(), "text " + i);
            assertArrayEquals(expected.logits(), actual.logits(), "text " + i);
            assertArrayEquals(expected.relevance(), actual.relevance(), "text " + i); // exact: no tolerance
            assertEquals(expected.relevanceBias(), actual.relevanceBias(), 0, "text " + i);
        }
    }

    /** Texts of 1 to 80 words drawn from {@code words} (longer than some models' input: truncation is exercised). */
    private static List<String> randomTexts(List<String> words, int count, long seed) {
        Random random = new Random(seed);
        List<String> texts = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            StringBuilder text = new StringBuilder();
            int length = 1 + random.nextInt(80);
            for (int w = 0; w < length; w++) {
                text.append(w == 0 ? "" : " ").append(words.get(random.nextInt(words.size())));
            }
            texts.add(text.toString());
        }
        return texts;
    }
}
