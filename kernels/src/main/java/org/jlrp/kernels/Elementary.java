package org.jlrp.kernels;

/**
 * The float exponential, sigmoid and tanh that both kernel providers compute, written once as the scalar reference:
 * Cephes' {@code expf} (round-to-nearest range reduction {@code x = k ln 2 + r}, a degree-5 polynomial for
 * {@code e^r}, {@code 2^k} built in the exponent bits) and Cephes' {@code tanhf}. {@link VectorKernels} performs the
 * same float operations in the same order, lane by lane, so both give the same bits. Accuracy (tested against
 * {@link Math#exp} and {@link Math#tanh} in double): a few ulp, see {@code ElementaryTest}.
 */
final class Elementary {

    static final float LOG2E = 1.44269504088896341f;
    /** {@code ln 2 = C1 + C2}, C1 exact in few bits so that {@code k·C1} is exact. */
    static final float C1 = 0.693359375f;
    static final float C2 = -2.12194440e-4f;
    static final float P0 = 1.9875691500E-4f;
    static final float P1 = 1.3981999507E-3f;
    static final float P2 = 8.3334519073E-3f;
    static final float P3 = 4.1665795894E-2f;
    static final float P4 = 1.6666665459E-1f;
    static final float P5 = 5.0000001201E-1f;
    /**
     * Inputs are clamped to {@code [MIN_X, MAX_X]}: {@code 2^k} stays a normal float ({@code −126 ≤ k ≤ 127}). Above
     * 88 the result is capped near {@code 1.6e38}, which sigmoid and tanh never notice.
     */
    static final float MIN_X = -87.33654f;
    static final float MAX_X = 88.0f;
    /** {@code 1.5·2^23}: adding and subtracting it rounds a float of magnitude below {@code 2^22} to an integer. */
    static final float ROUNDER = 12582912f;
    /** Below this |x|, tanh is Cephes' odd polynomial; above, {@code 1 − 2/(e^{2|x|} + 1)}. */
    static final float TANH_SMALL = 0.625f;
    static final float T0 = -5.70498872745E-3f;
    static final float T1 = 2.06390887954E-2f;
    static final float T2 = -5.37397155531E-2f;
    static final float T3 = 1.33314422036E-1f;
    static final float T4 = -3.33332819422E-1f;

    private Elementary() {
    }

    /** {@code e^x} for {@code x ≤ 88} (larger x: capped); NaN stays NaN. */
    static float exp(float x) {
        x = Math.min(Math.max(x, MIN_X), MAX_X);
        float k = (x * LOG2E + ROUNDER) - ROUNDER;
        float r = x - k * C1;
        r = r - k * C2;
        float z = r * r;
        float y = ((((P0 * r + P1) * r + P2) * r + P3) * r + P4) * r + P5;
        y = (y * z + r) + 1f;
        return y * Float.intBitsToFloat(((int) k + 127) << 23);
    }

    static float sigmoid(float x) {
        return 1f / (1f + exp(-x));
    }

    /** Odd: the magnitude from |x|'s branch, the sign of x (so that tanh(−0) = −0). */
    static float tanh(float x) {
        float a = Math.abs(x);
        float y;
        if (a < TANH_SMALL) {
            float s = a * a;
            y = ((((T0 * s + T1) * s + T2) * s + T3) * s + T4) * s * a + a;
        } else {
            y = 1f - 2f / (exp(a + a) + 1f);
        }
        return Math.copySign(y, x);
    }
}
