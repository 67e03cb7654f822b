package org.jlrp.runtime.internal.demo;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.jlrp.runtime.explain.ExplainOptions;
import org.jlrp.runtime.explain.Explainer;
import org.jlrp.runtime.explain.Explanation;
import org.jlrp.runtime.explain.Target;
import org.jlrp.runtime.internal.keras.KerasImporter;
import org.jlrp.runtime.internal.model.ModelSpec;
import org.jlrp.runtime.text.KerasTokenizer;
import org.jlrp.runtime.text.Sequences;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DemoModelTest {

    private static final int NEGATIVE = 0;
    private static final int POSITIVE = 1;

    @TempDir
    static Path dir;
    static Explainer explainer;
    static KerasTokenizer tokenizer;

    @BeforeAll
    static void writeAndLoad() {
        Path model = dir.resolve("demo.h5");
        Path tok = dir.resolve("demo.tokenizer.json");
        DemoModel.writeModel(model);
        DemoModel.writeTokenizer(tok);
        explainer = Explainer.load(model);
        tokenizer = KerasTokenizer.load(tok);
    }

    private record Result(Explanation explanation, String[] words) {
        double relevanceOf(String word) {
            for (int t = 0; t < words.length; t++) {
                if (word.equals(words[t])) {
                    return explanation.relevance()[t];
                }
            }
            throw new AssertionError(word + " not in " + Arrays.toString(words));
        }
    }

    private static Result explain(String text, Target target) {
        KerasTokenizer.Encoded e = tokenizer.encode(text);
        int length = explainer.network().inputLength();
        int[] ids = Sequences.pad(e.ids(), length, Sequences.Side.PRE, Sequences.Side.PRE, 0);
        String[] words = Sequences.padWords(e.words(), length, Sequences.Side.PRE, Sequences.Side.PRE);
        Explanation x = explainer.explain(ids, ExplainOptions.DEFAULT.withTarget(target)).get(0);
        return new Result(x, words);
    }

    @Test
    void theFileIsAKeras2FullModelWithTheDocumentedShape() {
        ModelSpec model = KerasImporter.load(dir.resolve("demo.h5"));
        assertEquals("full-h5", model.format());
        assertEquals("2.4.0", model.fact("keras_version").value());
        assertEquals(DemoModel.INPUT_LENGTH, explainer.network().inputLength());
        assertEquals(DemoModel.vocabularySize(), explainer.network().vocabularySize());
        assertEquals(3, explainer.network().embeddingDim());
    }

    @Test
    void writesTheSameBytesEveryTime(@TempDir Path other) throws Exception {
        DemoModel.writeModel(other.resolve("again.h5"));
        DemoModel.writeTokenizer(other.resolve("again.json"));
        assertArrayEquals(Files.readAllBytes(dir.resolve("demo.h5")), Files.readAllBytes(other.resolve("again.h5")));
        assertArrayEquals(Files.readAllBytes(dir.resolve("demo.tokenizer.json")),
                Files.readAllBytes(other.resolve("again.json")));
        assertTrue(!new String(Files.readAllBytes(other.resolve("again.h5")), "ISO-8859-1").contains("jHDF"),
                "jhdf's machine stamp must not be in the file");
    }

    @Test
    void aPositiveSentenceIsPositive() {
        Result r = explain("this film was great", Target.pred());
        assertEquals(POSITIVE, r.explanation().target());
        assertTrue(r.explanation().probabilities()[POSITIVE] > 0.9f);
        assertTrue(r.relevanceOf("great") > 0);
        assertEquals(0.0, r.relevanceOf("film"), "neutral words have zero embeddings");
    }

    @Test
    void negationTurnsGoodIntoNegative() {
        Result pred = explain("this film was not good at all", Target.pred());
        assertEquals(NEGATIVE, pred.explanation().target());
        assertTrue(pred.explanation().probabilities()[NEGATIVE] > 0.9f);
        assertTrue(pred.relevanceOf("not") > 0, "'not' pushes toward negative");
        assertTrue(pred.relevanceOf("good") > 0, "'not good' as a unit pushes toward negative");
        Result positive = explain("this film was not good at all", Target.index(POSITIVE));
        assertTrue(positive.relevanceOf("not") < 0, "'not' counts against positive");
        for (Result r : List.of(pred, positive)) {
            Explanation e = r.explanation();
            assertEquals(e.logits()[e.target()], e.explainedLogit(), 0.0, "the explained logit is the target's");
            assertEquals(Arrays.stream(e.relevance()).sum(), e.relevanceSum(), 1e-9, "Σ relevance");
            assertEquals(0.0, e.relevancePadding(), "the padding embedding is zero");
        }
        // Only the "not good" AND gate (filter 2: good 0.8 + not 1 + bias −1 = 0.8) fires; the Dense adds ±2 of it to
        // the two logits: ±1.6. Its bias −1 absorbs part of the relevance: not 1/0.8, good 0.8/0.8 and the bias
        // −1/0.8 of the logit.
        assertEquals(1.6, pred.explanation().explainedLogit(), 1e-5);
        assertEquals(2.0, pred.relevanceOf("not"), 1e-4);
        assertEquals(1.6, pred.relevanceOf("good"), 1e-4);
        assertEquals(3.6, pred.explanation().relevanceSum(), 1e-4);
        assertEquals(-2.0, pred.explanation().relevanceBias(), 1e-4);
        assertEquals(-1.6, positive.explanation().explainedLogit(), 1e-5);
        assertEquals(-2.0, positive.relevanceOf("not"), 1e-4);
        assertEquals(-1.6, positive.relevanceOf("good"), 1e-4);
        assertEquals(2.0, positive.explanation().relevanceBias(), 1e-4);
    }

    @Test
    void negatedNegativeIsMildlyPositiveAndUnknownWordsAreNeutral() {
        Result r = explain("the plot was not bad, the zorblax was fine", Target.pred());
        assertEquals(POSITIVE, r.explanation().target());
        assertEquals(0.0, r.relevanceOf("zorblax"), "OOV words map to the zero OOV row");
        assertEquals(1, tokenizer.encode("zorblax").ids()[0]);
    }

    @Test
    void filesAreCachedAndLoadThroughTheNormalLoader(@TempDir Path cache) {
        String old = System.getProperty("jlrp.cache.dir");
        System.setProperty("jlrp.cache.dir", cache.toString());
        try {
            DemoModel.DemoFiles files = DemoModel.files();
            assertTrue(files.model().startsWith(cache) && files.model().toString().contains(DemoModel.VERSION));
            assertEquals(DemoModel.INPUT_LENGTH, DemoModel.explainer().network().inputLength());
            assertEquals(DemoModel.OOV_TOKEN, DemoModel.tokenizer().oovToken());
        } finally {
            if (old == null) {
                System.clearProperty("jlrp.cache.dir");
            } else {
                System.setProperty("jlrp.cache.dir", old);
            }
        }
    }
}
