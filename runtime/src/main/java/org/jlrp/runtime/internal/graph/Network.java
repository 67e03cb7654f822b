package org.jlrp.runtime.internal.graph;

import org.jlrp.runtime.explain.Rule;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.jlrp.kernels.Kernels;
import org.jlrp.runtime.explain.Composite;
import org.jlrp.runtime.explain.Method;
import org.jlrp.runtime.JlrpException;
import org.jlrp.runtime.internal.model.Activation;
import org.jlrp.runtime.internal.model.ModelSpec;

/**
 * A text model bound to kernels: the layers in topological order, their {@link BufferPlan}, the
 * {@link ExecutionPlan}s (unfolded, and folded where it applies) and the resolved {@link RulePlan}s. Immutable and
 * thread-safe; all per-request state lives in workspaces.
 *
 * <p>The explained output is the model output with a final softmax or sigmoid stripped (as a Dense/Conv1D
 * activation or as an Activation layer): the pre-activation logits.
 */
public final class Network {

    private final ModelSpec model;
    private final Kernels kernels;
    private final List<Layer> layers;
    private final InputLayer input;
    private final EmbeddingLayer embedding;
    private final Layer explained;
    private final Activation strippedActivation;
    private final BufferPlan buffers;
    /** Resolved composites: modified weights are computed once per (network, composite). */
    private final Map<Composite, RulePlan> rulePlans = new ConcurrentHashMap<>();
    /** Rule plans kept (each holds its rules' modified weights); the folded rule tables are bounded apart. */
    private static final int MAX_RULE_PLANS = 64;
    /** The plan resolved last: a request usually reuses its caller's composite instance. */
    private volatile RulePlan lastRulePlan;
    /** Why the gradient pass cannot run on this graph, or null when it can. */
    private final String gradientRefusal;
    private final ExecutionPlan unfolded;
    /** The folded plan, or null when the graph or the memory budget does not allow one. */
    private final ExecutionPlan folded;
    /** The folded plan with its pools unfused (DeepLIFT's), or null. */
    private final ExecutionPlan foldedUnfused;
    /** The non-ε rules' folded tables, within the fold budget left beside the ε tables; null without a folded plan. */
    private final FoldedRulePass.Tables ruleTables;

    /**
     * The default memory budget for folded Embedding → Conv1D tables: {@code -Djlrp.fold.budget.mb} (default 256);
     * 0 turns folding off.
     */
    public static long defaultFoldBudgetBytes() {
        // Never more than a quarter of the heap: the tables are an optimisation, not worth an OutOfMemoryError.
        return Math.min(Long.getLong("jlrp.fold.budget.mb", 256L) << 20, Runtime.getRuntime().maxMemory() / 4);
    }

    Network(ModelSpec model, Kernels kernels, List<Layer> layers, Layer explained, Activation strippedActivation,
            long foldBudgetBytes) {
        this.model = model;
        this.kernels = kernels;
        this.layers = List.copyOf(layers);
        this.input = (InputLayer) layers.get(0);
        this.embedding = (EmbeddingLayer) layers.stream().filter(l -> l instanceof EmbeddingLayer).findFirst()
                .orElseThrow();
        this.explained = explained;
        this.strippedActivation = strippedActivation;

        this.buffers = BufferPlan.assign(this.layers);
        long workspaceBytes = workspaceFloats() * Float.BYTES;
        long heap = Runtime.getRuntime().maxMemory();
        if (workspaceBytes > heap / 4) {
            throw new JlrpException(model.source() + ": one explanation needs " + (workspaceBytes >> 20)
                    + " MiB of buffers "
                    + "(input length " + input.shape.channels() + "), more than a quarter of the " + (heap >> 20)
                    + " MiB JVM heap");
        }
        this.unfolded = ExecutionPlan.unfolded(this.layers, buffers.relevanceSizes().length);
        // Folded tables are planned after the buffers are known to fit; their budget is bounded by the heap too.
        this.folded = ExecutionPlan.folded(this.layers, embedding, explained, kernels, foldBudgetBytes,
                buffers.relevanceSizes().length);
        this.foldedUnfused = folded == null ? null : folded.withoutFusedPools(this.layers, embedding);
        this.ruleTables = folded == null ? null : new FoldedRulePass.Tables(foldBudgetBytes, foldedTableBytes());
        this.gradientRefusal = gradientRefusal(this.layers);
    }

