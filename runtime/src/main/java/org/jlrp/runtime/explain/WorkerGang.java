package org.jlrp.runtime.explain;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;

/**
 * A fixed set of threads that run an indexed task together: the calling thread is worker 0 and {@code threads − 1}
 * helper threads, started once, are workers 1…. Indices are handed out one at a time from a shared counter, so the
 * split adapts to uneven work; what each index computes must not depend on which worker runs it.
 *
 * <p>Hand-over allocates nothing: helpers wait on a volatile generation counter, spinning briefly and then parking,
 * and the last helper to finish unparks the caller. One {@link #forEach} runs at a time.
 *
 * <p><b>Failures.</b> Whatever a task throws on any worker, an {@link Error} included, reaches the caller of
 * {@link #forEach} (see there); helpers survive it, so the next {@code forEach} runs normally.
 */
final class WorkerGang implements AutoCloseable {

    /** One unit of work; {@code worker} in {@code [0, threads)} selects per-thread state such as a workspace. */
    interface Task {
        void run(int index, int worker);
    }

    /** About 10 µs of spinning before parking: long enough to catch back-to-back batches, short on a busy machine. */
    private static final int SPINS = 200;

    private final Thread[] helpers;
    private final AtomicInteger nextIndex = new AtomicInteger();
    private final AtomicInteger busyHelpers = new AtomicInteger();
    /** The first failure of the running forEach; later ones are added to it as suppressed. */
    private final AtomicReference<Throwable> failure = new AtomicReference<>();
    private volatile int generation;
    private volatile boolean closed;
    private volatile Thread caller;
    // Written before the volatile generation increment and read after reading it: published by that increment.
    private Task task;
    private int count;

    WorkerGang(int threads, String name) {
        if (threads < 1) {
            throw new IllegalArgumentException("threads must be >= 1, got " + threads);
        }
        helpers = new Thread[threads - 1];
        for (int i = 0; i < helpers.length; i++) {
            int worker = i + 1;
            helpers[i] = new Thread(() -> helperLoop(worker), name + "-" + worker);
            helpers[i].setDaemon(true);
            helpers[i].start();
        }
    }

    int threads() {
        return helpers.length + 1;
    }

    /**
     * Runs {@code task} for every index in {@code [0, count)} across all workers; returns when all are done.
     *
     * <p>When a task throws on any worker, no further index is started, the tasks already running finish, and the
     * first failure is thrown here, on the calling thread, once every helper is idle again: a
     * {@link RuntimeException} or an {@link Error} as it is (so an {@code OutOfMemoryError} stays one; its stack
     * trace is the worker's), anything else (a checked exception thrown sneakily) as the cause of an
     * {@link IllegalStateException}. Failures of other workers in the same call are suppressed exceptions of it.
     * What the tasks wrote before is then incomplete: callers must not read it.
     */
    synchronized void forEach(int count, Task task) {
        if (closed) {
            throw new IllegalStateException("this engine is closed");
        }
        if (helpers.length == 0 || count <= 1) {
            try {
                for (int i = 0; i < count; i++) {
                    task.run(i, 0);
                }
            } catch (Throwable e) {
                throw rethrow(e);
            }
            return;
        }
        this.task = task;
        this.count = count;
        nextIndex.set(0);
        failure.set(null);
        caller = Thread.currentThread();
        busyHelpers.set(helpers.length);
        generation++; // publishes task and count
        for (Thread helper : helpers) {
            LockSupport.unpark(helper);
        }
        drain(task, count, 0);
        // Helpers still read this task: wait for every one of them, even when a worker failed.
        int spins = 0;
        while (busyHelpers.get() != 0) {
            if (spins++ < SPINS) {
                Thread.onSpinWait();
            } else {
                LockSupport.park(this);
            }
        }
        this.task = null;
        Throwable failed = failure.getAndSet(null);
        if (failed != null) {
            throw rethrow(failed);
        }
    }

    /** Runs indices until none is left or a worker failed; never throws (the failure is recorded). */
    private void drain(Task task, int count, int worker) {
        try {
            for (int i = nextIndex.getAndIncrement(); i < count && failure.get() == null;
                 i = nextIndex.getAndIncrement()) {
                task.run(i, worker);
            }
        } catch (Throwable e) {
            if (!failure.compareAndSet(null, e)) {
                Throwable first = failure.get();
                if (first != e) { // the same instance (a preallocated OutOfMemoryError) cannot suppress itself
                    try {
                        first.addSuppressed(e);
                    } catch (Throwable ignored) {
                        // out of memory again: the first failure still reaches the caller
                    }
                }
            }
        }
    }

    private static RuntimeException rethrow(Throwable e) {
        if (e instanceof RuntimeException runtime) {
            throw runtime;
        }
        if (e instanceof Error error) {
            throw error;
        }
        throw new IllegalStateException("a worker failed: " + e, e);
    }

    private void helperLoop(int worker) {
        int seen = 0;
        while (true) {
            int spins = 0;
            while (generation == seen && !closed) {
                if (spins++ < SPINS) {
                    Thread.onSpinWait();
                } else {
                    LockSupport.park(this);
                }
            }
            if (closed) {
                return;
            }
            seen = generation;
            try {
                drain(task, count, worker);
            } finally {
                if (busyHelpers.decrementAndGet() == 0) {
                    LockSupport.unpark(caller);
                }
            }
        }
    }

    /**
     * Stops the helper threads; idempotent. Waits for a running {@link #forEach}: closing in the middle of one would
     * stop helpers its caller waits for.
     */
    @Override
    public synchronized void close() {
        closed = true;
        for (Thread helper : helpers) {
            LockSupport.unpark(helper);
        }
    }
}
