package org.jlrp.runtime.internal.graph;

import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jlrp.kernels.Kernels;
import org.jlrp.runtime.JlrpException;
import org.jlrp.runtime.explain.Composite;
import org.jlrp.runtime.explain.Rule;

/**
 * A {@link Composite} resolved against one {@link Network}: the rule of every Conv1D/Dense layer, with the modified
 * weights of the non-ε rules computed once. Other layers follow the fixed rules of the rule set whatever the
 * composite: activations pass relevance through, max-pooling routes it to the winner, average pooling uses the ε-rule
 * with the composite's default ε and the pooling weights, Dropout/Flatten/Concatenate route it. Immutable and
 * thread-safe; obtain one with {@link Network#rulePlan}.
 */
public final class RulePlan {

    private final Composite composite;
    private final Map<String, Rule> assignments;
    /** The rule each layer runs with: Conv1D/Dense layers and average pools; absent for the rule-free layers. */
    private final Map<Layer, Rule> rules;
    /** The bound non-ε rules; an ε-rule runs the layer's own ε pass. */
    private final Map<Layer, RulePass> passes;
    /** Per folded node, its Conv1D's non-ε rule folded into tables; filled once by {@link #runsFolded}. */
    private final Map<Layer, FoldedRulePass> foldedPasses = new IdentityHashMap<>();
    /** Whether the network's folded plan runs this plan (decided once, by {@link #runsFolded}); null: not yet. */
    private volatile Boolean runsFolded;

    private RulePlan(Composite composite, Map<String, Rule> assignments, Map<Layer, Rule> rules,
                     Map<Layer, RulePass> passes) {
        this.composite = composite;
        this.assignments = Collections.unmodifiableMap(assignments);
        this.rules = rules;
        this.passes = passes;
    }

    static RulePlan resolve(Composite composite, List<Layer> layers, EmbeddingLayer embedding) {
        List<String> linearNames = new ArrayList<>();
        for (Layer layer : layers) {
            if (layer instanceof LinearLayer || layer instanceof RecurrentLayer) {
                linearNames.add(layer.name);
            }
        }
        for (String key : composite.entries().keySet()) {
            if (Composite.isTypeKey(key)) {
                continue;
            }
            Layer named = layers.stream().filter(l -> l.name.equals(key)).findFirst().orElse(null);
            if (named == null) {
                throw new JlrpException("rule string '" + composite.spec() + "': unknown key '" + key + "': keys are "
                        + "first, conv1d, dense, lstm, gru, rnn or the name of a Conv1D, Dense or recurrent layer ("
                        + String.join(", ", linearNames) + ")");
            }
            if (!(named instanceof LinearLayer) && !(named instanceof RecurrentLayer)) {
                throw new JlrpException("rule string '" + composite.spec() + "': layer '" + key + "' is a "
                        + named.className + "; rules are assigned to Conv1D, Dense and recurrent layers only");
            }
        }
        Map<String, Rule> assignments = new LinkedHashMap<>();
        Map<Layer, Rule> rules = new IdentityHashMap<>();
        Map<Layer, RulePass> passes = new IdentityHashMap<>();
        for (Layer layer : layers) {
            if (layer instanceof AvgPoolLayer) {
                rules.put(layer, composite.averagePoolingRule());
            }
            if (layer instanceof BatchNormLayer) {
                // an elementwise affine map: the ε-rule with its shift as the bias (the rule set's BatchNormalization)
                rules.put(layer, Rule.epsilon(composite.defaultEps()).withIgnoreBias(composite.ignoresBias()));
            }
            if (layer instanceof RecurrentLayer recurrent) {
                // The linear maps inside the cells: an ε-rule (gates: signal-take-all)
                Rule rule = composite.recurrentRuleFor(layer.name, recurrent.ruleKey());
                assignments.put(layer.name, rule);
                rules.put(layer, rule);
            }
            if (!(layer instanceof LinearLayer linear)) {
                continue;
            }
            Rule rule = composite.ruleFor(layer.name, layer.className.equals("Dense"),
                    readsEmbeddingThroughDropout(layer));
            assignments.put(layer.name, rule);
            rules.put(layer, rule);
            if (rule.kind() == Rule.Kind.ZBOX) {
                if (valueSource(layer.input()) != embedding) {
                    throw new JlrpException("rule zbox on layer '" + layer.name + "': zbox needs a layer that reads "
                            + "the Embedding output, whose table gives its box (use first=zbox)");
                }
                float[][] box = box(embedding, linear.inSize);
                passes.put(layer, RulePass.bind(linear, rule, box[0], box[1]));
            } else if (!rule.isEpsilon()) {
                passes.put(layer, RulePass.bind(linear, rule, null, null));
            }
        }
        return new RulePlan(composite, assignments, rules, passes);
    }

