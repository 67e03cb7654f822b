package org.jlrp.runtime.render;

import com.fasterxml.jackson.core.JsonGenerator;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.Writer;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import org.jlrp.runtime.explain.Composite;
import org.jlrp.runtime.explain.Explainer;
import org.jlrp.runtime.explain.Rule;
import org.jlrp.runtime.internal.graph.Layer;
import org.jlrp.runtime.internal.graph.Network;
import org.jlrp.runtime.internal.graph.RulePlan;
import org.jlrp.runtime.internal.model.Activation;
import org.jlrp.runtime.internal.model.BidirectionalSpec;
import org.jlrp.runtime.internal.model.EmbeddingSpec;
import org.jlrp.runtime.internal.model.RecurrentSpec;
import org.jlrp.runtime.internal.model.LayerSpec;
import org.jlrp.runtime.internal.model.ModelSpec;

/**
 * {@code jlrp info}: the model's provenance (file format, the format's own facts such as the Keras version and
 * backend, how the loader read it), a
 * {@code model.summary()}-style layer table, and what is explained.
 */
public final class ModelReport {

    private ModelReport() {
    }

    /** The human-readable report. */
    public static void writeText(Writer out, Explainer explainer) throws IOException {
        writeText(out, explainer, null);
    }

    /**
     * The text report; with rules, a last column gives each layer's rule (Conv1D/Dense/recurrent: the composite's; average
     * pools: the ε-rule with the default ε; other layers route or pass relevance through).
     *
     * @param rules null for no rule column
     * @throws org.jlrp.runtime.JlrpException when {@code rules} names a layer the model does not have
     */
    public static void writeText(Writer writer, Explainer explainer, Composite rules) throws IOException {
        Network network = explainer.network();
        RulePlan plan = rules == null ? null : network.rulePlan(rules);
        PrintWriter out = Output.printer(writer);
        ModelSpec model = network.model();
        out.printf(Locale.ROOT, "model          %s%n", model.source());
        out.printf(Locale.ROOT, "format         %s%n", model.format());
        for (ModelSpec.Fact fact : model.facts().values()) {
            if (fact.label() != null) {
                out.printf(Locale.ROOT, "%-15s%s%n", fact.label(), fact.text());
            }
        }
        if (model.fixedLength()) {
            out.printf(Locale.ROOT, "input length   %d tokens%n", network.inputLength());
        } else {
            out.printf(Locale.ROOT, "input length   any (the file states none; shapes below are for 1 token)%n");
        }
        if (model.textInput() != null) {
            out.printf(Locale.ROOT, "text input     %s: TextVectorization, %s (--text needs no tokenizer)%n",
                    model.layers().get(0).name(), model.textInput().describe());
        }
        out.printf(Locale.ROOT, "vocabulary     %d ids, embedding dim %d%n", network.vocabularySize(),
                network.embeddingDim());
        out.printf(Locale.ROOT, "output         %s%n", outputActivation(network));
        out.printf(Locale.ROOT, "explained      %s%n", explained(network));
        out.printf(Locale.ROOT, "kernels        %s%n", network.kernels().description());
        out.printf(Locale.ROOT, "folding        %s%n", folding(network));
        for (String note : model.notes()) {
            out.printf(Locale.ROOT, "note           %s%n", note);
        }
        for (LayerSpec spec : model.layers()) {
            if (spec instanceof EmbeddingSpec e && e.maskZero()) {
                out.printf(Locale.ROOT, "mask           %s: id 0 masks its step (mask_zero): recurrent layers carry "
                        + "their state over it, and it gets no relevance%n", spec.name());
            }
            String recurrent = recurrentText(spec);
            if (recurrent != null) {
                out.printf(Locale.ROOT, "recurrent      %s: %s%n", spec.name(), recurrent);
            }
        }
        if (plan != null) {
            out.printf(Locale.ROOT, "rule           %s%s%n", plan.composite().name(),
                    plan.composite().name().equals(plan.composite().spec()) ? ""
                            : "  (" + plan.composite().spec() + ")");
        }
        out.println();
        String format = plan == null ? "%-28s %-24s %-18s %12s%n" : "%-28s %-24s %-18s %12s  %s%n";
        int width = plan == null ? 85 : 110;
        out.printf(Locale.ROOT, format, "Layer", "Class", "Output shape", "Param #", "Rule");
        out.println("-".repeat(width));
        Map<String, Layer> built = byName(network);
        for (LayerSpec spec : model.layers()) {
            Layer layer = built.get(spec.name());
            String shape = layer != null ? layer.shape().toString() : network.explainedLayer().shape().toString();
            String cls = spec.type() + (layer == null ? " (stripped)" : "");
            out.printf(Locale.ROOT, format, spec.name(), cls, shape, layer == null ? 0 : layer.parameterCount(),
                    ruleText(plan, spec.name(), layer));
        }
        out.println("-".repeat(width));
        out.printf(Locale.ROOT, "Total params: %,d%n", network.parameterCount());
        Output.finish(out);
    }