    /**
     * An activation layer shares its relevance slot with its input and scales the gradient there in place; that is
     * only right when nothing else reads the same input (no branch beside the activation).
     */
    private static String gradientRefusal(List<Layer> layers) {
        for (Layer layer : layers) {
            if (!(layer instanceof ActivationLayer act) || act.activation == Activation.LINEAR) {
                continue;
            }
            // Walk up the layers that share this relevance slot; a second reader of any of them would add its
            // gradient into the slot before the in-place scaling.
            for (Layer up = layer.input(); ; up = up.input()) {
                Layer shared = up;
                long readers = layers.stream().filter(l -> l.inputs.contains(shared)).count();
                if (readers > 1) {
                    return "layer '" + up.name + "' feeds activation layer '" + layer.name + "' and another layer; "
                            + "the gradient methods do not support that graph";
                }
                if (!up.sharesRelevance() || up.inputs.isEmpty()) {
                    break;
                }
            }
        }
        return null;
    }

    /** The plan whose nodes are the layers: every method, every rule, the {@code [T][D]} map. */
    public ExecutionPlan unfoldedPlan() {
        return unfolded;
    }

    /** The folded plan (see {@link ExecutionPlan}), or null when this network has none. */
    public ExecutionPlan foldedPlan() {
        return folded;
    }

    /**
     * The fastest plan that gives these results: the folded one when it exists, the {@code [T][D]} map is not needed
     * and the folded Conv1D layers' rules under {@code rules} fit the memory budget as tables (the ε-rule needs none
     * beyond the plan's own; z⁺, αβ, γ, zB, flat and w² one per term group); else the unfolded one. The first call
     * for a rule plan may fold its tables.
     */
    public ExecutionPlan planFor(RulePlan rules, boolean needsEmbeddingMap) {
        if (folded == null || needsEmbeddingMap) {
            return unfolded;
        }
        return rules.runsFolded(folded, ruleTables, embedding.table, kernels) ? folded : unfolded;
    }

    /**
     * The plan {@code method} runs on: LRP as {@link #planFor(RulePlan, boolean)}; on the folded plan, when there is
     * one, gradient × input without the {@code [T][D]} map ({@link #gradientTimesInput}), the gradient, guided
     * backprop and deconvnet (the folded forward pass, then the {@code [T][D]} gradient: the Conv1D's gradient needs
     * no input values), occlusion and Shapley sampling (forward passes on token ids only); the others on the unfolded
     * one: they feed the network Embedding outputs that are no token's (Integrated Gradients, SmoothGrad, DeepLIFT's
     * reference), or need the {@code [T][D]} input (gradient × input's map).
     *
     * @param rules the rule plan (LRP only; null otherwise)
     */
    public ExecutionPlan planFor(Method method, RulePlan rules, boolean needsEmbeddingMap) {
        return switch (method) {
            case LRP -> planFor(rules, needsEmbeddingMap);
            // The gradient passes run through folded Conv1D nodes only: a folded recurrent layer has none.
            case GRADIENT_INPUT -> folded == null || needsEmbeddingMap || !folded.foldedRecurrent().isEmpty()
                    ? unfolded : folded;
            case GRADIENT, GUIDED_BACKPROP, DECONVNET -> folded == null || !folded.foldedRecurrent().isEmpty()
                    ? unfolded : folded;
            case OCCLUSION, SHAPLEY -> folded == null ? unfolded : folded;
            // Its path points are no token's, but a Conv1D's pre-activation at one is a mix of two table sums.
            case INTEGRATED_GRADIENTS -> folded == null || needsEmbeddingMap || !folded.foldedRecurrent().isEmpty()
                    ? unfolded : folded;
            // The Rescale rule needs the Conv1D's z at every step, for the input and the baseline: pools unfused.
            case DEEPLIFT -> foldedUnfused == null || needsEmbeddingMap ? unfolded : foldedUnfused;
            default -> unfolded;
        };
    }

