package org.jlrp.runtime.internal.graph;

import org.jlrp.kernels.Kernels;
import org.jlrp.runtime.internal.model.Activation;
import org.jlrp.runtime.explain.Rule;

/**
 * The folded plan's node for an Embedding → Conv1D (→ MaxPooling1D): the Embedding folded into the Conv1D's kernel
 * once, {@code tables[v][k][f] = Σ_c E[v][c] · w[k][c][f]} (offsets reversed, see {@link Kernels#foldedRow}), so
 * that the forward pass sums table rows per token instead of multiplying {@code [T][D]} vectors, and the ε-relevance
 * pass yields per-token relevance directly. Neither pass reads or writes the {@code [T][D]} values or relevance.
 *
 * <p>With {@link #pool} set, the MaxPooling1D that alone reads the Conv1D is computed in the same pass (see
 * {@link Kernels#foldedConv1dMaxPool}): the Conv1D's {@code [steps][filters]} values and relevance are never
 * filled, its {@code z} buffer holds each window's maximum, and the pool's own buffers hold its outputs, winners and
 * relevance. Carries the ε-rule only; the plan uses it only when the Conv1D's rule is ε.
 */
final class FoldedConv1D extends Layer {

    final Conv1DLayer conv;
    /** The MaxPooling1D computed in the same pass, or null. */
    final MaxPoolLayer pool;
    final float[] tables;
    final int vocabulary;

    FoldedConv1D(Conv1DLayer conv, MaxPoolLayer pool, float[] tables, int vocabulary) {
        super(conv.name, conv.className, conv.inputs, conv.shape);
        this.conv = conv;
        this.pool = pool;
        this.tables = tables;
        this.vocabulary = vocabulary;
    }

    /**
     * Whether {@code pool} (reading {@code conv}'s output, through identity layers only) can be computed in the
     * folded pass: a ReLU or linear activation, which commute with taking the maximum, and non-overlapping windows
     * from step 0 without padding (each step then belongs to at most one window, so each winner receives one
     * window's relevance).
     */
    static boolean canFuse(Conv1DLayer conv, MaxPoolLayer pool) {
        boolean activationCommutes = conv.activation == Activation.RELU || conv.activation == Activation.LINEAR;
        boolean disjointWindows = pool.padLeft == 0 && (pool.stride == pool.pool || pool.outSteps == 1)
                && pool.outSteps * pool.pool <= conv.outSteps;
        return activationCommutes && disjointWindows && pool.inSteps == conv.outSteps && pool.channels == conv.filters;
    }

    long tableBytes() {
        return (long) Float.BYTES * tables.length;
    }

    @Override
    void forward(Workspace ws, Kernels kernels) {
        Conv1DLayer c = conv;
        float[] z = c.preActivations(ws);
        if (pool != null) {
            // ws.quotients is free during the forward pass and holds at least the Conv1D's outSteps × filters.
            kernels.foldedConv1dMaxPool(ws.tokens, c.inSteps, tables, vocabulary, c.width, c.filters, c.bias,
                    c.stride, c.dilation, c.padLeft, c.activation == Activation.RELU, pool.pool, pool.outSteps,
                    ws.quotients, z, ws.values[pool.valueSlot], ws.winners[pool.winnerSlot]);
            return;
        }
        kernels.foldedConv1dForward(ws.tokens, c.inSteps, tables, vocabulary, c.width, c.filters, c.bias, c.stride,
                c.dilation, c.padLeft, z, c.outSteps);
        c.activate(ws, kernels, z);
    }

