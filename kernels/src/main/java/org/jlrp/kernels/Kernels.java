package org.jlrp.kernels;

/**
 * The arithmetic of the forward pass and of the LRP relevance pass, on flat row-major {@code float[]} tensors laid
 * out channels-last exactly as Keras stores them.
 *
 * <p>Layouts used throughout:
 * <ul>
 *   <li>sequence activations {@code [steps][channels]};</li>
 *   <li>Conv1D kernel {@code [width][in][filters]} (Keras order), and its transposed copy {@code [width][filters][in]}
 *       for the relevance pass;</li>
 *   <li>Dense kernel {@code [in][units]}.</li>
 * </ul>
 *
 * <p>Two implementations exist: {@link ScalarKernels}, the reference, and a Vector API one. {@link KernelProvider}
 * picks one once per JVM. Implementations are thread-safe and allocate nothing per call. Their only state is one
 * scratch array per thread in the Vector API Conv1D forward pass (the leftover filters' packed weights), made on a
 * thread's first call and again only for a larger kernel.
 */
public interface Kernels {

    /** {@code "scalar"}, or the vector width in use, e.g. {@code "256-bit"}. */
    String description();

    // ------------------------------------------------------------------------------------------ linear layers

    /**
     * Conv1D pre-activations. For each output step {@code t} and filter {@code f}:
     * {@code z[t][f] = bias[f] + Σ_k Σ_c x[t·stride + k·dilation − padLeft][c] · w[k][c][f]}, where input rows
     * outside {@code [0, steps)} are zero (that is how {@code same} and {@code causal} padding appear here).
     *
     * @param bias may be null (no bias)
     */
    void conv1dForward(float[] x, int steps, int inChannels,
                       float[] w, int width, int filters, float[] bias,
                       int stride, int dilation, int padLeft,
                       float[] z, int outSteps);

    /**
     * The transposed Conv1D product of the relevance pass:
     * {@code c[t·stride + k·dilation − padLeft][c] += Σ_f wT[k][f][c] · s[t][f]} for every output step {@code t}.
     * {@code wT} is the kernel transposed to {@code [width][filters][in]}, so that each term is a contiguous
     * multiply-add over input channels. Terms with {@code s[t][f] == 0} are skipped: after max-pooling only the
     * winners carry relevance, so most of {@code s} is zero. {@code nonZero} is scratch for at least
     * {@code outSteps × (filters + 1) + 8} indices (an implementation may list each step's non-zero filters there).
     */
    void conv1dTransposed(float[] s, int outSteps, int filters,
                          float[] wT, int width, int inChannels,
                          int stride, int dilation, int padLeft,
                          float[] c, int steps, int[] nonZero);

    /**
     * Dense pre-activations {@code z[j] = bias[j] + Σ_i x[i] · w[i][j]}. Zero inputs (ReLU outputs) add nothing; an
     * implementation may skip them.
     *
     * @param bias may be null (no bias)
     */
    void denseForward(float[] x, int in, float[] w, int units, float[] bias, float[] z);

    /** The transposed Dense product of the relevance pass: {@code c[i] = Σ_j w[i][j] · s[j]}. */
    void denseTransposed(float[] s, float[] w, int in, int units, float[] c);

    /**
     * {@link #denseForward} on {@code rows} vectors sharing the kernel (the recurrent products {@code h·U} of a
     * group of sequences): {@code x} is {@code [rows][in]}, {@code z} {@code [rows][units]}, and row {@code r} of
     * {@code z} receives exactly, bit for bit, what {@code denseForward} writes for row {@code r} of {@code x},
     * whatever {@code rows} and the other rows.
     *
     * @param bias may be null (no bias)
     */
    void denseForwardRows(float[] x, int rows, int in, float[] w, int units, float[] bias, float[] z);

    /**
     * A Dense pre-activation updated for a change of some of its inputs: {@code z[j] += Σ_n dx[n] · w[rows[n]][j]}
     * over {@code n < count}, with {@code dx[n]} the change of input {@code rows[n]} (kernel {@code [in][units]}).
     */
    void denseAccumulate(float[] dx, int[] rows, int count, float[] w, int units, float[] z);

    // --------------------------------------------------------------------------------------------- ε-rule