    /** Whether this network has a folded plan. */
    public boolean foldingPlanned() {
        return folded != null;
    }

    /** The Conv1D, then the recurrent layers the folded plan folds the Embedding into (empty without one). */
    public List<String> foldedLayerNames() {
        if (folded == null) {
            return List.of();
        }
        List<String> names = new ArrayList<>(folded.foldedNodes().stream().map(node -> node.name).toList());
        folded.foldedRecurrent().forEach(node -> names.add(node.name));
        return names;
    }

    /** The MaxPooling1D layers the folded plan computes inside their Conv1D, in graph order. */
    public List<String> fusedPoolNames() {
        return folded == null ? List.of() : folded.foldedNodes().stream().filter(node -> node.pool != null)
                .map(node -> node.pool.name).toList();
    }

    /** Bytes held by the folded tables (0 without a folded plan). */
    public long foldedTableBytes() {
        return folded == null ? 0 : folded.foldedNodes().stream().mapToLong(FoldedConv1D::tableBytes).sum()
                + folded.foldedRecurrent().stream().mapToLong(FoldedRecurrent::tableBytes).sum();
    }

    /** Buffers for one explanation at a time. */
    public Workspace newWorkspace() {
        return buffers.newWorkspace(input.shape.channels());
    }

    /**
     * Workspaces for up to {@code size} explanations run together (see
     * {@link #forward(WorkspaceGroup, int, int[][], int, boolean)}).
     */
    public WorkspaceGroup newWorkspaceGroup(int size) {
        if (size < 1) {
            throw new IllegalArgumentException("a group has at least one member, got " + size);
        }
        Workspace[] members = new Workspace[size];
        for (int g = 0; g < size; g++) {
            members[g] = newWorkspace();
        }
        return new WorkspaceGroup(members);
    }

    /**
     * The most bytes of weights one layer's group passes read once per group instead of once per explanation (the
     * largest Dense kernel); 0 when no layer has group passes, and a group then only runs its members in turn.
     */
    public long groupedWeightBytes() {
        long most = 0;
        for (Layer layer : layers) {
            most = Math.max(most, layer.groupWeightBytes());
        }
        return most;
    }

    /**
     * Whether the network has recurrent layers, whose cells a group runs together
     * ({@link RecurrentLayer#forwardGroup}).
     */
    public boolean groupsRecurrentCells() {
        return layers.stream().anyMatch(l -> l instanceof RecurrentLayer);
    }

    /** Floats one workspace holds, for memory planning. */
    public long workspaceFloats() {
        return buffers.workspaceFloats();
    }

    /**
     * Runs the unfolded forward pass on already validated token ids (length {@link #inputLength()}, each in
     * {@code [0, vocabularySize())}).
     */
    public void forward(Workspace ws, int[] tokens) {
        forward(unfolded, ws, tokens);
    }

    /**
     * Runs a plan's forward pass on already validated token ids. The folded and the unfolded plan agree to float
     * precision; the relevance pass must run under the same plan.
     */
    public void forward(ExecutionPlan plan, Workspace ws, int[] tokens) {
        System.arraycopy(tokens, 0, ws.tokens, 0, ws.tokens.length);
        for (Layer node : plan.nodes()) {
            node.forward(ws, kernels);
        }
    }

