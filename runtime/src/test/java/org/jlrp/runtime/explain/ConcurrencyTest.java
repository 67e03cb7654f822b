package org.jlrp.runtime.explain;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.jlrp.runtime.SharedFiles;
import org.junit.jupiter.api.Test;

/**
 * One {@link Explainer} shared by many threads gives, for every request, exactly (bit for bit) what a sequential run
 * gives: no state leaks between concurrent requests, and results do not depend on what runs beside them.
 */
class ConcurrencyTest {

    private static final int THREADS = 8;
    private static final int REQUESTS_PER_THREAD = 60;

    @Test
    void sharedExplainerIsBitIdenticalToSequentialRuns() throws Exception {
        Explainer explainer = Explainer.load(SharedFiles.require("models/kim_textcnn.h5"));
        int vocabulary = explainer.network().vocabularySize();
        int length = explainer.network().inputLength();
        Random random = new Random(11);
        List<int[]> inputs = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            int[] tokens = new int[length];
            int real = 1 + random.nextInt(length);
            for (int t = 0; t < real; t++) {
                tokens[t] = random.nextInt(vocabulary);
            }
            inputs.add(tokens);
        }
        ExplainOptions[] variants = {
            ExplainOptions.DEFAULT,
            ExplainOptions.DEFAULT.withTarget(Target.all()).withEmbeddingRelevance(true),
            ExplainOptions.DEFAULT.withEps(0.01).withIgnoreBias(true).withTarget(Target.index(2)),
        };
        List<List<Explanation>> expected = new ArrayList<>();
        for (int i = 0; i < inputs.size(); i++) {
            expected.add(explainer.explain(inputs.get(i), variants[i % variants.length]));
        }

        ExecutorService pool = Executors.newFixedThreadPool(THREADS);
        try {
            List<Future<Integer>> futures = new ArrayList<>();
            for (int thread = 0; thread < THREADS; thread++) {
                int offset = thread * 7;
                Callable<Integer> work = () -> {
                    int checked = 0;
                    for (int r = 0; r < REQUESTS_PER_THREAD; r++) {
                        int i = (offset + r * 13) % inputs.size();
                        List<Explanation> got = explainer.explain(inputs.get(i), variants[i % variants.length]);
                        assertSame(expected.get(i), got, "request " + i);
                        checked++;
                    }
                    return checked;
                };
                futures.add(pool.submit(work));
            }
            int total = 0;
            for (Future<Integer> f : futures) {
                total += f.get();
            }
            assertEquals(THREADS * REQUESTS_PER_THREAD, total);
        } finally {
            pool.shutdownNow();
        }
    }

    /**
     * Folded DeepLIFT, whose calls each borrow a second workspace for the baseline's pass, from 8 threads on a fresh
     * explainer: every result is bit for bit the sequential one, both baselines.
     */
    @Test
    void foldedDeepLiftFromManyThreadsIsTheSequentialResult() throws Exception {
        org.jlrp.runtime.internal.model.ModelSpec model = org.jlrp.runtime.internal.keras.KerasImporter.load(
                SharedFiles.require("models/seed_textcnn.h5"), null, org.jlrp.runtime.internal.keras.Limits.DEFAULT);
        Explainer sequential = Explainer.of(model, org.jlrp.kernels.KernelProvider.get(), 1L << 30);
        Explainer shared = Explainer.of(model, org.jlrp.kernels.KernelProvider.get(), 1L << 30);
        ExplainOptions[] variants = {
            ExplainOptions.DEFAULT.withMethod(Method.DEEPLIFT),
            ExplainOptions.DEFAULT.withMethod(Method.DEEPLIFT).withBaseline(Method.Baseline.ZERO)
                    .withTarget(Target.all()),
        };
        Random random = new Random(12);
        List<int[]> inputs = new ArrayList<>();
        List<List<Explanation>> expected = new ArrayList<>();
        for (int i = 0; i < 16; i++) {
            int[] tokens = new int[sequential.network().inputLength()];
            for (int t = 0; t < 100; t++) {
                tokens[t] = 1 + random.nextInt(sequential.network().vocabularySize() - 1);
            }
            inputs.add(tokens);
            expected.add(sequential.explain(tokens, variants[i % variants.length]));
        }
        ExecutorService pool = Executors.newFixedThreadPool(THREADS);
        try {
            List<Future<Integer>> futures = new ArrayList<>();
            for (int thread = 0; thread < THREADS; thread++) {
                int offset = thread * 3;
                futures.add(pool.submit(() -> {
                    for (int r = 0; r < inputs.size(); r++) {
                        int i = (offset + r) % inputs.size();
                        assertSame(expected.get(i), shared.explain(inputs.get(i), variants[i % variants.length]),
                                "request " + i);
                    }
                    return inputs.size();
                }));
            }
            for (Future<Integer> f : futures) {
                assertEquals(inputs.size(), f.get());
            }
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void batchResultsEqualOneByOneResults() {
        Explainer explainer = Explainer.load(SharedFiles.require("models/seed_textcnn.h5"));
        Random random = new Random(5);
        List<int[]> inputs = new ArrayList<>();
        for (int i = 0; i < 9; i++) {
            int[] tokens = new int[explainer.network().inputLength()];
            for (int t = 0; t < tokens.length; t++) {
                tokens[t] = random.nextInt(explainer.network().vocabularySize());
            }
            inputs.add(tokens);
        }
        ExplainOptions options = ExplainOptions.DEFAULT.withTarget(Target.all());
        List<Explanation> batch = explainer.explainAll(inputs, options);
        int k = 0;
        for (int i = 0; i < inputs.size(); i++) {
            for (Explanation one : explainer.explain(inputs.get(i), options)) {
                Explanation b = batch.get(k++);
                assertEquals(i, b.sequence());
                assertSame(List.of(one), List.of(b), "sequence " + i);
            }
        }
        assertEquals(batch.size(), k);
    }

    /** Bit-for-bit equality of everything an explanation reports (the sequence index aside). */
    static void assertSame(List<Explanation> expected, List<Explanation> actual, String what) {
        assertEquals(expected.size(), actual.size(), what);
        for (int j = 0; j < expected.size(); j++) {
            Explanation e = expected.get(j);
            Explanation a = actual.get(j);
            assertEquals(e.target(), a.target(), what);
            assertArrayEquals(e.logits(), a.logits(), what);
            assertArrayEquals(e.relevance(), a.relevance(), what);
            assertArrayEquals(e.embeddingRelevance(), a.embeddingRelevance(), what);
            assertArrayEquals(e.tokens(), a.tokens(), what);
            assertEquals(Double.doubleToLongBits(e.relevanceBias()), Double.doubleToLongBits(a.relevanceBias()), what);
            assertEquals(Double.doubleToLongBits(e.relevancePadding()), Double.doubleToLongBits(a.relevancePadding()),
                    what);
        }
    }
}
