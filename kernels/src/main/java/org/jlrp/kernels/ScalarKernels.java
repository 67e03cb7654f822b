package org.jlrp.kernels;

/**
 * The reference implementation: plain loops, one multiply-add at a time. It is what runs when the Vector API module
 * is absent, and what the SIMD kernels are tested against.
 */
public final class ScalarKernels implements Kernels {

    static final ScalarKernels INSTANCE = new ScalarKernels();

    private ScalarKernels() {
    }

    @Override
    public String description() {
        return "scalar";
    }

    @Override
    public void conv1dForward(float[] x, int steps, int inChannels, float[] w, int width, int filters, float[] bias,
                              int stride, int dilation, int padLeft, float[] z, int outSteps) {
        for (int t = 0; t < outSteps; t++) {
            int zRow = t * filters;
            for (int f = 0; f < filters; f++) {
                z[zRow + f] = bias == null ? 0f : bias[f];
            }
            for (int k = 0; k < width; k++) {
                int row = t * stride + k * dilation - padLeft;
                if (row < 0 || row >= steps) {
                    continue;
                }
                for (int c = 0; c < inChannels; c++) {
                    float xv = x[row * inChannels + c];
                    int wRow = (k * inChannels + c) * filters;
                    for (int f = 0; f < filters; f++) {
                        z[zRow + f] += xv * w[wRow + f];
                    }
                }
            }
        }
    }

    @Override
    public void conv1dTransposed(float[] s, int outSteps, int filters, float[] wT, int width, int inChannels,
                                 int stride, int dilation, int padLeft, float[] c, int steps, int[] nonZero) {
        for (int t = 0; t < outSteps; t++) {
            for (int f = 0; f < filters; f++) {
                float sv = s[t * filters + f];
                if (sv == 0f) {
                    continue;
                }
                for (int k = 0; k < width; k++) {
                    int row = t * stride + k * dilation - padLeft;
                    if (row < 0 || row >= steps) {
                        continue;
                    }
                    int wRow = (k * filters + f) * inChannels;
                    int cRow = row * inChannels;
                    for (int i = 0; i < inChannels; i++) {
                        c[cRow + i] += sv * wT[wRow + i];
                    }
                }
            }
        }
    }

    @Override
    public void denseForwardRows(float[] x, int rows, int in, float[] w, int units, float[] bias, float[] z) {
        for (int r = 0; r < rows; r++) {
            int zo = r * units;
            for (int j = 0; j < units; j++) {
                z[zo + j] = bias == null ? 0f : bias[j];
            }
            for (int i = 0; i < in; i++) {
                float xv = x[r * in + i];
                if (xv == 0f) {
                    continue;
                }
                int wRow = i * units;
                for (int j = 0; j < units; j++) {
                    z[zo + j] += xv * w[wRow + j];
                }
            }
        }
    }

    @Override
    public void denseForward(float[] x, int in, float[] w, int units, float[] bias, float[] z) {
        for (int j = 0; j < units; j++) {
            z[j] = bias == null ? 0f : bias[j];
        }
        for (int i = 0; i < in; i++) {
            float xv = x[i];
            if (xv == 0f) {
                continue;
            }
            int wRow = i * units;
            for (int j = 0; j < units; j++) {
                z[j] += xv * w[wRow + j];
            }
        }
    }

    @Override
    public void denseAccumulate(float[] dx, int[] rows, int count, float[] w, int units, float[] z) {
        for (int n = 0; n < count; n++) {
            float d = dx[n];
            int wRow = rows[n] * units;
            for (int j = 0; j < units; j++) {
                z[j] += d * w[wRow + j];
            }
        }
    }

    @Override
    public void denseTransposed(float[] s, float[] w, int in, int units, float[] c) {
        for (int i = 0; i < in; i++) {
            int wRow = i * units;
            float acc = 0f;
            for (int j = 0; j < units; j++) {
                acc += w[wRow + j] * s[j];
            }
            c[i] = acc;
        }
    }

    @Override
    public void stabilizedDivide(float[] r, float[] z, float[] bias, int period, float eps, float[] s, int n) {
        for (int i = 0; i < n; i++) {
            float rv = r[i];
            if (rv == 0f) {
                s[i] = 0f;
                continue;
            }
            float d = bias == null ? z[i] : z[i] - bias[i % period];
            s[i] = rv / (d >= 0f ? d + eps : d - eps);
        }
    }