    /**
     * The stabilised division of the ε-rule, shared by every linear layer:
     * {@code s[i] = r[i] / (d + ε·sign(d))} with {@code d = z[i] − bias[i mod period]} when {@code bias} is given
     * (the bias left out of the denominator) and {@code d = z[i]} otherwise; {@code sign(0) = +1}.
     * Where {@code r[i] == 0}, {@code s[i] = 0} even if the denominator is 0 (ε = 0 on an inactive unit).
     *
     * @param bias   null to keep the bias in the denominator (the canonical rule)
     * @param period the bias length (the number of filters or units); ignored when bias is null
     */
    void stabilizedDivide(float[] r, float[] z, float[] bias, int period, float eps, float[] s, int n);

    /** {@code r[i] += x[i] · c[i]}: the last step of the relevance pass, input times its contribution. */
    void multiplyAccumulate(float[] x, float[] c, float[] r, int n);

    // ------------------------------------------------------------------------------------------- pooling

    /**
     * Max pooling over steps, channels-last: {@code out[t][c] = max_{p<pool} x[t·stride + p − padLeft][c]} over
     * the in-range rows. {@code winners[t·channels + c]} receives the input row of the first maximum (ties go to the
     * lowest index, as TensorFlow's CPU kernel). Global max-pooling is {@code pool = steps, outSteps = 1}.
     */
    void maxPool1d(float[] x, int steps, int channels, int pool, int stride, int padLeft,
                   float[] out, int[] winners, int outSteps);

    /**
     * Average pooling over steps: {@code out[t][c] = mean of x[t·stride + p − padLeft][c]} over the in-range rows
     * of the window (TensorFlow excludes padding from the count). Global average pooling is
     * {@code pool = steps, outSteps = 1}.
     */
    void avgPool1d(float[] x, int steps, int channels, int pool, int stride, int padLeft,
                   float[] out, int outSteps);

    // ---------------------------------------------------------------------------------------- elementwise

    /** {@code a[i] = max(z[i], 0)}. */
    void relu(float[] z, float[] a, int n);

    /**
     * Embedding lookup: {@code out[t][:] = table[ids[t]][:]}. Ids must already be validated. A row copy has nothing
     * for SIMD to add ({@code System.arraycopy} is an intrinsic), so both implementations share this one.
     */
    default void gather(float[] table, int dim, int[] ids, float[] out) {
        for (int t = 0; t < ids.length; t++) {
            System.arraycopy(table, ids[t] * dim, out, t * dim, dim);
        }
    }

    // ------------------------------------------------------------------ folded Embedding → first Conv1D

    /*
     * A Conv1D reading an Embedding is linear in the looked-up rows, so each kernel offset k can be folded into the
     * table once: tables[v][k][f] = Σ_c E[v][c] · w[k][c][f]. The forward pass then sums table rows instead of
     * multiplying, and the per-token ε-relevance Σ_c x[row][c] · Σ_f w[k][c][f] · s[t][f] becomes a dot product of a
     * table row with s[t]. The rows one token needs are one contiguous block, flat, with the offsets in reverse
     * ({@link #foldedRow}): step t reads offset k of token t + k, so a token entering the window is read at offset
     * width − 1 first, then downwards; reversed, that is the start of its block, then upwards, which the hardware
     * prefetcher follows (the fused forward pass with rows from memory: 10.7–11.5 µs before, 9.9–10.1 µs after).
     */

    /** The start of {@code tables[id][k]}, the folded row of token {@code id} at kernel offset {@code k}. */
    static int foldedRow(int id, int k, int width, int filters) {
        return (id * width + width - 1 - k) * filters;
    }

    /**
     * Conv1D pre-activations from folded tables:
     * {@code z[t][f] = bias[f] + Σ_k tables[ids[t·stride + k·dilation − padLeft]][k][f]} (laid out by
     * {@link #foldedRow}), rows outside
     * {@code [0, steps)} contributing nothing. Additions run in the order bias, k = 0, 1, … in every implementation.
     *
     * @param bias may be null (no bias)
     */
    void foldedConv1dForward(int[] ids, int steps, float[] tables, int vocabulary, int width, int filters,
                             float[] bias, int stride, int dilation, int padLeft, float[] z, int outSteps);

    /**
     * Per-token ε-relevance of a folded Conv1D:
     * {@code r[row] += Σ_f tables[ids[row]][k][f] · s[t][f]} for every output step {@code t} and offset {@code k}
     * with {@code row = t·stride + k·dilation − padLeft} in {@code [0, steps)}. Steps whose quotients are all zero
     * (no max-pool winner) may be skipped.
     */
    void foldedConv1dTokenRelevance(float[] s, int outSteps, int filters, int[] ids, int steps, float[] tables,
                                    int vocabulary, int width, int stride, int dilation, int padLeft, float[] r);

