package org.jlrp.runtime.graph;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.jlrp.kernels.Kernels;
import org.jlrp.runtime.JlrpException;
import org.jlrp.runtime.keras.KerasModel;

/**
 * A Keras text model bound to kernels, with its buffer plan: the layers in topological order, which slot each
 * layer's values and relevance live in, and the sizes a {@link Workspace} needs. Immutable and thread-safe; all
 * per-request state lives in workspaces.
 *
 * <p>The explained output is the model output with a final softmax or sigmoid stripped (as a Dense/Conv1D
 * activation or as an Activation layer): the pre-activation logits.
 */
public final class Network {

    private final KerasModel model;
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

    Network(KerasModel model, Kernels kernels, List<Layer> layers, Layer explained, Activation strippedActivation) {
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
        long bytes = workspaceFloats() * Float.BYTES;
        long heap = Runtime.getRuntime().maxMemory();
        if (bytes > heap / 4) {
            throw new JlrpException(model.source() + ": one explanation needs " + (bytes >> 20) + " MiB of buffers "
                    + "(input length " + input.shape.channels() + "), more than a quarter of the " + (heap >> 20)
                    + " MiB JVM heap");
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

    /** Floats one workspace holds, for memory planning. */
    public long workspaceFloats() {
        long total = (long) maxQuotients + maxContributions;
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
        System.arraycopy(tokens, 0, ws.tokens, 0, ws.tokens.length);
        for (Layer layer : layers) {
            layer.forward(ws, kernels);
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
        for (float[] r : ws.relevance) {
            Arrays.fill(r, 0f);
        }
        ws.relevance[explained.relevanceSlot][target] = initial;
        for (int i = layers.size() - 1; i >= 0; i--) {
            layers.get(i).backward(ws, kernels, rule);
        }
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
        System.arraycopy(embedded, 0, ws.values[embedding.valueSlot], 0, inputLength() * embedding.dim);
        for (Layer layer : layers) {
            if (!(layer instanceof InputLayer) && !(layer instanceof EmbeddingLayer)) {
                layer.forward(ws, kernels);
            }
        }
    }

    /** Relevance at the Embedding output, {@code [steps][dim]}: a view into the workspace. */
    public float[] embeddingRelevance(Workspace ws) {
        return ws.relevance[embedding.relevanceSlot];
    }

    /** The Embedding output of the last forward pass, {@code [steps][dim]}: a view into the workspace. */
    public float[] embeddingOutput(Workspace ws) {
        return ws.values[embedding.valueSlot];
    }

    public KerasModel model() {
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
