package org.jlrp.runtime.fuzz;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Runs one case at a time on a worker thread and calls it hung by the CPU time that thread used, not by the wall
 * clock: on a loaded machine a case waits longer for a core, but it does not use more CPU. A wall-clock cap far above
 * any honest case still catches a case that hangs without using CPU (parked, deadlocked). Where the JVM cannot
 * measure thread CPU time, only the wall-clock cap applies.
 *
 * <p>A hung case's thread is interrupted and abandoned (a daemon); the next case gets a fresh one.
 */
final class CaseGuard implements AutoCloseable {

    /** The value of a finished case, or why it was called hung. */
    record Verdict<T>(T value, String hang, long cpuNanos) {
        boolean hung() {
            return hang != null;
        }
    }

    private static final long POLL_MS = 20;

    private final long cpuBudgetNanos;
    private final long wallCapNanos;
    private final ThreadMXBean threads = ManagementFactory.getThreadMXBean();
    private final boolean cpuMeasured;
    private ExecutorService executor;
    private volatile Thread worker;

    CaseGuard(long cpuBudgetMillis, long wallCapMillis) {
        this.cpuBudgetNanos = TimeUnit.MILLISECONDS.toNanos(cpuBudgetMillis);
        this.wallCapNanos = TimeUnit.MILLISECONDS.toNanos(wallCapMillis);
        this.cpuMeasured = enableCpuTime(threads);
        this.executor = newExecutor();
    }

    private static boolean enableCpuTime(ThreadMXBean threads) {
        if (!threads.isThreadCpuTimeSupported()) {
            return false;
        }
        try {
            if (!threads.isThreadCpuTimeEnabled()) {
                threads.setThreadCpuTimeEnabled(true);
            }
            return true;
        } catch (UnsupportedOperationException | SecurityException e) {
            return false;
        }
    }

    /** Whether the CPU budget applies here (else only the wall-clock cap). */
    boolean measuresCpu() {
        return cpuMeasured;
    }

    /**
     * Runs {@code task} on the worker thread and waits until it finishes, uses more than the CPU budget, or runs past
     * the wall-clock cap.
     *
     * @throws ExecutionException with what the task threw
     */
    <T> Verdict<T> run(Callable<T> task) throws ExecutionException, InterruptedException {
        AtomicLong startCpu = new AtomicLong(-1);
        Future<T> future = executor.submit(() -> {
            startCpu.set(cpuMeasured ? threads.getCurrentThreadCpuTime() : 0);
            return task.call();
        });
        long wallStart = System.nanoTime();
        while (true) {
            try {
                T value = future.get(POLL_MS, TimeUnit.MILLISECONDS);
                return new Verdict<>(value, null, cpuUsed(startCpu));
            } catch (TimeoutException e) {
                // still running: check the budgets below
            }
            long cpu = cpuUsed(startCpu);
            String hang = null;
            if (cpu > cpuBudgetNanos) {
                hang = "used more than " + TimeUnit.NANOSECONDS.toMillis(cpuBudgetNanos) + " ms of CPU";
            } else if (System.nanoTime() - wallStart > wallCapNanos) {
                hang = "no answer within " + TimeUnit.NANOSECONDS.toMillis(wallCapNanos) + " ms (wall clock), "
                        + TimeUnit.NANOSECONDS.toMillis(Math.max(cpu, 0)) + " ms of CPU";
            }
            if (hang != null) {
                future.cancel(true);
                executor.shutdownNow();
                executor = newExecutor();
                return new Verdict<>(null, hang, cpu);
            }
        }
    }

    /** CPU time of the running case so far; -1 before it starts or where CPU time is not measured. */
    private long cpuUsed(AtomicLong startCpu) {
        Thread t = worker;
        long start = startCpu.get();
        if (!cpuMeasured || t == null || start < 0) {
            return -1;
        }
        long now = threads.getThreadCpuTime(t.getId());
        return now < 0 ? -1 : now - start;
    }

    private ExecutorService newExecutor() {
        return Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "fuzz-case");
            t.setDaemon(true);
            worker = t;
            return t;
        });
    }

    @Override
    public void close() {
        executor.shutdownNow();
    }
}
