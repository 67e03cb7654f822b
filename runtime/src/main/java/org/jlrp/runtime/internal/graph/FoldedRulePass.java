package org.jlrp.runtime.internal.graph;

import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.Map;
import org.jlrp.kernels.Kernels;
import org.jlrp.runtime.internal.graph.RulePass.Group;
import org.jlrp.runtime.internal.graph.RulePass.Term;

/**
 * A {@link RulePass} (z⁺, αβ, γ, zB, flat, w²) on a folded Conv1D: every term of a group acts on the same token, so a
 * group's terms fold into one table, {@code T_g[v][k][f] = Σ_terms Σ_c x'(E[v][c]) · w'[k][c][f]} (laid out as the
 * ε tables, see {@link Kernels#foldedRow}). A group's denominators are then sums of table rows plus its bias, and its
 * per-token relevance is the folded transposed product with its quotients, as for the ε-rule: the rule runs on the
 * folded plan without the {@code [T][D]} values. The same sums as {@link RulePass} computes, added in another order.
 */
final class FoldedRulePass {

    private final RulePass pass;
    private final FoldedConv1D node;
    /** Per group: its folded table and the sum of its terms' biases (null: none). */
    private final float[][] tables;
    private final float[][] biases;

    private FoldedRulePass(RulePass pass, FoldedConv1D node, float[][] tables, float[][] biases) {
        this.pass = pass;
        this.node = node;
        this.tables = tables;
        this.biases = biases;
    }

    /**
     * The rule tables of one network's folded nodes, shared by every rule plan whose rule on a node has the same
     * tables (the same kind and α, β, γ: the stabiliser and {@code :ignore-bias} change only denominators' biases),
     * and bounded by the fold budget left beside the ε tables, so that arbitrary rule strings (a service's requests)
     * cannot grow memory past it.
     */
    static final class Tables {
        private final long budgetBytes;
        private long usedBytes;
        private final Map<FoldedConv1D, Map<String, float[][]>> byNode = new IdentityHashMap<>();

        Tables(long budgetBytes, long epsilonTableBytes) {
            this.budgetBytes = budgetBytes;
            this.usedBytes = epsilonTableBytes;
        }

        /** The pass folded on the node, or null when its tables would exceed the budget. */
        synchronized FoldedRulePass fold(RulePass pass, FoldedConv1D node, float[] embedding, Kernels kernels) {
            Map<String, float[][]> known = byNode.computeIfAbsent(node, n -> new HashMap<>());
            String key = pass.rule.withIgnoreBias(false).spec();
            float[][] tables = known.get(key);
            if (tables == null) {
                long bytes = pass.groups().length * node.tableBytes();
                if (usedBytes + bytes > budgetBytes) {
                    return null;
                }
                tables = foldTables(pass, node, embedding, kernels);
                known.put(key, tables);
                usedBytes += bytes;
            }
            float[][] biases = new float[pass.groups().length][];
            for (int g = 0; g < biases.length; g++) {
                for (Term term : pass.groups()[g].terms()) {
                    biases[g] = sum(biases[g], term.bias());
                }
            }
            return new FoldedRulePass(pass, node, tables, biases);
        }
    }

    private static float[][] foldTables(RulePass pass, FoldedConv1D node, float[] embedding, Kernels kernels) {
        Conv1DLayer c = node.conv;
        int dim = c.inChannels;
        int vocabulary = node.vocabulary;
        Group[] groups = pass.groups();
        float[][] tables = new float[groups.length][];
        float[] slice = new float[dim * c.filters];
        float[] row = new float[dim];
        float[] out = new float[c.filters];
        for (int g = 0; g < groups.length; g++) {
            float[] table = new float[node.tables.length];
            for (Term term : groups[g].terms()) {
                float[] w = term.weights().forward(); // [k][c][f], as the Conv1D kernel
                for (int k = 0; k < c.width; k++) {
                    System.arraycopy(w, k * dim * c.filters, slice, 0, slice.length);
                    for (int v = 0; v < vocabulary; v++) {
                        for (int d = 0; d < dim; d++) {
                            row[d] = pass.modifiedInput(term.input(), embedding[v * dim + d], d);
                        }
                        kernels.denseForward(row, dim, slice, c.filters, null, out);
                        int at = Kernels.foldedRow(v, k, c.width, c.filters);
                        for (int f = 0; f < c.filters; f++) {
                            table[at + f] += out[f];
                        }
                    }
                }
            }
            tables[g] = table;
        }
        return tables;
    }

    private static float[] sum(float[] a, float[] b) {
        if (b == null) {
            return a;
        }
        if (a == null) {
            return b.clone();
        }
        float[] out = a.clone();
        for (int i = 0; i < out.length; i++) {
            out[i] += b[i];
        }
        return out;
    }

    /** Adds the rule's per-token relevance into the workspace's; requires the folded forward pass of the same input. */
    void backward(Workspace ws, Kernels kernels) {
        Conv1DLayer c = node.conv;
        MaxPoolLayer pool = node.pool;
        Workspace.RuleBuffers buffers = ws.ruleBuffers();
        // Fused with a pool: one value per window and filter, at its winning step; z holds the window's maximum,
        // which is z at the winner wherever relevance is non-zero (the gate of γ reads its sign).
        float[] r = ws.relevance[pool != null ? pool.relevanceSlot : c.relevanceSlot];
        int n = pool != null ? pool.outSteps * c.filters : c.outSize;
        int[] winners = pool != null ? ws.winners[pool.winnerSlot] : null;
        Group[] groups = pass.groups();
        for (int g = 0; g < groups.length; g++) {
            Group group = groups[g];
            float[] denominator = buffers.denominators[g];
            if (pool != null) {
                node.winnerSums(ws, kernels, winners, n, tables[g], biases[g], denominator);
            } else {
                kernels.foldedConv1dForward(ws.tokens, c.inSteps, tables[g], node.vocabulary, c.width, c.filters,
                        biases[g], c.stride, c.dilation, c.padLeft, denominator, c.outSteps);
            }
            float[] relevance = r;
            if (group.gate() != 0) {
                kernels.gateBySign(r, c.preActivations(ws), group.gate() > 0, buffers.gated, n);
                relevance = buffers.gated;
            }
            float[] s = buffers.quotients[g];
            kernels.stabilizedDivide(relevance, denominator, null, 1, pass.stabilizer(), s, n);
            if (group.coefficient() != 1f) {
                kernels.scale(s, group.coefficient(), n);
            }
            if (pool != null) {
                kernels.foldedConv1dPooledTokenRelevance(s, winners, pool.outSteps, pool.pool, c.filters, ws.tokens,
                        c.inSteps, tables[g], node.vocabulary, c.width, c.stride, c.dilation, c.padLeft,
                        ws.contributions, ws.tokenRelevance);
            } else {
                kernels.foldedConv1dTokenRelevance(s, c.outSteps, c.filters, ws.tokens, c.inSteps, tables[g],
                        node.vocabulary, c.width, c.stride, c.dilation, c.padLeft, ws.tokenRelevance);
            }
        }
    }
}
