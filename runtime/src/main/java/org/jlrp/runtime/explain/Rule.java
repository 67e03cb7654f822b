package org.jlrp.runtime.explain;

import java.util.Locale;
import org.jlrp.runtime.JlrpException;

/**
 * The LRP rule of one Conv1D or Dense layer (the one rule type: a {@link Composite} maps layers to rules): how relevance {@code R_j} at its outputs is shared among its inputs.
 * The formulas are Zennit 0.5.1's, which generalise the printed rules to signed inputs (the first Conv1D reads
 * embedding vectors of both signs). Notation: {@code z_j = Σ_i x_i w_ij + b_j}; {@code a⁺ = max(a, 0)},
 * {@code a⁻ = min(a, 0)}; {@code (x w)⁺ = x⁺w⁺ + x⁻w⁻}, {@code (x w)⁻ = x⁺w⁻ + x⁻w⁺};
 * {@code stab(d) = d + e·sign(d)} with {@code sign(0) = +1} and {@code e} = {@value #STABILIZER} unless stated.
 *
 * <table>
 *   <caption>The rules</caption>
 *   <tr><th>kind</th><th>{@code R_i =}</th><th>paper; difference from the printed form</th></tr>
 *   <tr><td>{@link Kind#EPSILON} (ε)</td><td>{@code x_i Σ_j w_ij R_j / stab_ε(z_j)}; ε = 0 is LRP-0, which equals
 *       gradient × input on ReLU/max-pool networks</td><td>Bach et al. 2015. Montavon et al. 2019 print
 *       {@code ε + z_j}; here the stabiliser follows the sign of {@code z_j}</td></tr>
 *   <tr><td>{@link Kind#ZPLUS} (z⁺)</td><td>{@code Σ_j (x_i w_ij)⁺ R_j / (Z⁺_j + e)},
 *       {@code Z⁺_j = Σ_i (x_i w_ij)⁺ + b_j⁺}</td><td>Montavon et al. 2017 (Deep Taylor) print {@code x_i w_ij⁺}
 *       without bias for {@code x ≥ 0}; this is Bach's α=1, β=0 over signed inputs, {@code b⁺} absorbing
 *       relevance</td></tr>
 *   <tr><td>{@link Kind#ALPHA_BETA} (αβ)</td><td>{@code Σ_j [α (x_i w_ij)⁺ / stab(Z⁺_j) − β (x_i w_ij)⁻ /
 *       stab(Z⁻_j)] R_j}, {@code Z⁻_j = Σ_i (x_i w_ij)⁻ + b_j⁻}, α − β = 1</td><td>Bach et al. 2015 (printed for
 *       {@code z_ij = x_i w_ij}; the signed split is the same)</td></tr>
 *   <tr><td>{@link Kind#GAMMA} (γ)</td><td>if {@code z_j > 0}: {@code Σ_j [x_i w_ij + γ (x_i w_ij)⁺] R_j /
 *       stab(z_j + γ (Σ_i (x_i w_ij)⁺ + b_j⁺))}; if {@code z_j < 0} the same with the negative parts; 0 if
 *       {@code z_j = 0}</td><td>Montavon et al. 2019 print {@code x_i (w_ij + γ w_ij⁺)} for {@code x ≥ 0},
 *       {@code z_j > 0}, where this agrees</td></tr>
 *   <tr><td>{@link Kind#ZBOX} (z<sup>B</sup>)</td><td>{@code Σ_j (x_i w_ij − l_i w_ij⁺ − h_i w_ij⁻) R_j /
 *       stab(Σ_i (x_i w_ij − l_i w_ij⁺ − h_i w_ij⁻))}, with {@code l_d = min_v E[v,d]}, {@code h_d = max_v E[v,d]}
 *       over the whole Embedding matrix; the bias terms cancel ({@code b − b⁺ − b⁻ = 0})</td><td>Montavon et al.
 *       2017, as printed, with the box taken from the embedding table</td></tr>
 *   <tr><td>{@link Kind#FLAT}</td><td>{@code Σ_j R_j / (N_j + e)}, {@code N_j} = the number of in-range inputs
 *       of {@code j} (width × channels for a valid convolution); never a bias</td><td>Lapuschkin et al.
 *       2019</td></tr>
 *   <tr><td>{@link Kind#WSQUARE} (w²)</td><td>{@code Σ_j w_ij² R_j / (Σ_i w_ij² + b_j² + e)}</td><td>Montavon
 *       et al. 2017 print it without {@code b_j²}: that is {@code wsquare:ignore-bias}</td></tr>
 * </table>
 *
 * <p>{@code ignoreBias} ({@code :ignore-bias} in rule strings, {@code --ignore-bias} on the command line) sets
 * {@code b_j = 0} inside the rule only (the forward pass keeps its biases): for ε, {@code z_j = Σ_i x_i w_ij} is
 * computed without the bias, never as {@code z_j − b_j}. For γ the sign gate still reads {@code z_j} with the bias.
 * It changes nothing for zB (its bias terms cancel) and flat (no bias).
 *
 * @param kind   which rule
 * @param eps    ε of the ε-rule (≥ 0); {@value #STABILIZER} for the other rules
 * @param alpha  α of αβ (≥ 1), else 0
 * @param beta   β of αβ (α − 1), else 0
 * @param gamma  γ of the γ-rule (≥ 0), else 0
 * @param ignoreBias biases left out of the rule
 */
