package org.jlrp.runtime.explain;

import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import org.jlrp.runtime.JlrpException;
import org.jlrp.runtime.text.Sequences;

/**
 * Faithfulness of token rankings, for any {@link Method} and a seeded random order as the floor. For each text the
 * class predicted on the full text, {@code c}, is fixed, the method explains it, and its real (non-padding) tokens
 * are ranked most relevant first. Then:
 *
 * <ul>
 *   <li><b>word deletion</b> (Arras et al. 2017) with AOPC (Samek et al. 2017): remove the top k tokens,
 *   k = 0…K; {@code AOPC = 1/(K+1) Σ_{k=0..K} (f_c(x) − f_c(x⁽ᵏ⁾))} on the logit {@code f_c};</li>
 *   <li><b>comprehensiveness</b> and <b>sufficiency</b> (DeYoung et al. 2020, ERASER): for each bin p % the
 *   rationale {@code r_p} is the top {@code ⌈p·n/100⌉} of the n real tokens; comprehensiveness is
 *   {@code P(c|x) − P(c|x∖r_p)}, sufficiency {@code P(c|x) − P(c|r_p)} (only the rationale kept), and each is
 *   averaged over the bins (AOPC, no k = 0 bin), as ERASER's scorer does.</li>
 * </ul>
 *
 * All are averaged over texts: larger comprehensiveness and deletion AOPC, smaller sufficiency, mean more faithful.
 * Padding positions are never removed and never counted. {@code P} is the softmax of the logits; for a model with
 * one sigmoid unit, the binary class view of {@link SigmoidClasses} (class 0 explains {@code −z}).
 */
public final class DeletionEvaluation {

    /** ERASER's AOPC bins, in percent of a text's tokens. */
    public static final List<Integer> ERASER_PERCENTS = List.of(1, 5, 10, 20, 50);

    private DeletionEvaluation() {
    }

    /** How a token is removed. */
    public enum Removal {
        /** The token becomes the pad id; the sequence keeps its length and positions. */
        PAD("pad"),
        /** The token is cut out and the sequence re-padded to its length on the padding side (a shorter one for a
         *  model of any length). */
        DELETE("delete"),
        /** The token's embedding vector becomes zero (Arras et al.). */
        ZERO("zero");

        private final String cliName;

        Removal(String cliName) {
            this.cliName = cliName;
        }

        public String cliName() {
            return cliName;
        }

        public static Removal parse(String text) {
            String t = text == null ? "" : text.trim().toLowerCase(Locale.ROOT);
            for (Removal r : values()) {
                if (r.cliName.equals(t)) {
                    return r;
                }
            }
            throw new JlrpException("--removal must be pad, delete or zero, got '" + text + "'");
        }
    }

    /**
     * How to evaluate.
     *
     * @param steps    K, the tokens removed one by one for the word-deletion curve
     * @param percents the comprehensiveness/sufficiency bins, each 1…100, strictly increasing
     * @param padding  where the sequences are padded: {@link Removal#DELETE} re-pads on that side
     * @param seed     of the random order
     */
    public record Settings(int steps, List<Integer> percents, Removal removal, int padId, Sequences.Side padding,
                           long seed) {
        public Settings {
            if (steps < 0) {
                throw new JlrpException("steps must be >= 0, got " + steps);
            }
            percents = List.copyOf(percents);
            if (percents.isEmpty()) {
                throw new JlrpException("percents lists no bin");
            }
            for (int i = 0; i < percents.size(); i++) {
                int p = percents.get(i);
                if (p < 1 || p > 100 || (i > 0 && p <= percents.get(i - 1))) {
                    throw new JlrpException("percents must be increasing integers between 1 and 100, got "
                            + percents);
                }
            }
            if (removal == null || padding == null) {
                throw new JlrpException("removal and padding must be given");
            }
        }

        /** K = 10, ERASER's bins, pad removal, pad id 0, padding at the start (Keras' default), seed 1. */
        public static Settings defaults() {
            return new Settings(10, ERASER_PERCENTS, Removal.PAD, 0, Sequences.Side.PRE, 1);
        }

        public Settings withSteps(int k) {
            return new Settings(k, percents, removal, padId, padding, seed);
        }

        public Settings withPercents(List<Integer> p) {
            return new Settings(steps, p, removal, padId, padding, seed);
        }

        public Settings withRemoval(Removal r) {
            return new Settings(steps, percents, r, padId, padding, seed);
        }

        public Settings withPadId(int id) {
            return new Settings(steps, percents, removal, id, padding, seed);
        }

        public Settings withPadding(Sequences.Side side) {
            return new Settings(steps, percents, removal, padId, side, seed);
        }

        public Settings withSeed(long s) {
            return new Settings(steps, percents, removal, padId, padding, s);
        }
    }

