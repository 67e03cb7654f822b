package org.jlrp.runtime.explain;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import org.jlrp.runtime.JlrpException;

/**
 * Which {@link Rule} each Conv1D and Dense layer gets: the one mapping from layers to rules, used alike by the
 * library, the CLI ({@code --rule SPEC}) and Spark, so that the same string gives the same answer everywhere.
 *
 * <p>Grammar: {@code KEY=RULE(;KEY=RULE)*}, where {@code KEY} is a layer name, {@code first} (every Conv1D/Dense
 * that reads the Embedding output, directly or through Dropout-like layers only: all branches of a Kim-style model),
 * {@code conv1d} or {@code dense} (by layer type; a Dense applied to a sequence is a {@code dense}), and {@code RULE}
 * is as {@link Rule#parse} reads it; {@code lstm}, {@code gru} and {@code rnn} key the linear maps inside
 * recurrent cells, which take the ε-rule only (gates are signal-take-all). The most specific key wins: layer name,
 * then {@code first}, then the type key.
 * A layer no key covers gets the ε-rule with the default ε. A bare rule ({@code zplus}) means
 * {@code conv1d=zplus;dense=zplus}. Average pooling always takes the ε-rule with the default ε (its weights are
 * the fixed 1/N). The presets:
 * <table>
 *   <caption>Presets</caption>
 *   <tr><td>{@code epsilon}</td><td>{@code conv1d=epsilon;dense=epsilon} (the default)</td></tr>
 *   <tr><td>{@code lrp0}</td><td>{@code conv1d=epsilon:0;dense=epsilon:0}</td></tr>
 *   <tr><td>{@code epsilon-plus}</td><td>{@code conv1d=zplus;dense=epsilon}</td></tr>
 *   <tr><td>{@code epsilon-alpha2-beta1}</td><td>{@code conv1d=alphabeta:2:1;dense=epsilon}</td></tr>
 *   <tr><td>{@code epsilon-gamma-box}</td><td>{@code first=zbox;conv1d=gamma:0.25;dense=epsilon}</td></tr>
 * </table>
 * An {@code epsilon} written without a value takes the default ε ({@link Rule#DEFAULT_EPS} unless given).
 *
 * <p>A layer literally named {@code first}, {@code conv1d} or {@code dense} cannot be keyed by name: those words are
 * always the type keys. Immutable.
 */
public final class Composite {

    public static final String FIRST = "first";
    public static final String CONV1D = "conv1d";
    public static final String DENSE = "dense";
    /** The type keys of the linear maps inside recurrent cells (LSTM, GRU, SimpleRNN; alone or in Bidirectional). */
    public static final String LSTM = "lstm";
    public static final String GRU = "gru";
    public static final String RNN = "rnn";

    private static final Map<String, String> PRESETS = new LinkedHashMap<>();

    static {
        PRESETS.put("epsilon", "conv1d=epsilon;dense=epsilon");
        PRESETS.put("lrp0", "conv1d=epsilon:0;dense=epsilon:0");
        PRESETS.put("epsilon-plus", "conv1d=zplus;dense=epsilon");
        PRESETS.put("epsilon-alpha2-beta1", "conv1d=alphabeta:2:1;dense=epsilon");
        PRESETS.put("epsilon-gamma-box", "first=zbox;conv1d=gamma:0.25;dense=epsilon");
    }

    /** The default: the ε-rule with ε = {@link Rule#DEFAULT_EPS} on every layer, biases inside {@code z}. */
    public static final Composite DEFAULT = epsilon(Rule.DEFAULT_EPS);

    private final String presetName;
    private final Map<String, Rule> entries;
    private final double defaultEps;
    private final boolean ignoreBias;
    /** {@link #spec()}, built once: every JSON report and served answer writes it. */
    private String spec;

    private Composite(String presetName, Map<String, Rule> entries, double defaultEps, boolean ignoreBias) {
        this.presetName = presetName;
        this.entries = Collections.unmodifiableMap(new LinkedHashMap<>(entries));
        this.defaultEps = defaultEps;
        this.ignoreBias = ignoreBias;
    }

    /** The preset names, in the order the documentation lists them. */
    public static List<String> presets() {
        return List.copyOf(PRESETS.keySet());
    }

