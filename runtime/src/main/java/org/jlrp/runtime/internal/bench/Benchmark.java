package org.jlrp.runtime.internal.bench;

import java.lang.management.ManagementFactory;
import java.util.Arrays;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import org.jlrp.runtime.JlrpException;
import org.jlrp.runtime.explain.BatchEngine;
import org.jlrp.runtime.explain.ExplainOptions;
import org.jlrp.runtime.explain.Explainer;
import org.jlrp.runtime.internal.graph.Network;

/**
 * Measures explanations per second and per-call latency on random token ids, as {@code jlrp bench} reports them.
 * One explanation is one forward pass plus one ε-LRP relevance pass to per-token relevance for the predicted class.
 *
 * <p>How calls are made:
 * <ul>
 *   <li>{@code batch > 1}: one caller submits batches back to back to a {@link BatchEngine} with {@code threads}
 *       threads, which splits each batch across them; a call is one batch.</li>
 *   <li>{@code batch = 1}: {@code threads} callers each explain one sequence per call, concurrently, as a service
 *       under load would; a call is one explanation.</li>
 * </ul>
 * The measured loop allocates nothing: inputs are drawn before it starts and outputs go to preallocated buffers.
 * Run the JVM with {@code -Xms} equal to {@code -Xmx} and {@code -XX:+AlwaysPreTouch} for steady numbers.
 */
public final class Benchmark {

    /** Distinct random sequences each caller cycles through (enough to leave caches no favourite). */
    private static final int INPUT_POOL = 4096;

    private Benchmark() {
    }

    /**
     * What to measure.
     *
     * @param batch         sequences per call, at least 1
     * @param threads       worker threads, at least 1
     * @param seconds       length of the measured phase
     * @param warmupSeconds length of the unmeasured phase before it (JIT compilation, caches)
     * @param seed          the seed of the random token ids
     */
    public record Settings(int batch, int threads, double seconds, double warmupSeconds, long seed) {
        public Settings {
            if (batch < 1 || threads < 1) {
                throw new JlrpException("batch and threads must be >= 1, got batch " + batch + ", threads " + threads);
            }
            if (!(seconds > 0) || !(warmupSeconds >= 0)) {
                throw new JlrpException("seconds must be > 0 and warmup >= 0, got " + seconds + " and "
                        + warmupSeconds);
            }
        }
    }

    /**
     * What was measured.
     *
     * @param seconds      the measured wall time (all callers together)
     * @param calls        calls completed in the measured phase
     * @param explanations {@code calls × batch}
     * @param latencyMs    p50, p90, p99 and max of the per-call latency, in milliseconds
     * @param folded       whether the folded Embedding → Conv1D path ran
     * @param cpuSeconds   CPU time of the whole process over the measured phase (approximate: sampled by the
     *                     coordinating thread; includes JIT and GC threads), or -1 where the JVM cannot tell. On a
     *                     shared machine, explanations per CPU-second says what the code does with the cores it got
     */
    public record Result(String model, String jdk, String simd, int threads, int batch, int inputLength,
                         double seconds, double warmupSeconds, long seed, long calls, long explanations,
                         double explanationsPerSecond, double[] latencyMs, boolean folded, double cpuSeconds) {
        public double p50() {
            return latencyMs[0];
        }

        public double p90() {
            return latencyMs[1];
        }

        public double p99() {
            return latencyMs[2];
        }

        public double max() {
            return latencyMs[3];
        }
    }

