package org.jlrp.runtime.internal.graph;

import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import org.jlrp.kernels.Kernels;

/**
 * One way to run a {@link Network}: its nodes in forward order, and which relevance buffers the relevance pass never
 * touches. Every network has the {@linkplain Network#unfoldedPlan() unfolded plan}, whose nodes are its layers; a
 * network whose Embedding is read only by Conv1D or recurrent layers (through identities) may also have a
 * {@linkplain Network#foldedPlan() folded plan}, where each such Conv1D (with the MaxPooling1D that alone reads it)
 * is one {@link FoldedConv1D} node, each recurrent layer one {@link FoldedRecurrent} node, and the Embedding runs no
 * pass at all. Both plans share the network's buffer
 * layout, so one workspace serves either; the explainer picks a plan per request. Immutable.
 */
public final class ExecutionPlan {

    private final List<Layer> nodes;
    private final List<FoldedConv1D> foldedNodes;
    private final List<FoldedRecurrent> foldedRecurrent;
    /** Per relevance slot: whether the relevance pass neither reads nor writes it, so it need not be zeroed. */
    private final boolean[] untouchedRelevance;

    private ExecutionPlan(List<Layer> nodes, List<FoldedConv1D> foldedNodes, List<FoldedRecurrent> foldedRecurrent,
                          boolean[] untouchedRelevance) {
        this.nodes = List.copyOf(nodes);
        this.foldedNodes = List.copyOf(foldedNodes);
        this.foldedRecurrent = List.copyOf(foldedRecurrent);
        this.untouchedRelevance = untouchedRelevance;
    }

    static ExecutionPlan unfolded(List<Layer> layers, int relevanceSlots) {
        return new ExecutionPlan(layers, List.of(), List.of(), new boolean[relevanceSlots]);
    }

    /**
     * The folded plan, or null when it does not apply: every reader of the Embedding output (through identity
     * layers such as Dropout) must be a single-input Conv1D or a recurrent layer, all their tables must fit
     * {@code budgetBytes}, and the
     * explained output must not be the Embedding's. Folding is all or nothing, so that a folded pass never needs the
     * {@code [T][D]} values or relevance.
     */
    static ExecutionPlan folded(List<Layer> layers, EmbeddingLayer embedding, Layer explained, Kernels kernels,
                                long budgetBytes, int relevanceSlots) {
        if (budgetBytes <= 0) {
            return null;
        }
        Readers embeddingReaders = Readers.of(layers, embedding);
        List<Conv1DLayer> readers = new ArrayList<>();
        List<RecurrentLayer> recurrentReaders = new ArrayList<>();
        long floats = 0;
        for (Layer layer : embeddingReaders.readers()) {
            if (layer instanceof RecurrentLayer recurrent) {
                recurrentReaders.add(recurrent);
                floats += recurrent.foldedTableBytes(embedding.vocabulary) / Float.BYTES;
                continue;
            }
            if (!(layer instanceof Conv1DLayer conv) || conv.inputs.size() != 1) {
                return null; // another reader needs the [T][D] values
            }
            readers.add(conv);
            long size = (long) conv.width * embedding.vocabulary * conv.filters;
            if (size > Integer.MAX_VALUE - 16) {
                return null;
            }
            floats += size;
        }
        if (readers.isEmpty() && recurrentReaders.isEmpty() || embeddingReaders.aliases().contains(explained)
                || 4 * floats > budgetBytes) {
            return null;
        }
        // Each folded Conv1D is replaced by its node; the Embedding and the fused pools run no pass of their own.
        Map<Layer, Layer> replaced = new IdentityHashMap<>();
        replaced.put(embedding, null);
        List<FoldedConv1D> foldedNodes = new ArrayList<>();
        boolean[] untouched = new boolean[relevanceSlots];
        untouched[embedding.relevanceSlot] = true;
        for (Conv1DLayer conv : readers) {
            MaxPoolLayer pool = fusablePool(layers, conv, explained);
            FoldedConv1D node = new FoldedConv1D(conv, pool,
                    conv.foldTables(kernels, embedding.table, embedding.vocabulary), embedding.vocabulary);
            replaced.put(conv, node);
            foldedNodes.add(node);
            if (pool != null) {
                replaced.put(pool, null);
                untouched[conv.relevanceSlot] = true;
            }
        }
        List<FoldedRecurrent> foldedRecurrent = new ArrayList<>();
        for (RecurrentLayer recurrent : recurrentReaders) {
            FoldedRecurrent node = new FoldedRecurrent(recurrent,
                    recurrent.foldTables(kernels, embedding.table, embedding.vocabulary));
            replaced.put(recurrent, node);
            foldedRecurrent.add(node);
        }
        List<Layer> nodes = new ArrayList<>();
        for (Layer layer : layers) {
            Layer node = replaced.containsKey(layer) ? replaced.get(layer) : layer;
            if (node != null) {
                nodes.add(node);
            }
        }
        return new ExecutionPlan(nodes, foldedNodes, foldedRecurrent, untouched);
    }