    /** The ε-rule with this ε on every layer (the {@code epsilon} preset). */
    public static Composite epsilon(double eps) {
        return parse("epsilon", eps);
    }

    /** {@link #parse(String, double)} with the default ε {@link Rule#DEFAULT_EPS}. */
    public static Composite parse(String spec) {
        return parse(spec, Rule.DEFAULT_EPS);
    }

    /**
     * Parses a preset name, a bare rule, or {@code KEY=RULE;...}.
     *
     * @param defaultEps ε for {@code epsilon} written without a value, for layers no key covers, and for average
     *                   pooling
     * @throws JlrpException naming the offending part for an unknown preset, rule, key syntax or parameter
     */
    public static Composite parse(String spec, double defaultEps) {
        Rule.epsilon(defaultEps); // validates it
        String text = spec == null ? "" : spec.trim();
        if (text.isEmpty()) {
            throw new JlrpException("the rule string is empty; give a preset (" + String.join(", ", PRESETS.keySet())
                    + ") or KEY=RULE;...");
        }
        String preset = PRESETS.get(text.toLowerCase(Locale.ROOT));
        String body = preset != null ? preset : text;
        Map<String, Rule> entries = new LinkedHashMap<>();
        if (!body.contains("=")) {
            Rule rule;
            try {
                rule = Rule.parse(body, defaultEps);
            } catch (JlrpException e) {
                throw new JlrpException("rule string '" + text + "' is neither a preset (" + String.join(", ",
                        PRESETS.keySet()) + ") nor KEY=RULE;... nor a rule: " + e.getMessage());
            }
            entries.put(CONV1D, rule);
            entries.put(DENSE, rule);
        } else {
            for (String part : body.split(";", -1)) {
                if (part.isBlank()) {
                    continue; // tolerate a trailing ';'
                }
                int eq = part.indexOf('=');
                if (eq < 0) {
                    throw new JlrpException("rule string '" + text + "': '" + part.trim() + "' is not KEY=RULE");
                }
                String key = part.substring(0, eq).trim();
                if (key.isEmpty()) {
                    throw new JlrpException("rule string '" + text + "': '" + part.trim() + "' has no key; keys are "
                            + "first, conv1d, dense or a layer name");
                }
                String lower = key.toLowerCase(Locale.ROOT);
                if (isTypeKey(lower)) {
                    key = lower;
                }
                if (entries.containsKey(key)) {
                    throw new JlrpException("rule string '" + text + "' gives key '" + key + "' twice");
                }
                Rule rule = parseRule(text, part.substring(eq + 1), defaultEps);
                if (isRecurrentKey(key)) {
                    checkRecurrent(text, "key '" + key + "'", rule);
                }
                entries.put(key, rule);
            }
            if (entries.isEmpty()) {
                throw new JlrpException("rule string '" + text + "' assigns no rule");
            }
        }
        return new Composite(preset != null ? text.toLowerCase(Locale.ROOT) : null, entries, defaultEps, false);
    }

    private static Rule parseRule(String whole, String rule, double defaultEps) {
        try {
            return Rule.parse(rule, defaultEps);
        } catch (JlrpException e) {
            throw new JlrpException("rule string '" + whole + "': " + e.getMessage());
        }
    }

    /**
     * Every rule with the bias left out ({@code :ignore-bias}), the ε default for uncovered layers included
     * ({@code --ignore-bias}); or, with false, this composite as parsed.
     */
    public Composite withIgnoreBias(boolean ignore) {
        if (ignore == ignoreBias) {
            return this;
        }
        if (!ignore) {
            return presetName != null ? parse(presetName, defaultEps) : parse(parsedSpec(), defaultEps);
        }
        Map<String, Rule> out = new LinkedHashMap<>();
        entries.forEach((k, r) -> out.put(k, r.withIgnoreBias(true)));
        return new Composite(presetName, out, defaultEps, true);
    }

    private String parsedSpec() {
        StringBuilder b = new StringBuilder();
        entries.forEach((k, r) -> b.append(b.length() == 0 ? "" : ";").append(k).append('=')
                .append(r.withIgnoreBias(false).spec()));
        return b.toString();
    }