    /**
     * The folded Conv1D, its ReLU ({@code relu}) and a MaxPooling1D over non-overlapping windows, in one pass that
     * keeps no {@code [outSteps][filters]} buffer: window {@code w} covers the Conv1D steps
     * {@code [w·pool, w·pool + pool)}, each computed into {@code scratch} ({@code pool × filters} floats) exactly as
     * {@link #foldedConv1dForward} computes it. For every window and filter:
     * <ul>
     *   <li>{@code zMax[w][f]}: the window's maximum of z;</li>
     *   <li>{@code pooled[w][f]}: {@code max(zMax, 0)} under ReLU, else {@code zMax} — what the MaxPooling1D
     *       outputs;</li>
     *   <li>{@code winners[w][f]}: the step MaxPooling1D over the activated values picks, the first maximum. Under
     *       ReLU a window with {@code zMax <= 0} has only zeros, so that is its first step.</li>
     * </ul>
     * {@code pooled} and {@code winners} are bit-identical to {@link #foldedConv1dForward}, {@link #relu} and
     * {@link #maxPool1d} run one after another, and {@code zMax} to the maximum of that z.
     */
    void foldedConv1dMaxPool(int[] ids, int steps, float[] tables, int vocabulary, int width, int filters,
                             float[] bias, int stride, int dilation, int padLeft, boolean relu, int pool, int windows,
                             float[] scratch, float[] zMax, float[] pooled, int[] winners);

    /**
     * Per-token ε-relevance through a fused folded Conv1D + MaxPooling1D ({@link #foldedConv1dMaxPool}): the
     * quotients {@code s[w][f]} of each window (from {@link #stabilizedDivide} over {@code zMax}) belong to its
     * winner step only; then, as {@link #foldedConv1dTokenRelevance},
     * {@code r[row] += Σ_f tables[ids[row]][k][f] · s_t[f]} for every step {@code t} that won some filter and every
     * offset {@code k} with {@code row = t·stride + k·dilation − padLeft} in {@code [0, steps)}. Each step's
     * quotient row is rebuilt in {@code scratch} ({@code filters} floats), so the products and their order are
     * those of {@link #foldedConv1dTokenRelevance} on the routed {@code [outSteps][filters]} quotients.
     */
    void foldedConv1dPooledTokenRelevance(float[] s, int[] winners, int windows, int pool, int filters, int[] ids,
                                          int steps, float[] tables, int vocabulary, int width, int stride,
                                          int dilation, int padLeft, float[] scratch, float[] r);

    // ------------------------------------------------------------------------ Dense, kernel laid out [units][in]

    /*
     * With the kernel transposed to [units][in], both Dense products run along contiguous rows of length `in`
     * (thousands, after a Flatten) instead of rows of length `units` (tens): long vector loops with independent
     * accumulators instead of a short loop, a vector tail and a reduction per input.
     */

    /**
     * Dense pre-activations from the transposed kernel: {@code z[j] = bias[j] + Σ_i x[i] · wT[j][i]}.
     *
     * @param bias may be null (no bias)
     */
    void denseForwardUnitsMajor(float[] x, int in, float[] wT, int units, float[] bias, float[] z);

    /**
     * The transposed Dense product from the transposed kernel: {@code c[i] = Σ_j wT[j][i] · s[j]}; units with
     * {@code s[j] == 0} are skipped.
     */
    void denseTransposedUnitsMajor(float[] s, float[] wT, int in, int units, float[] c);

    /*
     * Groups of samples through one Dense layer. The kernel of a Dense after a Flatten is hundreds of KB: one sample
     * at a time, every explanation streams it from L2 twice (forward and relevance pass). A group reads each weight
     * once for all its samples. Each sample's result is the single-sample kernel's, bit for bit, whatever the group
     * size and whatever the other samples: results must not depend on how a batch is split across threads.
     */

    /**
     * {@link #denseForwardUnitsMajor} on {@code count} samples sharing the kernel: for each {@code g < count},
     * {@code zs[g]} receives exactly what {@code denseForwardUnitsMajor(xs[g], in, wT, units, bias, zs[g])} writes.
     *
     * @param bias may be null (no bias)
     */
    default void denseForwardUnitsMajorGroup(float[][] xs, int count, int in, float[] wT, int units, float[] bias,
                                             float[][] zs) {
        for (int g = 0; g < count; g++) {
            denseForwardUnitsMajor(xs[g], in, wT, units, bias, zs[g]);
        }
    }

