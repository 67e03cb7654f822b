package org.jlrp.runtime.render;

import com.fasterxml.jackson.core.JsonGenerator;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.Writer;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.jlrp.runtime.explain.DeletionEvaluation;
import org.jlrp.runtime.explain.DeletionEvaluation.Curve;

/**
 * {@code jlrp evaluate}: a method-by-metric table (ERASER comprehensiveness and sufficiency, word-deletion AOPC,
 * accuracy) as text, JSON, or an HTML page with SVG plots of the curves, styled as the {@code explain} heatmaps
 * ({@link HtmlReport}).
 */
public final class EvaluationReport {

    private static final String[] COLOURS = {"#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b",
            "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"};

    private EvaluationReport() {
    }

    public static void writeTable(Writer out, String model, DeletionEvaluation.Result r) throws IOException {
        PrintWriter p = Output.printer(out);
        int steps = r.settings().steps();
        p.printf(Locale.ROOT, "model %s: %d texts, removal %s, %s%n", model, r.texts(), removal(r), accuracy(r));
        p.printf(Locale.ROOT, "compr./suff.: ERASER comprehensiveness (larger is better) and sufficiency (smaller is "
                + "better), mean over bins %s%% of the tokens; del.AOPC: word-deletion AOPC of the logit over "
                + "k = 0..%d tokens (larger is better)%n", percents(r), steps);
        p.printf(Locale.ROOT, "%-32s %9s %9s %9s %9s %9s%n", "method", "compr.", "suff.", "del.AOPC",
                "drop@" + steps, "acc@" + steps);
        for (Curve c : r.curves()) {
            p.printf(Locale.ROOT, "%-32s %9.4f %9.4f %9.4f %9.4f %9.4f%n", c.name(), c.comprehensivenessAopc(),
                    c.sufficiencyAopc(), c.aopc(), c.meanLogitDrop()[steps], c.accuracy()[steps]);
        }
        p.println();
        p.printf(Locale.ROOT, "%-32s", "per bin (compr. / suff.)");
        for (int percent : r.settings().percents()) {
            p.printf(Locale.ROOT, " %15s", percent + "%");
        }
        p.println();
        for (Curve c : r.curves()) {
            p.printf(Locale.ROOT, "%-32s", c.name());
            for (int b = 0; b < r.settings().percents().size(); b++) {
                p.printf(Locale.ROOT, " %7.4f/%7.4f", c.comprehensiveness()[b], c.sufficiency()[b]);
            }
            p.println();
        }
        Output.finish(p);
    }

    public static void writeJson(Writer out, String model, DeletionEvaluation.Result r) throws IOException {
        try (JsonGenerator g = Output.json(out)) {
            Output.Numbers n = new Output.Numbers();
            g.writeStartObject();
            g.writeStringField("model", model);
            g.writeNumberField("texts", r.texts());
            g.writeStringField("removal", r.settings().removal().cliName());
            g.writeNumberField("steps", r.settings().steps());
            g.writeArrayFieldStart("percents");
            for (int percent : r.settings().percents()) {
                g.writeNumber(percent);
            }
            g.writeEndArray();
            g.writeBooleanField("labelled", r.labelled());
            if (r.labelled()) {
                n.numberField(g, "accuracy", r.accuracy());
            } else {
                g.writeNullField("accuracy");
            }
            g.writeArrayFieldStart("methods");
            for (Curve c : r.curves()) {
                g.writeStartObject();
                g.writeStringField("name", c.name());
                n.numberField(g, "comprehensiveness_aopc", c.comprehensivenessAopc());
                n.numberField(g, "sufficiency_aopc", c.sufficiencyAopc());
                n.numberField(g, "aopc", c.aopc());
                array(g, n, "comprehensiveness", c.comprehensiveness());
                array(g, n, "sufficiency", c.sufficiency());
                array(g, n, "mean_logit_drop", c.meanLogitDrop());
                array(g, n, "accuracy", c.accuracy());
                g.writeEndObject();
            }
            g.writeEndArray();
            g.writeEndObject();
            g.writeRaw('\n');
        }
    }

    private static void array(JsonGenerator g, Output.Numbers n, String name, double[] values) throws IOException {
        g.writeArrayFieldStart(name);
        for (double v : values) {
            n.number(g, v);
        }
        g.writeEndArray();
    }