    /**
     * The same report as one JSON object on one line (the fields of the text report, plus each layer's inbound
     * layers).
     */
    public static void writeJson(Writer out, Explainer explainer) throws IOException {
        writeJson(out, explainer, null);
    }

    /** The JSON report; with rules, a top-level {@code rule} and each layer's {@code rule}. */
    public static void writeJson(Writer out, Explainer explainer, Composite rules) throws IOException {
        Network network = explainer.network();
        RulePlan plan = rules == null ? null : network.rulePlan(rules);
        ModelSpec model = network.model();
        try (JsonGenerator g = Output.json(out)) {
            g.writeStartObject();
            g.writeStringField("model", model.source());
            g.writeStringField("format", model.format());
            for (var fact : model.facts().entrySet()) {
                if (fact.getValue().value() != null) {
                    g.writeStringField(fact.getKey(), fact.getValue().value());
                } else {
                    g.writeArrayFieldStart(fact.getKey());
                    for (String item : fact.getValue().list()) {
                        g.writeString(item);
                    }
                    g.writeEndArray();
                }
            }
            g.writeArrayFieldStart("notes");
            for (String note : model.notes()) {
                g.writeString(note);
            }
            g.writeEndArray();
            if (model.fixedLength()) {
                g.writeNumberField("input_length", network.inputLength());
            } else {
                g.writeNullField("input_length"); // any length
            }
            if (model.textInput() != null) {
                g.writeStringField("text_input", model.textInput().describe());
            }
            g.writeNumberField("vocabulary", network.vocabularySize());
            g.writeNumberField("embedding_dim", network.embeddingDim());
            Activation stripped = network.strippedActivation();
            if (stripped == Activation.LINEAR) {
                g.writeNullField("output_activation");
            } else {
                g.writeStringField("output_activation", stripped.displayName());
            }
            g.writeStringField("explained_layer", network.explainedLayer().name());
            g.writeStringField("explained", explained(network));
            g.writeNumberField("outputs", network.outputSize());
            g.writeNumberField("parameters", network.parameterCount());
            g.writeStringField("kernels", network.kernels().description());
            g.writeObjectFieldStart("folding");
            g.writeArrayFieldStart("folded_layers");
            for (String name : network.foldedLayerNames()) {
                g.writeString(name);
            }
            g.writeEndArray();
            g.writeNumberField("table_bytes", network.foldedTableBytes());
            g.writeArrayFieldStart("fused_pools");
            for (String name : network.fusedPoolNames()) {
                g.writeString(name);
            }
            g.writeEndArray();
            g.writeEndObject();
            if (plan != null) {
                g.writeObjectFieldStart("rule");
                g.writeStringField("name", plan.composite().presetName() != null ? plan.composite().presetName()
                        : plan.composite().spec());
                g.writeStringField("spec", plan.composite().spec());
                g.writeNumberField("eps", plan.composite().defaultEps());
                g.writeBooleanField("ignore_bias", plan.composite().ignoresBias());
                g.writeEndObject();
            }
            g.writeArrayFieldStart("layers");
            Map<String, Layer> built = byName(network);
            for (LayerSpec spec : model.layers()) {
                Layer layer = built.get(spec.name());
                g.writeStartObject();
                g.writeStringField("name", spec.name());
                g.writeStringField("class", spec.type());
                g.writeStringField("output_shape", (layer != null ? layer : network.explainedLayer()).shape().toString());
                g.writeNumberField("parameters", layer == null ? 0 : layer.parameterCount());
                g.writeBooleanField("stripped", layer == null);
                writeRecurrent(g, spec);
                if (plan != null) {
                    Rule rule = plan.ruleOf(spec.name());
                    if (rule != null) {
                        g.writeStringField("rule", rule.spec());
                    } else {
                        g.writeNullField("rule");
                    }
                }
                g.writeArrayFieldStart("inbound");
                for (String in : spec.inputs()) {
                    g.writeString(in);
                }
                g.writeEndArray();
                g.writeEndObject();
            }
            g.writeEndArray();
            g.writeEndObject();
            g.writeRaw('\n');
        }
    }

    /** The cell of a recurrent layer (a Bidirectional layer's forward half), or null for another layer. */
    private static RecurrentSpec cellOf(LayerSpec spec) {
        if (spec instanceof RecurrentSpec r) {
            return r;
        }
        return spec instanceof BidirectionalSpec b ? b.forward() : null;
    }