    /** The ε-relevance pass, into the workspace's per-token relevance (other rules: {@link FoldedRulePass}). */
    @Override
    void backward(Workspace ws, Kernels kernels, Rule rule) {
        if (!rule.isEpsilon()) {
            throw new IllegalStateException("folded node '" + name + "' runs the ε-rule only, not " + rule);
        }
        Conv1DLayer c = conv;
        float[] s = ws.quotients;
        float eps = (float) rule.eps();
        boolean withoutBias = rule.ignoreBias() && c.bias != null;
        if (pool != null) {
            int pooledSize = pool.outSteps * c.filters;
            int[] winners = ws.winners[pool.winnerSlot];
            // z's buffer holds each window's maximum; without the bias, z₀ = Σ_k table rows at each winner instead.
            float[] z = c.preActivations(ws);
            if (withoutBias) {
                z = ws.ruleBuffers().gated; // free here; winnerSums uses product
                winnerSums(ws, kernels, winners, pooledSize, tables, null, z);
            }
            kernels.stabilizedDivide(ws.relevance[pool.relevanceSlot], z, null, c.biasPeriod, eps, s, pooledSize);
            // Each winning step's routed row is rebuilt in the contributions scratch, which nothing else uses here.
            kernels.foldedConv1dPooledTokenRelevance(s, winners, pool.outSteps, pool.pool, c.filters, ws.tokens,
                    c.inSteps, tables, vocabulary, c.width, c.stride, c.dilation, c.padLeft, ws.contributions,
                    ws.tokenRelevance);
            return;
        }
        float[] z = c.preActivations(ws);
        if (withoutBias) {
            z = ws.ruleBuffers().product;
            kernels.foldedConv1dForward(ws.tokens, c.inSteps, tables, vocabulary, c.width, c.filters, null, c.stride,
                    c.dilation, c.padLeft, z, c.outSteps);
        }
        kernels.stabilizedDivide(ws.relevance[c.relevanceSlot], z, null, c.biasPeriod, eps, s, c.outSize);
        kernels.foldedConv1dTokenRelevance(s, c.outSteps, c.filters, ws.tokens, c.inSteps, tables, vocabulary,
                c.width, c.stride, c.dilation, c.padLeft, ws.tokenRelevance);
    }

    /**
     * Gradient × input per token, folded: {@code g_z = g · f'(z)} at the Conv1D's pre-activation (at each window's
     * winner when the pool is fused: its z buffer holds the window maxima, where the gradient routed to the winner is
     * taken), then the ε-pass's transposed table product on {@code g_z} instead of the quotients. That is
     * {@code Σ_{k,f} T[v_t][k][f] · g_z[t−k][f] = Σ_d e_{t,d} · ∂logit/∂e_{t,d}}, added to the workspace's per-token
     * relevance; no {@code [T][D]} gradient.
     */
    void gradientTimesInput(Workspace ws, Kernels kernels) {
        Conv1DLayer c = conv;
        float[] z = c.preActivations(ws);
        if (pool != null) {
            int pooledSize = pool.outSteps * c.filters;
            float[] g = ws.relevance[pool.relevanceSlot];
            GradientRule.GRADIENT.scale(c.activation, kernels, z, null, null, null, g, ws.quotients, pooledSize);
            kernels.foldedConv1dPooledTokenRelevance(g, ws.winners[pool.winnerSlot], pool.outSteps, pool.pool,
                    c.filters, ws.tokens, c.inSteps, tables, vocabulary, c.width, c.stride, c.dilation, c.padLeft,
                    ws.contributions, ws.tokenRelevance);
            return;
        }
        float[] g = ws.relevance[c.relevanceSlot];
        GradientRule.GRADIENT.scale(c.activation, kernels, z, null, null, null, g, ws.quotients, c.outSize);
        kernels.foldedConv1dTokenRelevance(g, c.outSteps, c.filters, ws.tokens, c.inSteps, tables, vocabulary,
                c.width, c.stride, c.dilation, c.padLeft, ws.tokenRelevance);
    }

    /**
     * Integrated Gradients, folded: the Conv1D's pre-activation without its bias, {@code Σ_k table rows}, of token
     * ids {@code ids} into {@code out} ({@code [outSteps][filters]}). The Conv1D is linear in the Embedding output, so
     * at the path point {@code e' + α(e − e')} its pre-activation is {@code b + z' + α(z − z')}: two of these sums
     * give every point of the path, without the {@code [T][D]} input.
     */
    void rowSums(Kernels kernels, int[] ids, float[] out) {
        Conv1DLayer c = conv;
        kernels.foldedConv1dForward(ids, c.inSteps, tables, vocabulary, c.width, c.filters, null, c.stride,
                c.dilation, c.padLeft, out, c.outSteps);
    }

