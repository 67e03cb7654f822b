package org.jlrp.runtime.explain;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The gang's contract: every index once, helpers take work, and a failure on any worker reaches the caller of
 * forEach as it is (a checked one wrapped), after which the gang works as before. Failures are put on a helper
 * deterministically: the caller's task waits on a latch until a helper holds an index.
 */
class WorkerGangTest {

    /** Long enough for any helper to wake up on a loaded machine; only a broken gang ever waits it out. */
    private static final long WAIT_S = 30;

    private static void await(CountDownLatch latch, String what) {
        try {
            if (!latch.await(WAIT_S, TimeUnit.SECONDS)) {
                throw new IllegalStateException("timed out waiting: " + what);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** Throws {@code t} whatever its type, as a task compiled elsewhere (say in Kotlin) could. */
    @SuppressWarnings("unchecked")
    private static <T extends Throwable> RuntimeException sneaky(Throwable t) throws T {
        throw (T) t;
    }

    /** A forEach in which the caller keeps its first index until a helper has one: both kinds of worker run. */
    private static AtomicIntegerArray runWithHelper(WorkerGang gang, int n) {
        AtomicIntegerArray runs = new AtomicIntegerArray(n);
        CountDownLatch helperRan = new CountDownLatch(1);
        gang.forEach(n, (index, worker) -> {
            runs.incrementAndGet(index);
            if (worker == 0) {
                await(helperRan, "a helper taking an index");
            } else {
                helperRan.countDown();
            }
        });
        return runs;
    }

    private static void assertEveryIndexOnce(AtomicIntegerArray runs, String what) {
        for (int i = 0; i < runs.length(); i++) {
            assertEquals(1, runs.get(i), what + " index " + i);
        }
    }

    @Test
    void everyIndexRunsOnceAndHelpersTakeWork() {
        try (WorkerGang gang = new WorkerGang(3, "test-worker")) {
            for (int round = 0; round < 50; round++) {
                int n = round % 7 == 0 ? 1 : 24;
                if (n == 1) {
                    AtomicIntegerArray runs = new AtomicIntegerArray(1);
                    gang.forEach(1, (index, worker) -> runs.incrementAndGet(index));
                    assertEveryIndexOnce(runs, "round " + round);
                } else {
                    assertEveryIndexOnce(runWithHelper(gang, n), "round " + round);
                }
            }
        }
    }

    static Stream<Supplier<Throwable>> failures() {
        return Stream.of(
                () -> new OutOfMemoryError("test: heap"),
                () -> new AssertionError("test: assertion"),
                () -> new StackOverflowError(),
                () -> new IllegalStateException("test: runtime"));
    }

    @ParameterizedTest
    @MethodSource("failures")
    void aFailureOnAHelperIsThrownAsItIsOnTheCaller(Supplier<Throwable> failure) {
        for (int threads : new int[]{2, 3}) {
            try (WorkerGang gang = new WorkerGang(threads, "test-worker")) {
                for (int round = 0; round < 5; round++) {
                    Throwable toThrow = failure.get();
                    CountDownLatch helperFailing = new CountDownLatch(1);
                    Throwable thrown = assertThrows(Throwable.class, () -> gang.forEach(16, (index, worker) -> {
                        if (worker != 0) {
                            helperFailing.countDown();
                            throw sneaky(toThrow);
                        }
                        await(helperFailing, "a helper taking an index");
                    }));
                    assertSame(toThrow, thrown, threads + " threads, round " + round);
                    // The gang is whole again: no stale failure, every helper back and taking work.
                    assertEveryIndexOnce(runWithHelper(gang, 16), threads + " threads, after round " + round);
                }
            }
        }
    }

    @Test
    void aCheckedExceptionOnAHelperIsTheCause() {
        try (WorkerGang gang = new WorkerGang(2, "test-worker")) {
            IOException checked = new IOException("test: checked");
            CountDownLatch helperFailing = new CountDownLatch(1);
            IllegalStateException thrown = assertThrows(IllegalStateException.class, () -> gang.forEach(4,
                    (index, worker) -> {
                        if (worker != 0) {
                            helperFailing.countDown();
                            throw sneaky(checked);
                        }
                        await(helperFailing, "a helper taking an index");
                    }));
            assertSame(checked, thrown.getCause());
            assertEveryIndexOnce(runWithHelper(gang, 8), "after the checked exception");
        }
    }

    @Test
    void failuresOnBothSidesAreOneThrownAndOneSuppressed() {
        try (WorkerGang gang = new WorkerGang(2, "test-worker")) {
            AssertionError onHelper = new AssertionError("test: helper");
            IllegalArgumentException onCaller = new IllegalArgumentException("test: caller");
            // Each side holds an index before either throws: otherwise the first failure stops the other early.
            CountDownLatch helperHolds = new CountDownLatch(1);
            CountDownLatch callerHolds = new CountDownLatch(1);
            Throwable thrown = assertThrows(Throwable.class, () -> gang.forEach(4, (index, worker) -> {
                if (worker != 0) {
                    helperHolds.countDown();
                    await(callerHolds, "the caller taking an index");
                    throw onHelper;
                }
                callerHolds.countDown();
                await(helperHolds, "a helper taking an index");
                throw onCaller;
            }));
            // Which one is recorded first is a race; that both reach the caller is not.
            Throwable other = thrown == onHelper ? onCaller : onHelper;
            assertTrue(thrown == onHelper || thrown == onCaller, String.valueOf(thrown));
            assertArrayEquals(new Throwable[]{other}, thrown.getSuppressed());
            assertEveryIndexOnce(runWithHelper(gang, 8), "after two failures");
        }
    }

    @Test
    void aFailureOnTheCallerAloneIsThrownAsItIs() {
        try (WorkerGang gang = new WorkerGang(1, "test-worker")) {
            OutOfMemoryError error = new OutOfMemoryError("test: caller only");
            assertSame(error, assertThrows(OutOfMemoryError.class, () -> gang.forEach(3, (index, worker) -> {
                throw error;
            })));
            AtomicIntegerArray runs = new AtomicIntegerArray(3);
            gang.forEach(3, (index, worker) -> runs.incrementAndGet(index));
            assertEveryIndexOnce(runs, "after the failure");
        }
    }

    @Test
    void aClosedGangSaysSo() {
        WorkerGang gang = new WorkerGang(3, "test-worker");
        assertEveryIndexOnce(runWithHelper(gang, 8), "before closing");
        gang.close();
        gang.close();
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> gang.forEach(8, (i, w) -> { }));
        assertTrue(e.getMessage().contains("closed"), e.getMessage());
    }

    @Test
    void helperThreadsSurviveFailures() {
        try (WorkerGang gang = new WorkerGang(3, "test-survivor")) {
            for (int round = 0; round < 3; round++) {
                CountDownLatch helperFailing = new CountDownLatch(1);
                assertThrows(OutOfMemoryError.class, () -> gang.forEach(8, (index, worker) -> {
                    if (worker != 0) {
                        helperFailing.countDown();
                        throw new OutOfMemoryError("test");
                    }
                    await(helperFailing, "a helper taking an index");
                }));
            }
            List<String> alive = Thread.getAllStackTraces().keySet().stream().map(Thread::getName)
                    .filter(name -> name.startsWith("test-survivor-")).sorted().toList();
            assertEquals(List.of("test-survivor-1", "test-survivor-2"), alive);
        }
    }
}
