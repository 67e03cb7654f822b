package org.jlrp.runtime.render;

import java.io.IOException;
import java.io.Writer;
import java.util.Locale;
import org.jlrp.runtime.explain.Composite;
import org.jlrp.runtime.explain.Explanation;
import org.jlrp.runtime.render.ReportData.PaddingRun;
import org.jlrp.runtime.explain.Method;
import org.jlrp.runtime.text.UnknownWords;

/**
 * One self-contained HTML page of heatmaps: inline CSS, no scripts, no external URLs, so it opens offline and from
 * an e-mail attachment. The markup is also well-formed XML (XHTML-compatible), which the tests check with a parser.
 *
 * <p>Per text: predicted class and probability, the explained class and logit, each word with a background on a
 * diverging scale normalised by the text's max |R| (red toward the explained class, blue against), the exact value
 * on hover ({@code title}) and in {@code data-r}, each padding run folded into one grey marker with its summed
 * relevance (as the terminal heatmap folds it: a page of thousands of texts stays small; the JSON output has every
 * position), the words the tokenizer did not know, and the diagnostics of {@link Diagnostics} that mean something
 * for the method (LRP: conservation, padding and bias as numbers and shares of the logit), and the warnings.
 */
public final class HtmlReport {

    private HtmlReport() {
    }

    public static void write(Writer out, ReportData data) throws IOException {
        head(out, "jlrp heatmaps: " + data.model());
        out.write("<body>\n<header>\n<h1>Relevance heatmaps</h1>\n");
        out.write("<p class=\"meta\">model <code>" + escape(data.model()) + "</code> &#183; " + data.results().size()
                + " explanation" + (data.results().size() == 1 ? "" : "s") + " &#183; " + escape(methodName(data))
                + "</p>\n");
        out.write("<div class=\"legend\"><span>against the explained class</span><span class=\"bar\"></span>"
                + "<span>toward the explained class</span></div>\n");
        out.write("<p class=\"meta\">Colours are normalised per text by its max |R|. Hover a word for its exact "
                + "relevance. Each run of padding is one grey marker with its summed relevance.</p>\n</header>\n");
        for (Explanation e : data.results()) {
            writeResult(out, data, e);
        }
        out.write("</body>\n</html>\n");
    }

    /** The document head shared by jlrp's pages: charset, title and the stylesheet. */
    static void head(Writer out, String title) throws IOException {
        out.write("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\"/>\n");
        out.write("<title>" + escape(title) + "</title>\n<style>\n" + CSS + "</style>\n</head>\n");
    }

    private static String methodName(ReportData data) {
        Method method = data.method();
        if (method != Method.LRP) {
            return method.cliName();
        }
        var rules = data.options().rules();
        return rules.equals(Composite.DEFAULT) ? "\u03b5-LRP" : "LRP " + rules.name();
    }

    private static void writeResult(Writer out, ReportData data, Explanation e) throws IOException {
        Diagnostics d = data.diagnostics(e);
        int predicted = data.predictedClass(e);
        out.write("<section class=\"text\" id=\"r" + e.sequence() + "-" + e.target() + "\">\n<h2>#" + e.sequence()
                + " &#183; predicted <b class=\"label\">" + escape(data.label(predicted)) + "</b>");
        if (e.probabilities() != null) {
            out.write(String.format(Locale.ROOT, " (p = %.4f)", e.probabilities()[predicted]));
        }
        out.write(" &#183; explaining <b>" + escape(data.label(e.target())) + "</b>"
                + String.format(Locale.ROOT, ", logit %+.6g", e.explainedLogit()));
        if (e.probabilities() != null && e.target() != predicted) {
            out.write(String.format(Locale.ROOT, " (p = %.4f)", e.probabilities()[e.target()]));
        }
        out.write("</h2>\n<div class=\"words\">");
        int n = e.tokens().length;
        for (int t = 0; t < n; ) {
            if (data.isPadding(e, t)) {
                PaddingRun run = data.paddingRun(e, t);
                int end = run.end();
                double sum = run.relevance();
                // One marker per run, as in the terminal: a span per position made pages of thousands of texts huge.
                String text = String.format(Locale.ROOT, "%d padding position%s, R = %s", end - t,
                        end - t == 1 ? "" : "s", sum == 0 ? "0" : String.format(Locale.ROOT, "%+.4g", sum));
                String title = String.format(Locale.ROOT, "positions %d-%d: padding (id %d), R = %+.6g (%s of the "
                        + "logit)", t, end - 1, data.padId(), sum, d.shareOfLogit(sum));
                out.write("<span class=\"pad\" title=\"" + escape(title) + "\">" + escape(text) + "</span> ");
                t = end;
            } else {
                span(out, data, e, d, t, "w");
                t++;
            }
        }
        out.write("</div>\n<ul class=\"diag\">\n");
        for (String line : d.lines()) {
            out.write("<li>" + escape(line) + "</li>\n");
        }
        out.write(String.format(Locale.ROOT, "<li>max |R| = %.6g (the colour scale's end)</li>\n", d.maxAbs()));
        out.write("</ul>\n");
        UnknownWords unknown = data.unknownWordsOf(e);
        if (unknown != null && unknown.line() != null) {
            out.write("<p class=\"note\">" + escape(unknown.line()) + "</p>\n");
        }
        for (String warning : data.warnings(e)) {
            out.write("<p class=\"warn\">" + escape(warning) + "</p>\n");
        }
        out.write("</section>\n");
    }