    /** Runs the benchmark; {@code model} is only echoed in the result. */
    public static Result run(Explainer explainer, String model, Settings settings) {
        Network network = explainer.network();
        int callers = settings.batch() == 1 ? settings.threads() : 1;
        int threadsPerCaller = settings.batch() == 1 ? 1 : settings.threads();
        Caller[] all = new Caller[callers];
        Random random = new Random(settings.seed());
        for (int i = 0; i < callers; i++) {
            all[i] = new Caller(explainer, threadsPerCaller, settings.batch(), randomInputs(random, network,
                    Math.max(INPUT_POOL / callers, settings.batch())));
        }
        long warmupNanos = (long) (settings.warmupSeconds() * 1e9);
        long measureNanos = (long) (settings.seconds() * 1e9);
        CountDownLatch start = new CountDownLatch(1);
        Thread[] threads = new Thread[callers];
        for (int i = 0; i < callers; i++) {
            Caller caller = all[i];
            threads[i] = new Thread(() -> caller.run(start, warmupNanos, measureNanos), "jlrp-bench-" + i);
            threads[i].start();
        }
        start.countDown();
        double cpuSeconds;
        try {
            Thread.sleep(warmupNanos / 1_000_000, (int) (warmupNanos % 1_000_000));
            long cpuBefore = processCpuNanos();
            for (Thread t : threads) {
                t.join();
            }
            long cpuAfter = processCpuNanos();
            cpuSeconds = cpuBefore < 0 || cpuAfter < 0 ? -1 : (cpuAfter - cpuBefore) / 1e9;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new JlrpException("benchmark interrupted");
        }
        long calls = 0;
        long first = Long.MAX_VALUE;
        long last = Long.MIN_VALUE;
        int latencies = 0;
        for (Caller caller : all) {
            if (caller.failure != null) {
                throw caller.failure;
            }
            calls += caller.calls;
            first = Math.min(first, caller.measureStart);
            last = Math.max(last, caller.measureEnd);
            latencies += caller.calls;
        }
        long[] merged = new long[latencies];
        int at = 0;
        for (Caller caller : all) {
            System.arraycopy(caller.latencies, 0, merged, at, (int) caller.calls);
            at += caller.calls;
        }
        Arrays.sort(merged);
        double seconds = (last - first) / 1e9;
        long explanations = calls * settings.batch();
        double[] latencyMs = {percentile(merged, 0.50), percentile(merged, 0.90), percentile(merged, 0.99),
                merged.length == 0 ? 0 : merged[merged.length - 1] / 1e6};
        return new Result(model, System.getProperty("java.version"), network.kernels().description(),
                settings.threads(), settings.batch(), network.inputLength(), seconds, settings.warmupSeconds(),
                settings.seed(), calls, explanations, explanations / seconds, latencyMs, network.foldingPlanned(),
                cpuSeconds);
    }

    private static long processCpuNanos() {
        if (ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os) {
            return os.getProcessCpuTime();
        }
        return -1;
    }

    /** Nearest-rank percentile of sorted nanoseconds, in milliseconds. */
    private static double percentile(long[] sorted, double p) {
        if (sorted.length == 0) {
            return 0;
        }
        int rank = (int) Math.ceil(p * sorted.length);
        return sorted[Math.max(0, Math.min(sorted.length, rank) - 1)] / 1e6;
    }

    private static int[][] randomInputs(Random random, Network network, int count) {
        int[][] out = new int[count][network.inputLength()];
        int vocabulary = network.vocabularySize();
        for (int[] tokens : out) {
            for (int t = 0; t < tokens.length; t++) {
                // ids 1…V−1: 0 is the usual padding id, and a random input has no padding
                tokens[t] = vocabulary > 1 ? 1 + random.nextInt(vocabulary - 1) : 0;
            }
        }
        return out;
    }

    /** One calling thread with its own engine, inputs and output buffers. */
    private static final class Caller {
        private final BatchEngine engine;
        private final int batch;
        private final int[][] inputs;
        private final int[] targets;
        private final double[][] relevance;
        private long[] latencies = new long[1 << 16];
        long calls;
        long measureStart;
        long measureEnd;
        RuntimeException failure;

        Caller(Explainer explainer, int threads, int batch, int[][] inputs) {
            this.engine = new BatchEngine(explainer, threads);
            this.batch = batch;
            this.inputs = inputs;
            this.targets = new int[batch];
            this.relevance = new double[batch][explainer.network().inputLength()];
        }

        void run(CountDownLatch start, long warmupNanos, long measureNanos) {
            try (engine) {
                start.await();
                int next = loop(0, System.nanoTime() + warmupNanos, false);
                measureStart = System.nanoTime();
                loop(next, measureStart + measureNanos, true);
            } catch (RuntimeException e) {
                failure = e;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                failure = new JlrpException("benchmark interrupted");
            }
        }

        /** Calls back to back until {@code deadline}; returns where in the input pool it stopped. */
        private int loop(int next, long deadline, boolean record) {
            ExplainOptions options = ExplainOptions.DEFAULT;
            long now = System.nanoTime();
            while (now < deadline) {
                if (next + batch > inputs.length) {
                    next = 0;
                }
                long before = now;
                engine.relevance(inputs, next, batch, options, targets, relevance);
                now = System.nanoTime();
                next += batch;
                if (record) {
                    if (calls == latencies.length) {
                        latencies = Arrays.copyOf(latencies, latencies.length * 2); // rare, amortised
                    }
                    latencies[(int) calls++] = now - before;
                    measureEnd = now;
                }
            }
            return next;
        }
    }
}