    /**
     * {@link #denseTransposedUnitsMajor} on {@code count} samples sharing the kernel: for each {@code g < count},
     * {@code cs[g]} receives exactly what {@code denseTransposedUnitsMajor(ss[g], wT, in, units, cs[g])} writes.
     */
    default void denseTransposedUnitsMajorGroup(float[][] ss, int count, float[] wT, int in, int units,
                                                float[][] cs) {
        for (int g = 0; g < count; g++) {
            denseTransposedUnitsMajor(ss[g], wT, in, units, cs[g]);
        }
    }

    // ------------------------------------------------------------------------ elementwise steps of the other rules
    //
    // The LRP rules other than ε (z⁺, αβ, γ, zB, flat, w²) run the same forward and transposed products on modified
    // inputs and weights; these are the O(n) steps around those products. They run once per layer and explanation,
    // against O(n·width·filters) for the products, so one plain implementation serves both providers.

    /** {@code a[i] = min(x[i], 0)}, the negative part (the positive part is {@link #relu}). */
    default void negativePart(float[] x, float[] a, int n) {
        for (int i = 0; i < n; i++) {
            a[i] = Math.min(x[i], 0f);
        }
    }

    /** {@code out[i] = a[i] − b[i]}. */
    default void subtract(float[] a, float[] b, float[] out, int n) {
        for (int i = 0; i < n; i++) {
            out[i] = a[i] - b[i];
        }
    }

    /**
     * A point on a straight path between two pre-activations, plus the bias:
     * {@code out[r·cols + c] = bias[c] + (from[r·cols + c] + alpha · delta[r·cols + c])} for {@code rows} rows
     * ({@code 0f +} in place of the bias when it is null), each operation rounded on its own (no fma), so that every
     * implementation gives the same bits.
     */
    default void pathPoint(float[] from, float[] delta, float alpha, float[] bias, int rows, int cols, float[] out) {
        for (int r = 0; r < rows; r++) {
            int o = r * cols;
            for (int c = 0; c < cols; c++) {
                out[o + c] = (bias == null ? 0f : bias[c]) + (from[o + c] + alpha * delta[o + c]);
            }
        }
    }

    /** {@code acc[i] += x[i]}. */
    default void add(float[] x, float[] acc, int n) {
        for (int i = 0; i < n; i++) {
            acc[i] += x[i];
        }
    }

    /** {@code acc[ao + i] += x[xo + i]} for {@code i < n}. */
    default void add(float[] x, int xo, float[] acc, int ao, int n) {
        for (int i = 0; i < n; i++) {
            acc[ao + i] += x[xo + i];
        }
    }

    /** {@code acc[i] = max(acc[i], x[xo + i])} for {@code i < n}. */
    default void maximum(float[] x, int xo, float[] acc, int n) {
        for (int i = 0; i < n; i++) {
            acc[i] = Math.max(acc[i], x[xo + i]);
        }
    }

    /** {@code a[i] *= factor}. */
    default void scale(float[] a, float factor, int n) {
        for (int i = 0; i < n; i++) {
            a[i] *= factor;
        }
    }

    /**
     * Keeps {@code r[i]} where {@code z[i]} has the given sign and writes 0 elsewhere: {@code out[i] = z[i] > 0 ? r[i]
     * : 0} for {@code positive}, {@code z[i] < 0 ? r[i] : 0} otherwise. A zero {@code z[i]} is gated out either way.
     */
    default void gateBySign(float[] r, float[] z, boolean positive, float[] out, int n) {
        for (int i = 0; i < n; i++) {
            float zv = z[i];
            out[i] = (positive ? zv > 0f : zv < 0f) ? r[i] : 0f;
        }
    }

    // ------------------------------------------------------------------------ gate activations (recurrent cells)

    /**
     * {@code out[o + i] = 1 / (1 + e^{−x[xo + i]})} for {@code i < n}, in float to a few ulp (Cephes' expf, the same
     * bits in every implementation); in place allowed.
     */
    void sigmoid(float[] x, int xo, float[] out, int o, int n);

    /** {@code out[o + i] = tanh(x[xo + i])} for {@code i < n}, as {@link #sigmoid} (Cephes' tanhf); in place allowed. */
    void tanh(float[] x, int xo, float[] out, int o, int n);

    /** {@code a[i] *= d[i]}: a gradient through an elementwise function, {@code d} its derivative. */
    default void multiply(float[] d, float[] a, int n) {
        for (int i = 0; i < n; i++) {
            a[i] *= d[i];
        }
    }
}
