package org.jlrp.serve;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import org.jlrp.runtime.JlrpException;
import org.jlrp.runtime.explain.BatchEngine;
import org.jlrp.runtime.explain.ExplainOptions;
import org.jlrp.runtime.explain.Explainer;
import org.jlrp.runtime.explain.Explanation;

/**
 * Micro-batching: requests from all connections wait in one bounded queue; {@code threads} lanes each take them in
 * batches that close at {@code maxBatch} sequences or {@code maxWait} after the first, and explain each batch on a
 * {@link BatchEngine} of their own, of one thread (two lanes kept both cores busier than one lane with a two-thread
 * engine, whose helper idled while the lane split results and took the next batch; performance.md). Requests are
 * checked before they are queued, and a batch's results are split back by sequence, so one request's input can
 * neither fail nor change another's answer (the engine's results do not depend on the batch they were computed in).
 */
final class Batcher implements AutoCloseable {

    /** What a queued request gets back: explanations, or logits (predictions), or a status and one-line error. */
    record Outcome(List<Explanation> explanations, List<float[]> logits, int status, String error) {
        static Outcome failed(int status, String error) {
            return new Outcome(null, null, status, error);
        }
    }

    /** A queued request: explain (LRP or another method) or predict (forward pass only). */
    static final class Work {
        final Request request;
        final boolean explain;
        final long deadlineNanos;
        final Consumer<Outcome> done;

        Work(Request request, boolean explain, long deadlineNanos, Consumer<Outcome> done) {
            this.request = request;
            this.explain = explain;
            this.deadlineNanos = deadlineNanos;
            this.done = done;
        }
    }

    /** One batching thread and its engine. */
    private static final class Lane {
        final BatchEngine engine;
        Thread thread;
        /** A request taken from the queue that did not fit the batch being built: it opens the next one. */
        volatile Work carried;

        Lane(BatchEngine engine) {
            this.engine = engine;
        }
    }

    private final Explainer explainer;
    private final Lane[] lanes;
    private final ArrayBlockingQueue<Work> queue;
    private final int maxBatch;
    private final long maxWaitNanos;
    private final Metrics metrics;
    private volatile boolean running = true;
    private final long maxQueueNanos;
    /** Sequences in the queue (not yet taken into a batch). */
    private final AtomicLong queuedSequences = new AtomicLong();
    /** Recent time per sequence of one lane, for the queue's time bound. */
    private final SequenceTime sequenceTime = new SequenceTime();
    /** Tests only: while set, the batcher takes nothing from the queue (to fill it, or to let a deadline pass). */
    private volatile java.util.concurrent.CountDownLatch hold;

    Batcher(Explainer explainer, ServeOptions options, Metrics metrics) {
        this.explainer = explainer;
        this.queue = new ArrayBlockingQueue<>(options.queueCapacity());
        this.maxBatch = options.maxBatch();
        this.maxWaitNanos = TimeUnit.MICROSECONDS.toNanos(options.maxWaitMicros());
        this.maxQueueNanos = TimeUnit.MICROSECONDS.toNanos(options.maxQueueMicros());
        this.metrics = metrics;
        metrics.queueDepth(queue::size);
        this.lanes = new Lane[options.threads()];
        for (int i = 0; i < lanes.length; i++) {
            Lane lane = new Lane(new BatchEngine(explainer, 1));
            lane.thread = new Thread(() -> loop(lane), "jlrp-batcher-" + i);
            lane.thread.setDaemon(true);
            lanes[i] = lane;
        }
        for (Lane lane : lanes) {
            lane.thread.start();
        }
    }

    /** Why a request was not queued. */
    enum Refusal { NONE, FULL, OVERLOADED, STOPPED }

    /**
     * Queues a request, or says at once why not: the queue holds {@code queueCapacity} requests, or more work than
     * the engine gets through in {@code maxQueueMicros} at its recent rate (so that accepted requests do not wait
     * longer than that however many arrive), or the server is stopping.
     */
    Refusal offer(Work work) {
        if (!running) {
            return Refusal.STOPPED;
        }
        int size = work.request.size();
        long waiting;
        do { // check and reserve in one step: two I/O threads must not both see the same queue and both get in
            waiting = queuedSequences.get();
            if (waiting > 0 && (waiting + size) * sequenceTime.nanos() / lanes.length > maxQueueNanos) {
                return Refusal.OVERLOADED;
            }
        } while (!queuedSequences.compareAndSet(waiting, waiting + size));
        if (!queue.offer(work)) {
            queuedSequences.addAndGet(-size);
            return Refusal.FULL;
        }
        return Refusal.NONE;
    }

    /** Whether the queue holds more work than the time bound already: then any request is refused, unread. */
    boolean overloaded() {
        long waiting = queuedSequences.get();
        return waiting > 0 && waiting * sequenceTime.nanos() / lanes.length > maxQueueNanos;
    }

    /**
     * The median of the last {@link #BATCHES} batches' wall time per sequence (0 before the first batch). A median,
     * not a moving average: one batch stretched by a garbage-collection pause or a descheduled thread (a few ms on a
     * busy 2-core machine, over a batch of one or two) would otherwise raise the estimate tenfold at once and refuse
     * requests at a fraction of the capacity; a lasting change of speed (heavier requests, real overload) moves the
     * median once it has lasted 5 batches.
     */
    static final class SequenceTime {
        static final int BATCHES = 9;
        private final double[] recent = new double[BATCHES];
        private int count;
        private int next;
        private volatile double median;

        synchronized void record(double nanosPerSequence) {
            recent[next] = nanosPerSequence;
            next = (next + 1) % BATCHES;
            count = Math.min(count + 1, BATCHES);
            double[] sorted = Arrays.copyOf(recent, count);
            Arrays.sort(sorted);
            median = sorted[count / 2];
        }