    /** {@code LSTM 32 units, activation tanh, recurrent hard_sigmoid, …} for a recurrent layer; null otherwise. */
    static String recurrentText(LayerSpec spec) {
        RecurrentSpec cell = cellOf(spec);
        if (cell == null) {
            return null;
        }
        StringBuilder s = new StringBuilder(cell.kind().displayName()).append(' ').append(cell.units())
                .append(" units");
        if (spec instanceof BidirectionalSpec b) {
            s.append(", bidirectional, merge ").append(b.merge().displayName());
        }
        s.append(", activation ").append(cell.activation().displayName());
        if (cell.kind() != RecurrentSpec.Kind.SIMPLE_RNN) {
            s.append(", recurrent activation ").append(cell.recurrentActivation().displayName());
        }
        if (cell.kind() == RecurrentSpec.Kind.GRU) {
            s.append(", reset_after ").append(cell.resetAfter());
        }
        s.append(cell.returnSequences() ? ", return_sequences" : ", last state");
        if (spec instanceof RecurrentSpec && cell.goBackwards()) {
            s.append(", go_backwards");
        }
        return s.toString();
    }

    private static void writeRecurrent(JsonGenerator g, LayerSpec spec) throws IOException {
        RecurrentSpec cell = cellOf(spec);
        if (cell == null) {
            return;
        }
        g.writeObjectFieldStart("recurrent");
        g.writeStringField("cell", cell.kind().displayName());
        g.writeNumberField("units", cell.units());
        g.writeStringField("activation", cell.activation().displayName());
        if (cell.kind() != RecurrentSpec.Kind.SIMPLE_RNN) {
            g.writeStringField("recurrent_activation", cell.recurrentActivation().displayName());
        }
        if (cell.kind() == RecurrentSpec.Kind.GRU) {
            g.writeBooleanField("reset_after", cell.resetAfter());
        }
        g.writeBooleanField("return_sequences", cell.returnSequences());
        g.writeBooleanField("go_backwards", spec instanceof RecurrentSpec && cell.goBackwards());
        if (spec instanceof BidirectionalSpec b) {
            g.writeStringField("merge", b.merge().displayName());
        }
        g.writeEndObject();
    }

    private static String ruleText(RulePlan plan, String name, Layer layer) {
        if (plan == null) {
            return "";
        }
        Rule rule = plan.ruleOf(name);
        String cls = layer == null ? "" : layer.className();
        boolean recurrent = cls.equals("LSTM") || cls.equals("GRU") || cls.equals("SimpleRNN")
                || cls.equals("Bidirectional");
        if (rule != null) {
            return recurrent ? rule.spec() + " (linear maps), gates signal-take-all" : rule.spec();
        }
        if (layer == null) {
            return "-";
        }
        if (cls.equals("AveragePooling1D") || cls.equals("GlobalAveragePooling1D")) {
            return plan.composite().averagePoolingRule().spec() + " (pooling weights)";
        }
        if (cls.equals("BatchNormalization")) {
            return Rule.epsilon(plan.composite().defaultEps()).withIgnoreBias(plan.composite().ignoresBias()).spec()
                    + " (shift as bias)";
        }
        if (cls.equals("MaxPooling1D") || cls.equals("GlobalMaxPooling1D")) {
            return "winner takes all";
        }
        return cls.equals("Embedding") || cls.equals("InputLayer") ? "-" : "pass-through";
    }

    private static Map<String, Layer> byName(Network network) {
        Map<String, Layer> map = new HashMap<>();
        for (Layer layer : network.layers()) {
            map.put(layer.name(), layer);
        }
        return map;
    }

    /**
     * The folded plan: the Conv1D (or recurrent) layers with the Embedding folded in, the tables' size, and the pools
     * computed in the same pass. LRP takes it whenever those layers run the ε-rule; other methods and
     * --embedding-relevance run unfolded.
     */
    private static String folding(Network network) {
        if (!network.foldingPlanned()) {
            return "none: every pass runs the Embedding and the first Conv1D unfolded";
        }
        String pools = network.fusedPoolNames().isEmpty() ? ""
                : "; " + String.join(", ", network.fusedPoolNames()) + " computed in the same pass";
        return String.format(Locale.ROOT, "Embedding folded into %s (%.1f MB of tables)%s; LRP with ε on these layers",
                String.join(", ", network.foldedLayerNames()), network.foldedTableBytes() / 1e6, pools);
    }

    private static String outputActivation(Network network) {
        Activation a = network.strippedActivation();
        return a == Activation.LINEAR ? "no final softmax/sigmoid: the raw outputs are explained"
                : a.displayName() + " over " + network.outputSize() + " unit" + (network.outputSize() == 1 ? "" : "s")
                + " (stripped: the logits before it are explained)";
    }

    private static String explained(Network network) {
        Layer layer = network.explainedLayer();
        String what = network.strippedActivation() == Activation.SIGMOID && network.outputSize() == 1
                ? "a binary classifier: class 1 (p >= 0.5) explains the sigmoid unit's logit, class 0 minus it"
                : "the logit of the target class (default: the argmax)";
        String flattened = layer.shape().sequence()
                ? " flattened in (time, channel) order to " + network.outputSize() + " outputs" : "";
        return what + ", output of layer '" + layer.name() + "' " + layer.shape() + flattened;
    }
}
