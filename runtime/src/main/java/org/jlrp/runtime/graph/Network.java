package org.jlrp.runtime.graph;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.jlrp.kernels.Kernels;
import org.jlrp.runtime.JlrpException;
import org.jlrp.runtime.internal.model.Activation;
import org.jlrp.runtime.internal.model.ModelSpec;

/**
 * A Keras text model bound to kernels, with its buffer plan: the layers in topological order, which slot each
 * layer's values and relevance live in, and the sizes a {@link Workspace} needs. Immutable and thread-safe; all
 * per-request state lives in workspaces.
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
    private final int[] valueSizes;
    private final int[] relevanceSizes;
    private final int[] preSizes;
    private final int[] winnerSizes;
    private final int maxQuotients;
    private final int maxContributions;
    /** Resolved composites: modified weights are computed once per (network, composite). */
    private final Map<Composite, RulePlan> rulePlans = new ConcurrentHashMap<>();
    /** Why the gradient pass cannot run on this graph, or null when it can. */
    private final String gradientRefusal;
    /** The Conv1D layers with folded tables; empty when the plan runs unfolded. */
    private final List<Conv1DLayer> foldedReaders;
    private final long foldedTableBytes;
    /** Per relevance slot, whether a folded pass leaves it untouched (so that it need not be zeroed). */
    private final boolean[] foldedSkipsRelevance;

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

        List<Integer> values = new ArrayList<>();
        List<Integer> relevance = new ArrayList<>();
        List<Integer> pre = new ArrayList<>();
        List<Integer> winners = new ArrayList<>();
        int quotients = 0;
        int contributions = 0;
        for (Layer layer : layers) {
            if (layer instanceof InputLayer) {
                continue;
            }
            layer.valueSlot = layer.sharesValues() ? layer.input().valueSlot : add(values, layer.shape.size());
            layer.relevanceSlot = layer.sharesRelevance() ? layer.input().relevanceSlot
                    : add(relevance, layer.shape.size());
            if (layer.preActivationSize() > 0) {
                layer.preSlot = add(pre, layer.preActivationSize());
            }
            if (layer.winnerSize() > 0) {
                layer.winnerSlot = add(winners, layer.winnerSize());
            }
            quotients = Math.max(quotients, layer.quotientSize());
            contributions = Math.max(contributions, layer.contributionSize());
        }
        this.valueSizes = toArray(values);
        this.relevanceSizes = toArray(relevance);
        this.preSizes = toArray(pre);
        this.winnerSizes = toArray(winners);
        this.maxQuotients = quotients;
        this.maxContributions = contributions;
        long workspaceBytes = workspaceFloats() * Float.BYTES;
        long heap = Runtime.getRuntime().maxMemory();
        if (workspaceBytes > heap / 4) {
            throw new JlrpException(model.source() + ": one explanation needs " + (workspaceBytes >> 20)
                    + " MiB of buffers "
                    + "(input length " + input.shape.channels() + "), more than a quarter of the " + (heap >> 20)
                    + " MiB JVM heap");
        }
        // Folded tables are planned after the buffers are known to fit; their budget is bounded by the heap too.
        this.foldedReaders = planFolding(foldBudgetBytes);
        long bytes = 0;
        for (Conv1DLayer reader : foldedReaders) {
            bytes += 4L * reader.foldedTables.length;
        }
        this.foldedTableBytes = bytes;
        // A folded pass neither reads nor writes the [T][D] map, nor the relevance of a Conv1D fused with its pool.
        this.foldedSkipsRelevance = new boolean[relevanceSizes.length];
        if (!foldedReaders.isEmpty()) {
            foldedSkipsRelevance[embedding.relevanceSlot] = true;
            for (Conv1DLayer reader : foldedReaders) {
                if (reader.fusedPool != null) {
                    foldedSkipsRelevance[reader.relevanceSlot] = true;
                }
            }
        }
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

    /**
     * Folds the Embedding into the Conv1D layers that read it when every reader of the Embedding output (through
     * identity layers such as Dropout) is a Conv1D and all their tables fit the budget. Folding is all or nothing, so
     * that a folded pass never needs the {@code [T][D]} values or relevance.
     */
    private List<Conv1DLayer> planFolding(long budgetBytes) {
        if (budgetBytes <= 0) {
            return List.of();
        }
        List<Layer> aliases = new ArrayList<>(List.of(embedding)); // layers whose values are the Embedding output
        List<Conv1DLayer> readers = new ArrayList<>();
        long floats = 0;
        for (Layer layer : layers) {
            boolean readsEmbedding = layer.inputs.stream().anyMatch(aliases::contains);
            if (!readsEmbedding) {
                continue;
            }
            if (layer instanceof RoutingLayer && layer.shape.equals(embedding.shape)) {
                aliases.add(layer);
            } else if (layer instanceof Conv1DLayer conv && conv.inputs.size() == 1) {
                readers.add(conv);
                long size = (long) conv.width * embedding.vocabulary * conv.filters;
                if (size > Integer.MAX_VALUE - 16) {
                    return List.of();
                }
                floats += size;
            } else {
                return List.of(); // another reader needs the [T][D] values
            }
        }
        if (readers.isEmpty() || aliases.contains(explained) || 4 * floats > budgetBytes) {
            return List.of();
        }
        for (Conv1DLayer reader : readers) {
            reader.foldedTables = reader.foldTables(kernels, embedding.table, embedding.vocabulary);
            reader.foldedVocabulary = embedding.vocabulary;
            fusePool(reader);
        }
        return List.copyOf(readers);
    }

    /**
     * Lets a folded Conv1D compute the MaxPooling1D that alone reads its output (through identity layers such as
     * Dropout) in the same pass, when {@link Conv1DLayer#canFuse} allows: the folded pass then skips the
     * {@code [steps][filters]} activations and relevance, which only that pool would read.
     */
    private void fusePool(Conv1DLayer conv) {
        List<Layer> aliases = new ArrayList<>(List.of(conv)); // layers whose values are the Conv1D output
        MaxPoolLayer pool = null;
        for (Layer layer : layers) {
            if (layer.inputs.stream().noneMatch(aliases::contains)) {
                continue;
            }
            if (layer instanceof RoutingLayer && layer.shape.equals(conv.shape)) {
                aliases.add(layer);
            } else if (pool == null && layer instanceof MaxPoolLayer candidate) {
                pool = candidate;
            } else {
                return; // a second reader needs the activations
            }
        }
        if (pool != null && !aliases.contains(explained) && pool != explained && conv.canFuse(pool)) {
            conv.fusedPool = pool;
            pool.fusedIntoConv = true;
        }
    }

    /** Whether the plan folded the Embedding into the Conv1D layers reading it (see {@link #forward(Workspace, int[], boolean)}). */
    public boolean foldingPlanned() {
        return !foldedReaders.isEmpty();
    }

    /** How many MaxPooling1D layers the folded pass computes inside their Conv1D (see {@link Conv1DLayer#fusedPool}). */
    public int fusedPoolCount() {
        return fusedPoolNames().size();
    }

    /** The Conv1D layers the plan folded the Embedding into, in graph order (empty when unfolded). */
    public List<String> foldedLayerNames() {
        return foldedReaders.stream().map(reader -> reader.name).toList();
    }

    /** The MaxPooling1D layers the folded pass computes inside their Conv1D, in graph order. */
    public List<String> fusedPoolNames() {
        return foldedReaders.stream().filter(reader -> reader.fusedPool != null)
                .map(reader -> reader.fusedPool.name).toList();
    }

    /** Bytes held by the folded tables (0 when unfolded). */
    public long foldedTableBytes() {
        return foldedTableBytes;
    }

    private static int add(List<Integer> sizes, int size) {
        sizes.add(size);
        return sizes.size() - 1;
    }

    private static int[] toArray(List<Integer> list) {
        return list.stream().mapToInt(Integer::intValue).toArray();
    }

    /** Buffers for one explanation at a time. */
    public Workspace newWorkspace() {
        return new Workspace(input.shape.channels(), valueSizes, relevanceSizes, preSizes, winnerSizes, maxQuotients,
                maxContributions);
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

    /** Floats one workspace holds, for memory planning. */
    public long workspaceFloats() {
        long total = 2L * maxQuotients + maxContributions; // quotients, the nonZero indices beside them, contributions
        for (int[] sizes : new int[][]{valueSizes, relevanceSizes, preSizes, winnerSizes}) {
            for (int s : sizes) {
                total += s;
            }
        }
        return total;
    }

    /**
     * Runs the forward pass on already validated token ids (length {@link #inputLength()}, each in
     * {@code [0, vocabularySize())}).
     */
    public void forward(Workspace ws, int[] tokens) {
        forward(ws, tokens, false);
    }

    /**
     * Runs the forward pass, folded when {@code fold} is true and the plan {@linkplain #foldingPlanned() folded}
     * the Embedding. A folded pass computes the first Conv1D from the tables and its relevance pass yields only
     * {@link #tokenRelevance per-token relevance}; an unfolded one also keeps the {@code [T][D]} map. Both agree to
     * float precision.
     */
    public void forward(Workspace ws, int[] tokens, boolean fold) {
        load(ws, tokens, fold);
        for (Layer layer : layers) {
            layer.forward(ws, kernels);
        }
    }

    /**
     * {@link #forward(Workspace, int[], boolean)} for {@code tokens[from + g]} on member {@code g < count} of a
     * group: a Dense layer runs the whole group in one pass, reading its weights once for it; the runs of layers
     * between them go member by member. Each member ends up exactly, bit for bit, as the single-workspace pass on its
     * tokens leaves it.
     */
    public void forward(WorkspaceGroup group, int count, int[][] tokens, int from, boolean fold) {
        checkCount(group, count);
        for (int g = 0; g < count; g++) {
            load(group.members[g], tokens[from + g], fold);
        }
        int next = 0;
        while (next < layers.size()) {
            Layer layer = layers.get(next);
            if (layer.runsGroups()) {
                layer.forwardGroup(group, count, kernels);
                next++;
                continue;
            }
            // The layers up to the next grouped one, member by member: each member's intermediate buffers are
            // consumed while still in cache.
            int end = next;
            while (end < layers.size() && !layers.get(end).runsGroups()) {
                end++;
            }
            for (int g = 0; g < count; g++) {
                for (int i = next; i < end; i++) {
                    layers.get(i).forward(group.members[g], kernels);
                }
            }
            next = end;
        }
    }

    private void load(Workspace ws, int[] tokens, boolean fold) {
        ws.folded = fold && foldingPlanned();
        System.arraycopy(tokens, 0, ws.tokens, 0, ws.tokens.length);
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
     * The relevance pass for one output unit: relevance {@code initial} at unit {@code target} of the logits, 0
     * elsewhere, propagated back to the Embedding output. Requires the forward pass of the same input.
     */
    public void backward(Workspace ws, int target, float initial, LrpRule rule) {
        seed(ws, target, initial);
        for (int i = layers.size() - 1; i >= 0; i--) {
            layers.get(i).backward(ws, kernels, rule);
        }
    }

    /**
     * {@link #backward(Workspace, int, float, LrpRule)} with {@code targets[g]} and {@code initial[g]} on member
     * {@code g < count} of a group, grouped as {@link #forward(WorkspaceGroup, int, int[][], int, boolean)}. Requires
     * the forward pass of the same inputs. Each member ends up exactly as the single-workspace pass leaves it.
     */
    public void backward(WorkspaceGroup group, int count, int[] targets, float[] initial, LrpRule rule) {
        checkCount(group, count);
        for (int g = 0; g < count; g++) {
            seed(group.members[g], targets[g], initial[g]);
        }
        int next = layers.size() - 1;
        while (next >= 0) {
            Layer layer = layers.get(next);
            if (layer.runsGroups()) {
                layer.backwardGroup(group, count, kernels, rule);
                next--;
                continue;
            }
            int end = next; // as in the forward pass: runs of ungrouped layers member by member
            while (end >= 0 && !layers.get(end).runsGroups()) {
                end--;
            }
            for (int g = 0; g < count; g++) {
                for (int i = next; i > end; i--) {
                    layers.get(i).backward(group.members[g], kernels, rule);
                }
            }
            next = end;
        }
    }

    /** Zero relevance everywhere but {@code initial} at logit {@code target}: where the ε relevance pass starts. */
    private void seed(Workspace ws, int target, float initial) {
        for (int slot = 0; slot < ws.relevance.length; slot++) {
            if (!(ws.folded && foldedSkipsRelevance[slot])) {
                Arrays.fill(ws.relevance[slot], 0f);
            }
        }
        Arrays.fill(ws.tokenRelevance, 0f);
        ws.relevance[explained.relevanceSlot][target] = initial;
    }

    /**
     * The relevance pass under a composite: each Conv1D/Dense layer uses the rule the plan assigns it.
     *
     * @param plan from {@link #rulePlan} of this network
     */
    public void backward(Workspace ws, int target, float initial, RulePlan plan) {
        for (float[] r : ws.relevance) {
            Arrays.fill(r, 0f);
        }
        ws.relevance[explained.relevanceSlot][target] = initial;
        for (int i = layers.size() - 1; i >= 0; i--) {
            plan.backward(i, layers.get(i), ws, kernels);
        }
    }

    /**
     * Resolves a composite against this network (cached: the modified weights are computed once).
     *
     * @throws JlrpException for a key that names no Conv1D/Dense layer, or zB on a layer that does not read the
     *                       Embedding
     */
    public RulePlan rulePlan(Composite composite) {
        RulePlan plan = rulePlans.get(composite);
        if (plan == null) {
            plan = RulePlan.resolve(composite, layers, embedding);
            rulePlans.putIfAbsent(composite, plan);
        }
        return plan;
    }

    /**
     * The gradient of logit {@code target} with respect to the Embedding output, left in
     * {@link #embeddingRelevance}. Requires the forward pass of the same input.
     *
     * @throws JlrpException when the graph has an activation layer beside a branch (see the gradient methods)
     */
    public void gradient(Workspace ws, int target) {
        if (gradientRefusal != null) {
            throw new JlrpException(gradientRefusal);
        }
        for (float[] r : ws.relevance) {
            Arrays.fill(r, 0f);
        }
        ws.relevance[explained.relevanceSlot][target] = 1f;
        for (int i = layers.size() - 1; i >= 0; i--) {
            layers.get(i).gradient(ws, kernels);
        }
    }

    /**
     * The forward pass from a given Embedding output {@code [steps][dim]} instead of token ids (the paths of
     * Integrated Gradients). {@link #logits} then holds its outputs.
     */
    public void forwardEmbedded(Workspace ws, float[] embedded) {
        ws.folded = false; // the first Conv1D must read these vectors, not the folded tables
        System.arraycopy(embedded, 0, ws.values[embedding.valueSlot], 0, inputLength() * embedding.dim);
        for (Layer layer : layers) {
            if (!(layer instanceof InputLayer) && !(layer instanceof EmbeddingLayer)) {
                layer.forward(ws, kernels);
            }
        }
    }

    /**
     * Per-token relevance of the last relevance pass into {@code out[0, inputLength)}: the {@code [T][D]} map summed
     * over the embedding axis (in double), or, after a folded pass, the relevance the folded layers wrote directly.
     */
    public void tokenRelevance(Workspace ws, double[] out) {
        int steps = inputLength();
        if (ws.folded) {
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

    /** Whether the last pass in {@code ws} was folded (so that no {@code [T][D]} map is available). */
    public boolean wasFolded(Workspace ws) {
        return ws.folded;
    }

    /** Relevance at the Embedding output, {@code [steps][dim]}: a view into the workspace (stale after a folded pass). */
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