    /**
     * {@link #forward(ExecutionPlan, Workspace, int[])} for {@code tokens[from + g]} on member {@code g < count} of a
     * group: a Dense layer runs the whole group in one pass, reading its weights once for it; the runs of nodes
     * between them go member by member. Each member ends up exactly, bit for bit, as the single-workspace pass on its
     * tokens leaves it.
     */
    public void forward(ExecutionPlan plan, WorkspaceGroup group, int count, int[][] tokens, int from) {
        checkCount(group, count);
        for (int g = 0; g < count; g++) {
            System.arraycopy(tokens[from + g], 0, group.members[g].tokens, 0, group.members[g].tokens.length);
        }
        List<Layer> nodes = plan.nodes();
        int next = 0;
        while (next < nodes.size()) {
            Layer node = nodes.get(next);
            if (node.runsGroups()) {
                node.forwardGroup(group, count, kernels);
                next++;
                continue;
            }
            // The nodes up to the next grouped one, member by member: each member's intermediate buffers are
            // consumed while still in cache.
            int end = next;
            while (end < nodes.size() && !nodes.get(end).runsGroups()) {
                end++;
            }
            for (int g = 0; g < count; g++) {
                for (int i = next; i < end; i++) {
                    nodes.get(i).forward(group.members[g], kernels);
                }
            }
            next = end;
        }
    }

    /**
     * Forward passes of inputs one token away from a current one, each computed from the current input's pass
     * rather than from scratch: occlusion's and Shapley sampling's passes on a folded Conv1D → fused max pool → Dense
     * chain ({@link IncrementalForward}).
     */
    public interface TokenEdits {

        /**
         * The logits of the current input with position {@code position} set to token {@code id} (a view into the
         * workspace, valid until the next call); with {@code keep}, that input becomes the current one.
         */
        float[] logits(int position, int id, boolean keep);

        /** Back to the input the edits started from. */
        void reset();

        /**
         * After edits none of which was kept: leaves the start input's forward pass in the workspace again. (After
         * kept ones, run the forward pass again: the Conv1D's own buffers still hold the start input's.)
         */
        void restore();
    }

    /** Whether {@link #tokenEdits} applies to {@code plan}. */
    public boolean hasTokenEdits(ExecutionPlan plan) {
        return IncrementalForward.of(plan, explained) != null;
    }

    /**
     * Token edits from {@code ids}, whose forward pass under {@code plan} must be in {@code ws} (which the edits
     * then use), or null where the plan does not allow them.
     */
    public TokenEdits tokenEdits(ExecutionPlan plan, Workspace ws, int[] ids) {
        IncrementalForward incremental = IncrementalForward.of(plan, explained);
        return incremental == null ? null : incremental.start(kernels, ws, ids);
    }

    private static void checkCount(WorkspaceGroup group, int count) {
        if (count < 1 || count > group.size()) {
            throw new IllegalArgumentException("count " + count + " is not in [1, " + group.size() + "]");
        }
    }

    /** The logits of the last forward pass: a view into the workspace, valid until its next use. */
    public float[] logits(Workspace ws) {
        return ws.values[explained.valueSlot];
    }

    /**
     * The LRP relevance pass for one output unit: relevance {@code initial} at unit {@code target} of the logits, 0
     * elsewhere, propagated back to the Embedding output under {@code rules}. Requires the forward pass of the same
     * input under the same plan.
     */
    public void backward(ExecutionPlan plan, Workspace ws, int target, float initial, RulePlan rules) {
        seed(plan, ws, target, initial);
        List<Layer> nodes = plan.nodes();
        for (int i = nodes.size() - 1; i >= 0; i--) {
            rules.backward(nodes.get(i), ws, kernels);
        }
    }