    /**
     * This folded plan with each fused pool run as a layer of its own after its Conv1D node, on the same tables: the
     * Conv1D's z and activations at every step, which DeepLIFT's Rescale rule needs for the input and the baseline.
     * Null when this plan folds recurrent layers (DeepLIFT refuses them).
     */
    ExecutionPlan withoutFusedPools(List<Layer> layers, EmbeddingLayer embedding) {
        if (!foldedRecurrent.isEmpty()) {
            return null;
        }
        boolean[] untouched = untouchedRelevance.clone();
        Map<Layer, Layer> replaced = new IdentityHashMap<>();
        List<FoldedConv1D> unfused = new ArrayList<>();
        for (FoldedConv1D f : foldedNodes) {
            FoldedConv1D node = f.pool == null ? f : new FoldedConv1D(f.conv, null, f.tables, f.vocabulary);
            replaced.put(f.conv, node);
            unfused.add(node);
            untouched[f.conv.relevanceSlot] = false; // the pool's gradient pass writes it
        }
        List<Layer> nodes = new ArrayList<>();
        for (Layer layer : layers) {
            if (layer != embedding) {
                nodes.add(replaced.getOrDefault(layer, layer));
            }
        }
        return new ExecutionPlan(nodes, unfused, List.of(), untouched);
    }

    /**
     * The MaxPooling1D that alone reads a Conv1D's output (through identity layers such as Dropout), when
     * {@link FoldedConv1D#canFuse} allows computing it in the folded pass; else null.
     */
    private static MaxPoolLayer fusablePool(List<Layer> layers, Conv1DLayer conv, Layer explained) {
        Readers convReaders = Readers.of(layers, conv);
        if (convReaders.readers().size() != 1 || !(convReaders.readers().get(0) instanceof MaxPoolLayer pool)) {
            return null; // another reader needs the activations
        }
        boolean fusable = !convReaders.aliases().contains(explained) && pool != explained
                && FoldedConv1D.canFuse(conv, pool);
        return fusable ? pool : null;
    }

    /**
     * The layers reading a layer's values: {@code aliases} are the layer itself and the routing layers of the same
     * shape that pass its buffer on (Dropout and the like), {@code readers} every other layer reading one of them.
     */
    private record Readers(List<Layer> aliases, List<Layer> readers) {

        static Readers of(List<Layer> layers, Layer source) {
            List<Layer> aliases = new ArrayList<>(List.of(source));
            List<Layer> readers = new ArrayList<>();
            for (Layer layer : layers) {
                if (layer.inputs.stream().noneMatch(aliases::contains)) {
                    continue;
                }
                if (layer instanceof RoutingLayer && layer.shape.equals(source.shape)) {
                    aliases.add(layer);
                } else {
                    readers.add(layer);
                }
            }
            return new Readers(aliases, readers);
        }
    }

    /** The nodes in forward order. */
    List<Layer> nodes() {
        return nodes;
    }

    /** Whether this plan runs folded nodes (and so yields per-token relevance without the {@code [T][D]} map). */
    public boolean isFolded() {
        return !foldedNodes.isEmpty() || !foldedRecurrent.isEmpty();
    }

    List<FoldedConv1D> foldedNodes() {
        return foldedNodes;
    }

    List<FoldedRecurrent> foldedRecurrent() {
        return foldedRecurrent;
    }

    boolean untouchedRelevance(int slot) {
        return untouchedRelevance[slot];
    }
}