public record Rule(Kind kind, double eps, double alpha, double beta, double gamma, boolean ignoreBias) {

    /** The stabiliser {@code e} of every rule but ε: 1e-6, Zennit's default. */
    public static final double STABILIZER = 1e-6;

    /** The default ε: 1e-6, the ε of Zennit's Epsilon rule and of the golden references. */
    public static final double DEFAULT_EPS = 1e-6;

    /** The suffix that sets {@link #ignoreBias} in a rule string. */
    public static final String IGNORE_BIAS = "ignore-bias";

    /** The rules. */
    public enum Kind {
        EPSILON("epsilon"), ZPLUS("zplus"), ALPHA_BETA("alphabeta"), GAMMA("gamma"), ZBOX("zbox"), FLAT("flat"),
        WSQUARE("wsquare");

        private final String specName;

        Kind(String specName) {
            this.specName = specName;
        }

        /** The name in rule strings: {@code epsilon}, {@code zplus}, {@code alphabeta}, …. */
        public String specName() {
            return specName;
        }
    }

    private static final String GRAMMAR = "expected epsilon:E, zplus, alphabeta:A:B, gamma:G, zbox, flat or wsquare, "
            + "optionally followed by :" + IGNORE_BIAS;

    public Rule {
        if (kind == null) {
            throw new IllegalArgumentException("kind is required");
        }
        if (!(eps >= 0) || Double.isInfinite(eps)) {
            throw new JlrpException("rule " + kind.specName + ": epsilon must be a finite number >= 0, got " + eps);
        }
        if (kind == Kind.ALPHA_BETA && !(alpha >= 1 && beta >= 0 && Math.abs(alpha - beta - 1) <= 1e-9
                && Double.isFinite(alpha))) {
            throw new JlrpException("rule alphabeta:" + fmt(alpha) + ":" + fmt(beta)
                    + ": alpha and beta must satisfy alpha - beta = 1 with beta >= 0");
        }
        if (kind == Kind.GAMMA && !(gamma >= 0 && Double.isFinite(gamma))) {
            throw new JlrpException("rule gamma:" + fmt(gamma) + ": gamma must be a finite number >= 0");
        }
    }

    /** Whether this is the ε-rule (any ε, with or without the bias). */
    public boolean isEpsilon() {
        return kind == Kind.EPSILON;
    }

    public static Rule epsilon(double eps) {
        return new Rule(Kind.EPSILON, eps, 0, 0, 0, false);
    }

    public static Rule zPlus() {
        return new Rule(Kind.ZPLUS, STABILIZER, 0, 0, 0, false);
    }

    public static Rule alphaBeta(double alpha, double beta) {
        return new Rule(Kind.ALPHA_BETA, STABILIZER, alpha, beta, 0, false);
    }

    public static Rule gamma(double gamma) {
        return new Rule(Kind.GAMMA, STABILIZER, 0, 0, gamma, false);
    }

    public static Rule zBox() {
        return new Rule(Kind.ZBOX, STABILIZER, 0, 0, 0, false);
    }