    private static void span(Writer out, ReportData data, Explanation e, Diagnostics d, int t, String cls)
            throws IOException {
        double r = e.relevance()[t];
        double scaled = HeatColors.normalise(r, d.maxAbs());
        String text = data.display(e, t);
        String title = String.format(Locale.ROOT, "%s: R = %+.6g (%s of the logit), id %d, position %d", text, r,
                d.shareOfLogit(r), e.tokens()[t], t);
        String style = " style=\"background:" + HeatColors.hex(scaled)
                + (HeatColors.dark(scaled) ? ";color:#fff" : "") + "\"";
        out.write("<span class=\"" + cls + "\"" + style + " data-r=\"" + (float) r + "\" title=\"" + escape(title)
                + "\">" + escape(text) + "</span> ");
    }

    /** Escapes text for element content and double- or single-quoted attributes. */
    static String escape(String s) {
        StringBuilder b = new StringBuilder(s.length() + 8);
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '&' -> b.append("&amp;");
                case '<' -> b.append("&lt;");
                case '>' -> b.append("&gt;");
                case '"' -> b.append("&quot;");
                case '\'' -> b.append("&#39;");
                default -> {
                    // XML 1.0 forbids most control characters even as references; show them as U+FFFD.
                    if (c < 0x20 && c != '\t' && c != '\n' && c != '\r') {
                        b.append('\uFFFD');
                    } else {
                        b.append(c);
                    }
                }
            }
        }
        return b.toString();
    }

    private static final String CSS = String.join("\n",
            "body{font:15px/1.5 system-ui,-apple-system,'Segoe UI',sans-serif;margin:2em auto;max-width:60em;"
                    + "padding:0 1em;color:#222;background:#fff}",
            "h1{font-size:1.4em;margin:0 0 .3em}",
            "h2{font-size:1em;font-weight:normal;margin:0 0 .4em}",
            ".meta{color:#555;margin:.2em 0}",
            ".legend{display:flex;align-items:center;gap:.6em;font-size:.85em;color:#555;margin:.6em 0}",
            ".legend .bar{display:inline-block;width:14em;height:.9em;border:1px solid #ccc;"
                    + "background:linear-gradient(to right,#2166ac,#ffffff,#b2182b)}",
            "section.text{border-top:1px solid #ddd;padding:.8em 0}",
            ".words{line-height:2}",
            ".w{padding:.15em .25em;border-radius:3px;cursor:help}",
            "span.pad{display:inline-block;color:#999;font-size:.85em;margin-right:.4em;cursor:help}",
            "ul.diag{font-size:.85em;color:#444;margin:.4em 0 0;padding-left:1.2em}",
            ".note{color:#444;font-size:.85em;margin:.3em 0}",
            ".warn{color:#8a4b00;background:#fff4e0;padding:.3em .6em;border-radius:3px;font-size:.9em}",
            "table.aopc{border-collapse:collapse;font-size:.9em;margin:.8em 0}",
            "table.aopc th,table.aopc td{border-bottom:1px solid #ddd;padding:.25em .7em;text-align:right}",
            "table.aopc th:first-child,table.aopc td:first-child{text-align:left}",
            "svg.curves{display:block;margin:.8em 0;font-size:12px}",
            "");
}