    /** The preset name, or null for a rule string. */
    public String presetName() {
        return presetName;
    }

    /** The preset name (with {@code :ignore-bias} when set), else the canonical rule string. */
    public String name() {
        return presetName != null ? presetName + (ignoreBias ? ":" + Rule.IGNORE_BIAS : "") : spec();
    }

    /** The canonical rule string, e.g. {@code first=zbox;conv1d=gamma:0.25;dense=epsilon:1.0E-6}. */
    public String spec() {
        String s = spec;
        if (s == null) { // a benign race: every thread builds the same string
            StringBuilder b = new StringBuilder();
            entries.forEach((k, r) -> b.append(b.length() == 0 ? "" : ";").append(k).append('=').append(r.spec()));
            spec = s = b.toString();
        }
        return s;
    }

    /** Key → rule, in the order given. */
    public Map<String, Rule> entries() {
        return entries;
    }

    /** ε for uncovered layers and average pooling. */
    public double defaultEps() {
        return defaultEps;
    }

    /** Whether every rule leaves the bias out ({@link #withIgnoreBias}). */
    public boolean ignoresBias() {
        return ignoreBias;
    }

    /**
     * The rule of one Conv1D/Dense layer: by its name, else {@code first} if it reads the Embedding, else its type
     * key, else the ε-rule with the default ε.
     *
     * @param dense whether the layer is a Dense (on a vector or a sequence); else a Conv1D
     * @param first whether the layer reads the Embedding output (through Dropout-like layers only)
     */
    public Rule ruleFor(String layerName, boolean dense, boolean first) {
        Rule rule = isTypeKey(layerName) ? null : entries.get(layerName);
        if (rule == null && first) {
            rule = entries.get(FIRST);
        }
        if (rule == null) {
            rule = entries.get(dense ? DENSE : CONV1D);
        }
        if (rule == null) {
            rule = Rule.epsilon(defaultEps).withIgnoreBias(ignoreBias);
        }
        return rule;
    }

    /**
     * The rule of the linear maps inside a recurrent layer: by its name, else its cell's type key ({@link #LSTM},
     * {@link #GRU}, {@link #RNN}), else the ε-rule with the default ε.
     *
     * @throws JlrpException when the layer's name keys a rule other than ε
     */
    public Rule recurrentRuleFor(String layerName, String cellKey) {
        Rule rule = isTypeKey(layerName) ? null : entries.get(layerName);
        if (rule != null) {
            checkRecurrent(spec(), "layer '" + layerName + "'", rule);
            return rule;
        }
        rule = entries.get(cellKey);
        return rule != null ? rule : Rule.epsilon(defaultEps).withIgnoreBias(ignoreBias);
    }

    /**
     * Inside a cell the gates are signal-take-all and Arras et al. define the ε-rule for the linear maps; the other
     * rules' modified weights would apply to some of a cell's products and not to its gates, so they are refused.
     */
    private static void checkRecurrent(String whole, String where, Rule rule) {
        if (!rule.isEpsilon()) {
            throw new JlrpException("rule string '" + whole + "': " + where + ": the linear maps inside recurrent "
                    + "layers take epsilon:E (optionally :" + Rule.IGNORE_BIAS + ") only, not " + rule.spec());
        }
    }

    private static boolean isRecurrentKey(String key) {
        return key.equals(LSTM) || key.equals(GRU) || key.equals(RNN);
    }

    /** The rule of average pooling: the ε-rule with the default ε (its 1/N weights have no bias). */
    public Rule averagePoolingRule() {
        return Rule.epsilon(defaultEps);
    }

    /** Whether a key names a layer type or {@code first} rather than a layer. */
    public static boolean isTypeKey(String key) {
        return key.equals(FIRST) || key.equals(CONV1D) || key.equals(DENSE) || isRecurrentKey(key);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Composite c && c.entries.equals(entries) && c.ignoreBias == ignoreBias
                && Double.compare(c.defaultEps, defaultEps) == 0 && Objects.equals(c.presetName, presetName);
    }

    @Override
    public int hashCode() {
        return Objects.hash(entries, ignoreBias, defaultEps, presetName);
    }

    @Override
    public String toString() {
        return name();
    }
}
