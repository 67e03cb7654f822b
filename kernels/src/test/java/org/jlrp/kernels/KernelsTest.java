package org.jlrp.kernels;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The SIMD kernels against the scalar reference, and the scalar reference against double-precision loops written
 * here, on random data over odd sizes (so that vector bodies, vector tails and scalar tails all run). Tolerances are
 * relative to the magnitude of the result.
 */
class KernelsTest {

    private static final int[] SIZES = {1, 3, 13, 17, 33, 207, 1021};

    private static final Kernels SCALAR = KernelProvider.scalar();

    /** The SIMD kernels when the Vector API module is present; these tests skip in the scalar-only run. */
    private static Kernels simd() {
        assumeTrue(KernelProvider.vectorModulePresent(), "Vector API module absent (scalar-only run)");
        return KernelProvider.vector(0);
    }

    @Test
    void providerPicksWhatTheBuildExpects() {
        String expected = System.getProperty("jlrp.expect.kernels", "");
        if (expected.equals("simd")) {
            assertTrue(KernelProvider.vectorModulePresent(), "this run passes --add-modules=jdk.incubator.vector");
            assertTrue(KernelProvider.get().description().endsWith("-bit"), KernelProvider.get().description());
        } else if (expected.equals("scalar")) {
            assertEquals("scalar", KernelProvider.get().description());
            assertTrue(KernelProvider.fallbackReason().contains("--add-modules"), KernelProvider.fallbackReason());
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 3, 13, 17, 33, 207, 1021})
    void denseForwardAndTransposedMatchReference(int n) {
        Random random = new Random(n);
        int units = SIZES[(n * 7) % SIZES.length];
        float[] x = sparseRandom(random, n);
        float[] w = random(random, n * units);
        float[] b = random(random, units);
        double[] expectedZ = new double[units];
        for (int j = 0; j < units; j++) {
            expectedZ[j] = b[j];
            for (int i = 0; i < n; i++) {
                expectedZ[j] += (double) x[i] * w[i * units + j];
            }
        }
        float[] s = random(random, units);
        double[] expectedC = new double[n];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < units; j++) {
                expectedC[i] += (double) w[i * units + j] * s[j];
            }
        }
        float[] wT = new float[w.length];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < units; j++) {
                wT[j * n + i] = w[i * units + j];
            }
        }
        float[] sparseS = s.clone();
        sparseS[0] = 0f; // a skipped unit
        double[] expectedSparseC = new double[n];
        for (int i = 0; i < n; i++) {
            for (int j = 1; j < units; j++) {
                expectedSparseC[i] += (double) w[i * units + j] * s[j];
            }
        }
        for (Kernels k : implementations()) {
            float[] z = new float[units];
            k.denseForward(x, n, w, units, b, z);
            assertClose(expectedZ, z, k + " denseForward n=" + n);
            float[] c = new float[n];
            k.denseTransposed(s, w, n, units, c);
            assertClose(expectedC, c, k + " denseTransposed n=" + n);
            float[] zT = new float[units];
            k.denseForwardUnitsMajor(x, n, wT, units, b, zT);
            assertClose(expectedZ, zT, k + " denseForwardUnitsMajor n=" + n + " units=" + units);
            float[] cT = new float[n];
            java.util.Arrays.fill(cT, 42f); // overwritten, not accumulated
            k.denseTransposedUnitsMajor(sparseS, wT, n, units, cT);
            assertClose(expectedSparseC, cT, k + " denseTransposedUnitsMajor n=" + n + " units=" + units);
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 3, 13, 17, 33, 207, 1021, 3000})
    void unitsMajorDenseMatchesReference(int n) {
        for (int units : new int[]{1, 3, 4, 5, 13, 17, 50, 67}) {
            Random random = new Random(n * 131L + units);
            float[] x = sparseRandom(random, n);
            float[] wT = random(random, n * units);
            float[] b = random(random, units);
            float[] s = sparseRandom(random, units);
            double[] expectedZ = new double[units];
            double[] expectedC = new double[n];
            for (int j = 0; j < units; j++) {
                expectedZ[j] = b[j];
                for (int i = 0; i < n; i++) {
                    expectedZ[j] += (double) x[i] * wT[j * n + i];
                    expectedC[i] += (double) wT[j * n + i] * s[j];
                }
            }
            for (Kernels k : implementations()) {
                float[] z = new float[units];
                k.denseForwardUnitsMajor(x, n, wT, units, b, z);
                assertClose(expectedZ, z, k + " denseForwardUnitsMajor n=" + n + " units=" + units);
                float[] c = new float[n];
                java.util.Arrays.fill(c, 42f); // overwritten, not accumulated
                k.denseTransposedUnitsMajor(s, wT, n, units, c);
                assertClose(expectedC, c, k + " denseTransposedUnitsMajor n=" + n + " units=" + units);
            }
        }
    }

    /**
     * The group kernels give every sample exactly the bits of the one-sample kernels, whatever the group size, the
     * position in the group and the other samples (one of which overflows to infinity), over sizes that leave every
     * vector and scalar tail; with and without bias. Nothing beyond {@code units} or {@code in} is written.
     */
    @ParameterizedTest
    @ValueSource(ints = {1, 3, 17, 63, 100, 2900})
    void denseGroupKernelsAreBitIdenticalToOneSampleAtATime(int in) {
        int samples = 5;
        for (int units : new int[]{1, 3, 4, 5, 50}) {
            Random random = new Random(in * 1009L + units);
            float[] wT = random(random, in * units);
            float[] bias = random(random, units);
            float[][] xs = new float[samples][];
            float[][] ss = new float[samples][];
            for (int g = 0; g < samples; g++) {
                xs[g] = sparseRandom(random, in);
                ss[g] = sparseRandom(random, units);
            }
            java.util.Arrays.fill(ss[1], 0f); // a sample with no relevance left at this layer
            xs[4][0] = 3e38f; // a sample whose outputs overflow must not disturb the others
            for (Kernels k : implementations()) {
                for (float[] b : new float[][]{bias, null}) {
                    float[][] zOne = new float[samples][units];
                    float[][] cOne = new float[samples][in];
                    for (int g = 0; g < samples; g++) {
                        k.denseForwardUnitsMajor(xs[g], in, wT, units, b, zOne[g]);
                        k.denseTransposedUnitsMajor(ss[g], wT, in, units, cOne[g]);
                    }
                    for (int count = 1; count <= samples; count++) {
                        for (int first = 0; first < samples; first++) { // every sample at every position
                            float[][] xGroup = new float[count][];
                            float[][] sGroup = new float[count][];
                            float[][] zs = new float[count][];
                            float[][] cs = new float[count][];
                            for (int g = 0; g < count; g++) {
                                xGroup[g] = xs[(first + g) % samples];
                                sGroup[g] = ss[(first + g) % samples];
                                zs[g] = filled(units + 3, 42f); // overwritten up to units, untouched beyond
                                cs[g] = filled(in + 3, 42f);
                            }
                            k.denseForwardUnitsMajorGroup(xGroup, count, in, wT, units, b, zs);
                            k.denseTransposedUnitsMajorGroup(sGroup, count, wT, in, units, cs);
                            for (int g = 0; g < count; g++) {
                                int sample = (first + g) % samples;
                                String what = k.description() + " in=" + in + " units=" + units + " bias=" + (b != null)
                                        + " count=" + count + " sample " + sample + " at " + g;
                                assertSameBits(zOne[sample], zs[g], units, what + ": denseForwardUnitsMajorGroup");
                                assertSameBits(cOne[sample], cs[g], in, what + ": denseTransposedUnitsMajorGroup");
                            }
                        }
                    }
                }
            }
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 3, 13, 17, 33, 207})
    void conv1dForwardAndTransposedMatchReference(int filters) {
        Random random = new Random(filters);
        int steps = 23;
        // Input widths below one vector, within one register block, and over one (two blocks, a lone tail vector).
        for (int in : new int[]{SIZES[filters % SIZES.length] % 40 + 1, 50, 66, 137}) {
            for (int[] geometry : new int[][]{{3, 1, 1, 0}, {4, 2, 1, 1}, {2, 1, 3, 3}, {5, 1, 1, 2}, {1, 1, 1, 0}}) {
                int width = geometry[0];
                int stride = geometry[1];
                int dilation = geometry[2];
                int padLeft = geometry[3];
                int outSteps = (steps + padLeft - dilation * (width - 1) - 1) / stride + 1;
                float[] x = random(random, steps * in);
                float[] w = random(random, width * in * filters);
                float[] b = random(random, filters);
                float[] wT = new float[w.length];
                for (int k = 0; k < width; k++) {
                    for (int c = 0; c < in; c++) {
                        for (int f = 0; f < filters; f++) {
                            wT[(k * filters + f) * in + c] = w[(k * in + c) * filters + f];
                        }
                    }
                }
                double[] expectedZ = new double[outSteps * filters];
                float[] s = sparseRandom(random, outSteps * filters);
                float[] c0 = random(random, steps * in); // the transposed product accumulates into c
                double[] expectedC = new double[steps * in];
                for (int i = 0; i < c0.length; i++) {
                    expectedC[i] = c0[i];
                }
                for (int t = 0; t < outSteps; t++) {
                    for (int f = 0; f < filters; f++) {
                        double z = b[f];
                        for (int k = 0; k < width; k++) {
                            int row = t * stride + k * dilation - padLeft;
                            if (row < 0 || row >= steps) {
                                continue;
                            }
                            for (int c = 0; c < in; c++) {
                                z += (double) x[row * in + c] * w[(k * in + c) * filters + f];
                                expectedC[row * in + c] += (double) w[(k * in + c) * filters + f] * s[t * filters + f];
                            }
                        }
                        expectedZ[t * filters + f] = z;
                    }
                }
                for (Kernels k : implementations()) {
                    float[] z = new float[outSteps * filters];
                    k.conv1dForward(x, steps, in, w, width, filters, b, stride, dilation, padLeft, z, outSteps);
                    assertClose(expectedZ, z, k + " conv1dForward filters=" + filters + " geometry " + geometry[0]);
                    float[] c = c0.clone();
                    k.conv1dTransposed(s, outSteps, filters, wT, width, in, stride, dilation, padLeft, c, steps,
                            new int[outSteps * (filters + 1) + 8]);
                    assertClose(expectedC, c, k + " conv1dTransposed filters=" + filters + " in=" + in
                            + " geometry " + geometry[0]);
                }
            }
        }
    }

    private static final int[] STABILIZED_DIVIDE_PERIODS = {1, 3, 4, 5, 7, 8, 12, 16, 24, 32};

    @Test
    void stabilizedDividePeriodsReachTheVectorBiasBranchAtEveryWidth() {
        for (int bits : new int[]{128, 256, 512}) {
            int lanes = bits / Float.SIZE;
            // A multiple of the lanes longer than one vector, so that the bias index moves within a period.
            assertTrue(java.util.Arrays.stream(STABILIZED_DIVIDE_PERIODS).anyMatch(p -> p % lanes == 0 && p > lanes),
                    bits + " bits");
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 3, 13, 17, 33, 207, 1021})
    void stabilizedDivideFollowsTheSignConvention(int n) {
        Random random = new Random(n);
        float[] r = sparseRandom(random, n);
        float[] z = random(random, n);
        z[0] = 0f; // sign(0) = +1
        float eps = 0.01f;
        // Periods that are multiples of the lane count take the vector bias branch: 4 at 128 bits, 8 at 256, 16 at
        // 512; 32 wraps at every width. The odd ones take the scalar loop.
        for (int period : STABILIZED_DIVIDE_PERIODS) {
            float[] bias = random(random, period);
            for (boolean withBias : new boolean[]{false, true}) {
                double[] expected = new double[n];
                for (int i = 0; i < n; i++) {
                    double d = withBias ? (double) z[i] - bias[i % period] : z[i];
                    expected[i] = r[i] == 0 ? 0 : r[i] / (d + (d >= 0 ? eps : -eps));
                }
                String what = " stabilizedDivide n=" + n + " period=" + period + " bias=" + withBias;
                float[] reference = new float[n];
                SCALAR.stabilizedDivide(r, z, withBias ? bias : null, period, eps, reference, n);
                for (Kernels k : implementations()) {
                    float[] s = new float[n];
                    k.stabilizedDivide(r, z, withBias ? bias : null, period, eps, s, n);
                    assertClose(expected, s, k + what);
                    // The same float operations in the same order: a wrong bias index shows even where the
                    // tolerance above would hide it.
                    assertArrayEquals(reference, s, k + what + " against scalar");
                }
            }
        }
        // r = 0 over a zero denominator (an inactive unit under ε = 0) gives 0, not NaN.
        for (Kernels k : implementations()) {
            float[] s = new float[n];
            k.stabilizedDivide(new float[n], new float[n], null, 1, 0f, s, n);
            assertArrayEquals(new float[n], s);
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 3, 13, 17, 33, 207, 1021})
    void elementwiseKernelsMatchReference(int n) {
        Random random = new Random(n);
        float[] x = random(random, n);
        float[] c = random(random, n);
        float[] r0 = random(random, n);
        double[] expected = new double[n];
        for (int i = 0; i < n; i++) {
            expected[i] = r0[i] + (double) x[i] * c[i];
        }
        for (Kernels k : implementations()) {
            float[] r = r0.clone();
            k.multiplyAccumulate(x, c, r, n);
            assertClose(expected, r, k + " multiplyAccumulate");
            float[] a = new float[n];
            k.relu(x, a, n);
            for (int i = 0; i < n; i++) {
                assertEquals(Math.max(x[i], 0f), a[i], k + " relu");
            }
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 3, 13, 17, 33, 207})
    void poolingPicksTheFirstMaximumAndAveragesInRangeRows(int channels) {
        Random random = new Random(channels);
        int steps = 31;
        for (int[] geometry : new int[][]{{5, 5, 0}, {3, 2, 1}, {31, 31, 0}, {2, 1, 0}}) {
            int pool = geometry[0];
            int stride = geometry[1];
            int padLeft = geometry[2];
            int outSteps = (steps + padLeft - pool) / stride + 1;
            float[] x = new float[steps * channels];
            for (int i = 0; i < x.length; i++) {
                x[i] = random.nextInt(5) - 2; // small integers: many exact ties
            }
            int[] expectedWinner = new int[outSteps * channels];
            float[] expectedMax = new float[outSteps * channels];
            double[] expectedAvg = new double[outSteps * channels];
            for (int t = 0; t < outSteps; t++) {
                int first = Math.max(t * stride - padLeft, 0);
                int last = Math.min(t * stride - padLeft + pool, steps);
                for (int ch = 0; ch < channels; ch++) {
                    int best = first;
                    double sum = 0;
                    for (int row = first; row < last; row++) {
                        if (x[row * channels + ch] > x[best * channels + ch]) {
                            best = row;
                        }
                        sum += x[row * channels + ch];
                    }
                    expectedWinner[t * channels + ch] = best;
                    expectedMax[t * channels + ch] = x[best * channels + ch];
                    expectedAvg[t * channels + ch] = sum / (last - first);
                }
            }
            for (Kernels k : implementations()) {
                float[] out = new float[outSteps * channels];
                int[] winners = new int[outSteps * channels];
                k.maxPool1d(x, steps, channels, pool, stride, padLeft, out, winners, outSteps);
                assertArrayEquals(expectedMax, out, k + " maxPool1d values");
                assertArrayEquals(expectedWinner, winners, k + " maxPool1d winners (first maximum on ties)");
                float[] avg = new float[outSteps * channels];
                k.avgPool1d(x, steps, channels, pool, stride, padLeft, avg, outSteps);
                assertClose(expectedAvg, avg, k + " avgPool1d");
            }
        }
    }

    /**
     * The SIMD denseForward keeps blocks of z in registers; each z[j] must be exactly bias, then fma(x[i], w[i][j], ·)
     * over all x[i] in order (zeros included), at widths that cover the four-vector blocks, single vectors and the
     * scalar tail, with and without a bias.
     */
    @Test
    void simdDenseForwardIsOneFmaPerInputInOrder() {
        Kernels simd = simd();
        Random random = new Random(43);
        for (int units : new int[]{1, 7, 16, 17, 63, 64, 65, 100, 130, 256, 257}) {
            for (int in : new int[]{1, 13, 64}) {
                float[] x = random(random, in);
                for (int i = 0; i < in; i += 3) {
                    x[i] = 0f; // skipped inputs
                }
                float[] w = random(random, in * units);
                for (float[] b : new float[][]{null, random(random, units)}) {
                    float[] expected = new float[units];
                    for (int j = 0; j < units; j++) {
                        float a = b == null ? 0f : b[j];
                        for (int i = 0; i < in; i++) {
                            a = Math.fma(x[i], w[i * units + j], a);
                        }
                        expected[j] = a;
                    }
                    float[] z = new float[units];
                    simd.denseForward(x, in, w, units, b, z);
                    assertSameBits(expected, z, units, "denseForward in=" + in + " units=" + units);
                }
            }
        }
    }

    /** denseForwardRows gives every row denseForward's bits, whatever the number of rows (both kernels). */
    @Test
    void denseForwardRowsIsDenseForwardPerRow() {
        Random random = new Random(44);
        for (Kernels k : implementations()) {
            for (int units : new int[]{1, 17, 64, 65, 130, 256, 257}) {
                for (int in : new int[]{1, 13, 64}) {
                    for (int rows : new int[]{1, 2, 3, 4, 5, 7, 9, 16}) {
                        float[] x = random(random, rows * in);
                        for (int i = 0; i < x.length; i += 4) {
                            x[i] = 0f;
                        }
                        float[] w = random(random, in * units);
                        for (float[] b : new float[][]{null, random(random, units)}) {
                            float[] z = new float[rows * units];
                            k.denseForwardRows(x, rows, in, w, units, b, z);
                            for (int r = 0; r < rows; r++) {
                                float[] row = java.util.Arrays.copyOfRange(x, r * in, (r + 1) * in);
                                float[] one = new float[units];
                                k.denseForward(row, in, w, units, b, one);
                                assertSameBits(one, java.util.Arrays.copyOfRange(z, r * units, (r + 1) * units),
                                        units, k + " denseForwardRows in=" + in + " units=" + units + " rows=" + rows
                                                + " row " + r);
                            }
                        }
                    }
                }
            }
        }
    }

    /**
     * denseAccumulate adds each listed change times its kernel row to z, against a double reference, at widths that
     * cover the four-vector blocks, single vectors and the scalar tail; rows not listed are NaN and must not be read.
     */
    @Test
    void denseAccumulateAddsTheListedRowsOnly() {
        Random random = new Random(45);
        for (Kernels k : implementations()) {
            for (int units : new int[]{1, 7, 8, 17, 50, 65}) {
                for (int count : new int[]{0, 1, 13, 100}) {
                    int in = 2 * count + 3;
                    float[] w = new float[in * units];
                    java.util.Arrays.fill(w, Float.NaN);
                    int[] rows = new int[count];
                    float[] dx = random(random, count);
                    for (int n = 0; n < count; n++) {
                        rows[n] = 2 * n + 1;
                        for (int j = 0; j < units; j++) {
                            w[rows[n] * units + j] = random.nextFloat() * 2 - 1;
                        }
                    }
                    float[] z = random(random, units);
                    double[] expected = new double[units];
                    for (int j = 0; j < units; j++) {
                        expected[j] = z[j];
                        for (int n = 0; n < count; n++) {
                            expected[j] += (double) dx[n] * w[rows[n] * units + j];
                        }
                    }
                    k.denseAccumulate(dx, rows, count, w, units, z);
                    assertClose(expected, z, k + " denseAccumulate units=" + units + " count=" + count);
                }
            }
        }
    }

    /** add with offsets and maximum, element by element against the scalar definition, at odd offsets and lengths. */
    @Test
    void offsetAddAndMaximumAreElementwise() {
        Random random = new Random(46);
        for (Kernels k : implementations()) {
            for (int n : new int[]{0, 1, 7, 8, 17, 100}) {
                float[] x = random(random, n + 11);
                float[] acc = random(random, n + 5);
                float[] sum = acc.clone();
                k.add(x, 11, sum, 5, n);
                float[] max = acc.clone();
                k.maximum(x, 3, max, n);
                for (int i = 0; i < n + 5; i++) {
                    float expectedSum = i < 5 ? acc[i] : acc[i] + x[i + 6];
                    assertEquals(expectedSum, sum[i], k + " add n=" + n + " at " + i);
                    float expectedMax = i < n ? Math.max(acc[i], x[i + 3]) : acc[i];
                    assertEquals(expectedMax, max[i], k + " maximum n=" + n + " at " + i);
                }
            }
        }
    }

    /** Rows of odd widths, with and without a bias: the formula's bits exactly, on every implementation. */
    @Test
    void pathPointIsTheFormulaBitForBit() {
        Random random = new Random(47);
        for (Kernels k : implementations()) {
            for (int cols : new int[]{1, 7, 8, 17, 100}) {
                int rows = 3;
                float[] from = random(random, rows * cols);
                float[] delta = random(random, rows * cols);
                float[] bias = random(random, cols);
                from[0] = -0f; // 0f + (−0 + α·0) is +0: the bias-free form must add its zero too
                delta[0] = 0f;
                for (float[] b : new float[][]{bias, null}) {
                    for (float alpha : new float[]{0f, 0.02f, 0.5f, 1f}) {
                        float[] out = new float[rows * cols + 1];
                        out[rows * cols] = 42f;
                        k.pathPoint(from, delta, alpha, b, rows, cols, out);
                        for (int i = 0; i < rows * cols; i++) {
                            float want = (b == null ? 0f : b[i % cols]) + (from[i] + alpha * delta[i]);
                            assertEquals(Float.floatToRawIntBits(want), Float.floatToRawIntBits(out[i]),
                                    k + " pathPoint cols=" + cols + " alpha=" + alpha + " bias=" + (b != null)
                                            + " at " + i);
                        }
                        assertEquals(42f, out[rows * cols], "nothing past the rows");
                    }
                }
            }
        }
    }

    @Test
    void simdAndScalarAgreeOnTheSameInputs() {
        Kernels simd = simd();
        Random random = new Random(42);
        for (int n : SIZES) {
            float[] x = random(random, n);
            float[] w = random(random, n * 17);
            float[] b = random(random, 17);
            float[] zs = new float[17];
            float[] zv = new float[17];
            SCALAR.denseForward(x, n, w, 17, b, zs);
            simd.denseForward(x, n, w, 17, b, zv);
            double scale = maxAbs(zs);
            for (int j = 0; j < 17; j++) {
                assertEquals(zs[j], zv[j], 1e-5 * scale + 1e-30, "dense n=" + n);
            }
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 3, 13, 17, 33, 100, 207})
    void foldedConv1dMatchesTheConvolutionOfLookedUpRows(int filters) {
        Random random = new Random(31 * filters);
        int steps = 19;
        int vocabulary = 11;
        int dim = SIZES[filters % SIZES.length] % 40 + 1;
        float[] table = random(random, vocabulary * dim);
        int[] ids = new int[steps];
        for (int t = 0; t < steps; t++) {
            ids[t] = random.nextInt(vocabulary);
        }
        for (int[] geometry : new int[][]{{3, 1, 1, 0}, {4, 2, 1, 1}, {2, 1, 3, 3}, {5, 1, 1, 2}, {1, 1, 1, 0}}) {
            int width = geometry[0];
            int stride = geometry[1];
            int dilation = geometry[2];
            int padLeft = geometry[3];
            int outSteps = (steps + padLeft - dilation * (width - 1) - 1) / stride + 1;
            float[] w = random(random, width * dim * filters);
            float[] b = random(random, filters);
            float[] s = sparseRandom(random, outSteps * filters);
            // tables[v][k][f] = Σ_c E[v][c] w[k][c][f], rounded once to float as the runtime stores them
            float[] tables = new float[width * vocabulary * filters];
            for (int k = 0; k < width; k++) {
                for (int v = 0; v < vocabulary; v++) {
                    for (int f = 0; f < filters; f++) {
                        double acc = 0;
                        for (int c = 0; c < dim; c++) {
                            acc += (double) table[v * dim + c] * w[(k * dim + c) * filters + f];
                        }
                        tables[Kernels.foldedRow(v, k, width, filters) + f] = (float) acc;
                    }
                }
            }
            // the unfolded reference: z over looked-up rows, and r[row] = Σ_c x[row][c] Σ_f w[k][c][f] s[t][f]
            double[] expectedZ = new double[outSteps * filters];
            double[] expectedR = new double[steps];
            for (int t = 0; t < outSteps; t++) {
                for (int f = 0; f < filters; f++) {
                    double z = b[f];
                    for (int k = 0; k < width; k++) {
                        int row = t * stride + k * dilation - padLeft;
                        if (row < 0 || row >= steps) {
                            continue;
                        }
                        for (int c = 0; c < dim; c++) {
                            double term = (double) table[ids[row] * dim + c] * w[(k * dim + c) * filters + f];
                            z += term;
                            expectedR[row] += term * s[t * filters + f];
                        }
                    }
                    expectedZ[t * filters + f] = z;
                }
            }
            float[] scalarZ = null;
            for (Kernels k : implementations()) {
                float[] z = new float[outSteps * filters];
                k.foldedConv1dForward(ids, steps, tables, vocabulary, width, filters, b, stride, dilation, padLeft, z,
                        outSteps);
                assertClose(expectedZ, z, k + " foldedConv1dForward filters=" + filters + " width " + width);
                if (scalarZ == null) {
                    scalarZ = z;
                } else {
                    // same additions in the same order: the SIMD result is the scalar one, bit for bit
                    assertArrayEquals(scalarZ, z, k + " foldedConv1dForward is bit-identical to scalar");
                }
                float[] r = new float[steps];
                k.foldedConv1dTokenRelevance(s, outSteps, filters, ids, steps, tables, vocabulary, width, stride,
                        dilation, padLeft, r);
                assertClose(expectedR, r, k + " foldedConv1dTokenRelevance filters=" + filters + " width " + width);
            }
        }
    }

    /**
     * The fused folded Conv1D + activation + MaxPooling1D must give exactly what the three kernels give one after
     * another, and its relevance pass exactly what the routed quotients give the unfused token-relevance kernel:
     * the graph switches between the two paths by model shape, so any difference would be a silent change of
     * results. Covers every filter tail, padding edges, strides, dilation, ties and all-negative windows, and a
     * global pool (one window over every step).
     */
    @ParameterizedTest
    @ValueSource(ints = {1, 3, 16, 17, 33, 100})
    void foldedConv1dMaxPoolIsTheUnfusedSequenceBitForBit(int filters) {
        Random random = new Random(97 * filters);
        int steps = 23;
        int vocabulary = 13;
        // {width, stride, dilation, padLeft, pool}; pool 0: global (one window of all steps)
        for (int[] g : new int[][]{{3, 1, 1, 0, 5}, {3, 1, 1, 0, 0}, {4, 2, 1, 1, 2}, {2, 1, 3, 3, 3}, {1, 1, 1, 0, 1},
                {5, 1, 1, 2, 4}}) {
            int width = g[0];
            int stride = g[1];
            int dilation = g[2];
            int padLeft = g[3];
            int outSteps = (steps + padLeft - dilation * (width - 1) - 1) / stride + 1;
            int pool = g[4] == 0 ? outSteps : g[4];
            int windows = outSteps / pool;
            float[] tables = random(random, width * vocabulary * filters);
            for (int i = 0; i < tables.length; i += 7) {
                tables[i] = tables[i] > 0 ? 0.5f : -0.5f; // repeated values: ties between steps of a window
            }
            float[] b = random(random, filters);
            for (int f = 0; f < filters; f += 3) {
                b[f] = -100f; // every step negative: the all-zero windows of ReLU
            }
            int[] ids = new int[steps];
            for (int t = 0; t < steps; t++) {
                ids[t] = random.nextInt(vocabulary);
            }
            for (boolean relu : new boolean[]{true, false}) {
                for (Kernels k : implementations()) {
                    String what = k + " filters=" + filters + " geometry " + java.util.Arrays.toString(g) + " relu "
                            + relu;
                    // the unfused sequence
                    float[] z = new float[outSteps * filters];
                    k.foldedConv1dForward(ids, steps, tables, vocabulary, width, filters, b, stride, dilation,
                            padLeft, z, outSteps);
                    float[] a = z.clone();
                    if (relu) {
                        k.relu(z, a, z.length);
                    }
                    float[] expectedPooled = new float[windows * filters];
                    int[] expectedWinners = new int[windows * filters];
                    k.maxPool1d(a, outSteps, filters, pool, pool, 0, expectedPooled, expectedWinners, windows);
                    // fused
                    float[] zMax = new float[windows * filters];
                    float[] pooled = new float[windows * filters];
                    int[] winners = new int[windows * filters];
                    k.foldedConv1dMaxPool(ids, steps, tables, vocabulary, width, filters, b, stride, dilation,
                            padLeft, relu, pool, windows, new float[pool * filters], zMax, pooled, winners);
                    assertArrayEquals(expectedPooled, pooled, what + ": pooled");
                    assertArrayEquals(expectedWinners, winners, what + ": winners");
                    for (int i = 0; i < zMax.length; i++) {
                        int f = i % filters;
                        float max = Float.NEGATIVE_INFINITY;
                        for (int t = i / filters * pool; t < (i / filters + 1) * pool; t++) {
                            max = Math.max(max, z[t * filters + f]);
                        }
                        assertEquals(max, zMax[i], 0f, what + ": zMax is the window's maximum of z");
                        if (!relu || zMax[i] > 0) { // else all activations are 0 and the first step wins
                            assertEquals(zMax[i], z[expectedWinners[i] * filters + f], 0f, what + ": z at the winner");
                        }
                    }
                    // relevance: window quotients routed to their winners, then the unfused token relevance
                    float[] s = sparseRandom(random, windows * filters);
                    float[] routed = new float[outSteps * filters];
                    for (int i = 0; i < s.length; i++) {
                        routed[winners[i] * filters + i % filters] = s[i];
                    }
                    float[] expectedR = new float[steps];
                    k.foldedConv1dTokenRelevance(routed, outSteps, filters, ids, steps, tables, vocabulary, width,
                            stride, dilation, padLeft, expectedR);
                    float[] r = new float[steps];
                    k.foldedConv1dPooledTokenRelevance(s, winners, windows, pool, filters, ids, steps, tables,
                            vocabulary, width, stride, dilation, padLeft, new float[filters], r);
                    assertArrayEquals(expectedR, r, what + ": token relevance");
                }
            }
        }
    }

    // ------------------------------------------------------------------------------------------------ helpers

    private static Kernels[] implementations() {
        if (KernelProvider.vectorModulePresent()) {
            // One SIMD width per JVM (it must be a constant for C2); run with -Djlrp.vector.bits=128 for another.
            return new Kernels[]{SCALAR, KernelProvider.vector(0)};
        }
        return new Kernels[]{SCALAR};
    }

    private static float[] random(Random random, int n) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) {
            a[i] = (float) random.nextGaussian();
        }
        return a;
    }

    /** Random values with about a third exact zeros, as ReLU outputs and max-pool-routed relevance have. */
    private static float[] sparseRandom(Random random, int n) {
        float[] a = random(random, n);
        for (int i = 0; i < n; i++) {
            if (random.nextInt(3) == 0) {
                a[i] = 0f;
            }
        }
        return a;
    }

    private static float[] filled(int n, float value) {
        float[] a = new float[n];
        java.util.Arrays.fill(a, value);
        return a;
    }

    /** {@code actual[0, n)} has exactly the bits of {@code expected}, and {@code actual[n…]} still holds 42. */
    private static void assertSameBits(float[] expected, float[] actual, int n, String what) {
        for (int i = 0; i < n; i++) {
            if (Float.floatToRawIntBits(expected[i]) != Float.floatToRawIntBits(actual[i])) {
                throw new AssertionError(what + ": element " + i + " is " + actual[i] + ", the one-sample kernel gives "
                        + expected[i]);
            }
        }
        for (int i = n; i < actual.length; i++) {
            assertEquals(42f, actual[i], what + ": wrote element " + i + ", beyond " + n);
        }
    }

    private static double maxAbs(float[] a) {
        double m = 0;
        for (float v : a) {
            m = Math.max(m, Math.abs(v));
        }
        return m;
    }

    private static void assertClose(double[] expected, float[] actual, String what) {
        assertEquals(expected.length, actual.length, what + ": length");
        double scale = 0;
        for (double e : expected) {
            scale = Math.max(scale, Math.abs(e));
        }
        double tolerance = 1e-5 * Math.max(scale, 1e-30);
        for (int i = 0; i < expected.length; i++) {
            if (!(Math.abs(expected[i] - actual[i]) <= tolerance)) { // NaN fails too
                throw new AssertionError(what + ": element " + i + " is " + actual[i] + ", expected " + expected[i]
                        + " (tolerance " + tolerance + ")");
            }
        }
    }
}
