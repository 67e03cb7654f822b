package org.jlrp.serve;

import org.jlrp.runtime.JlrpException;

/**
 * How a {@link Server} listens, batches and sheds load. The defaults are those measured in docs/performance.md.
 *
 * @param host           the address to bind; loopback unless the operator chooses otherwise
 * @param port           the TCP port; 0 picks a free one
 * @param maxBatch       a batch closes when it holds this many sequences ...
 * @param maxWaitMicros  ... or this long after its first request arrived, whichever comes first
 * @param maxQueueMicros a request is refused at once (503, Retry-After) when the queue holds more work than the
 *                       engine gets through in this time at its recent rate: accepted requests wait no longer
 * @param queueCapacity  requests waiting for a batch; one more is refused at once with 503 and Retry-After
 * @param maxBodyBytes   larger request bodies are refused with 413 before they are read
 * @param maxInstances   instances (sequences) per request; more is a 400
 * @param deadlineMillis a request still queued this long after it arrived is answered 503 instead of explained
 * @param threads        batching lanes, each explaining its batches on a one-thread batch engine
 * @param drainMillis    on shutdown, how long in-flight requests may take to finish
 * @param warmupMillis   before {@link Server#start} returns (and while the ready endpoints say not ready), how long
 *                       the server explains random sequences through its own endpoints, so that the JIT has compiled
 *                       the kernels, the parsing and the reports before the first real request; 0 for none
 */
public record ServeOptions(String host, int port, int maxBatch, long maxWaitMicros, long maxQueueMicros,
                           int queueCapacity, int maxBodyBytes, int maxInstances, long deadlineMillis, int threads,
                           long drainMillis, long warmupMillis) {

    public static final String LOOPBACK = "127.0.0.1";

    public static final ServeOptions DEFAULT = new ServeOptions(LOOPBACK, 8080, 64, 0, 5000, 1024, 1 << 20, 64,
            2000, Runtime.getRuntime().availableProcessors(), 10_000, 5000);

    public ServeOptions {
        positive("max batch", maxBatch);
        positive("queue capacity", queueCapacity);
        positive("max body bytes", maxBodyBytes);
        positive("max instances", maxInstances);
        positive("threads", threads);
        positive("deadline (ms)", deadlineMillis);
        positive("max queue time (us)", maxQueueMicros);
        if (maxWaitMicros < 0 || drainMillis < 0 || warmupMillis < 0) {
            throw new JlrpException("batch wait, drain and warm-up time must be >= 0");
        }
        if (port < 0 || port > 65535) {
            throw new JlrpException("port " + port + " is out of range [0, 65535]");
        }
    }

    private static void positive(String what, long value) {
        if (value < 1) {
            throw new JlrpException(what + " must be at least 1, got " + value);
        }
    }

    public ServeOptions withHost(String h) {
        return new ServeOptions(h, port, maxBatch, maxWaitMicros, maxQueueMicros, queueCapacity, maxBodyBytes,
                maxInstances, deadlineMillis, threads, drainMillis, warmupMillis);
    }

    public ServeOptions withPort(int p) {
        return new ServeOptions(host, p, maxBatch, maxWaitMicros, maxQueueMicros, queueCapacity, maxBodyBytes,
                maxInstances, deadlineMillis, threads, drainMillis, warmupMillis);
    }

    public ServeOptions withBatching(int batch, long waitMicros) {
        return new ServeOptions(host, port, batch, waitMicros, maxQueueMicros, queueCapacity, maxBodyBytes,
                maxInstances, deadlineMillis, threads, drainMillis, warmupMillis);
    }

    public ServeOptions withLimits(int queue, int bodyBytes, int instances, long deadline) {
        return new ServeOptions(host, port, maxBatch, maxWaitMicros, maxQueueMicros, queue, bodyBytes, instances,
                deadline, threads, drainMillis, warmupMillis);
    }

    public ServeOptions withMaxQueueMicros(long micros) {
        return new ServeOptions(host, port, maxBatch, maxWaitMicros, micros, queueCapacity, maxBodyBytes,
                maxInstances, deadlineMillis, threads, drainMillis, warmupMillis);
    }

    public ServeOptions withThreads(int n) {
        return new ServeOptions(host, port, maxBatch, maxWaitMicros, maxQueueMicros, queueCapacity, maxBodyBytes,
                maxInstances, deadlineMillis, n, drainMillis, warmupMillis);
    }

    public ServeOptions withWarmupMillis(long millis) {
        return new ServeOptions(host, port, maxBatch, maxWaitMicros, maxQueueMicros, queueCapacity, maxBodyBytes,
                maxInstances, deadlineMillis, threads, drainMillis, millis);
    }
}
