package org.jlrp.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.util.Random;
import java.util.function.DoubleUnaryOperator;
import org.junit.jupiter.api.Test;

/**
 * The gate activations ({@link Kernels#sigmoid}, {@link Kernels#tanh}): within a few ulp of the exact value computed
 * in double by {@link Math#exp} and {@link Math#tanh}, and the SIMD kernels bit-identical to the scalar ones at odd
 * sizes and offsets.
 */
class ElementaryTest {

    /** Measured worst cases on the sweep below: sigmoid 2.4 ulp, tanh 1.3 ulp. */
    private static final double SIGMOID_ULPS = 3;
    private static final double TANH_ULPS = 2;

    private static final Kernels SCALAR = KernelProvider.scalar();

    private static double sigmoid(double x) {
        return 1 / (1 + Math.exp(-x));
    }

    /** Every float step near 0 and the branch point, a fine sweep of [−20, 20], random values, the extremes. */
    private static float[] inputs() {
        Random random = new Random(3);
        float[] x = new float[200_000 + 4_000 + 24];
        int n = 0;
        for (int i = 0; i < 200_000; i++) {
            x[n++] = -20f + 40f * i / 200_000f;
        }
        float near = 0.625f;
        for (int i = 0; i < 1_000; i++) { // float neighbours of ±0.625 and of 0
            near = Math.nextDown(near);
            x[n++] = near;
            x[n++] = -Math.nextUp(0.625f + (0.625f - near));
            x[n++] = (float) random.nextGaussian() * 1e-3f;
            x[n++] = (float) (random.nextGaussian() * 5);
        }
        float[] extremes = {0f, -0f, Float.MIN_VALUE, -Float.MIN_VALUE, 1e-30f, -1e-30f, 1e-7f, 9f, -9f, 44f, -44f,
            80f, -80f, 87f, -87f, 88f, -88f, 100f, -100f, 1e30f, -1e30f, Float.MAX_VALUE, -Float.MAX_VALUE, 0.625f};
        for (float e : extremes) {
            x[n++] = e;
        }
        return x;
    }

    /** The worst error in ulp of the exact value rounded to float; {@code skipBelow}: ignore |exact| below it. */
    private static double worstUlps(float[] x, float[] got, DoubleUnaryOperator exact, double skipBelow) {
        double worst = 0;
        for (int i = 0; i < x.length; i++) {
            double e = exact.applyAsDouble(x[i]);
            if (Math.abs(e) < skipBelow) {
                assertTrue(Math.abs(got[i] - e) < 1e-37, "x=" + x[i] + ": " + got[i] + " vs " + e);
                continue;
            }
            double ulps = Math.abs(got[i] - e) / Math.ulp((float) e);
            assertTrue(ulps < 1e6, "x=" + x[i] + ": " + got[i] + " vs exact " + e);
            worst = Math.max(worst, ulps);
        }
        return worst;
    }

    @Test
    void sigmoidIsWithinThreeUlps() {
        float[] x = inputs();
        float[] out = new float[x.length];
        SCALAR.sigmoid(x, 0, out, 0, x.length);
        // below e^−87 the result is a subnormal and compared absolutely
        double worst = worstUlps(x, out, ElementaryTest::sigmoid, Float.MIN_NORMAL);
        assertTrue(worst <= SIGMOID_ULPS, "sigmoid: worst " + worst + " ulp");
        assertEquals(0.5f, out[x.length - 24]); // sigmoid(0)
        assertEquals(1f, out[x.length - 24 + 21]); // sigmoid(MAX_VALUE)
        assertTrue(out[x.length - 24 + 22] < 1e-38); // sigmoid(−MAX_VALUE): e^88 caps the divisor
    }

    @Test
    void tanhIsWithinTwoUlps() {
        float[] x = inputs();
        float[] out = new float[x.length];
        SCALAR.tanh(x, 0, out, 0, x.length);
        double worst = worstUlps(x, out, Math::tanh, 0);
        assertTrue(worst <= TANH_ULPS, "tanh: worst " + worst + " ulp");
        assertEquals(Float.floatToIntBits(-0f), Float.floatToIntBits(out[x.length - 23])); // tanh(−0) = −0
        assertEquals(1f, out[x.length - 24 + 21]);
        assertEquals(-1f, out[x.length - 24 + 22]);
        float[] nan = {Float.NaN};
        SCALAR.tanh(nan, 0, nan, 0, 1);
        assertTrue(Float.isNaN(nan[0]));
        nan[0] = Float.NaN;
        SCALAR.sigmoid(nan, 0, nan, 0, 1);
        assertTrue(Float.isNaN(nan[0]));
    }

    @Test
    void simdGivesTheScalarBitsAtOddSizesAndOffsets() {
        assumeTrue(KernelProvider.vectorModulePresent(), "Vector API module absent (scalar-only run)");
        Kernels simd = KernelProvider.vector(0);
        float[] all = inputs();
        for (int n : new int[]{1, 3, 7, 15, 16, 17, 33, 100, 257, all.length - 5}) {
            for (int offset : new int[]{0, 1, 5}) {
                float[] a = new float[n + offset + 3];
                float[] b = new float[n + offset + 3];
                for (String which : new String[]{"sigmoid", "tanh"}) {
                    if (which.equals("sigmoid")) {
                        SCALAR.sigmoid(all, offset, a, 3, n);
                        simd.sigmoid(all, offset, b, 3, n);
                    } else {
                        SCALAR.tanh(all, offset, a, 3, n);
                        simd.tanh(all, offset, b, 3, n);
                    }
                    for (int i = 0; i < a.length; i++) {
                        assertEquals(Float.floatToIntBits(a[i]), Float.floatToIntBits(b[i]),
                                which + " n=" + n + " offset=" + offset + " i=" + i);
                    }
                }
            }
        }
        // in place
        float[] x = all.clone();
        simd.tanh(x, 0, x, 0, x.length);
        float[] y = new float[all.length];
        SCALAR.tanh(all, 0, y, 0, all.length);
        for (int i = 0; i < x.length; i++) {
            assertEquals(Float.floatToIntBits(y[i]), Float.floatToIntBits(x[i]), "in place, i=" + i);
        }
    }
}
