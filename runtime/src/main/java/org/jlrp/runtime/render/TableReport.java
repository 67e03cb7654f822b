package org.jlrp.runtime.render;

import java.io.PrintStream;
import java.util.List;
import java.util.Locale;
import org.jlrp.runtime.explain.Explanation;

/** Plain-text columns for {@code explain --format table}: a header per result, then position, id, word, relevance. */
public final class TableReport {

    private TableReport() {
    }

    /**
     * @param words per sequence, the word at each position (null for padding); null when the input was token ids
     */
    public static void write(PrintStream out, List<Explanation> results, List<String[]> words, int padId) {
        for (Explanation e : results) {
            out.printf(Locale.ROOT, "sequence %d  target %d  logit %.6g%s%n", e.sequence(), e.target(),
                    e.explainedLogit(), e.probabilities() == null ? ""
                            : String.format(Locale.ROOT, "  probability %.4f", e.probabilities()[e.target()]));
            out.printf(Locale.ROOT, "  relevance: tokens %.6g  padding %.6g  bias %.6g  (sum %.6g)%n",
                    e.relevanceSum() - e.relevancePadding(), e.relevancePadding(), e.relevanceBias(),
                    e.relevanceSum());
            if (!Double.isNaN(e.baselineLogit())) {
                out.printf(Locale.ROOT, "  integrated gradients: baseline logit %.6g  completeness error %.3g%n",
                        e.baselineLogit(), e.completenessError());
            }
            String[] w = words == null ? null : words.get(e.sequence());
            out.printf(Locale.ROOT, "  %5s  %8s  %-20s  %s%n", "pos", "id", "word", "relevance");
            for (int t = 0; t < e.tokens().length; t++) {
                String word = w != null && w[t] != null ? w[t] : e.tokens()[t] == padId ? "<pad>" : "";
                out.printf(Locale.ROOT, "  %5d  %8d  %-20s  %+.6e%n", t, e.tokens()[t], word, e.relevance()[t]);
            }
            out.println();
        }
    }
}
