package org.jlrp.bench;

import java.util.Random;
import org.jlrp.runtime.internal.bench.PeakFlops;
import java.util.concurrent.TimeUnit;
import org.jlrp.kernels.KernelProvider;
import org.jlrp.kernels.Kernels;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.CompilerControl;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Every kernel of the reference workload (seed_textcnn: T=150, D=50, Conv1D 100×3, MaxPooling1D(5), Dense 2900→50)
 * at the shapes it runs there, SIMD against scalar. Times are per call, in microseconds.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"-Xms2g", "-Xmx2g", "-XX:+AlwaysPreTouch"})
@State(Scope.Thread)
public class KernelBench {

    static final int STEPS = 150;
    static final int DIM = 50;
    static final int WIDTH = 3;
    static final int FILTERS = 100;
    static final int OUT_STEPS = STEPS - WIDTH + 1;
    static final int POOL = 5;
    static final int POOLED = OUT_STEPS / POOL;
    static final int DENSE_IN = POOLED * FILTERS;
    static final int UNITS = 50;
    static final int VOCABULARY = 20001;

    /** {@code simd} (the Vector API kernels of this JVM) or {@code scalar}. */
    @Param({"simd", "scalar"})
    public String kernels;

    Kernels k;
    float[] x;
    float[] w;
    float[] wT;
    float[] bias;
    float[] z;
    float[] sConv;
    static final int ROUTINGS = 64;
    float[][] routings;
    int nextRouting;
    float[] c;
    float[] convScratch = new float[OUT_STEPS * FILTERS];
    float[] pooled;
    int[] winners;
    float[] denseX;
    float[] denseW;
    float[] denseB;
    float[] denseZ;
    float[] denseS;
    float[] denseC;
    /** Occlusion's Dense update: the changed pooled outputs of two adjacent windows (every other filter). */
    int[] changedRows;
    float[] changes;
    float[] tables;
    /**
     * Samples per call of the Dense group benchmarks, and of their one-sample-at-a-time counterparts (4: the batch
     * engine's group); {@code -p group=2,4,8} to compare.
     */
    @Param({"4"})
    public int group;
    float[][] groupX;
    float[][] groupZ;
    float[][] groupS;
    float[][] groupC;
    int[] ids;
    /** The recurrent workload's cell (bench/make_lstm_model.py): LSTM(64), four gates. */
    static final int CELL_UNITS = 64;
    static final int CELL_GATES = 4 * CELL_UNITS;
    float[] cellU;
    float[] cellUgT;
    float[] cellH;
    float[] cellZh;
    float[] cellS;
    float[] cellCh;
    float[][] cellRowsH;
    float[][] cellRowsZh;
    float[] cellPre;
    float[] cellGates;
    int[] nonZero = new int[OUT_STEPS * (FILTERS + 1) + 8];
    float[] zMax;
    float[] sPooled;
    float[] filterRow;
    float[] tokenRelevance;

