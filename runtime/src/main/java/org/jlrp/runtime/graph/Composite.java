package org.jlrp.runtime.graph;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.jlrp.runtime.JlrpException;

/**
 * A composite: which {@link LinearRule} each Conv1D and Dense layer gets, as {@code --rule SPEC} writes it.
 *
 * <p>Grammar: {@code KEY=RULE(;KEY=RULE)*}, where {@code KEY} is a Keras layer name, {@code first} (every
 * Conv1D/Dense that reads the Embedding output, directly or through Dropout-like layers only: all branches of a
 * Kim-style model), {@code conv1d} or {@code dense} (by Keras class; a Dense applied to a sequence is a
 * {@code dense}), and {@code RULE} is as {@link LinearRule#parse} reads it. The most specific key wins: layer name,
 * then {@code first}, then the class key. A layer no key covers gets the ε-rule with the default ε. A bare rule
 * ({@code zplus}) means {@code conv1d=zplus;dense=zplus}. The presets:
 * <table>
 *   <caption>Presets</caption>
 *   <tr><td>{@code epsilon}</td><td>{@code conv1d=epsilon;dense=epsilon} (the default rule)</td></tr>
 *   <tr><td>{@code lrp0}</td><td>{@code conv1d=epsilon:0;dense=epsilon:0}</td></tr>
 *   <tr><td>{@code epsilon-plus}</td><td>{@code conv1d=zplus;dense=epsilon}</td></tr>
 *   <tr><td>{@code epsilon-alpha2-beta1}</td><td>{@code conv1d=alphabeta:2:1;dense=epsilon}</td></tr>
 *   <tr><td>{@code epsilon-gamma-box}</td><td>{@code first=zbox;conv1d=gamma:0.25;dense=epsilon}</td></tr>
 * </table>
 * An {@code epsilon} written without a value takes the default ε ({@code --eps}, 1e-6 unless set).
 *
 * <p>A layer literally named {@code first}, {@code conv1d} or {@code dense} cannot be keyed by name: those words are
 * always the class keys. Immutable.
 */
public final class Composite {

    public static final String FIRST = "first";
    public static final String CONV1D = "conv1d";
    public static final String DENSE = "dense";

    private static final Map<String, String> PRESETS = new LinkedHashMap<>();

    static {
        PRESETS.put("epsilon", "conv1d=epsilon;dense=epsilon");
        PRESETS.put("lrp0", "conv1d=epsilon:0;dense=epsilon:0");
        PRESETS.put("epsilon-plus", "conv1d=zplus;dense=epsilon");
        PRESETS.put("epsilon-alpha2-beta1", "conv1d=alphabeta:2:1;dense=epsilon");
        PRESETS.put("epsilon-gamma-box", "first=zbox;conv1d=gamma:0.25;dense=epsilon");
    }

    private final String name;
    private final Map<String, LinearRule> entries;
    private final double defaultEps;
    private final boolean noBias;

    private Composite(String name, Map<String, LinearRule> entries, double defaultEps, boolean noBias) {
        this.name = name;
        this.entries = Collections.unmodifiableMap(new LinkedHashMap<>(entries));
        this.defaultEps = defaultEps;
        this.noBias = noBias;
    }

    /** The preset names, in the order the documentation lists them. */
    public static List<String> presets() {
        return List.copyOf(PRESETS.keySet());
    }

    /**
     * Parses a preset name, a bare rule, or {@code KEY=RULE;...}.
     *
     * @param defaultEps ε for {@code epsilon} written without a value, and for layers no key covers
     * @throws JlrpException naming the offending part for an unknown preset, rule, key syntax or parameter
     */
    public static Composite parse(String spec, double defaultEps) {
        String text = spec == null ? "" : spec.trim();
        if (text.isEmpty()) {
            throw new JlrpException("the rule string is empty; give a preset (" + String.join(", ", PRESETS.keySet())
                    + ") or KEY=RULE;...");
        }
        String preset = PRESETS.get(text.toLowerCase(Locale.ROOT));
        String body = preset != null ? preset : text;
        Map<String, LinearRule> entries = new LinkedHashMap<>();
        if (!body.contains("=")) {
            LinearRule rule;
            try {
                rule = LinearRule.parse(body, defaultEps);
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
                if (lower.equals(FIRST) || lower.equals(CONV1D) || lower.equals(DENSE)) {
                    key = lower;
                }
                if (entries.containsKey(key)) {
                    throw new JlrpException("rule string '" + text + "' gives key '" + key + "' twice");
                }
                entries.put(key, parseRule(text, part.substring(eq + 1), defaultEps));
            }
            if (entries.isEmpty()) {
                throw new JlrpException("rule string '" + text + "' assigns no rule");
            }
        }
        return new Composite(preset != null ? text.toLowerCase(Locale.ROOT) : null, entries, defaultEps, false);
    }

    private static LinearRule parseRule(String whole, String rule, double defaultEps) {
        try {
            return LinearRule.parse(rule, defaultEps);
        } catch (JlrpException e) {
            throw new JlrpException("rule string '" + whole + "': " + e.getMessage());
        }
    }

    /** Every rule with {@code :nobias}, including the ε default for uncovered layers ({@code --ignore-bias}). */
    public Composite withNoBias() {
        Map<String, LinearRule> out = new LinkedHashMap<>();
        entries.forEach((k, r) -> out.put(k, r.withNoBias()));
        return new Composite(name, out, defaultEps, true);
    }

    /** The preset name, or null for a rule string. */
    public String presetName() {
        return name;
    }

    /** The preset name, else the canonical rule string. */
    public String name() {
        return name != null ? name : spec();
    }

    /** The canonical rule string, e.g. {@code first=zbox;conv1d=gamma:0.25;dense=epsilon:1.0E-6}. */
    public String spec() {
        StringBuilder b = new StringBuilder();
        entries.forEach((k, r) -> b.append(b.length() == 0 ? "" : ";").append(k).append('=').append(r.spec()));
        return b.toString();
    }

    /** Key → rule, in the order given. */
    public Map<String, LinearRule> entries() {
        return entries;
    }

    public double defaultEps() {
        return defaultEps;
    }

    public boolean noBias() {
        return noBias;
    }

    /**
     * The rule of one Conv1D/Dense layer: by its name, else {@code first} if it reads the Embedding, else its class
     * key, else the ε-rule with the default ε.
     *
     * @param kerasClass {@code Conv1D} or {@code Dense}
     * @param first      whether the layer reads the Embedding output (through Dropout-like layers only)
     */
    public LinearRule ruleFor(String layerName, String kerasClass, boolean first) {
        LinearRule rule = isClassKey(layerName) ? null : entries.get(layerName);
        if (rule == null && first) {
            rule = entries.get(FIRST);
        }
        if (rule == null) {
            rule = entries.get(kerasClass.equals("Dense") ? DENSE : CONV1D);
        }
        if (rule == null) {
            rule = LinearRule.epsilon(defaultEps);
            if (noBias) {
                rule = rule.withNoBias();
            }
        }
        return rule;
    }

    private static boolean isClassKey(String key) {
        return key.equals(FIRST) || key.equals(CONV1D) || key.equals(DENSE);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Composite c && c.entries.equals(entries) && c.noBias == noBias
                && Double.compare(c.defaultEps, defaultEps) == 0 && java.util.Objects.equals(c.name, name);
    }

    @Override
    public int hashCode() {
        return entries.hashCode() * 31 + Boolean.hashCode(noBias);
    }

    @Override
    public String toString() {
        return name();
    }
}