    /**
     * {@link #backward(ExecutionPlan, Workspace, int, float, RulePlan)} with {@code targets[g]} and
     * {@code initial[g]} on member {@code g < count} of a group, grouped as
     * {@link #forward(ExecutionPlan, WorkspaceGroup, int, int[][], int)}. Each member ends up exactly as the
     * single-workspace pass leaves it. Needs {@link RulePlan#allEpsilon() ε on every layer}: the group products carry
     * no modified weights.
     */
    public void backward(ExecutionPlan plan, WorkspaceGroup group, int count, int[] targets, float[] initial,
                         RulePlan rules) {
        checkCount(group, count);
        if (!rules.allEpsilon()) {
            throw new IllegalArgumentException("group relevance passes run the ε-rule only, not " + rules.composite());
        }
        for (int g = 0; g < count; g++) {
            seed(plan, group.members[g], targets[g], initial[g]);
        }
        List<Layer> nodes = plan.nodes();
        int next = nodes.size() - 1;
        while (next >= 0) {
            Layer node = nodes.get(next);
            if (node.runsGroups()) {
                node.backwardGroup(group, count, kernels, rules.ruleOf(node));
                next--;
                continue;
            }
            int end = next; // as in the forward pass: runs of ungrouped nodes member by member
            while (end >= 0 && !nodes.get(end).runsGroups()) {
                end--;
            }
            for (int g = 0; g < count; g++) {
                for (int i = next; i > end; i--) {
                    rules.backward(nodes.get(i), group.members[g], kernels);
                }
            }
            next = end;
        }
    }

    /** Zero relevance everywhere but {@code initial} at logit {@code target}: where a relevance pass starts. */
    private void seed(ExecutionPlan plan, Workspace ws, int target, float initial) {
        for (int slot = 0; slot < ws.relevance.length; slot++) {
            if (!plan.untouchedRelevance(slot)) {
                Arrays.fill(ws.relevance[slot], 0f);
            }
        }
        Arrays.fill(ws.tokenRelevance, 0f);
        ws.relevance[explained.relevanceSlot][target] = initial;
    }

    /**
     * Resolves a composite against this network (cached: the modified weights are computed once).
     *
     * @throws JlrpException for a key that names no Conv1D/Dense layer, or zB on a layer that does not read the
     *                       Embedding
     */
    public RulePlan rulePlan(Composite composite) {
        RulePlan last = lastRulePlan;
        if (last != null && last.composite() == composite) {
            return last; // the common case, one composite per caller: no hashing on the hot path
        }
        if (rulePlans.size() >= MAX_RULE_PLANS) {
            rulePlans.clear(); // a service taking rule strings per request must not grow memory with each new one
        }
        RulePlan plan = rulePlans.computeIfAbsent(composite, c -> RulePlan.resolve(c, layers, embedding));
        lastRulePlan = plan;
        return plan;
    }
    /**
     * The gradient of logit {@code target} with respect to the Embedding output, left in
     * {@link #embeddingRelevance}. Requires the forward pass of the same input.
     *
     * @throws JlrpException when the graph has an activation layer beside a branch (see the gradient methods)
     */
    public void gradient(Workspace ws, int target) {
        gradient(ws, target, GradientRule.GRADIENT, null);
    }

    /**
     * The gradient pass of logit {@code target} under {@code rule} (guided backprop, deconvnet, DeepLIFT's
     * multipliers), left in {@link #embeddingRelevance}. Requires the forward pass of the input in {@code ws} and,
     * for {@link GradientRule#RESCALE}, that of the reference input in {@code reference} (null otherwise).
     *
     * @throws JlrpException as {@link #gradient(Workspace, int)}, and for a rule other than the gradient on a model
     *                       with a recurrent layer, whose gates are nonlinearities inside the layer
     */
    public void gradient(Workspace ws, int target, GradientRule rule, Workspace reference) {
        gradient(unfolded, ws, target, rule, reference);
    }

    /**
     * The gradient pass under a plan, after that plan's forward pass, into {@link #embeddingRelevance}; the folded
     * plan runs every rule but {@link GradientRule#RESCALE}.
     */
    public void gradient(ExecutionPlan plan, Workspace ws, int target, GradientRule rule, Workspace reference) {
        gradient(plan, ws, target, rule, reference, false);
    }