    @Override
    public void multiplyAccumulate(float[] x, float[] c, float[] r, int n) {
        for (int i = 0; i < n; i++) {
            r[i] += x[i] * c[i];
        }
    }

    @Override
    public void maxPool1d(float[] x, int steps, int channels, int pool, int stride, int padLeft,
                          float[] out, int[] winners, int outSteps) {
        for (int t = 0; t < outSteps; t++) {
            int first = Math.max(t * stride - padLeft, 0);
            int last = Math.min(t * stride - padLeft + pool, steps); // exclusive
            int oRow = t * channels;
            System.arraycopy(x, first * channels, out, oRow, channels);
            for (int ch = 0; ch < channels; ch++) {
                winners[oRow + ch] = first;
            }
            for (int row = first + 1; row < last; row++) {
                int xRow = row * channels;
                for (int ch = 0; ch < channels; ch++) {
                    float v = x[xRow + ch];
                    if (v > out[oRow + ch]) { // strictly greater: the first maximum wins ties
                        out[oRow + ch] = v;
                        winners[oRow + ch] = row;
                    }
                }
            }
        }
    }

    @Override
    public void avgPool1d(float[] x, int steps, int channels, int pool, int stride, int padLeft,
                          float[] out, int outSteps) {
        for (int t = 0; t < outSteps; t++) {
            int first = Math.max(t * stride - padLeft, 0);
            int last = Math.min(t * stride - padLeft + pool, steps);
            int oRow = t * channels;
            for (int ch = 0; ch < channels; ch++) {
                out[oRow + ch] = 0f;
            }
            for (int row = first; row < last; row++) {
                int xRow = row * channels;
                for (int ch = 0; ch < channels; ch++) {
                    out[oRow + ch] += x[xRow + ch];
                }
            }
            float count = last - first;
            for (int ch = 0; ch < channels; ch++) {
                out[oRow + ch] /= count;
            }
        }
    }

    @Override
    public void sigmoid(float[] x, int xo, float[] out, int o, int n) {
        for (int i = 0; i < n; i++) {
            out[o + i] = Elementary.sigmoid(x[xo + i]);
        }
    }

    @Override
    public void tanh(float[] x, int xo, float[] out, int o, int n) {
        for (int i = 0; i < n; i++) {
            out[o + i] = Elementary.tanh(x[xo + i]);
        }
    }

    @Override
    public void relu(float[] z, float[] a, int n) {
        for (int i = 0; i < n; i++) {
            a[i] = Math.max(z[i], 0f);
        }
    }

    @Override
    public void foldedConv1dForward(int[] ids, int steps, float[] tables, int vocabulary, int width, int filters,
                                    float[] bias, int stride, int dilation, int padLeft, float[] z, int outSteps) {
        for (int t = 0; t < outSteps; t++) {
            foldedStep(ids, steps, tables, width, filters, bias, stride, dilation, padLeft, t, z, t * filters);
        }
    }

    /** Step {@code t} of the folded Conv1D into {@code z[zRow…]}: bias, then the rows of k = 0, 1, … in range. */
    private static void foldedStep(int[] ids, int steps, float[] tables, int width, int filters, float[] bias,
                                   int stride, int dilation, int padLeft, int t, float[] z, int zRow) {
        for (int f = 0; f < filters; f++) {
            z[zRow + f] = bias == null ? 0f : bias[f];
        }
        for (int k = 0; k < width; k++) {
            int row = t * stride + k * dilation - padLeft;
            if (row < 0 || row >= steps) {
                continue;
            }
            int tRow = Kernels.foldedRow(ids[row], k, width, filters);
            for (int f = 0; f < filters; f++) {
                z[zRow + f] += tables[tRow + f];
            }
        }
    }

    @Override
    public void foldedConv1dTokenRelevance(float[] s, int outSteps, int filters, int[] ids, int steps, float[] tables,
                                           int vocabulary, int width, int stride, int dilation, int padLeft,
                                           float[] r) {
        for (int t = 0; t < outSteps; t++) {
            foldedStepRelevance(s, t * filters, ids, steps, tables, width, filters, stride, dilation, padLeft, t, r);
        }
    }