    /**
     * The forward pass at the path point {@code α} from {@link #rowSums} of the baseline ({@code zb}) and the
     * input's minus the baseline's ({@code delta = zx − zb}): {@code z = b + (zb + α·delta)}
     * ({@link Kernels#pathPoint}), then the activation, or the fused pool as
     * {@link Kernels#foldedConv1dMaxPool} leaves it (window maxima of z in z's buffer, first winners, pooled
     * activations). {@code zPoint} is scratch of {@code [outSteps][filters]}.
     */
    void forwardAt(Workspace ws, Kernels kernels, float[] delta, float[] zb, float alpha, float[] zPoint) {
        Conv1DLayer c = conv;
        int filters = c.filters;
        kernels.pathPoint(zb, delta, alpha, c.bias, c.outSteps, filters, zPoint);
        float[] z = c.preActivations(ws);
        if (pool == null) {
            System.arraycopy(zPoint, 0, z, 0, c.outSteps * filters);
            c.activate(ws, kernels, z);
            return;
        }
        int[] winners = ws.winners[pool.winnerSlot];
        int pooledSize = pool.outSteps * filters;
        kernels.maxPool1d(zPoint, c.outSteps, filters, pool.pool, pool.stride, 0, z, winners, pool.outSteps);
        float[] pooled = ws.values[pool.valueSlot];
        if (c.activation == Activation.RELU) {
            kernels.relu(z, pooled, pooledSize);
            // As the fused kernel: a window of z <= 0 is won by its first step (window by window: no division per
            // value).
            for (int w = 0, o = 0; w < pool.outSteps; w++) {
                int first = w * pool.stride;
                for (int f = 0; f < filters; f++, o++) {
                    if (!(z[o] > 0f)) {
                        winners[o] = first;
                    }
                }
            }
        } else {
            System.arraycopy(z, 0, pooled, 0, pooledSize);
        }
    }

    /**
     * After the gradient pass at a path point ({@link #forwardAt}): {@code g_z}, the gradient at this Conv1D's
     * pre-activation, added to {@code sum} ({@code [outSteps][filters]}; with a fused pool, at each window's winner).
     */
    void addPathGradient(Workspace ws, Kernels kernels, double[] sum) {
        Conv1DLayer c = conv;
        float[] z = c.preActivations(ws);
        if (pool == null) {
            float[] g = ws.relevance[c.relevanceSlot];
            GradientRule.GRADIENT.scale(c.activation, kernels, z, null, null, null, g, ws.quotients, c.outSize);
            for (int i = 0; i < c.outSize; i++) {
                sum[i] += g[i];
            }
            return;
        }
        int pooledSize = pool.outSteps * c.filters;
        float[] g = ws.relevance[pool.relevanceSlot];
        GradientRule.GRADIENT.scale(c.activation, kernels, z, null, null, null, g, ws.quotients, pooledSize);
        int[] winners = ws.winners[pool.winnerSlot];
        int filters = c.filters;
        // Without skipping the zeros that ReLU-dead windows pass back: the test mispredicted (16 % of folded IG's
        // time), and adding a zero changes no sum (each starts at +0, and +0 + −0 is +0).
        for (int w = 0, p = 0; w < pool.outSteps; w++) {
            for (int f = 0; f < filters; f++, p++) {
                sum[winners[p] * filters + f] += g[p];
            }
        }
    }

    /**
     * Integrated Gradients per token from the mean path gradient {@code gz} at the pre-activation:
     * {@code Σ_d (e − e')_{t,d} · mean ∂logit/∂e_{t,d} = Σ_{k,f} (T[x_t] − T[b_t])[k][f] · gz[t−k][f]}, the ε-pass's
     * transposed table product of the input's rows minus the baseline's ({@code baselineIds}, or none for the zero
     * baseline), added to the workspace's per-token relevance. {@code scratch}: {@code inSteps} floats.
     */
    void addIntegratedTokenRelevance(Workspace ws, Kernels kernels, float[] gz, int[] ids, int[] baselineIds,
                                     float[] scratch) {
        Conv1DLayer c = conv;
        kernels.foldedConv1dTokenRelevance(gz, c.outSteps, c.filters, ids, c.inSteps, tables, vocabulary, c.width,
                c.stride, c.dilation, c.padLeft, ws.tokenRelevance);
        if (baselineIds != null) {
            java.util.Arrays.fill(scratch, 0, c.inSteps, 0f);
            kernels.foldedConv1dTokenRelevance(gz, c.outSteps, c.filters, baselineIds, c.inSteps, tables, vocabulary,
                    c.width, c.stride, c.dilation, c.padLeft, scratch);
            for (int t = 0; t < c.inSteps; t++) {
                ws.tokenRelevance[t] -= scratch[t];
            }
        }
    }

