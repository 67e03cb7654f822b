package org.jlrp.runtime.internal.graph;

import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import org.jlrp.kernels.Kernels;
import org.jlrp.runtime.internal.model.Activation;

/**
 * Occlusion's forward passes, one per occluded position, without running the whole network each time, on a folded
 * plan that starts Embedding → Conv1D → MaxPooling1D (fused, {@link FoldedConv1D}) → Flatten → Dense. Replacing the
 * token at position {@code q} changes the Conv1D only at the steps whose window reads {@code q} (at most its width),
 * the pool only in the windows holding those steps, and so the Dense's pre-activation only through its inputs in
 * those windows: {@code z' = z + Σ_i Δx_i · W[i]}. On the reference model that is about 10 k multiply-adds per
 * position against the 145 k of the Dense's full product, and three table sums instead of 148. The layers after the
 * Dense run as usual.
 *
 * <p>The changed steps are summed exactly as the folded forward kernel sums them, and a window's new maximum is taken
 * over the same values, so the pooled outputs are those of a full pass bit for bit; only the Dense's pre-activation
 * differs from a full pass, by the rounding of an update against a fresh sum.
 */
final class IncrementalOcclusion {

    private final FoldedConv1D folded;
    private final DenseLayer dense;
    /** The plan's nodes after the Dense, in forward order. */
    private final List<Layer> after;

    private IncrementalOcclusion(FoldedConv1D folded, DenseLayer dense, List<Layer> after) {
        this.folded = folded;
        this.dense = dense;
        this.after = after;
    }

    /**
     * The incremental passes for {@code plan}, or null where they do not apply: the plan must be folded with a single
     * Conv1D node, with a fused pool, read (through Flatten, Dropout and the like) by a Dense; every node before that
     * Dense must be the input, the folded node or such a routing layer, every node after it must read only the Dense
     * and nodes after it, and the explained layer must be one of them.
     */
    static IncrementalOcclusion of(ExecutionPlan plan, Layer explained) {
        if (plan.foldedNodes().size() != 1 || !plan.foldedRecurrent().isEmpty()) {
            return null;
        }
        FoldedConv1D folded = plan.foldedNodes().get(0);
        if (folded.pool == null) {
            return null;
        }
        List<Layer> nodes = plan.nodes();
        int d = 0;
        while (d < nodes.size() && !(nodes.get(d) instanceof DenseLayer)) {
            Layer node = nodes.get(d);
            if (!(node instanceof InputLayer || node == folded || node instanceof RoutingLayer)) {
                return null; // another branch or layer before the Dense
            }
            d++;
        }
        if (d == nodes.size()) {
            return null;
        }
        DenseLayer dense = (DenseLayer) nodes.get(d);
        Layer source = dense.input();
        while (source instanceof RoutingLayer) {
            source = source.input();
        }
        if (source != folded.pool || dense.inSize != folded.pool.outSteps * folded.conv.filters) {
            return null;
        }
        Map<Layer, Boolean> downstream = new IdentityHashMap<>();
        downstream.put(dense, true);
        List<Layer> after = new ArrayList<>(nodes.subList(d + 1, nodes.size()));
        for (Layer node : after) {
            for (Layer input : node.inputs) {
                if (!downstream.containsKey(input)) {
                    return null; // reads something the update leaves stale
                }
            }
            downstream.put(node, true);
        }
        if (!downstream.containsKey(explained)) {
            return null;
        }
        return new IncrementalOcclusion(folded, dense, List.copyOf(after));
    }

