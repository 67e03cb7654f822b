package org.jlrp.runtime.explain;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import org.jlrp.kernels.KernelProvider;
import org.jlrp.runtime.SharedFiles;
import org.jlrp.runtime.TestModels;
import org.jlrp.runtime.internal.model.ModelSpec;
import org.junit.jupiter.api.Test;

/**
 * Why padding gets relevance (DESIGN.md §3): with a trainable, non-zero padding embedding, Conv1D width 3 and
 * MaxPooling1D(5), every all-padding pooling window is a five-way tie that its first position wins, so relevance lands
 * on input positions in a repeating 3-on / 2-off pattern. With a zero padding embedding it is exactly zero.
 */
class PaddingRelevanceTest {

    private static final int LENGTH = 40;
    private static final int REAL_TOKENS = 10;

    private static ModelSpec model(boolean zeroPadding) {
        return TestModels.chain(7, LENGTH).embedding(30, 8, zeroPadding)
                .conv1d("conv", 8, 16, 3, "valid", 1, 1, "relu").pooling("pool", "MaxPooling1D", 5, 5)
                .layer("flat", "Flatten").dense("out", 7 * 16, 3, "softmax").build();
    }

    @Test
    void nonZeroPaddingEmbeddingGivesThreeOnTwoOffPattern() {
        Explainer explainer = Explainer.of(model(false), KernelProvider.get());
        int[] tokens = TestModels.tokens(new Random(3), LENGTH, 30, LENGTH - REAL_TOKENS);
        List<Explanation> all = explainer.explain(tokens, ExplainOptions.DEFAULT.withTarget(Target.all()));
        assertEquals(3, all.size(), "one explanation per class");
        for (Explanation e : all) {
            // Pool windows [10,15), [15,20), … [30,35) cover conv outputs that read padding only: the window's first
            // conv output wins and passes relevance to inputs t, t+1, t+2; inputs t+3 and t+4 get none.
            for (int start = 10; start <= 30; start += 5) {
                for (int on = 0; on < 3; on++) {
                    assertNotEquals(0.0, e.relevance()[start + on], "target " + e.target() + " position " + (start + on));
                }
                assertEquals(0.0, e.relevance()[start + 3], "target " + e.target() + " position " + (start + 3));
                assertEquals(0.0, e.relevance()[start + 4], "target " + e.target() + " position " + (start + 4));
            }
            assertNotEquals(0.0, e.relevancePadding());
        }
    }

    @Test
    void zeroPaddingEmbeddingGivesExactlyZeroPaddingRelevance() {
        Explainer explainer = Explainer.of(model(true), KernelProvider.get());
        int[] tokens = TestModels.tokens(new Random(3), LENGTH, 30, LENGTH - REAL_TOKENS);
        List<Explanation> all = explainer.explain(tokens, ExplainOptions.DEFAULT.withTarget(Target.all()));
        assertEquals(3, all.size(), "one explanation per class");
        for (Explanation e : all) {
            for (int t = REAL_TOKENS; t < LENGTH; t++) {
                assertEquals(0.0, e.relevance()[t], "position " + t);
            }
            assertEquals(0.0, e.relevancePadding());
            assertNotEquals(0.0, e.relevanceSum());
        }
    }

    /** The same pattern on the real reference workload, whose padding row is non-zero. */
    @Test
    void seedModelShowsThePatternOnItsPaddedSequence() throws Exception {
        Path modelFile = SharedFiles.require("models/seed_textcnn.h5");
        JsonNode golden = new ObjectMapper().readTree(SharedFiles.require("golden/seed_textcnn.tokens.json").toFile());
        // The first 40 ids of a golden random sequence, then 110 padding ids (post-padding, as Keras would).
        int[] tokens = new int[150];
        for (int t = 0; t < 40; t++) {
            tokens[t] = golden.get("tokens").get(0).get(t).asInt();
        }
        int firstPad = 40;
        Explanation e = Explainer.load(modelFile).explain(tokens);
        // Pool windows are conv outputs [5k, 5k+5); a window is all padding when its first conv output reads padding.
        int firstWindow = (firstPad + 4) / 5 * 5;
        int windows = 0;
        for (int start = firstWindow; start + 5 <= 145; start += 5) {
            assertEquals(0.0, e.relevance()[start + 3], "position " + (start + 3));
            assertEquals(0.0, e.relevance()[start + 4], "position " + (start + 4));
            assertNotEquals(0.0, e.relevance()[start] + Math.abs(e.relevance()[start + 1])
                    + Math.abs(e.relevance()[start + 2]), "window at " + start);
            windows++;
        }
        assertTrue(windows >= 5, "only " + windows + " all-padding windows checked");
        assertTrue(Math.abs(e.relevancePadding()) > 0, "padding carries relevance");
    }
}