    public static Rule flat() {
        return new Rule(Kind.FLAT, STABILIZER, 0, 0, 0, false);
    }

    public static Rule wSquare() {
        return new Rule(Kind.WSQUARE, STABILIZER, 0, 0, 0, false);
    }

    /** The same rule with biases left out ({@code :ignore-bias}) or kept. */
    public Rule withIgnoreBias(boolean ignore) {
        return new Rule(kind, eps, alpha, beta, gamma, ignore);
    }

    /**
     * Parses one rule as {@code --rule} writes it: {@code epsilon:E} (or {@code epsilon}, which takes
     * {@code defaultEps}), {@code zplus}, {@code alphabeta:A:B}, {@code gamma:G}, {@code zbox}, {@code flat},
     * {@code wsquare}, each optionally followed by {@code :ignore-bias}.
     *
     * @throws JlrpException naming the rule string and what is wrong with it
     */
    public static Rule parse(String text, double defaultEps) {
        String t = text == null ? "" : text.trim().toLowerCase(Locale.ROOT);
        String[] parts = t.split(":", -1);
        int n = parts.length;
        boolean ignoreBias = n > 1 && parts[n - 1].equals(IGNORE_BIAS);
        if (ignoreBias) {
            n--;
        }
        if (parts[n - 1].equals("nobias")) {
            throw new JlrpException("rule '" + text + "': the bias is left out with ':" + IGNORE_BIAS + "'");
        }
        String name = parts[0];
        Rule rule;
        switch (name) {
            case "epsilon":
                expectParameters(text, n, 0, 1);
                rule = epsilon(n == 2 ? number(text, parts[1], "epsilon") : defaultEps);
                break;
            case "zplus":
                expectParameters(text, n, 0, 0);
                rule = zPlus();
                break;
            case "alphabeta":
                expectParameters(text, n, 2, 2);
                rule = alphaBeta(number(text, parts[1], "alpha"), number(text, parts[2], "beta"));
                break;
            case "gamma":
                expectParameters(text, n, 1, 1);
                rule = gamma(number(text, parts[1], "gamma"));
                break;
            case "zbox":
                expectParameters(text, n, 0, 0);
                rule = zBox();
                break;
            case "flat":
                expectParameters(text, n, 0, 0);
                rule = flat();
                break;
            case "wsquare":
                expectParameters(text, n, 0, 0);
                rule = wSquare();
                break;
            default:
                throw new JlrpException("unknown rule '" + text + "'; " + GRAMMAR);
        }
        return rule.withIgnoreBias(ignoreBias);
    }

    private static void expectParameters(String text, int parts, int min, int max) {
        int given = parts - 1;
        if (given < min || given > max) {
            String expected = min == max ? min + " parameter" + (min == 1 ? "" : "s") : min + " or " + max
                    + " parameters";
            throw new JlrpException("rule '" + text + "' has " + given + " parameter" + (given == 1 ? "" : "s")
                    + "; " + text.split(":")[0].trim() + " takes " + expected + " (" + GRAMMAR + ")");
        }
    }

    private static double number(String text, String value, String what) {
        try {
            double v = Double.parseDouble(value.trim());
            if (!Double.isFinite(v)) {
                throw new NumberFormatException();
            }
            return v;
        } catch (NumberFormatException e) {
            throw new JlrpException("rule '" + text + "': " + what + " must be a number, got '" + value + "'");
        }
    }

    /** The rule as a rule string, e.g. {@code alphabeta:2:1:ignore-bias}; {@link #parse} reads it back. */
    public String spec() {
        String base;
        switch (kind) {
            case EPSILON: base = "epsilon:" + fmt(eps); break;
            case ALPHA_BETA: base = "alphabeta:" + fmt(alpha) + ":" + fmt(beta); break;
            case GAMMA: base = "gamma:" + fmt(gamma); break;
            default: base = kind.specName;
        }
        return ignoreBias ? base + ":" + IGNORE_BIAS : base;
    }

    private static String fmt(double v) {
        if (v == Math.rint(v) && Math.abs(v) < 1e15) {
            return Long.toString((long) v);
        }
        return Double.toString(v);
    }

    @Override
    public String toString() {
        return spec();
    }
}
