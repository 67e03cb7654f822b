package org.jlrp.runtime.render;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.Writer;
import java.util.Locale;
import org.jlrp.runtime.explain.Explanation;
import org.jlrp.runtime.render.ReportData.PaddingRun;
import org.jlrp.runtime.text.UnknownWords;

/**
 * Plain-text columns for {@code explain --format table}: a header per result with the diagnostics, then position,
 * word, id and relevance per input position. Each run of padding is folded into one row (positions {@code a-b},
 * {@code [N pad]}, the padding id and the run's summed relevance), as the terminal heatmap folds it.
 */
public final class TableReport {

    private TableReport() {
    }

    public static void write(Writer out, ReportData data) throws IOException {
        PrintWriter p = Output.printer(out);
        for (Explanation e : data.results()) {
            writeResult(p, data, e);
        }
        Output.finish(p);
    }

    private static void writeResult(PrintWriter out, ReportData data, Explanation e) {
        Diagnostics d = data.diagnostics(e);
        int predicted = data.predictedClass(e);
        out.printf(Locale.ROOT, "sequence %d  target %d (%s)  logit %.6g%s  predicted %d (%s%s)%n", e.sequence(),
                e.target(), data.label(e.target()), e.explainedLogit(), e.probabilities() == null ? ""
                        : String.format(Locale.ROOT, "  probability %.4f", e.probabilities()[e.target()]),
                predicted, data.label(predicted), e.probabilities() == null ? ""
                        : String.format(Locale.ROOT, ", p = %.4f", e.probabilities()[predicted]));
        for (String line : d.lines()) {
            out.println("  " + line);
        }
        UnknownWords unknown = data.unknownWordsOf(e);
        if (unknown != null && unknown.line() != null) {
            out.println("  " + unknown.line());
        }
        for (String warning : data.warnings(e)) {
            out.println("  " + warning);
        }
        out.printf(Locale.ROOT, "  %9s  %-20s  %8s  %s%n", "pos", "word", "id", "relevance");
        int n = e.tokens().length;
        for (int t = 0; t < n; ) {
            if (data.isPadding(e, t)) {
                PaddingRun run = data.paddingRun(e, t);
                int end = run.end();
                double sum = run.relevance();
                String positions = end - t == 1 ? Integer.toString(t) : t + "-" + (end - 1);
                out.printf(Locale.ROOT, "  %9s  %-20s  %8d  %+.6e%n", positions, "[" + (end - t) + " pad]",
                        data.padId(), sum);
                t = end;
            } else {
                out.printf(Locale.ROOT, "  %9d  %-20s  %8d  %+.6e%n", t, data.display(e, t), e.tokens()[t],
                        e.relevance()[t]);
                t++;
            }
        }
        out.println();
    }
}
