package org.jlrp.runtime.internal.bench;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import org.jlrp.runtime.JlrpException;
import org.jlrp.runtime.explain.BatchEngine;
import org.jlrp.runtime.explain.ExplainOptions;
import org.jlrp.runtime.explain.Explainer;
import org.jlrp.runtime.explain.Method;
import org.jlrp.runtime.explain.Target;
import org.jlrp.runtime.internal.graph.Network;

/**
 * Measures explanations per second and per-call latency, as {@code jlrp bench} reports them: on random token ids, or
 * on the caller's sequences (real text, with its Zipf-distributed ids), cycled. By default one explanation is one
 * forward pass plus one ε-LRP relevance pass to per-token relevance for the predicted class; {@link Settings#options}
 * measures any rule, method and target instead (one explanation per explained class).
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
     * @param options       what each explanation computes (rule, method, target, embedding map)
     * @param inputs        the sequences to cycle through, each of the model's input length; null: random ids
     * @param inputName     what {@code inputs} are, for the report ({@code random} when null)
     * @param peakSeconds   how long to measure the matrix-multiply peak ({@link PeakFlops}) after the run; 0: not
     */
    public record Settings(int batch, int threads, double seconds, double warmupSeconds, long seed,
                           ExplainOptions options, List<int[]> inputs, String inputName, double peakSeconds) {
        /** The default work (ε-LRP, predicted class) on random ids, without the peak. */
        public Settings(int batch, int threads, double seconds, double warmupSeconds, long seed) {
            this(batch, threads, seconds, warmupSeconds, seed, ExplainOptions.DEFAULT, null, "random", 0);
        }

        public Settings {
            if (options == null) {
                throw new JlrpException("options must not be null");
            }
            if (inputs != null && inputs.isEmpty()) {
                throw new JlrpException("no sequences to benchmark on");
            }
            if (batch < 1 || threads < 1) {
                throw new JlrpException("batch and threads must be >= 1, got batch " + batch + ", threads " + threads);
            }
            if (!(seconds > 0) || !(warmupSeconds >= 0) || !(peakSeconds >= 0)) {
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
     * @param cpu          the processor's model name, or the architecture where the OS does not say
     * @param work         the rule or method, the target and the input, as the report names them
     * @param forwardFlops floating-point operations of one forward pass's matrix products (2 per multiply-add, see
     *                     {@link Network#multiplyAdds()}): a lower bound of an unfolded explanation's arithmetic,
     *                     whose relevance pass adds transposed products that skip zero relevance
     * @param peakGflops   the machine's matrix-multiply peak on {@code threads} threads ({@link PeakFlops}), or NaN
     *                     when not measured
     */
    public record Result(String model, String jdk, String simd, int threads, int batch, int inputLength,
                         double seconds, double warmupSeconds, long seed, long calls, long explanations,
                         double explanationsPerSecond, double[] latencyMs, boolean folded, double cpuSeconds,
                         String cpu, Work work, long forwardFlops, double peakGflops) {
        /**
         * GFLOP/s of the forward passes' matrix products, or NaN on the folded path, whose tables replace the first
         * convolution's products with lookups.
         */
        public double gflops() {
            return folded ? Double.NaN : forwardFlops * explanationsPerSecond / 1e9;
        }
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

    /**
     * What one explanation computed, as the report names it.
     *
     * @param rules      the composite's name (a preset or its rule string), or "-" for a method other than LRP
     * @param method     the {@code --method} name
     * @param target     {@code pred}, {@code all} or a class index
     * @param embeddingMap whether the {@code [T][D]} map was asked for
     * @param inputs     {@code random} or where the sequences came from
     * @param path       the execution plan that ran: {@code folded} or {@code unfolded}
     */
    public record Work(String rules, String method, String target, boolean embeddingMap, String inputs,
                       String path) {
    }

    /** Runs the benchmark; {@code model} is only echoed in the result. */
    public static Result run(Explainer explainer, String model, Settings settings) {
        Network network = explainer.network();
        ExplainOptions options = settings.options();
        if (options.method() == Method.LRP) {
            network.rulePlan(options.rules()); // a bad rule key fails before any thread starts
        }
        int callers = settings.batch() == 1 ? settings.threads() : 1;
        int threadsPerCaller = settings.batch() == 1 ? 1 : settings.threads();
        int perCaller = Math.max(INPUT_POOL / callers, settings.batch());
        Caller[] all = new Caller[callers];
        Random random = new Random(settings.seed());
        for (int i = 0; i < callers; i++) {
            int[][] inputs = settings.inputs() == null ? randomInputs(random, network, perCaller)
                    : cycled(settings.inputs(), i * perCaller, perCaller, network.inputLength());
            all[i] = new Caller(explainer, threadsPerCaller, settings.batch(), inputs, options);
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
        long explanations = 0;
        long first = Long.MAX_VALUE;
        long last = Long.MIN_VALUE;
        int latencies = 0;
        for (Caller caller : all) {
            if (caller.failure != null) {
                throw caller.failure;
            }
            calls += caller.calls;
            explanations += caller.explanations;
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
        double[] latencyMs = {percentile(merged, 0.50), percentile(merged, 0.90), percentile(merged, 0.99),
                merged.length == 0 ? 0 : merged[merged.length - 1] / 1e6};
        return new Result(model, System.getProperty("java.version"), network.kernels().description(),
                settings.threads(), settings.batch(), network.inputLength(), seconds, settings.warmupSeconds(),
                settings.seed(), calls, explanations, explanations / seconds, latencyMs, folded(network, options),
                cpuSeconds, cpuModel(), work(options, settings.inputName(), folded(network, options)),
                2 * network.multiplyAdds(), settings.peakSeconds() > 0
                        ? PeakFlops.measure(network.kernels(), settings.threads(), settings.peakSeconds()) : Double.NaN);
    }

    /** Whether the folded plan runs for these options: the plan the explainer picks, asked the same way. */
    private static boolean folded(Network network, ExplainOptions options) {
        return network.planFor(options.method(),
                options.method() == Method.LRP ? network.rulePlan(options.rules()) : null,
                options.embeddingRelevance()).isFolded();
    }

    private static Work work(ExplainOptions options, String inputs, boolean folded) {
        Target target = options.target();
        return new Work(options.method() == Method.LRP ? options.rules().name() : "-", options.method().cliName(),
                target.isAll() ? "all" : target.isPred() ? "pred" : Integer.toString(target.index()),
                options.embeddingRelevance(), inputs == null ? "random" : inputs, folded ? "folded" : "unfolded");
    }

    /**
     * The processor's model name from {@code /proc/cpuinfo} (Linux), else the OS's architecture name: a speed figure
     * means little without the machine it was measured on.
     */
    public static String cpuModel() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
                if (line.startsWith("model name")) {
                    int colon = line.indexOf(':');
                    return line.substring(colon + 1).trim() + ", " + Runtime.getRuntime().availableProcessors()
                            + " cores";
                }
            }
        } catch (IOException | RuntimeException e) {
            // not Linux, or no permission: fall through to what the JVM knows
        }
        return System.getProperty("os.arch") + ", " + Runtime.getRuntime().availableProcessors() + " cores";
    }

    /** {@code count} of the given sequences from {@code start} on, cycling; each must have the model's length. */
    private static int[][] cycled(List<int[]> sequences, int start, int count, int length) {
        int[][] out = new int[count][];
        for (int i = 0; i < count; i++) {
            int[] s = sequences.get((start + i) % sequences.size());
            if (length >= 0 && s.length != length) {
                throw new JlrpException("sequence " + ((start + i) % sequences.size()) + " has " + s.length
                        + " ids; the model reads " + length);
            }
            out[i] = s;
        }
        return out;
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
        private final List<int[]> inputList;
        private final ExplainOptions options;
        /** The allocation-free path of the engine serves one LRP target per sequence without the [T][D] map. */
        private final boolean intoBuffers;
        private final int[] targets;
        private final double[][] relevance;
        private long[] latencies = new long[1 << 16];
        long calls;
        long explanations;
        long measureStart;
        long measureEnd;
        RuntimeException failure;

        Caller(Explainer explainer, int threads, int batch, int[][] inputs, ExplainOptions options) {
            this.engine = new BatchEngine(explainer, threads);
            this.batch = batch;
            this.inputs = inputs;
            this.inputList = Arrays.asList(inputs);
            this.options = options;
            this.intoBuffers = options.method() == Method.LRP && !options.target().isAll()
                    && !options.embeddingRelevance();
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
            long now = System.nanoTime();
            while (now < deadline) {
                if (next + batch > inputs.length) {
                    next = 0;
                }
                long before = now;
                int done = batch;
                if (intoBuffers) {
                    engine.relevance(inputs, next, batch, options, targets, relevance);
                } else {
                    done = engine.explain(inputList.subList(next, next + batch), options).size();
                }
                now = System.nanoTime();
                next += batch;
                if (record) {
                    explanations += done;
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