    /**
     * Gradient × input per token on the folded plan, after its forward pass: the folded nodes leave
     * {@code Σ_d e_{t,d} · ∂logit/∂e_{t,d}} for {@link #tokenRelevance} (see {@link FoldedConv1D#gradientTimesInput}),
     * and no {@code [T][D]} gradient.
     */
    public void gradientTimesInput(ExecutionPlan plan, Workspace ws, int target) {
        if (!plan.isFolded()) {
            throw new IllegalArgumentException("per-token gradient × input needs the folded plan");
        }
        gradient(plan, ws, target, GradientRule.GRADIENT, null, true);
    }

    private void gradient(ExecutionPlan plan, Workspace ws, int target, GradientRule rule, Workspace reference,
                          boolean timesInput) {
        if (plan.isFolded() && rule == GradientRule.RESCALE) {
            throw new IllegalArgumentException("the Rescale rule needs the unfolded plan");
        }
        if (gradientRefusal != null) {
            throw new JlrpException(gradientRefusal);
        }
        if (rule != GradientRule.GRADIENT) {
            refuseRecurrent(rule);
        }
        if (rule == GradientRule.RESCALE && reference == null) {
            throw new IllegalArgumentException("the Rescale rule needs the reference's forward pass");
        }
        seed(plan, ws, target, 1f);
        if (plan.isFolded() && !timesInput) {
            Arrays.fill(ws.relevance[embedding.relevanceSlot], 0f); // the folded nodes add their gradient here
        }
        List<Layer> nodes = plan.nodes();
        for (int i = nodes.size() - 1; i >= 0; i--) {
            Layer node = nodes.get(i);
            if (timesInput && node instanceof FoldedConv1D folded) {
                folded.gradientTimesInput(ws, kernels);
            } else {
                node.gradient(ws, reference, kernels, rule);
            }
        }
    }

    /**
     * Integrated Gradients per token on the folded plan, into {@link #tokenRelevance}: the right Riemann sum of
     * {@code steps} points on the straight path from the baseline to the input, as the unfolded method computes it,
     * but with every first Conv1D's pre-activation at a point taken from two table sums (see
     * {@link FoldedConv1D#rowSums}) and its mean gradient multiplied back through the tables once
     * ({@link FoldedConv1D#addIntegratedTokenRelevance}): no {@code [T][D]} input, gradient or product at any point.
     * Leaves the workspace on the baseline's forward pass.
     *
     * @param baselineIds the padding id at every position (the padding baseline), or null (the zero baseline)
     * @return the baseline's logit {@code target}
     */
    public float integratedGradients(ExecutionPlan plan, Workspace ws, int[] ids, int[] baselineIds, int target,
                                     int steps) {
        if (!plan.isFolded() || !plan.foldedRecurrent().isEmpty()) {
            throw new IllegalArgumentException("folded Integrated Gradients needs the folded plan of Conv1D nodes");
        }
        if (gradientRefusal != null) {
            throw new JlrpException(gradientRefusal);
        }
        List<Layer> nodes = plan.nodes();
        List<FoldedConv1D> folded = plan.foldedNodes();
        int count = folded.size();
        float[][] zx = new float[count][]; // the input's row sums, then minus the baseline's
        float[][] zb = new float[count][];
        double[][] sum = new double[count][];
        for (int i = 0; i < count; i++) {
            FoldedConv1D f = folded.get(i);
            int n = f.conv.outSize;
            zx[i] = new float[n];
            f.rowSums(kernels, ids, zx[i]);
            zb[i] = new float[n];
            if (baselineIds != null) {
                f.rowSums(kernels, baselineIds, zb[i]);
            }
            kernels.subtract(zx[i], zb[i], zx[i], n); // the path's direction, once for all its points
            sum[i] = new double[n];
        }
        float[] point = new float[largestFoldedOutput(plan)];
        for (int k = 1; k <= steps; k++) {
            forwardAt(nodes, folded, ws, zx, zb, (float) ((double) k / steps), point);
            seed(plan, ws, target, 1f);
            for (int j = nodes.size() - 1; j >= 0; j--) {
                Layer node = nodes.get(j);
                if (node instanceof FoldedConv1D f) {
                    f.addPathGradient(ws, kernels, sum[folded.indexOf(f)]);
                } else {
                    node.gradient(ws, null, kernels, GradientRule.GRADIENT);
                }
            }
        }
        Arrays.fill(ws.tokenRelevance, 0f);
        float[] scratch = new float[inputLength()];
        for (int i = 0; i < count; i++) {
            float[] mean = point;
            for (int j = 0; j < sum[i].length; j++) {
                mean[j] = (float) (sum[i][j] / steps);
            }
            folded.get(i).addIntegratedTokenRelevance(ws, kernels, mean, ids, baselineIds, scratch);
        }
        forwardAt(nodes, folded, ws, zx, zb, 0f, point);
        return logits(ws)[target];
    }