    /**
     * DeepLIFT per token through this node, unfused ({@link #pool} null), after the Rescale pass has left the
     * multipliers at the Conv1D's output in its relevance slot: {@code m_z = m · Δa/Δz} against the reference's z and
     * activations, then {@code Σ_{k,f} (T[x_t] − T[b_t])[k][f] · m_z[t−k][f]} as
     * {@link #addIntegratedTokenRelevance}, added to the workspace's per-token relevance.
     */
    void addDeepLiftTokenRelevance(Workspace ws, Workspace reference, Kernels kernels, int[] ids, int[] baselineIds,
                                   float[] scratch) {
        if (pool != null) {
            throw new IllegalStateException("folded node '" + name + "' runs DeepLIFT with its pool unfused only");
        }
        Conv1DLayer c = conv;
        float[] m = ws.relevance[c.relevanceSlot];
        if (c.activation != Activation.LINEAR) {
            GradientRule.RESCALE.scale(c.activation, kernels, c.preActivations(ws), ws.values[c.valueSlot],
                    c.preActivations(reference), reference.values[c.valueSlot], m, ws.quotients, c.outSize);
        }
        addIntegratedTokenRelevance(ws, kernels, m, ids, baselineIds, scratch);
    }

    /**
     * The {@code [T][D]} gradient pass after the folded forward pass: the Conv1D's gradient needs its kernel and
     * {@code g_z}, not its input. With a fused pool, {@code g_z} is scaled at the window maxima (the winners' z) and
     * scattered to the winners, as the unfolded max-pool routing and activation leave it. Not for
     * {@link GradientRule#RESCALE}, which needs the reference's pre-activations at every step.
     */
    @Override
    void gradient(Workspace ws, Workspace reference, Kernels kernels, GradientRule rule) {
        if (rule == GradientRule.RESCALE) {
            throw new IllegalStateException("folded node '" + name + "' cannot run " + rule);
        }
        Conv1DLayer c = conv;
        float[] z = c.preActivations(ws);
        float[] gz = ws.relevance[c.relevanceSlot];
        if (pool != null) {
            int pooledSize = pool.outSteps * c.filters;
            float[] g = ws.relevance[pool.relevanceSlot];
            rule.scale(c.activation, kernels, z, ws.values[pool.valueSlot], null, null, g, ws.quotients, pooledSize);
            java.util.Arrays.fill(gz, 0, c.outSize, 0f); // the folded plan leaves this slot untouched otherwise
            int[] winners = ws.winners[pool.winnerSlot];
            int filters = c.filters;
            for (int p = 0; p < pooledSize; p++) {
                gz[winners[p] * filters + p % filters] += g[p];
            }
        } else {
            rule.scale(c.activation, kernels, z, ws.values[c.valueSlot], null, null, gz, ws.quotients, c.outSize);
        }
        float[] out = ws.contributions;
        java.util.Arrays.fill(out, 0, c.inSize, 0f);
        c.transposedProduct(ws, kernels, gz, out);
        kernels.add(out, ws.relevance[c.input().relevanceSlot], c.inSize);
    }

    /**
     * {@code out[w][f] = bias[f] + Σ_k table[ids[t·stride + k·dilation − padLeft]][k][f]} at each window's winning
     * step {@code t}, summed in the order of the forward kernels: with this node's tables and no bias, the
     * pre-activation without the bias; with a rule's tables ({@link FoldedRulePass}), its denominators. Computed for
     * every step by the folded forward kernel, then picked: it streams through each token's rows once, where summing
     * at the winners alone would jump between rows of a table far larger than the caches for every window and filter
     * (measured 4× slower end to end). Uses the rule buffers' {@code product}.
     */
    void winnerSums(Workspace ws, Kernels kernels, int[] winners, int pooledSize, float[] table, float[] bias,
                    float[] out) {
        Conv1DLayer c = conv;
        float[] all = ws.ruleBuffers().product;
        kernels.foldedConv1dForward(ws.tokens, c.inSteps, table, vocabulary, c.width, c.filters, bias, c.stride,
                c.dilation, c.padLeft, all, c.outSteps);
        int filters = c.filters;
        for (int p = 0; p < pooledSize; p++) {
            out[p] = all[winners[p] * filters + p % filters];
        }
    }
}
