package org.jlrp.runtime.render;

import java.io.PrintStream;
import java.util.List;
import java.util.Locale;
import org.jlrp.runtime.explain.Explanation;

/**
 * Plain-text columns for {@code explain --format table}: a header per result with the diagnostics, then position,
 * word, id and relevance per input position.
 */
public final class TableReport {

    private TableReport() {
    }

    /**
     * @param words per sequence, the word at each position (null for padding); null when the input was token ids
     */
    public static void write(PrintStream out, List<Explanation> results, List<String[]> words, int padId) {
        write(out, new ReportData("", results, words, null, padId));
    }

    public static void write(PrintStream out, ReportData data) {
        for (Explanation e : data.results()) {
            Diagnostics d = Diagnostics.of(e, data.padId());
            int predicted = e.predictedClass();
            out.printf(Locale.ROOT, "sequence %d  target %d (%s)  logit %.6g%s  predicted %d (%s)%n", e.sequence(),
                    e.target(), data.label(e.target()), e.explainedLogit(), e.probabilities() == null ? ""
                            : String.format(Locale.ROOT, "  probability %.4f", e.probabilities()[e.target()]),
                    predicted, data.label(predicted));
            out.println("  " + d.conservationLine());
            out.println("  " + d.sharesLine());
            if (!Double.isNaN(e.baselineLogit())) {
                out.printf(Locale.ROOT, "  integrated gradients: baseline logit %.6g  completeness error %.3g%n",
                        e.baselineLogit(), e.completenessError());
            }
            String warning = d.warning(data.padId());
            if (warning != null) {
                out.println("  " + warning);
            }
            out.printf(Locale.ROOT, "  %5s  %-20s  %8s  %s%n", "pos", "word", "id", "relevance");
            for (int t = 0; t < e.tokens().length; t++) {
                out.printf(Locale.ROOT, "  %5d  %-20s  %8d  %+.6e%n", t, data.display(e, t), e.tokens()[t],
                        e.relevance()[t]);
            }
            out.println();
        }
    }
}