    /**
     * DeepLIFT (Rescale) per token on the folded plan with unfused pools ({@link #planFor} gives it), after that
     * plan's forward pass of {@code ids} in {@code ws}: the baseline's forward pass into {@code reference}, the
     * Rescale pass from logit {@code target} down to each folded Conv1D's pre-activation, and there, per token,
     * {@code Σ_d (e − e')·m = Σ_{k,f} (T[x_t] − T[b_t])[k][f] · m_z[t−k][f]}
     * ({@link FoldedConv1D#addDeepLiftTokenRelevance}): no {@code [T][D]} input, multiplier or product.
     *
     * @param baselineIds the padding id at every position (the padding baseline), or null (the zero baseline)
     * @return the baseline's logit {@code target}
     */
    public float deepLift(ExecutionPlan plan, Workspace ws, Workspace reference, int[] ids, int[] baselineIds,
                          int target) {
        if (plan != foldedUnfused) {
            throw new IllegalArgumentException("folded DeepLIFT runs on the folded plan with unfused pools");
        }
        if (gradientRefusal != null) {
            throw new JlrpException(gradientRefusal);
        }
        refuseRecurrent(GradientRule.RESCALE);
        List<Layer> nodes = plan.nodes();
        if (baselineIds != null) {
            forward(plan, reference, baselineIds);
        } else { // the zero Embedding output: each folded Conv1D's pre-activation is its bias at every step
            System.arraycopy(ids, 0, reference.tokens, 0, reference.tokens.length);
            List<FoldedConv1D> folded = plan.foldedNodes();
            float[] zeros = new float[largestFoldedOutput(plan)];
            float[][] none = new float[folded.size()][];
            Arrays.fill(none, zeros);
            forwardAt(nodes, folded, reference, none, none, 0f, new float[zeros.length]);
        }
        seed(plan, ws, target, 1f);
        float[] scratch = new float[inputLength()];
        for (int i = nodes.size() - 1; i >= 0; i--) {
            Layer node = nodes.get(i);
            if (node instanceof FoldedConv1D f) {
                f.addDeepLiftTokenRelevance(ws, reference, kernels, ids, baselineIds, scratch);
            } else {
                node.gradient(ws, reference, kernels, GradientRule.RESCALE);
            }
        }
        return logits(reference)[target];
    }

    /** The gradient rules other than the plain gradient have no recurrent cells: one line naming the layer. */
    private void refuseRecurrent(GradientRule rule) {
        for (Layer layer : layers) {
            if (layer instanceof RecurrentLayer) {
                throw new JlrpException("layer '" + layer.name + "' (" + layer.className + "): --method "
                        + rule.method() + " does not support recurrent layers");
            }
        }
    }

    private static int largestFoldedOutput(ExecutionPlan plan) {
        int largest = 0;
        for (FoldedConv1D f : plan.foldedNodes()) {
            largest = Math.max(largest, f.conv.outSize);
        }
        return largest;
    }