    /**
     * One ranking to evaluate.
     *
     * @param name    its label in reports
     * @param options how to explain (the target is set per text); null for a random order
     */
    public record Contender(String name, ExplainOptions options) {
    }

    /**
     * One contender's means over texts.
     *
     * @param meanLogitDrop          per k = 0…K: {@code f_c(x) − f_c(x⁽ᵏ⁾)} on the logit
     * @param accuracy               per k: the fraction classified as their label (without labels: as at k = 0)
     * @param aopc                   the word-deletion AOPC, {@code 1/(K+1) Σ_k meanLogitDrop[k]}
     * @param comprehensiveness      per bin: {@code P(c|x) − P(c|x∖r_p)}
     * @param sufficiency            per bin: {@code P(c|x) − P(c|r_p)}
     * @param comprehensivenessAopc  the mean of {@code comprehensiveness} over the bins
     * @param sufficiencyAopc        the mean of {@code sufficiency} over the bins
     */
    public record Curve(String name, double[] meanLogitDrop, double[] accuracy, double aopc,
                        double[] comprehensiveness, double[] sufficiency, double comprehensivenessAopc,
                        double sufficiencyAopc) {
    }

    /**
     * The whole evaluation.
     *
     * @param accuracy the model's accuracy on the full texts against the labels; NaN without labels
     */
    public record Result(Settings settings, int texts, boolean labelled, double accuracy, List<Curve> curves) {
    }

    /**
     * Runs the evaluation.
     *
     * @param sequences token ids, already fitted to the model's length
     * @param labels    the true class of each sequence (for one sigmoid unit: 0 or 1); null to measure agreement
     *                  with the original prediction
     */
    public static Result run(Explainer explainer, List<int[]> sequences, int[] labels, List<Contender> contenders,
                             Settings settings) {
        int n = sequences.size();
        if (labels != null && labels.length != n) {
            throw new JlrpException("there are " + labels.length + " labels for " + n + " sequences");
        }
        ClassView view = new ClassView(explainer.singleSigmoidOutput());
        int classes = view.sigmoid ? 2 : explainer.outputSize();
        if (labels != null) {
            for (int i = 0; i < n; i++) {
                if (labels[i] < 0 || labels[i] >= classes) {
                    throw new JlrpException("label " + labels[i] + " of sequence " + i + " is not a class of this "
                            + "model (0 to " + (classes - 1) + ")");
                }
            }
        }
        int c = contenders.size();
        int steps = settings.steps();
        int bins = settings.percents().size();
        double[][] drop = new double[c][steps + 1];
        double[][] correct = new double[c][steps + 1];
        double[][] comp = new double[c][bins];
        double[][] suff = new double[c][bins];
        double right = 0;
        Remover remover = new Remover(explainer, settings);
        for (int s = 0; s < n; s++) {
            int[] tokens = sequences.get(s);
            float[] logits = explainer.logits(tokens, null);
            int predicted = view.predicted(logits);
            int truth = labels == null ? predicted : labels[s];
            right += predicted == truth ? 1 : 0;
            double score = view.logit(logits, predicted);
            double probability = view.probability(logits, predicted);
            // One random stream per text: a text's random order does not depend on the other texts or contenders.
            long textSeed = settings.seed() * 0x9E3779B97F4A7C15L + s;
            for (int m = 0; m < c; m++) {
                List<Integer> order = order(explainer, view, tokens, predicted, contenders.get(m).options(),
                        settings.padId(), new Random(textSeed));
                boolean[] removed = new boolean[tokens.length];
                for (int k = 0; k <= steps; k++) {
                    if (k > 0 && k <= order.size()) {
                        removed[order.get(k - 1)] = true;
                    }
                    float[] out = k == 0 ? logits : remover.logits(tokens, removed);
                    drop[m][k] += score - view.logit(out, predicted);
                    correct[m][k] += view.predicted(out) == truth ? 1 : 0;
                }
                for (int b = 0; b < bins; b++) {
                    int size = rationaleSize(order.size(), settings.percents().get(b));
                    boolean[] rationale = new boolean[tokens.length];
                    boolean[] rest = new boolean[tokens.length];
                    for (int i = 0; i < order.size(); i++) {
                        (i < size ? rationale : rest)[order.get(i)] = true;
                    }
                    comp[m][b] += probability - view.probability(remover.logits(tokens, rationale), predicted);
                    suff[m][b] += probability - view.probability(remover.logits(tokens, rest), predicted);
                }
            }
        }
        List<Curve> curves = new ArrayList<>();
        for (int m = 0; m < c; m++) {
            divide(drop[m], n);
            divide(correct[m], n);
            divide(comp[m], n);
            divide(suff[m], n);
            curves.add(new Curve(contenders.get(m).name(), drop[m], correct[m], mean(drop[m]), comp[m], suff[m],
                    mean(comp[m]), mean(suff[m])));
        }
        return new Result(settings, n, labels != null, labels == null || n == 0 ? Double.NaN : right / n, curves);
    }