    /** A self-contained HTML page: the method-by-metric table and inline SVG plots of the three curves. */
    public static void writeHtml(Writer out, String model, DeletionEvaluation.Result r) throws IOException {
        int steps = r.settings().steps();
        HtmlReport.head(out, "jlrp evaluate: " + model);
        PrintWriter p = Output.printer(out);
        p.println("<body>\n<header>\n<h1>Faithfulness: ERASER comprehensiveness and sufficiency, word deletion</h1>");
        p.printf(Locale.ROOT, "<p class=\"meta\">model <code>%s</code> &#183; %d texts &#183; removal %s &#183; "
                + "%s</p>%n", HtmlReport.escape(model), r.texts(), HtmlReport.escape(removal(r)),
                HtmlReport.escape(accuracy(r)));
        p.printf(Locale.ROOT, "<p class=\"meta\">Comprehensiveness: the drop of the predicted class's probability when "
                + "the top k%% tokens are removed; sufficiency: the drop when only they are kept; each the mean over "
                + "k = %s%% (ERASER's AOPC). Deletion: the mean drop of the predicted class's logit as the top "
                + "tokens are removed one by one, k = 0&#8230;%d. Comprehensiveness and deletion: larger is more "
                + "faithful; sufficiency: smaller.</p>%n</header>%n", percents(r), steps);
        p.printf(Locale.ROOT, "<table class=\"aopc\">%n<tr><th>method</th><th>comprehensiveness &#8593;</th>"
                + "<th>sufficiency &#8595;</th><th>deletion AOPC &#8593;</th><th>drop@%d</th>"
                + "<th>accuracy at k=%d</th></tr>%n", steps, steps);
        for (int i = 0; i < r.curves().size(); i++) {
            Curve c = r.curves().get(i);
            p.printf(Locale.ROOT, "<tr><td><span style=\"color:%s\">&#9632;</span> %s</td><td>%.4f</td><td>%.4f</td>"
                    + "<td>%.4f</td><td>%.4f</td><td>%.4f</td></tr>%n", colour(i), HtmlReport.escape(c.name()),
                    c.comprehensivenessAopc(), c.sufficiencyAopc(), c.aopc(), c.meanLogitDrop()[steps],
                    c.accuracy()[steps]);
        }
        p.println("</table>");
        List<String> bins = new ArrayList<>();
        for (int percent : r.settings().percents()) {
            bins.add(percent + "%");
        }
        List<String> ks = new ArrayList<>();
        for (int k = 0; k <= steps; k++) {
            ks.add(Integer.toString(k));
        }
        plot(p, r, "comprehensiveness", "top k% removed", bins, Curve::comprehensiveness);
        plot(p, r, "sufficiency", "only the top k% kept", bins, Curve::sufficiency);
        plot(p, r, "mean logit drop", "k tokens deleted", ks, Curve::meanLogitDrop);
        p.println("</body>\n</html>");
        Output.finish(p);
    }

    /** One line chart: a curve per method against evenly spaced x labels, with the legend on the right. */
    private static void plot(PrintWriter p, DeletionEvaluation.Result r, String title, String xTitle,
                             List<String> xs, java.util.function.Function<Curve, double[]> values) {
        int w = 560;
        int h = 260;
        int left = 60;
        int top = 24;
        double max = 1e-9;
        double min = 0;
        for (Curve c : r.curves()) {
            for (double v : values.apply(c)) {
                max = Math.max(max, v);
                min = Math.min(min, v);
            }
        }
        p.printf(Locale.ROOT, "<svg class=\"curves\" xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" "
                + "role=\"img\" aria-label=\"%s against %s\">%n", w + 240, h + 50, title, xTitle);
        p.printf(Locale.ROOT, "<text x=\"%d\" y=\"14\" fill=\"#222\">%s</text>%n", left, title);
        p.printf(Locale.ROOT, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#444\"/>%n", left, h, w, h);
        p.printf(Locale.ROOT, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#444\"/>%n", left, top, left, h);
        p.printf(Locale.ROOT, "<text x=\"4\" y=\"%d\" fill=\"#555\">%.3f</text><text x=\"4\" y=\"%d\" fill=\"#555\">"
                + "%.3f</text>%n", top + 4, max, h, min);
        int last = Math.max(1, xs.size() - 1);
        for (int i = 0; i < xs.size(); i++) {
            if (xs.size() <= 12 || i % ((xs.size() + 11) / 12) == 0 || i == xs.size() - 1) {
                p.printf(Locale.ROOT, "<text x=\"%.1f\" y=\"%d\" fill=\"#555\" text-anchor=\"middle\">%s</text>%n",
                        x(i, last, left, w), h + 16, HtmlReport.escape(xs.get(i)));
            }
        }
        p.printf(Locale.ROOT, "<text x=\"%d\" y=\"%d\" fill=\"#555\" text-anchor=\"middle\">%s</text>%n",
                (left + w) / 2, h + 36, HtmlReport.escape(xTitle));
        for (int i = 0; i < r.curves().size(); i++) {
            Curve c = r.curves().get(i);
            double[] v = values.apply(c);
            StringBuilder points = new StringBuilder();
            for (int k = 0; k < v.length; k++) {
                double y = h - (h - top) * (v[k] - min) / (max - min);
                points.append(String.format(Locale.ROOT, "%.1f,%.1f ", x(k, last, left, w), y));
            }
            p.printf(Locale.ROOT, "<polyline fill=\"none\" stroke=\"%s\" stroke-width=\"2\" points=\"%s\"/>%n",
                    colour(i), points.toString().trim());
            p.printf(Locale.ROOT, "<text x=\"%d\" y=\"%d\" fill=\"%s\">%s</text>%n", w + 12, top + 16 + 18 * i,
                    colour(i), HtmlReport.escape(c.name()));
        }
        p.println("</svg>");
    }

    private static double x(int i, int last, int left, int w) {
        return left + (double) (w - left) * i / last;
    }

    private static String colour(int i) {
        return COLOURS[i % COLOURS.length];
    }

    private static String removal(DeletionEvaluation.Result r) {
        return switch (r.settings().removal()) {
            case PAD -> "pad (a removed token becomes the pad id)";
            case DELETE -> "delete (removed tokens are cut out, the sequence re-padded)";
            case ZERO -> "zero (a removed token's embedding becomes 0)";
        };
    }

    private static String accuracy(DeletionEvaluation.Result r) {
        return r.labelled() ? String.format(Locale.ROOT, "accuracy %.4f against the labels", r.accuracy())
                : "no labels (accuracy = agreement with the original prediction)";
    }

    private static String percents(DeletionEvaluation.Result r) {
        StringBuilder b = new StringBuilder();
        for (int percent : r.settings().percents()) {
            b.append(b.length() == 0 ? "" : ", ").append(percent);
        }
        return b.toString();
    }
}