    /** The folded plan's forward pass at path point {@code alpha} (see {@link FoldedConv1D#forwardAt}). */
    private void forwardAt(List<Layer> nodes, List<FoldedConv1D> folded, Workspace ws, float[][] delta,
                           float[][] zb, float alpha, float[] point) {
        for (Layer node : nodes) {
            if (node instanceof FoldedConv1D f) {
                int i = folded.indexOf(f);
                f.forwardAt(ws, kernels, delta[i], zb[i], alpha, point);
            } else {
                node.forward(ws, kernels);
            }
        }
    }

    /**
     * The forward pass from a given Embedding output {@code [steps][dim]} instead of token ids (the paths of
     * Integrated Gradients). {@link #logits} then holds its outputs.
     */
    public void forwardEmbedded(Workspace ws, float[] embedded) {
        System.arraycopy(embedded, 0, ws.values[embedding.valueSlot], 0, inputLength() * embedding.dim);
        for (Layer layer : layers) {
            if (!(layer instanceof InputLayer) && !(layer instanceof EmbeddingLayer)) {
                layer.forward(ws, kernels);
            }
        }
    }

    /**
     * Per-token relevance of the last relevance pass into {@code out[0, inputLength)}: the {@code [T][D]} map summed
     * over the embedding axis (in double), or, after a folded pass, the relevance the folded nodes wrote directly.
     */
    public void tokenRelevance(ExecutionPlan plan, Workspace ws, double[] out) {
        int steps = inputLength();
        if (plan.isFolded()) {
            for (int t = 0; t < steps; t++) {
                out[t] = ws.tokenRelevance[t];
            }
            return;
        }
        float[] map = ws.relevance[embedding.relevanceSlot];
        int dim = embedding.dim;
        for (int t = 0; t < steps; t++) {
            double r = 0;
            for (int d = 0; d < dim; d++) {
                r += map[t * dim + d];
            }
            out[t] = r;
        }
    }

    /**
     * Relevance at the Embedding output, {@code [steps][dim]}: a view into the workspace (unfolded relevance passes,
     * and gradient passes on either plan).
     */
    public float[] embeddingRelevance(Workspace ws) {
        return ws.relevance[embedding.relevanceSlot];
    }

    /** The Embedding output of the last forward pass, {@code [steps][dim]}: a view into the workspace. */
    public float[] embeddingOutput(Workspace ws) {
        return ws.values[embedding.valueSlot];
    }

    public ModelSpec model() {
        return model;
    }

    public Kernels kernels() {
        return kernels;
    }

    public List<Layer> layers() {
        return layers;
    }

    public int inputLength() {
        return input.shape.channels();
    }

    public int vocabularySize() {
        return embedding.vocabulary;
    }

    public int embeddingDim() {
        return embedding.dim;
    }

    /** Number of logits (for a sequence output, steps × channels in that order). */
    public int outputSize() {
        return explained.shape.size();
    }

    /** The layer whose (pre-activation) output is explained. */
    public Layer explainedLayer() {
        return explained;
    }

    /** The final softmax/sigmoid the explanation strips, or {@link Activation#LINEAR} when there was none. */
    public Activation strippedActivation() {
        return strippedActivation;
    }

    /**
     * Multiply-adds of one unfolded forward pass's matrix products (convolutions, dense and recurrent kernels), the
     * work behind a GFLOP/s figure. The relevance pass adds transposed products whose size depends on how much
     * relevance is zero (after max-pooling, most of it), so this is a lower bound of an explanation's arithmetic.
     */
    public long multiplyAdds() {
        long total = 0;
        for (Layer layer : layers) {
            total += layer.multiplyAdds();
        }
        return total;
    }

    public long parameterCount() {
        long total = 0;
        for (Layer layer : layers) {
            total += layer.parameterCount();
        }
        return total;
    }

    /** The embedding table, {@code [vocabulary][dim]} (read-only by contract). */
    public float[] embeddingTable() {
        return embedding.table;
    }
}