        double nanos() {
            return median;
        }
    }

    private Work taken(Work w) {
        if (w != null) {
            queuedSequences.addAndGet(-w.request.size());
        }
        return w;
    }

    /** Tests only: the batcher stops taking requests until the latch opens. */
    void hold(java.util.concurrent.CountDownLatch latch) {
        hold = latch;
    }

    private void loop(Lane lane) {
        while (running || !queue.isEmpty() || lane.carried != null) {
            try {
                java.util.concurrent.CountDownLatch h = hold;
                if (h != null) {
                    h.await();
                }
                List<Work> batch = nextBatch(lane);
                if (!batch.isEmpty()) {
                    long start = System.nanoTime();
                    run(lane, batch);
                    int n = 0;
                    for (Work w : batch) {
                        n += w.request.size();
                    }
                    sequenceTime.record((System.nanoTime() - start) / (double) n);
                }
            } catch (InterruptedException e) {
                if (!running) {
                    break;
                }
            } catch (Throwable t) {
                // Never let the batcher die: the affected requests were answered in run().
            }
        }
    }

    private List<Work> nextBatch(Lane lane) throws InterruptedException {
        Work first = lane.carried != null ? lane.carried : taken(queue.poll(50, TimeUnit.MILLISECONDS));
        lane.carried = null;
        List<Work> batch = new ArrayList<>();
        if (first == null) {
            return batch;
        }
        java.util.concurrent.CountDownLatch h = hold;
        if (h != null && h.getCount() > 0) { // held while polling: keep it for after the hold
            lane.carried = first;
            return batch;
        }
        batch.add(first);
        int size = first.request.size();
        long closeAt = System.nanoTime() + maxWaitNanos;
        while (size < maxBatch) {
            long left = closeAt - System.nanoTime();
            Work next = taken(left <= 0 ? queue.poll() : queue.poll(left, TimeUnit.NANOSECONDS));
            if (next == null) {
                break;
            }
            if (size + next.request.size() > maxBatch) {
                lane.carried = next;
                break;
            }
            batch.add(next);
            size += next.request.size();
        }
        metrics.batch(size);
        return batch;
    }

    private void run(Lane lane, List<Work> batch) {
        long now = System.nanoTime();
        Map<ExplainOptions, List<Work>> explain = new LinkedHashMap<>();
        for (Work w : batch) {
            if (now - w.deadlineNanos > 0) {
                complete(w, Outcome.failed(503, "the request waited past its deadline in the queue; retry later"));
            } else if (w.explain) {
                explain.computeIfAbsent(w.request.engineOptions(), k -> new ArrayList<>()).add(w);
            } else {
                predict(w);
            }
        }
        for (Map.Entry<ExplainOptions, List<Work>> group : explain.entrySet()) {
            explainGroup(lane, group.getKey(), group.getValue());
        }
    }

    private void predict(Work w) {
        try {
            List<float[]> logits = new ArrayList<>(w.request.size());
            for (int[] seq : w.request.sequences()) {
                logits.add(explainer.logits(seq, null));
            }
            complete(w, new Outcome(null, logits, 200, null));
        } catch (Throwable t) {
            complete(w, failure(t));
        }
    }

    /** One engine call for the requests with the same options; on failure, each alone, so only its own fails. */
    private void explainGroup(Lane lane, ExplainOptions options, List<Work> works) {
        List<int[]> all = new ArrayList<>();
        for (Work w : works) {
            all.addAll(w.request.sequences());
        }
        List<Explanation> results;
        try {
            results = lane.engine.explain(all, options);
        } catch (Throwable t) {
            if (works.size() == 1) {
                complete(works.get(0), failure(t));
                return;
            }
            for (Work w : works) {
                explainGroup(lane, options, List.of(w));
            }
            return;
        }
        // Results are ordered by sequence, then class: split them back, numbering each request's from 0.
        int r = 0;
        int offset = 0;
        for (Work w : works) {
            int end = offset + w.request.size();
            List<Explanation> own = new ArrayList<>();
            while (r < results.size() && results.get(r).sequence() < end) {
                own.add(renumber(results.get(r++), offset));
            }
            complete(w, new Outcome(own, null, 200, null));
            offset = end;
        }
    }

    private static Explanation renumber(Explanation e, int offset) {
        if (offset == 0) {
            return e;
        }
        return new Explanation(e.sequence() - offset, e.target(), e.logits(), e.probabilities(), e.explainedLogit(),
                e.tokens(), e.relevance(), e.embeddingRelevance(), e.embeddingDim(), e.relevancePadding(),
                e.relevanceSum(), e.relevanceBias(), e.baselineLogit());
    }

    static Outcome failure(Throwable t) {
        if (t instanceof JlrpException) {
            return Outcome.failed(400, Request.oneLine(t.getMessage()));
        }
        if (t instanceof OutOfMemoryError) {
            return Outcome.failed(503, "out of memory; retry later");
        }
        return Outcome.failed(500, "internal error: " + t.getClass().getSimpleName() + ": "
                + Request.oneLine(t.getMessage()));
    }

    private static void complete(Work w, Outcome outcome) {
        try {
            w.done.accept(outcome);
        } catch (Throwable ignored) {
            // A closed connection's answer is dropped; the batch goes on.
        }
    }

    /** Stops taking requests; those queued are still explained. Waits for each lane at most 10 s. */
    @Override
    public void close() {
        running = false;
        for (Lane lane : lanes) {
            try {
                lane.thread.join(10_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            lane.engine.close();
        }
    }
}
