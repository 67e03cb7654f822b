package org.jlrp.runtime.render;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.jlrp.runtime.explain.Explanation;
import org.jlrp.runtime.explain.Method;

/**
 * Where one explanation's relevance went, and which summary lines mean something for its method:
 * <ul>
 *   <li>LRP: the conservation {@code Σ tokens + padding + bias = logit} and the shares of the logit;</li>
 *   <li>Integrated Gradients, DeepLIFT, Shapley sampling: the completeness check {@code Σ R} against
 *   {@code logit − baseline logit} (summation-to-delta for DeepLIFT, efficiency for Shapley values);</li>
 *   <li>the gradient maps (saliency, SmoothGrad, guided backprop, deconvnet), gradient × input, occlusion: none
 *   (their relevance has no bias part to report).</li>
 * </ul>
 * Every method but the gradient maps, occlusion and Shapley sampling (0 at padding by definition) gets a warning
 * when padding carries more than {@link #PADDING_WARNING_SHARE} of the total |R|.
 *
 * @param tokens          Σ R over non-padding positions
 * @param padding         Σ R over padding positions
 * @param bias            what the biases absorbed (plus ε losses): {@code logit − tokens − padding}
 * @param logit           the explained logit
 * @param paddingAbsShare Σ|R| on padding / Σ|R| over all positions (0 when all are 0)
 * @param maxAbs          max |R| over all positions: the colour scale's end
 * @param method          the method that produced the relevance
 * @param baselineLogit   Integrated Gradients, DeepLIFT, Shapley sampling: the logit at the baseline; NaN otherwise
 */
public record Diagnostics(double tokens, double padding, double bias, double logit, double paddingAbsShare,
                          double maxAbs, Method method, double baselineLogit) {

    /** Padding carrying more than this share of Σ|R| gets a warning. */
    public static final double PADDING_WARNING_SHARE = 0.10;

    /** The diagnostics of an LRP explanation. */
    public static Diagnostics of(Explanation e, int padId) {
        return of(e, padId, Method.LRP);
    }

    public static Diagnostics of(Explanation e, int padId, Method method) {
        double abs = 0;
        double padAbs = 0;
        double max = 0;
        for (int t = 0; t < e.relevance().length; t++) {
            double a = Math.abs(e.relevance()[t]);
            abs += a;
            max = Math.max(max, a);
            if (e.tokens()[t] == padId) {
                padAbs += a;
            }
        }
        return new Diagnostics(e.relevanceSum() - e.relevancePadding(), e.relevancePadding(), e.relevanceBias(),
                e.explainedLogit(), abs == 0 ? 0 : padAbs / abs, max, method, e.baselineLogit());
    }

    /** A part as a share of the logit, e.g. {@code "12.3%"}; {@code "n/a"} when the logit is 0. */
    public String shareOfLogit(double part) {
        return logit == 0 ? "n/a" : String.format(Locale.ROOT, "%.1f%%", 100 * part / logit);
    }

    /** {@code Σ tokens +1.2 + padding +0.0 + bias -0.1 = +1.1 = logit +1.1}. */
    public String conservationLine() {
        return String.format(Locale.ROOT, "conservation: tokens %+.6g + padding %+.6g + bias %+.6g = %+.6g (logit %+.6g)",
                tokens, padding, bias, tokens + padding + bias, logit);
    }

    /** Padding and bias as numbers and shares of the logit, and padding's share of Σ|R|. */
    public String sharesLine() {
        return String.format(Locale.ROOT, "padding %+.6g (%s of the logit, %.1f%% of total |R|); bias %+.6g (%s of the "
                + "logit)", padding, shareOfLogit(padding), 100 * paddingAbsShare, bias, shareOfLogit(bias));
    }

    /** The completeness of a baseline method: {@code Σ R} against {@code logit − baseline logit}, and the error. */
    public String completenessLine() {
        double delta = logit - baselineLogit;
        return String.format(Locale.ROOT, "completeness: sum of R %+.6g vs logit - baseline logit %+.6g (logit %+.6g, "
                + "baseline %+.6g); completeness error %+.3g", tokens + padding, delta, logit, baselineLogit,
                tokens + padding - delta);
    }

    /** The summary lines that mean something for the method (none for the gradient maps, gradient × input, occlusion). */
    public List<String> lines() {
        List<String> lines = new ArrayList<>(2);
        if (method == Method.LRP) {
            lines.add(conservationLine());
            lines.add(sharesLine());
        } else if (!Double.isNaN(baselineLogit)) {
            lines.add(completenessLine());
        }
        return lines;
    }

    /**
     * The padding warning with its reason, or null when padding stays under the threshold or the method is saliency
     * (whose gradient is non-zero at padding whatever its embedding) or occlusion (0 at padding by definition).
     */
    public String warning(int padId) {
        if (paddingAbsShare <= PADDING_WARNING_SHARE || method.reportsNorms() || method == Method.OCCLUSION
                || method == Method.SHAPLEY) {
            return null;
        }
        return String.format(Locale.ROOT, "warning: padding carries %.1f%% of total |R| (over %.0f%%): the padding "
                + "embedding (row %d) is non-zero, e.g. trained without mask_zero, so padding positions feed the "
                + "convolution like words do", 100 * paddingAbsShare, 100 * PADDING_WARNING_SHARE, padId);
    }
}