    /**
     * Whether a layer is {@code first}: its input is the Embedding output, directly or through inference identities
     * (Dropout, SpatialDropout1D, …) only. Flatten and Reshape do not count.
     */
    static boolean readsEmbeddingThroughDropout(Layer layer) {
        Layer in = layer.input();
        while (in instanceof RoutingLayer routing && routing.identity) {
            in = in.input();
        }
        return in instanceof EmbeddingLayer;
    }

    /** The layer that owns the values a layer reads (through Dropout, Flatten, Reshape: shared buffers). */
    private static Layer valueSource(Layer layer) {
        Layer in = layer;
        while (in.sharesValues()) {
            in = in.input();
        }
        return in;
    }

    /**
     * The zB box, {@code l_d = min_v E[v,d]} and {@code h_d = max_v E[v,d]} over the whole embedding table, tiled
     * over a layer input of {@code size} floats laid out {@code [steps][dim]}.
     */
    private static float[][] box(EmbeddingLayer embedding, int size) {
        int dim = embedding.dim;
        float[] lowD = new float[dim];
        float[] highD = new float[dim];
        System.arraycopy(embedding.table, 0, lowD, 0, dim);
        System.arraycopy(embedding.table, 0, highD, 0, dim);
        for (int v = 1; v < embedding.vocabulary; v++) {
            for (int d = 0; d < dim; d++) {
                float e = embedding.table[v * dim + d];
                lowD[d] = Math.min(lowD[d], e);
                highD[d] = Math.max(highD[d], e);
            }
        }
        float[] low = new float[size];
        float[] high = new float[size];
        for (int i = 0; i < size; i++) {
            low[i] = lowD[i % dim];
            high[i] = highD[i % dim];
        }
        return new float[][]{low, high};
    }

    /**
     * Whether the network's folded plan can run this plan: every folded Conv1D's rule is ε, or folds into tables
     * ({@link FoldedRulePass}) that the network's {@code tables} can hold within the fold budget. Folds them on the
     * first call (once, then immutable: the answer and the passes are published by the volatile write).
     */
    boolean runsFolded(ExecutionPlan folded, FoldedRulePass.Tables tables, float[] embedding, Kernels kernels) {
        Boolean known = runsFolded;
        if (known != null) {
            return known;
        }
        synchronized (this) {
            if (runsFolded == null) {
                boolean fits = true;
                for (FoldedConv1D node : folded.foldedNodes()) {
                    RulePass pass = passes.get(node.conv);
                    if (pass != null) {
                        FoldedRulePass foldedPass = tables.fold(pass, node, embedding, kernels);
                        fits &= foldedPass != null;
                        foldedPasses.put(node, foldedPass);
                    }
                }
                if (!fits) {
                    foldedPasses.clear();
                }
                runsFolded = fits;
            }
            return runsFolded;
        }
    }

    /** Runs one node's relevance pass under this plan: a bound non-ε rule, or the node's own pass with its rule. */
    void backward(Layer node, Workspace ws, Kernels kernels) {
        if (node instanceof FoldedConv1D) {
            FoldedRulePass folded = foldedPasses.get(node);
            if (folded != null) {
                folded.backward(ws, kernels);
                return;
            }
        }
        RulePass pass = passes.get(node);
        if (pass != null) {
            pass.backward(ws, kernels);
        } else {
            node.backward(ws, kernels, ruleOf(node));
        }
    }

    /** The rule a node runs with (a folded node: its Conv1D's); null for the rule-free layers. */
    Rule ruleOf(Layer node) {
        if (node instanceof FoldedRecurrent folded) {
            return rules.get(folded.recurrent);
        }
        return rules.get(node instanceof FoldedConv1D folded ? folded.conv : node);
    }

    /** Whether every Conv1D/Dense layer runs the ε-rule (the group passes and the folded tables carry ε only). */
    public boolean allEpsilon() {
        return passes.isEmpty();
    }

    public Composite composite() {
        return composite;
    }

    /** Layer name → rule, for every Conv1D, Dense and recurrent layer in plan order. */
    public Map<String, Rule> assignments() {
        return assignments;
    }

    /** The rule of one Conv1D, Dense or recurrent layer, or null for another layer. */
    public Rule ruleOf(String layerName) {
        return assignments.get(layerName);
    }
}