    @Setup(Level.Trial)
    public void setUp() {
        k = kernels.equals("scalar") ? KernelProvider.scalar() : KernelProvider.vector(0);
        Random random = new Random(1);
        x = gaussian(random, STEPS * DIM);
        w = gaussian(random, WIDTH * DIM * FILTERS);
        wT = gaussian(random, WIDTH * DIM * FILTERS);
        bias = gaussian(random, FILTERS);
        z = new float[OUT_STEPS * FILTERS];
        k.conv1dForward(x, STEPS, DIM, w, WIDTH, FILTERS, bias, 1, 1, 0, z, OUT_STEPS);
        // relevance after max-pool routing: one winner per window and filter; several routings, cycled, so that the
        // branch predictors cannot learn one pattern of winners (real sequences differ call by call)
        routings = new float[ROUTINGS][];
        for (int r = 0; r < ROUTINGS; r++) {
            routings[r] = new float[OUT_STEPS * FILTERS];
            for (int p = 0; p < POOLED; p++) {
                for (int f = 0; f < FILTERS; f++) {
                    routings[r][(p * POOL + random.nextInt(POOL)) * FILTERS + f] = (float) random.nextGaussian();
                }
            }
        }
        sConv = routings[0];
        peakX = gaussian(random, PeakFlops.STEPS * PeakFlops.IN);
        peakW = gaussian(random, PeakFlops.IN * PeakFlops.FILTERS);
        peakZ = new float[PeakFlops.STEPS * PeakFlops.FILTERS];
        c = new float[STEPS * DIM];
        pooled = new float[POOLED * FILTERS];
        winners = new int[POOLED * FILTERS];
        denseX = gaussian(random, DENSE_IN);
        for (int i = 0; i < DENSE_IN; i++) {
            denseX[i] = Math.max(denseX[i], 0f); // ReLU outputs: about half zero
        }
        denseW = gaussian(random, DENSE_IN * UNITS);
        denseB = gaussian(random, UNITS);
        denseZ = new float[UNITS];
        denseS = gaussian(random, UNITS);
        for (int j = 0; j < UNITS; j += 2) {
            denseS[j] = 0f; // quotients of inactive ReLU units are zero
        }
        denseC = new float[DENSE_IN];
        changedRows = new int[FILTERS];
        for (int n = 0; n < FILTERS; n++) {
            changedRows[n] = 10 * FILTERS + 2 * n; // windows 10 and 11
        }
        changes = gaussian(random, FILTERS);
        groupX = new float[group][];
        groupZ = new float[group][UNITS];
        groupS = new float[group][];
        groupC = new float[group][DENSE_IN];
        for (int g = 0; g < group; g++) {
            groupX[g] = gaussian(random, DENSE_IN);
            for (int i = 0; i < DENSE_IN; i++) {
                groupX[g][i] = Math.max(groupX[g][i], 0f);
            }
            groupS[g] = gaussian(random, UNITS);
            for (int j = 0; j < UNITS; j++) {
                if (random.nextBoolean()) {
                    groupS[g][j] = 0f; // each sample has its own inactive units
                }
            }
        }
        cellU = gaussian(random, CELL_UNITS * CELL_GATES);
        cellUgT = gaussian(random, CELL_UNITS * CELL_UNITS);
        cellH = gaussian(random, group * CELL_UNITS);
        cellZh = new float[group * CELL_GATES];
        cellS = gaussian(random, group * CELL_UNITS);
        cellCh = new float[group * CELL_UNITS];
        cellRowsH = new float[group][];
        cellRowsZh = new float[group][CELL_GATES];
        for (int g = 0; g < group; g++) {
            cellRowsH[g] = java.util.Arrays.copyOfRange(cellH, g * CELL_UNITS, (g + 1) * CELL_UNITS);
        }
        cellPre = gaussian(random, group * CELL_GATES);
        for (int i = 0; i < cellPre.length; i++) {
            cellPre[i] *= 20; // pre-activations of a few units, not all near 0
        }
        cellGates = new float[group * CELL_GATES];
        tables = gaussian(random, WIDTH * VOCABULARY * FILTERS);
        tokenPool = new int[4096][STEPS];
        for (int[] pool : tokenPool) {
            for (int t = 0; t < STEPS; t++) {
                pool[t] = 1 + random.nextInt(VOCABULARY - 1);
            }
        }
        ids = tokenPool[0];
        tokenRelevance = new float[STEPS];
        zMax = new float[POOLED * FILTERS];
        sPooled = gaussian(random, POOLED * FILTERS);
        filterRow = new float[FILTERS];
        k.foldedConv1dMaxPool(ids, STEPS, tables, VOCABULARY, WIDTH, FILTERS, bias, 1, 1, 0, true, POOL, POOLED,
                convScratch, zMax, pooled, winners);
    }

    /**
     * The folded kernels gather table rows at random: each call takes the next of 4096 random sequences, so that
     * the rows come from memory as they do in a real run, not from the cache of the previous call.
     */
    private int[] nextTokens() {
        next = (next + 1) & 4095;
        return tokenPool[next];
    }

    int[][] tokenPool;
    int next;

