package org.jlrp.runtime.explain;

import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.Random;
import org.jlrp.runtime.JlrpException;

/**
 * The word-deletion perturbation test (Arras et al. 2017) summarised by AOPC (Samek et al. 2017): for each text,
 * delete its tokens in order of relevance, most relevant first, for k = 0…K steps, and record the explained logit
 * (the predicted class's, fixed at k = 0) and whether the prediction is right. A faithful heatmap makes the logit
 * fall fast: {@code AOPC = 1/(K+1) Σ_{k=0..K} (f(x) − f(x⁽ᵏ⁾))}, averaged over texts, larger is better; a random
 * order is the floor. Padding positions are never deleted; a deleted token becomes the pad id, or its embedding
 * vector becomes zero.
 */
public final class DeletionEvaluation {

    private DeletionEvaluation() {
    }

    /** How a token is deleted. */
    public enum Deletion { PAD, ZERO }

    /**
     * One ordering to evaluate.
     *
     * @param name    its label in reports
     * @param options how to explain; null for a random order
     */
    public record Contender(String name, ExplainOptions options) {
    }

    /**
     * Mean curves over texts for one contender.
     *
     * @param meanLogitDrop per k = 0…K: mean of {@code f(x) − f(x⁽ᵏ⁾)} for the class predicted at k = 0
     * @param accuracy      per k: the fraction of texts classified as their label (or, without labels, as at k = 0)
     * @param aopc          {@code mean over texts of 1/(K+1) Σ_k (f(x) − f(x⁽ᵏ⁾))}
     */
    public record Curve(String name, double[] meanLogitDrop, double[] accuracy, double aopc) {
    }

    /** The whole evaluation. */
    public record Result(int steps, Deletion deletion, int texts, boolean labelled, List<Curve> curves) {
    }

    /**
     * Runs the test.
     *
     * @param sequences token ids, already padded to the model's length
     * @param labels    the true class of each sequence; null to measure agreement with the original prediction
     * @param steps     K, the number of deletions
     * @param seed      for the random order
     */
    public static Result run(Explainer explainer, List<int[]> sequences, int[] labels, List<Contender> contenders,
                             int steps, Deletion deletion, int padId, long seed) {
        if (labels != null && labels.length != sequences.size()) {
            throw new JlrpException("there are " + labels.length + " labels for " + sequences.size() + " sequences");
        }
        int n = sequences.size();
        int c = contenders.size();
        double[][] drop = new double[c][steps + 1];
        double[][] correct = new double[c][steps + 1];
        double[] aopc = new double[c];
        Random random = new Random(seed);
        for (int s = 0; s < n; s++) {
            int[] tokens = sequences.get(s);
            float[] logits = explainer.logits(tokens, null);
            int target = argmax(logits);
            int truth = labels == null ? target : labels[s];
            for (int m = 0; m < c; m++) {
                List<Integer> order = order(explainer, tokens, target, contenders.get(m).options(), padId, random);
                int[] current = tokens.clone();
                boolean[] zeroed = new boolean[tokens.length];
                double area = 0;
                for (int k = 0; k <= steps; k++) {
                    if (k > 0 && k <= order.size()) {
                        int position = order.get(k - 1);
                        if (deletion == Deletion.PAD) {
                            current[position] = padId;
                        } else {
                            zeroed[position] = true;
                        }
                    }
                    float[] out = k == 0 ? logits : explainer.logits(current, deletion == Deletion.ZERO ? zeroed : null);
                    double d = (double) logits[target] - out[target];
                    drop[m][k] += d;
                    correct[m][k] += argmax(out) == truth ? 1 : 0;
                    area += d;
                }
                aopc[m] += area / (steps + 1);
            }
        }
        List<Curve> curves = new ArrayList<>();
        for (int m = 0; m < c; m++) {
            for (int k = 0; k <= steps; k++) {
                drop[m][k] /= n;
                correct[m][k] /= n;
            }
            curves.add(new Curve(contenders.get(m).name(), drop[m], correct[m], aopc[m] / n));
        }
        return new Result(steps, deletion, n, labels != null, curves);
    }

    /** Non-padding positions, most relevant first (ties: earlier position first), or shuffled for a random order. */
    private static List<Integer> order(Explainer explainer, int[] tokens, int target, ExplainOptions options,
                                       int padId, Random random) {
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
        double[] relevance = explainer.explain(tokens, options.withTarget(Target.index(target))).get(0).relevance();
        positions.sort(Comparator.comparingDouble((Integer t) -> -relevance[t]).thenComparingInt(t -> t));
        return positions;
    }

    private static int argmax(float[] values) {
        int best = 0;
        for (int i = 1; i < values.length; i++) {
            if (values[i] > values[best]) {
                best = i;
            }
        }
        return best;
    }
}
