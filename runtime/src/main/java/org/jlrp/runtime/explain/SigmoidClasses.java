package org.jlrp.runtime.explain;

import java.util.ArrayList;
import java.util.List;
import org.jlrp.runtime.JlrpException;

/**
 * A model with one sigmoid output unit is a binary classifier, and reports treat it as one, as Keras does: class 0
 * (the negative class) when {@code p = sigmoid(z) < 0.5}, class 1 (the positive class) when {@code p ≥ 0.5}.
 *
 * <p>The explainer explains the unit's logit {@code z}. This class turns each such explanation into the explanation
 * of a class: class 1 keeps {@code z}; class 0 explains {@code −z}, the negative class's log-odds, so every
 * relevance value, the padding and bias parts, the embedding map and the Integrated Gradients baseline change sign
 * (the rules and methods are linear in the relevance put in at the top, so this is exactly the relevance of
 * {@code −z}). The per-position values of saliency and SmoothGrad are norms and keep their sign. Guided backprop
 * and deconvnet, whose ReLU rules are not linear in the signal, explain class 1 only. The class view's logits are
 * {@code [−z, z]} and its probabilities {@code [1 − p, p]}, so that {@code logits[target]} is the explained logit and
 * {@code probabilities[target]} the explained class's probability, as for a softmax model.
 *
 * <p>Targets: {@code pred} is the predicted class, {@code all} both classes (0, then 1), {@code 0} the negative and
 * {@code 1} the positive class.
 */
public final class SigmoidClasses {

    private SigmoidClasses() {
    }

    /** Whether the model ends in exactly one sigmoid unit. */
    public static boolean applies(Explainer explainer) {
        return explainer.singleSigmoidOutput();
    }

    /**
     * The options to give the explainer: the same, but targeting the unit itself.
     *
     * @throws JlrpException for a class index other than 0 and 1
     */
    public static ExplainOptions unitOptions(ExplainOptions options) {
        checkTarget(options.target());
        return options.withTarget(Target.index(0));
    }

    /** Refuses a class index other than 0 and 1. */
    public static void checkTarget(Target target) {
        if (!target.isPred() && !target.isAll() && target.index() > 1) {
            throw new JlrpException("target class " + target.index() + " is out of range: a model with one sigmoid "
                    + "unit has classes 0 (negative, p < 0.5) and 1 (positive, p >= 0.5)");
        }
    }

    /** The predicted class for the unit's logit {@code z}: 1 when {@code z ≥ 0} ({@code p ≥ 0.5}). */
    public static int predictedClass(double z) {
        return z >= 0 ? 1 : 0;
    }

    /**
     * The class view of the unit's explanations (each explaining the unit, as {@link #unitOptions} asks): one
     * explanation per unit explanation, or two for target {@code all} (class 0, then class 1).
     */
    public static List<Explanation> toClasses(List<Explanation> unitResults, Target target, Method method) {
        checkTarget(target);
        List<Explanation> out = new ArrayList<>(target.isAll() ? 2 * unitResults.size() : unitResults.size());
        for (Explanation unit : unitResults) {
            if (target.isAll()) {
                out.add(asClass(unit, 0, method));
                out.add(asClass(unit, 1, method));
            } else {
                int c = target.isPred() ? predictedClass(unit.logits()[0]) : target.index();
                out.add(asClass(unit, c, method));
            }
        }
        return out;
    }

    /** The explanation of class {@code c} (0 or 1) from the explanation of the unit. */
    public static Explanation asClass(Explanation unit, int c, Method method) {
        if (unit.logits().length != 1 || unit.target() != 0) {
            throw new IllegalArgumentException("not an explanation of a single output unit");
        }
        float z = unit.logits()[0];
        float[] logits = {0f - z, z};
        float[] probabilities = {(float) (1 / (1 + Math.exp(z))), (float) (1 / (1 + Math.exp(-(double) z)))};
        if (c == 1) {
            return new Explanation(unit.sequence(), 1, logits, probabilities, unit.explainedLogit(), unit.tokens(),
                    unit.relevance(), unit.embeddingRelevance(), unit.embeddingDim(), unit.relevancePadding(),
                    unit.relevanceSum(), unit.relevanceBias(), unit.baselineLogit());
        }
        if (method == Method.GUIDED_BACKPROP || method == Method.DECONVNET) {
            // Their ReLU rules look at the sign of the signal coming back: the map of -z is not minus that of z.
            throw new JlrpException("--method " + method.cliName() + " explains class 1 of a one-sigmoid model only "
                    + "(use --target 1)");
        }
        // The gradient maps' per-position values are norms: the same for -z. Everything else changes sign.
        boolean norms = method.reportsNorms();
        double[] relevance = unit.relevance().clone();
        if (!norms) {
            for (int t = 0; t < relevance.length; t++) {
                relevance[t] = 0.0 - relevance[t]; // not -r: no -0.0 in the reports
            }
        }
        float[] map = unit.embeddingRelevance() == null ? null : unit.embeddingRelevance().clone();
        if (map != null) {
            for (int i = 0; i < map.length; i++) {
                map[i] = 0f - map[i];
            }
        }
        double padding = norms ? unit.relevancePadding() : 0.0 - unit.relevancePadding();
        double sum = norms ? unit.relevanceSum() : 0.0 - unit.relevanceSum();
        double logit = 0.0 - unit.explainedLogit();
        return new Explanation(unit.sequence(), 0, logits, probabilities, logit, unit.tokens(), relevance, map,
                unit.embeddingDim(), padding, sum, logit - sum, 0.0 - unit.baselineLogit());
    }
}
