package org.jlrp.runtime.explain;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.AbstractList;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.jlrp.runtime.SharedFiles;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * An Error inside a worker of {@link BatchEngine} reaches the caller of {@code explain}. The seam is the input list:
 * the engine's worker reads its sequence from it, so a list that throws on a helper thread ({@code jlrp-worker-*})
 * puts the Error inside a helper's task without touching the explainer.
 */
class BatchEngineFailureTest {

    private static Explainer explainer;
    private static List<int[]> sequences;

    @BeforeAll
    static void load() {
        explainer = Explainer.load(SharedFiles.require("models/seed_textcnn.h5"));
        sequences = new ArrayList<>();
        int length = explainer.network().inputLength();
        for (int n = 0; n < 12; n++) {
            int[] tokens = new int[length];
            for (int t = 0; t < length; t++) {
                tokens[t] = 1 + (n * 31 + t * 7) % (explainer.network().vocabularySize() - 1);
            }
            sequences.add(tokens);
        }
    }

    /** The sequences, but a helper thread's first read throws {@code error}, and the caller's waits for that. */
    private static final class FailingOnAHelper extends AbstractList<int[]> {
        private final Throwable error;
        private final CountDownLatch helperFailing = new CountDownLatch(1);

        FailingOnAHelper(Throwable error) {
            this.error = error;
        }

        @Override
        public int[] get(int index) {
            if (Thread.currentThread().getName().startsWith("jlrp-worker-")) {
                helperFailing.countDown();
                if (error instanceof Error e) {
                    throw e;
                }
                throw (RuntimeException) error;
            }
            try {
                if (!helperFailing.await(30, TimeUnit.SECONDS)) {
                    throw new IllegalStateException("no helper took a sequence within 30 s");
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
            return sequences.get(index);
        }

        @Override
        public int size() {
            return sequences.size();
        }
    }

    static Stream<Supplier<Error>> errors() {
        return Stream.of(() -> new OutOfMemoryError("test: heap"), () -> new AssertionError("test: assertion"));
    }

    @ParameterizedTest
    @MethodSource("errors")
    void anErrorInAWorkerReachesTheCallerAndTheEngineStillWorks(Supplier<Error> error) {
        List<Explanation> expected = explainer.explainAll(sequences, ExplainOptions.DEFAULT);
        try (BatchEngine engine = new BatchEngine(explainer, 3)) {
            for (int round = 0; round < 3; round++) {
                Error toThrow = error.get();
                Error thrown = assertThrows(Error.class,
                        () -> engine.explain(new FailingOnAHelper(toThrow), ExplainOptions.DEFAULT));
                assertSame(toThrow, thrown);
                List<Explanation> actual = engine.explain(sequences, ExplainOptions.DEFAULT);
                assertEquals(expected.size(), actual.size());
                for (int i = 0; i < expected.size(); i++) {
                    assertArrayEquals(expected.get(i).relevance(), actual.get(i).relevance(), 0.0,
                            "round " + round + " sequence " + i);
                }
            }
        }
    }
}
