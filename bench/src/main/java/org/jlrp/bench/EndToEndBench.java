package org.jlrp.bench;

import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.jlrp.kernels.KernelProvider;
import org.jlrp.kernels.Kernels;
import org.jlrp.runtime.explain.BatchEngine;
import org.jlrp.runtime.explain.ExplainOptions;
import org.jlrp.runtime.explain.Explainer;
import org.jlrp.runtime.internal.graph.Network;
import org.jlrp.runtime.internal.keras.KerasImporter;
import org.jlrp.runtime.internal.keras.Limits;
import org.jlrp.runtime.internal.model.ModelSpec;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * One call of the engine on the reference workload: forward + ε-LRP to per-token relevance for the predicted class,
 * for {@code batch} random sequences across {@code threads} threads. Time is per call (divide by {@code batch} for
 * per explanation). {@code fold=false} runs the unfolded first Conv1D (as {@code --embedding-relevance} does).
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"-Xms2g", "-Xmx2g", "-XX:+AlwaysPreTouch"})
@State(Scope.Benchmark)
public class EndToEndBench {

    @Param({"simd", "scalar"})
    public String kernels;

    @Param({"1", "64"})
    public int batch;

    @Param({"1", "2"})
    public int threads;

    @Param({"true", "false"})
    public boolean fold;

    private BatchEngine engine;
    private int[][] inputs;
    private int next;
    private int[] targets;
    private double[][] relevance;

    @Setup(Level.Trial)
    public void setUp() {
        Kernels k = kernels.equals("scalar") ? KernelProvider.scalar() : KernelProvider.vector(0);
        ModelSpec model = KerasImporter.load(BenchModels.seedModel(), null, Limits.DEFAULT);
        Explainer explainer = Explainer.of(model, k, fold ? Network.defaultFoldBudgetBytes() : 0);
        engine = new BatchEngine(explainer, threads);
        Network network = explainer.network();
        Random random = new Random(1);
        inputs = new int[Math.max(4096, batch)][network.inputLength()];
        for (int[] tokens : inputs) {
            for (int t = 0; t < tokens.length; t++) {
                tokens[t] = 1 + random.nextInt(network.vocabularySize() - 1);
            }
        }
        targets = new int[batch];
        relevance = new double[batch][network.inputLength()];
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        engine.close();
    }

    @Benchmark
    public double[][] explainCall() {
        if (next + batch > inputs.length) {
            next = 0;
        }
        engine.relevance(inputs, next, batch, ExplainOptions.DEFAULT, targets, relevance);
        next += batch;
        return relevance;
    }
}
