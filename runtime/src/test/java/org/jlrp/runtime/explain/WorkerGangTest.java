package org.jlrp.runtime.explain;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.atomic.AtomicIntegerArray;
import org.junit.jupiter.api.Test;

class WorkerGangTest {

    @Test
    void everyIndexRunsOnceAndHelpersTakeWork() {
        try (WorkerGang gang = new WorkerGang(3, "test-worker")) {
            for (int round = 0; round < 50; round++) {
                int n = round % 7 == 0 ? 1 : 24;
                AtomicIntegerArray runs = new AtomicIntegerArray(n);
                AtomicIntegerArray byWorker = new AtomicIntegerArray(3);
                gang.forEach(n, (index, worker) -> {
                    runs.incrementAndGet(index);
                    byWorker.incrementAndGet(worker);
                    if (n > 1) {
                        try {
                            Thread.sleep(1); // long enough that a woken helper always finds work left
                        } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                        }
                    }
                });
                for (int i = 0; i < n; i++) {
                    assertEquals(1, runs.get(i), "index " + i + " in round " + round);
                }
                if (n > 1) {
                    assertTrue(byWorker.get(1) + byWorker.get(2) > 0, "helpers took no work in round " + round);
                }
            }
        }
    }

    @Test
    void theGangSurvivesAFailingTask() {
        try (WorkerGang gang = new WorkerGang(2, "test-worker")) {
            for (int round = 0; round < 20; round++) {
                AtomicIntegerArray failing = new AtomicIntegerArray(10);
                try {
                    // index 3 fails on whichever worker takes it: on the caller it propagates, on a helper the
                    // gang swallows it (the engine's tasks record their own failures)
                    gang.forEach(10, (index, worker) -> {
                        failing.incrementAndGet(index);
                        if (index == 3) {
                            throw new IllegalStateException("boom");
                        }
                    });
                } catch (IllegalStateException expected) {
                    assertEquals("boom", expected.getMessage(), "only the task's own failure reaches the caller");
                }
                // Either way, forEach returned only once the other workers had run every other index exactly once.
                for (int i = 0; i < 10; i++) {
                    assertEquals(1, failing.get(i), "failing round " + round + " index " + i);
                }
                AtomicIntegerArray runs = new AtomicIntegerArray(10);
                gang.forEach(10, (index, worker) -> runs.incrementAndGet(index));
                for (int i = 0; i < 10; i++) {
                    assertEquals(1, runs.get(i), "round " + round + " index " + i);
                }
            }
        }
    }
}