    /**
     * The rationale of bin {@code percent} %: the top {@code ⌈percent·tokens/100⌉} tokens. Rounding up keeps every bin
     * non-empty on short texts (ERASER's texts are hundreds of tokens long, where the rounding hardly matters).
     */
    public static int rationaleSize(int tokens, int percent) {
        return (int) (((long) tokens * percent + 99) / 100);
    }

    /** Non-padding positions, most relevant first (ties: earlier position first), or shuffled for a random order. */
    private static List<Integer> order(Explainer explainer, ClassView view, int[] tokens, int predicted,
                                       ExplainOptions options, int padId, Random random) {
        List<Integer> positions = new ArrayList<>();
        for (int t = 0; t < tokens.length; t++) {
            if (tokens[t] != padId) {
                positions.add(t);
            }
        }
        if (options == null) {
            Collections.shuffle(positions, random);
            return positions;
        }
        double[] relevance = view.relevance(explainer, tokens, predicted, options);
        positions.sort(Comparator.comparingDouble((Integer t) -> -relevance[t]).thenComparingInt(t -> t));
        return positions;
    }

    /** The classes as reports show them: the logits and their softmax, or a single sigmoid unit's two classes. */
    private record ClassView(boolean sigmoid) {

        int predicted(float[] logits) {
            if (sigmoid) {
                return SigmoidClasses.predictedClass(logits[0]);
            }
            int best = 0;
            for (int i = 1; i < logits.length; i++) {
                if (logits[i] > logits[best]) {
                    best = i;
                }
            }
            return best;
        }

        /** The class's logit ({@code −z} for the negative class of a sigmoid unit). */
        double logit(float[] logits, int c) {
            return sigmoid ? (c == 1 ? logits[0] : -(double) logits[0]) : logits[c];
        }

        double probability(float[] logits, int c) {
            if (sigmoid) {
                return 1 / (1 + Math.exp(-logit(logits, c)));
            }
            double max = Double.NEGATIVE_INFINITY;
            for (float l : logits) {
                max = Math.max(max, l);
            }
            double total = 0;
            for (float l : logits) {
                total += Math.exp(l - max);
            }
            return Math.exp(logits[c] - max) / total;
        }

        double[] relevance(Explainer explainer, int[] tokens, int c, ExplainOptions options) {
            if (!sigmoid) {
                return explainer.explain(tokens, options.withTarget(Target.index(c))).get(0).relevance();
            }
            Explanation unit = explainer.explain(tokens, options.withTarget(Target.index(0))).get(0);
            return SigmoidClasses.asClass(unit, c, options.method()).relevance();
        }
    }

    /** The logits of a sequence with some positions removed, as the settings say. */
    private static final class Remover {
        private final Explainer explainer;
        private final Settings settings;
        private final boolean fixedLength;

        Remover(Explainer explainer, Settings settings) {
            this.explainer = explainer;
            this.settings = settings;
            this.fixedLength = explainer.inputLength() > 0;
        }

        float[] logits(int[] tokens, boolean[] removed) {
            return switch (settings.removal()) {
                case ZERO -> explainer.logits(tokens, removed);
                case PAD -> {
                    int[] t = tokens.clone();
                    for (int i = 0; i < t.length; i++) {
                        if (removed[i]) {
                            t[i] = settings.padId();
                        }
                    }
                    yield explainer.logits(t, null);
                }
                case DELETE -> explainer.logits(delete(tokens, removed, settings.padId(), settings.padding(),
                        fixedLength), null);
            };
        }
    }

    /**
     * The sequence with the removed positions cut out, re-padded to its length on the {@code padding} side; for a
     * model of any length, just the shorter sequence (one pad id when nothing is left: a model needs a step).
     */
    static int[] delete(int[] tokens, boolean[] removed, int padId, Sequences.Side padding, boolean fixedLength) {
        int kept = 0;
        for (boolean r : removed) {
            kept += r ? 0 : 1;
        }
        int length = fixedLength ? tokens.length : Math.max(1, kept);
        int[] out = new int[length];
        java.util.Arrays.fill(out, padId);
        int at = padding == Sequences.Side.PRE ? length - kept : 0;
        for (int i = 0; i < tokens.length; i++) {
            if (!removed[i]) {
                out[at++] = tokens[i];
            }
        }
        return out;
    }

    private static void divide(double[] values, int n) {
        for (int i = 0; i < values.length; i++) {
            values[i] = n == 0 ? 0 : values[i] / n;
        }
    }

    private static double mean(double[] values) {
        double sum = 0;
        for (double v : values) {
            sum += v;
        }
        return sum / values.length;
    }
}