    /** {@code r[row] += Σ_f tables[ids[row]][k][f] · s[sRow + f]} for step {@code t}'s offsets k in range. */
    private static void foldedStepRelevance(float[] s, int sRow, int[] ids, int steps, float[] tables, int width,
                                            int filters, int stride, int dilation, int padLeft, int t, float[] r) {
        for (int k = 0; k < width; k++) {
            int row = t * stride + k * dilation - padLeft;
            if (row < 0 || row >= steps) {
                continue;
            }
            int tRow = Kernels.foldedRow(ids[row], k, width, filters);
            float acc = 0f;
            for (int f = 0; f < filters; f++) {
                acc += tables[tRow + f] * s[sRow + f];
            }
            r[row] += acc;
        }
    }

    @Override
    public void foldedConv1dMaxPool(int[] ids, int steps, float[] tables, int vocabulary, int width, int filters,
                                    float[] bias, int stride, int dilation, int padLeft, boolean relu, int pool,
                                    int windows, float[] scratch, float[] zMax, float[] pooled, int[] winners) {
        for (int w = 0; w < windows; w++) {
            int first = w * pool;
            for (int p = 0; p < pool; p++) {
                foldedStep(ids, steps, tables, width, filters, bias, stride, dilation, padLeft, first + p, scratch,
                        p * filters);
            }
            for (int f = 0; f < filters; f++) {
                poolWindowFilter(scratch, pool, filters, f, first, relu, zMax, pooled, winners, w * filters);
            }
        }
    }

    /**
     * One filter of a pooling window held in {@code scratch} ({@code pool × filters}): its maximum of z, activation
     * and first winner (see {@link Kernels#foldedConv1dMaxPool}). Also the vector kernel's tail for filters that do
     * not fill a vector.
     */
    static void poolWindowFilter(float[] scratch, int pool, int filters, int f, int firstStep, boolean relu,
                                 float[] zMax, float[] pooled, int[] winners, int oRow) {
        float best = scratch[f];
        int where = 0;
        for (int p = 1; p < pool; p++) {
            float v = scratch[p * filters + f];
            if (v > best) {
                best = v;
                where = p;
            }
        }
        zMax[oRow + f] = best;
        pooled[oRow + f] = relu ? Math.max(best, 0f) : best;
        // under ReLU a window with max z <= 0 holds only zeros after the activation, and the first of them wins
        winners[oRow + f] = firstStep + (relu && !(best > 0f) ? 0 : where);
    }

    @Override
    public void foldedConv1dPooledTokenRelevance(float[] s, int[] winners, int windows, int pool, int filters,
                                                 int[] ids, int steps, float[] tables, int vocabulary, int width,
                                                 int stride, int dilation, int padLeft, float[] scratch, float[] r) {
        for (int w = 0; w < windows; w++) {
            int oRow = w * filters;
            for (int t = w * pool; t < (w + 1) * pool; t++) {
                boolean won = false;
                for (int f = 0; f < filters; f++) {
                    boolean mine = winners[oRow + f] == t;
                    scratch[f] = mine ? s[oRow + f] : 0f;
                    won |= mine;
                }
                if (won) {
                    foldedStepRelevance(scratch, 0, ids, steps, tables, width, filters, stride, dilation, padLeft, t,
                            r);
                }
            }
        }
    }

    @Override
    public void denseForwardUnitsMajor(float[] x, int in, float[] wT, int units, float[] bias, float[] z) {
        for (int j = 0; j < units; j++) {
            float acc = bias == null ? 0f : bias[j];
            int row = j * in;
            for (int i = 0; i < in; i++) {
                acc += x[i] * wT[row + i];
            }
            z[j] = acc;
        }
    }

    @Override
    public void denseTransposedUnitsMajor(float[] s, float[] wT, int in, int units, float[] c) {
        java.util.Arrays.fill(c, 0, in, 0f);
        for (int j = 0; j < units; j++) {
            float sv = s[j];
            if (sv == 0f) {
                continue;
            }
            int row = j * in;
            for (int i = 0; i < in; i++) {
                c[i] += sv * wT[row + i];
            }
        }
    }
}