    /**
     * For each {@code positions[p]}, {@code p < count}: logit {@code target} of {@code tokens} with that position's
     * token replaced by {@code pad}, into {@code out[p]}. Requires the forward pass of {@code tokens} under the plan in
     * {@code ws}, and leaves it there.
     */
    void logits(Kernels kernels, Workspace ws, Layer explained, int[] tokens, int[] positions, int count, int pad,
                int target, float[] out) {
        Conv1DLayer c = folded.conv;
        MaxPoolLayer pool = folded.pool;
        int filters = c.filters;
        int units = dense.units;
        // z of every step, summed as the fused kernel sums it (bias, then k = 0, 1, …), so that an unchanged window
        // keeps its pooled output bit for bit.
        float[] zSteps = new float[c.outSteps * filters];
        kernels.foldedConv1dForward(tokens, c.inSteps, folded.tables, folded.vocabulary, c.width, filters, c.bias,
                c.stride, c.dilation, c.padLeft, zSteps, c.outSteps);
        float[] pooled = ws.values[pool.valueSlot];
        float[] zDense = dense.preActivations(ws);
        float[] zBase = zDense.clone();
        float[] max = new float[filters];
        int[] changedSteps = new int[c.width];
        float[] changedZ = new float[c.width * filters];
        int[] windows = new int[c.width];
        // The pooled outputs that change, as a list of (Dense input, change).
        int[] rows = new int[c.width * filters];
        float[] changes = new float[c.width * filters];
        int[] occluded = tokens.clone();
        for (int p = 0; p < count; p++) {
            int q = positions[p];
            occluded[q] = pad;
            int changed = changedSteps(c, q, changedSteps);
            for (int s = 0; s < changed; s++) {
                stepSum(kernels, occluded, changedSteps[s], changedZ, s * filters);
            }
            int touched = 0;
            for (int s = 0; s < changed; s++) {
                int w = changedSteps[s] / pool.pool; // windows [w·pool, w·pool + pool), disjoint (canFuse)
                if (w < pool.outSteps && (touched == 0 || windows[touched - 1] != w)) {
                    windows[touched++] = w; // the steps come in descending order, so equal windows are adjacent
                }
            }
            int listed = 0;
            for (int i = 0; i < touched; i++) {
                listed = windowChanges(kernels, windows[i], zSteps, pooled, changedSteps, changed, changedZ, max,
                        rows, changes, listed);
            }
            System.arraycopy(zBase, 0, zDense, 0, units);
            kernels.denseAccumulate(changes, rows, listed, dense.kernel, units, zDense);
            dense.activate(ws, kernels, zDense);
            for (Layer node : after) {
                node.forward(ws, kernels);
            }
            out[p] = ws.values[explained.valueSlot][target];
            occluded[q] = tokens[q];
        }
        // ws holds this input's forward pass again.
        System.arraycopy(zBase, 0, zDense, 0, units);
        dense.activate(ws, kernels, zDense);
        for (Layer node : after) {
            node.forward(ws, kernels);
        }
    }

    /** The Conv1D steps whose window reads input row {@code q}, in descending order, into {@code out}; their count. */
    private static int changedSteps(Conv1DLayer c, int q, int[] out) {
        int n = 0;
        for (int k = 0; k < c.width; k++) {
            int offset = q + c.padLeft - k * c.dilation;
            if (offset >= 0 && offset % c.stride == 0 && offset / c.stride < c.outSteps) {
                out[n++] = offset / c.stride;
            }
        }
        return n;
    }

    /**
     * Step {@code t}'s pre-activation for token ids {@code ids} into {@code out[o, o + filters)}, with the additions of
     * {@link Kernels#foldedConv1dForward} in its order: the bias, then offsets k = 0, 1, …; rows outside the input add
     * nothing.
     */
    private void stepSum(Kernels kernels, int[] ids, int t, float[] out, int o) {
        Conv1DLayer c = folded.conv;
        int filters = c.filters;
        if (c.bias == null) {
            java.util.Arrays.fill(out, o, o + filters, 0f);
        } else {
            System.arraycopy(c.bias, 0, out, o, filters);
        }
        for (int k = 0; k < c.width; k++) {
            int row = t * c.stride + k * c.dilation - c.padLeft;
            if (row >= 0 && row < c.inSteps) {
                kernels.add(folded.tables, Kernels.foldedRow(ids[row], k, c.width, filters), out, o, filters);
            }
        }
    }

    /**
     * Window {@code w}'s changed pooled outputs, appended to the list {@code rows}/{@code changes} from index
     * {@code listed}: its new maximum over the window's steps (the changed ones from {@code changedZ}) against the
     * pooled output of the input. {@code max} is scratch of {@code filters}. Returns the list's new length.
     */
    private int windowChanges(Kernels kernels, int w, float[] zSteps, float[] pooled, int[] changedSteps,
                              int changed, float[] changedZ, float[] max, int[] rows, float[] changes, int listed) {
        Conv1DLayer c = folded.conv;
        int filters = c.filters;
        int first = w * folded.pool.pool;
        java.util.Arrays.fill(max, 0, filters, Float.NEGATIVE_INFINITY);
        for (int t = first; t < first + folded.pool.pool; t++) {
            float[] z = zSteps;
            int o = t * filters;
            for (int s = 0; s < changed; s++) {
                if (changedSteps[s] == t) {
                    z = changedZ;
                    o = s * filters;
                }
            }
            kernels.maximum(z, o, max, filters);
        }
        boolean relu = c.activation == Activation.RELU;
        for (int f = 0, o = w * filters; f < filters; f++, o++) {
            float change = (relu ? Math.max(max[f], 0f) : max[f]) - pooled[o];
            // Listed branch-free (a branch here mispredicted): an unchanged output is overwritten by the next.
            rows[listed] = o;
            changes[listed] = change;
            listed += change != 0f ? 1 : 0;
        }
        return listed;
    }
}
