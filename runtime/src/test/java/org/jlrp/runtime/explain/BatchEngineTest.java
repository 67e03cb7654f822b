package org.jlrp.runtime.explain;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.jlrp.runtime.JlrpException;
import org.jlrp.runtime.SharedFiles;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The batch engine gives bit-identical results whatever the thread count, the batch split or concurrent callers. */
class BatchEngineTest {

    private static Explainer explainer;
    private static List<int[]> sequences;

    @BeforeAll
    static void load() {
        explainer = Explainer.load(SharedFiles.require("models/seed_textcnn.h5"));
        Random random = new Random(3);
        sequences = new ArrayList<>();
        int length = explainer.network().inputLength();
        for (int n = 0; n < 37; n++) {
            int[] tokens = new int[length];
            int padded = random.nextInt(length / 2); // some padding in front, as pad_sequences makes it
            for (int t = padded; t < length; t++) {
                tokens[t] = 1 + random.nextInt(explainer.network().vocabularySize() - 1);
            }
            sequences.add(tokens);
        }
    }

    private static void assertSameBits(List<Explanation> expected, List<Explanation> actual, String what) {
        assertEquals(expected.size(), actual.size(), what);
        for (int i = 0; i < expected.size(); i++) {
            Explanation a = expected.get(i);
            Explanation b = actual.get(i);
            assertEquals(a.sequence(), b.sequence(), what);
            assertEquals(a.target(), b.target(), what);
            assertArrayEquals(a.logits(), b.logits(), 0f, what + " logits " + i);
            assertArrayEquals(a.relevance(), b.relevance(), 0.0, what + " relevance " + i);
            assertEquals(a.relevanceBias(), b.relevanceBias(), 0.0, what);
        }
    }

    @Test
    void resultsAreBitIdenticalWhateverTheThreadCount() {
        for (ExplainOptions options : List.of(ExplainOptions.DEFAULT, ExplainOptions.DEFAULT.withTarget(Target.all()),
                ExplainOptions.DEFAULT.withEmbeddingRelevance(true))) {
            List<Explanation> sequential = explainer.explainAll(sequences, options);
            for (int threads : new int[]{1, 2, 3, 8}) {
                assertSameBits(sequential, explainer.explainBatch(sequences, options, threads),
                        threads + " threads, target " + options.target());
            }
        }
    }

    @Test
    void resultsAreBitIdenticalWhateverTheBatchSplit() {
        List<Explanation> whole = explainer.explainAll(sequences, ExplainOptions.DEFAULT);
        try (BatchEngine engine = new BatchEngine(explainer, 2)) {
            for (int batch : new int[]{1, 5, 16, 64}) {
                List<double[]> relevance = new ArrayList<>();
                for (int from = 0; from < sequences.size(); from += batch) {
                    for (Explanation e : engine.explain(sequences.subList(from, Math.min(from + batch,
                            sequences.size())), ExplainOptions.DEFAULT)) {
                        relevance.add(e.relevance());
                    }
                }
                assertEquals(sequences.size(), whole.size());
                assertEquals(whole.size(), relevance.size(), "batch " + batch + ": results");
                for (int i = 0; i < whole.size(); i++) {
                    assertArrayEquals(whole.get(i).relevance(), relevance.get(i), 0.0, "batch " + batch + " seq " + i);
                }
            }
        }
    }

    @Test
    void allocationFreePathMatchesTheExplanations() {
        List<Explanation> whole = explainer.explainAll(sequences, ExplainOptions.DEFAULT);
        int[][] array = sequences.toArray(new int[0][]);
        int count = 16;
        int[] targets = new int[count];
        double[][] relevance = new double[count][explainer.network().inputLength()];
        try (BatchEngine engine = new BatchEngine(explainer, 3)) {
            for (int from = 0; from + count <= array.length; from += count) {
                engine.relevance(array, from, count, ExplainOptions.DEFAULT, targets, relevance);
                for (int i = 0; i < count; i++) {
                    assertEquals(whole.get(from + i).target(), targets[i]);
                    assertArrayEquals(whole.get(from + i).relevance(), relevance[i], 0.0, "sequence " + (from + i));
                }
            }
        }
    }

    @Test
    void concurrentSingleRequestsMatchTheSequentialOnes() throws Exception {
        List<Explanation> sequential = explainer.explainAll(sequences, ExplainOptions.DEFAULT);
        ExecutorService pool = Executors.newFixedThreadPool(6);
        try {
            List<Future<Explanation>> futures = new ArrayList<>();
            for (int round = 0; round < 4; round++) {
                for (int[] tokens : sequences) {
                    futures.add(pool.submit(() -> explainer.explain(tokens)));
                }
            }
            for (int i = 0; i < futures.size(); i++) {
                Explanation expected = sequential.get(i % sequences.size());
                assertArrayEquals(expected.relevance(), futures.get(i).get().relevance(), 0.0, "request " + i);
            }
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void theFirstBadSequenceIsReportedAsSequentially() {
        List<int[]> withBad = new ArrayList<>(sequences);
        int[] bad = sequences.get(0).clone();
        bad[5] = -1;
        withBad.set(9, bad);
        withBad.set(20, new int[3]);
        JlrpException parallel = assertThrows(JlrpException.class,
                () -> explainer.explainBatch(withBad, ExplainOptions.DEFAULT, 4));
        JlrpException sequential = assertThrows(JlrpException.class,
                () -> explainer.explainAll(withBad, ExplainOptions.DEFAULT));
        assertEquals(sequential.getMessage(), parallel.getMessage());
        assertTrue(parallel.getMessage().contains("sequence 9"), parallel.getMessage());
        // the engine survives a failed batch
        try (BatchEngine engine = new BatchEngine(explainer, 2)) {
            assertThrows(JlrpException.class, () -> engine.explain(withBad, ExplainOptions.DEFAULT));
            assertEquals(sequences.size(), engine.explain(sequences, ExplainOptions.DEFAULT).size());
        }
    }
}
