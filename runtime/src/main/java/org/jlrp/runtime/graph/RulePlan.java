package org.jlrp.runtime.graph;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jlrp.kernels.Kernels;
import org.jlrp.runtime.JlrpException;

/**
 * A {@link Composite} resolved against one {@link Network}: the rule of every Conv1D/Dense layer, with the modified
 * weights of the non-ε rules computed once. Other layers follow the fixed rules of RULES.md whatever the composite:
 * activations pass relevance through, max-pooling routes it to the winner, average pooling uses the ε-rule with the
 * pooling weights and stabiliser {@value LinearRule#STABILIZER}, Dropout/Flatten/Concatenate route it. Immutable and
 * thread-safe; obtain one with {@link Network#rulePlan}.
 */
public final class RulePlan {

    /** Average pooling under a composite: the ε-rule with the fixed stabiliser e. */
    private static final LrpRule AVERAGE_POOLING = new LrpRule(LinearRule.STABILIZER, false);

    private final Composite composite;
    private final Map<String, LinearRule> assignments;
    /** Per layer of the network, in plan order: a RulePass, an LrpRule (ε-rules run the ε path), or null. */
    private final Object[] passes;

    private RulePlan(Composite composite, Map<String, LinearRule> assignments, Object[] passes) {
        this.composite = composite;
        this.assignments = Collections.unmodifiableMap(assignments);
        this.passes = passes;
    }

    static RulePlan resolve(Composite composite, List<Layer> layers, EmbeddingLayer embedding) {
        List<String> linearNames = new ArrayList<>();
        for (Layer layer : layers) {
            if (layer instanceof LinearLayer) {
                linearNames.add(layer.name);
            }
        }
        for (String key : composite.entries().keySet()) {
            if (key.equals(Composite.FIRST) || key.equals(Composite.CONV1D) || key.equals(Composite.DENSE)) {
                continue;
            }
            Layer named = layers.stream().filter(l -> l.name.equals(key)).findFirst().orElse(null);
            if (named == null) {
                throw new JlrpException("rule string '" + composite.spec() + "': unknown key '" + key + "': keys are "
                        + "first, conv1d, dense or the name of a Conv1D/Dense layer (" + String.join(", ", linearNames)
                        + ")");
            }
            if (!(named instanceof LinearLayer)) {
                throw new JlrpException("rule string '" + composite.spec() + "': layer '" + key + "' is a "
                        + named.className + "; rules are assigned to Conv1D and Dense layers only");
            }
        }
        Map<String, LinearRule> assignments = new LinkedHashMap<>();
        Object[] passes = new Object[layers.size()];
        for (int i = 0; i < layers.size(); i++) {
            Layer layer = layers.get(i);
            if (layer instanceof AvgPoolLayer) {
                passes[i] = AVERAGE_POOLING;
            }
            if (!(layer instanceof LinearLayer linear)) {
                continue;
            }
            LinearRule rule = composite.ruleFor(layer.name, layer.className, readsEmbeddingThroughDropout(layer));
            assignments.put(layer.name, rule);
            if (rule.kind() == LinearRule.Kind.EPSILON) {
                passes[i] = new LrpRule(rule.eps(), rule.noBias());
            } else if (rule.kind() == LinearRule.Kind.ZBOX) {
                if (valueSource(layer.input()) != embedding) {
                    throw new JlrpException("rule zbox on layer '" + layer.name + "': zbox needs a layer that reads "
                            + "the Embedding output, whose table gives its box (use first=zbox)");
                }
                float[][] box = box(embedding, linear.inSize);
                passes[i] = RulePass.bind(linear, rule, box[0], box[1]);
            } else {
                passes[i] = RulePass.bind(linear, rule, null, null);
            }
        }
        return new RulePlan(composite, assignments, passes);
    }

    /**
     * Whether a layer is {@code first}: its input is the Embedding output, directly or through inference identities
     * (Dropout, SpatialDropout1D, …) only. Flatten and Reshape do not count.
     */
    static boolean readsEmbeddingThroughDropout(Layer layer) {
        Layer in = layer.input();
        while (in instanceof RoutingLayer && NetworkBuilder.INFERENCE_IDENTITIES.contains(in.className)) {
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

    /** Runs layer {@code index}'s relevance pass under this plan. */
    void backward(int index, Layer layer, Workspace ws, Kernels kernels) {
        Object pass = passes[index];
        if (pass instanceof RulePass rulePass) {
            rulePass.backward(ws, kernels);
        } else if (pass instanceof LrpRule epsilon) {
            layer.backward(ws, kernels, epsilon);
        } else {
            layer.backward(ws, kernels, LrpRule.DEFAULT); // routing, activations, max-pooling: rule-independent
        }
    }

    public Composite composite() {
        return composite;
    }

    /** Layer name → rule, for every Conv1D/Dense layer in plan order. */
    public Map<String, LinearRule> assignments() {
        return assignments;
    }

    /** The rule of one Conv1D/Dense layer, or null for another layer. */
    public LinearRule ruleOf(String layerName) {
        return assignments.get(layerName);
    }
}
