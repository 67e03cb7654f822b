package org.jlrp.runtime.fuzz;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.Test;

/** The fuzz suite's hang guard catches both kinds of hang, and does not call a case hung for waiting. */
class CaseGuardTest {

    /** Far above what these tests take, so that it never decides them; a broken guard shows as a slow test. */
    private static final long GENEROUS_MS = 60_000;

    /** Spins until interrupted (the guard interrupts a hung case), so it does not burn a core after the test. */
    private static long spin() {
        long x = 0;
        while (!Thread.currentThread().isInterrupted()) {
            x += System.nanoTime() & 1;
        }
        return x;
    }

    @Test
    void aBusyLoopPastTheCpuBudgetIsAHang() throws Exception {
        try (CaseGuard guard = new CaseGuard(100, GENEROUS_MS)) {
            assumeTrue(guard.measuresCpu(), "this JVM cannot measure thread CPU time");
            long start = System.nanoTime();
            CaseGuard.Verdict<Long> verdict = guard.run(CaseGuardTest::spin);
            assertTrue(verdict.hung());
            assertTrue(verdict.hang().contains("100 ms of CPU"), verdict.hang());
            assertTrue(verdict.cpuNanos() > TimeUnit.MILLISECONDS.toNanos(100), String.valueOf(verdict));
            assertTrue(System.nanoTime() - start < TimeUnit.MILLISECONDS.toNanos(GENEROUS_MS), "caught by the CPU");
            // The next case runs on a fresh thread.
            assertEquals(7, guard.run(() -> 7).value());
        }
    }

    @Test
    void aParkedCasePastTheWallCapIsAHang() throws Exception {
        CountDownLatch never = new CountDownLatch(1);
        try (CaseGuard guard = new CaseGuard(GENEROUS_MS, 200)) {
            CaseGuard.Verdict<Boolean> verdict = guard.run(() -> never.await(1, TimeUnit.HOURS));
            assertTrue(verdict.hung());
            assertTrue(verdict.hang().contains("no answer within 200 ms (wall clock)"), verdict.hang());
            assertEquals(7, guard.run(() -> 7).value());
        }
    }

    @Test
    void waitingLongerThanTheCpuBudgetIsNoHang() throws Exception {
        try (CaseGuard guard = new CaseGuard(100, GENEROUS_MS)) {
            assumeTrue(guard.measuresCpu(), "this JVM cannot measure thread CPU time");
            // Five times the CPU budget in wall time, as a case waiting for a core on a loaded machine would take.
            CaseGuard.Verdict<String> verdict = guard.run(() -> {
                long until = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(500);
                while (System.nanoTime() < until) {
                    LockSupport.parkNanos(until - System.nanoTime());
                }
                return "done";
            });
            assertFalse(verdict.hung(), verdict.hang());
            assertEquals("done", verdict.value());
            assertTrue(verdict.cpuNanos() < TimeUnit.MILLISECONDS.toNanos(100), String.valueOf(verdict));
        }
    }

    @Test
    void whatTheCaseThrowsIsPassedOn() throws Exception {
        try (CaseGuard guard = new CaseGuard(GENEROUS_MS, GENEROUS_MS)) {
            OutOfMemoryError error = new OutOfMemoryError("test");
            ExecutionException e = assertThrows(ExecutionException.class, () -> guard.run(() -> {
                throw error;
            }));
            assertSame(error, e.getCause());
            assertEquals(7, guard.run(() -> 7).value());
        }
    }
}
