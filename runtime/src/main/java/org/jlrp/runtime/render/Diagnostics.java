package org.jlrp.runtime.render;

import java.util.Locale;
import org.jlrp.runtime.explain.Explanation;

/**
 * Where one explanation's relevance went: the conservation {@code Σ tokens + padding + bias = logit}, the shares of
 * the logit, and a warning when padding carries more than {@link #PADDING_WARNING_SHARE} of the total |R|.
 *
 * @param tokens          Σ R over non-padding positions
 * @param padding         Σ R over padding positions
 * @param bias            what the biases absorbed (plus ε losses): {@code logit − tokens − padding}
 * @param logit           the explained logit
 * @param paddingAbsShare Σ|R| on padding / Σ|R| over all positions (0 when all are 0)
 * @param maxAbs          max |R| over all positions: the colour scale's end
 */
public record Diagnostics(double tokens, double padding, double bias, double logit, double paddingAbsShare,
                          double maxAbs) {

    /** Padding carrying more than this share of Σ|R| gets a warning. */
    public static final double PADDING_WARNING_SHARE = 0.10;

    public static Diagnostics of(Explanation e, int padId) {
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
                e.explainedLogit(), abs == 0 ? 0 : padAbs / abs, max);
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

    /** The padding warning with its reason, or null when padding stays under the threshold. */
    public String warning(int padId) {
        if (paddingAbsShare <= PADDING_WARNING_SHARE) {
            return null;
        }
        return String.format(Locale.ROOT, "warning: padding carries %.1f%% of total |R| (over %.0f%%): the padding "
                + "embedding (row %d) is non-zero, e.g. trained without mask_zero, so padding positions feed the "
                + "convolution like words do", 100 * paddingAbsShare, 100 * PADDING_WARNING_SHARE, padId);
    }
}