    private static float[] gaussian(Random random, int n) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) {
            a[i] = (float) (random.nextGaussian() * 0.1);
        }
        return a;
    }

    /** The product {@code jlrp bench --peak} measures ({@link PeakFlops}): the machine's matrix-multiply peak. */
    @Benchmark
    public float[] peakMatrixMultiply() {
        k.conv1dForward(peakX, PeakFlops.STEPS, PeakFlops.IN, peakW, 1, PeakFlops.FILTERS, null, 1, 1, 0, peakZ,
                PeakFlops.STEPS);
        return peakZ;
    }

    float[] peakX;
    float[] peakW;
    float[] peakZ;

    @Benchmark
    public float[] conv1dForward() {
        k.conv1dForward(x, STEPS, DIM, w, WIDTH, FILTERS, bias, 1, 1, 0, z, OUT_STEPS);
        return z;
    }

    @Benchmark
    public float[] conv1dTransposedRouted() {
        java.util.Arrays.fill(c, 0f);
        nextRouting = (nextRouting + 1) & (ROUTINGS - 1);
        k.conv1dTransposed(routings[nextRouting], OUT_STEPS, FILTERS, wT, WIDTH, DIM, 1, 1, 0, c, STEPS, nonZero);
        return c;
    }

    @Benchmark
    public float[] foldedConv1dForward() {
        k.foldedConv1dForward(nextTokens(), STEPS, tables, VOCABULARY, WIDTH, FILTERS, bias, 1, 1, 0, z, OUT_STEPS);
        return z;
    }

    @Benchmark
    public float[] foldedConv1dTokenRelevance() {
        java.util.Arrays.fill(tokenRelevance, 0f);
        k.foldedConv1dTokenRelevance(sConv, OUT_STEPS, FILTERS, nextTokens(), STEPS, tables, VOCABULARY, WIDTH, 1, 1, 0,
                tokenRelevance);
        return tokenRelevance;
    }

    /** The fused folded Conv1D + ReLU + MaxPooling1D(5) forward, rows from memory (see {@link #nextTokens}). */
    @Benchmark
    public int[] foldedConv1dMaxPool() {
        k.foldedConv1dMaxPool(nextTokens(), STEPS, tables, VOCABULARY, WIDTH, FILTERS, bias, 1, 1, 0, true, POOL, POOLED,
                convScratch, zMax, pooled, winners);
        return winners;
    }

    /**
     * Its relevance pass on the winners of the last forward call; the rows are those of another sequence, so they
     * come from memory, as after the Dense layers of a real pass have pushed them out of L1.
     */
    @Benchmark
    public float[] foldedConv1dPooledTokenRelevance() {
        java.util.Arrays.fill(tokenRelevance, 0f);
        k.foldedConv1dPooledTokenRelevance(sPooled, winners, POOLED, POOL, FILTERS, nextTokens(), STEPS, tables,
                VOCABULARY, WIDTH, 1, 1, 0, filterRow, tokenRelevance);
        return tokenRelevance;
    }

    @Benchmark
    public int[] maxPool1d() {
        k.maxPool1d(z, OUT_STEPS, FILTERS, POOL, POOL, 0, pooled, winners, POOLED);
        return winners;
    }

    @Benchmark
    public float[] stabilizedDivide() {
        k.stabilizedDivide(sConv, z, null, FILTERS, 1e-6f, convScratch, OUT_STEPS * FILTERS);
        return convScratch;
    }

    @Benchmark
    public float[] relu() {
        k.relu(z, convScratch, OUT_STEPS * FILTERS);
        return convScratch;
    }

    /** One Integrated Gradients path point at the Conv1D's pre-activation ([148][100]; z and a routing as the ends). */
    @Benchmark
    public float[] pathPoint() {
        k.pathPoint(z, sConv, 0.37f, bias, OUT_STEPS, FILTERS, convScratch);
        return convScratch;
    }

    @Benchmark
    public float[] denseAccumulate() {
        k.denseAccumulate(changes, changedRows, FILTERS, denseW, UNITS, denseZ);
        return denseZ;
    }

    @Benchmark
    public float[] denseForward() {
        k.denseForward(denseX, DENSE_IN, denseW, UNITS, denseB, denseZ);
        return denseZ;
    }

    @Benchmark
    public float[] denseForwardUnitsMajor() {
        k.denseForwardUnitsMajor(denseX, DENSE_IN, denseW, UNITS, denseB, denseZ);
        return denseZ;
    }

    @Benchmark
    public float[] denseTransposedUnitsMajor() {
        k.denseTransposedUnitsMajor(denseS, denseW, DENSE_IN, UNITS, denseC);
        return denseC;
    }

    @Benchmark
    public float[] denseTransposed() {
        k.denseTransposed(denseS, denseW, DENSE_IN, UNITS, denseC);
        return denseC;
    }

    /** {@code group} samples through Dense 2900→50, one call each (what the engine did before grouping). */
    @Benchmark
    public float[][] denseForwardUnitsMajorOneByOne() {
        for (int g = 0; g < group; g++) {
            k.denseForwardUnitsMajor(groupX[g], DENSE_IN, denseW, UNITS, denseB, groupZ[g]);
        }
        return groupZ;
    }

    /** The same {@code group} samples in one group call: the weights are read once for all of them. */
    @Benchmark
    public float[][] denseForwardUnitsMajorGroup() {
        k.denseForwardUnitsMajorGroup(groupX, group, DENSE_IN, denseW, UNITS, denseB, groupZ);
        return groupZ;
    }

    @Benchmark
    public float[][] denseTransposedUnitsMajorOneByOne() {
        for (int g = 0; g < group; g++) {
            k.denseTransposedUnitsMajor(groupS[g], denseW, DENSE_IN, UNITS, groupC[g]);
        }
        return groupC;
    }

    @Benchmark
    public float[][] denseTransposedUnitsMajorGroup() {
        k.denseTransposedUnitsMajorGroup(groupS, group, denseW, DENSE_IN, UNITS, groupC);
        return groupC;
    }

    // ------------------------------------------------------------------ recurrent cells (bench/make_lstm_model.py)

    /** One step's {@code h·U} of {@code group} sequences, one at a time: [1,64]·[64,256] each. */
    @Benchmark
    public float[][] lstmRecurrentProductOneByOne() {
        for (int g = 0; g < group; g++) {
            k.denseForward(cellRowsH[g], CELL_UNITS, cellU, CELL_GATES, null, cellRowsZh[g]);
        }
        return cellRowsZh;
    }

    /** The same as one [group,64]·[64,256] product ({@code -p group=4,8,16}). */
    @Benchmark
    public float[] lstmRecurrentProductRows() {
        k.denseForwardRows(cellH, group, CELL_UNITS, cellU, CELL_GATES, null, cellZh);
        return cellZh;
    }

    /** The relevance pass's per-step {@code s'·U_gᵀ} of a group: [group,64]·[64,64]. */
    @Benchmark
    public float[] lstmRelevanceProductRows() {
        k.denseForwardRows(cellS, group, CELL_UNITS, cellUgT, CELL_UNITS, null, cellCh);
        return cellCh;
    }

    /**
     * One step's gate functions of a group: i, f, o through sigmoid and g through tanh, row by row, each kernel call
     * in its own compiled method as in the cell. Caveat: under JMH on JDK 17 these calls allocate (27 KB per call of
     * four rows, 2026-12-03; cause not found), while the same kernels in the explainer allocate nothing (thread
     * allocation counters around BatchEngine.relevance): read this figure as an upper bound.
     */
    @Benchmark
    public float[] lstmGates() {
        for (int g = 0; g < group; g++) {
            int o = g * CELL_GATES;
            sigmoid(o, 2 * CELL_UNITS);
            tanh(o + 2 * CELL_UNITS, CELL_UNITS);
            sigmoid(o + 3 * CELL_UNITS, CELL_UNITS);
        }
        return cellGates;
    }

    @CompilerControl(CompilerControl.Mode.DONT_INLINE)
    private void sigmoid(int o, int n) {
        k.sigmoid(cellPre, o, cellGates, o, n);
    }

    @CompilerControl(CompilerControl.Mode.DONT_INLINE)
    private void tanh(int o, int n) {
        k.tanh(cellPre, o, cellGates, o, n);
    }
}
