package org.jlrp.runtime.render;

import com.fasterxml.jackson.core.JsonGenerator;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.Writer;
import java.util.Locale;
import org.jlrp.runtime.explain.DeletionEvaluation;
import org.jlrp.runtime.explain.DeletionEvaluation.Curve;

/**
 * {@code jlrp evaluate}: the word-deletion curves and AOPC as a table, JSON, or an HTML page with an SVG plot, styled
 * as the {@code explain} heatmaps ({@link HtmlReport}).
 */
public final class EvaluationReport {

    private static final String[] COLOURS = {"#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b",
            "#e377c2", "#7f7f7f"};

    private EvaluationReport() {
    }

    public static void writeTable(Writer out, String model, DeletionEvaluation.Result r) throws IOException {
        PrintWriter p = Output.printer(out);
        p.printf(Locale.ROOT, "model %s: %d texts, K = %d deletions (%s), accuracy %s%n", model, r.texts(),
                r.steps(), deletion(r), r.labelled() ? "against the labels" : "= agreement with the original prediction");
        int mid = Math.max(1, r.steps() / 2);
        p.printf(Locale.ROOT, "%-40s %8s %10s %10s %10s %9s %9s%n", "method", "AOPC", "drop@1",
                "drop@" + mid, "drop@" + r.steps(), "acc@0", "acc@" + r.steps());
        for (Curve c : r.curves()) {
            double[] d = c.meanLogitDrop();
            p.printf(Locale.ROOT, "%-40s %8.4f %10.4f %10.4f %10.4f %9.4f %9.4f%n", c.name(), c.aopc(),
                    d[1], d[mid], d[r.steps()], c.accuracy()[0], c.accuracy()[r.steps()]);
        }
        Output.finish(p);
    }

    public static void writeJson(Writer out, String model, DeletionEvaluation.Result r) throws IOException {
        try (JsonGenerator g = Output.json(out)) {
            g.writeStartObject();
            g.writeStringField("model", model);
            g.writeNumberField("texts", r.texts());
            g.writeNumberField("steps", r.steps());
            g.writeStringField("deletion", r.deletion() == DeletionEvaluation.Deletion.PAD ? "pad" : "zero");
            g.writeBooleanField("labelled", r.labelled());
            g.writeArrayFieldStart("methods");
            for (Curve c : r.curves()) {
                g.writeStartObject();
                g.writeStringField("name", c.name());
                Output.numberField(g, "aopc", c.aopc());
                g.writeArrayFieldStart("mean_logit_drop");
                for (double v : c.meanLogitDrop()) {
                    Output.number(g, v);
                }
                g.writeEndArray();
                g.writeArrayFieldStart("accuracy");
                for (double v : c.accuracy()) {
                    Output.number(g, v);
                }
                g.writeEndArray();
                g.writeEndObject();
            }
            g.writeEndArray();
            g.writeEndObject();
            g.writeRaw('\n');
        }
    }

    /** A self-contained HTML page: the AOPC table and an SVG plot of mean logit drop against k. */
    public static void writeHtml(Writer out, String model, DeletionEvaluation.Result r) throws IOException {
        double max = 1e-9;
        double min = 0;
        for (Curve c : r.curves()) {
            for (double v : c.meanLogitDrop()) {
                max = Math.max(max, v);
                min = Math.min(min, v);
            }
        }
        int w = 640;
        int h = 360;
        int pad = 50;
        HtmlReport.head(out, "jlrp evaluate: " + model);
        PrintWriter p = Output.printer(out);
        p.println("<body>\n<header>\n<h1>Word deletion (AOPC)</h1>");
        p.printf(Locale.ROOT, "<p class=\"meta\">model <code>%s</code> &#183; %d texts &#183; K = %d deletions (%s) "
                + "&#183; accuracy %s</p>%n", HtmlReport.escape(model), r.texts(), r.steps(), HtmlReport.escape(deletion(r)),
                r.labelled() ? "against the labels" : "= agreement with the original prediction");
        p.println("<p class=\"meta\">The most relevant tokens of each text are deleted first; AOPC is the mean drop of "
                + "the predicted class's logit over k = 0&#8230;K. Larger is more faithful.</p>\n</header>");
        int mid = Math.max(1, r.steps() / 2);
        p.printf(Locale.ROOT, "<table class=\"aopc\">%n<tr><th>method</th><th>AOPC</th><th>drop@1</th><th>drop@%d</th>"
                + "<th>drop@%d</th><th>accuracy at k=0</th><th>accuracy at k=%d</th></tr>%n", mid, r.steps(),
                r.steps());
        for (int i = 0; i < r.curves().size(); i++) {
            Curve c = r.curves().get(i);
            double[] d = c.meanLogitDrop();
            p.printf(Locale.ROOT, "<tr><td><span style=\"color:%s\">&#9632;</span> %s</td><td>%.4f</td><td>%.4f</td>"
                    + "<td>%.4f</td><td>%.4f</td><td>%.4f</td><td>%.4f</td></tr>%n", COLOURS[i % COLOURS.length],
                    HtmlReport.escape(c.name()), c.aopc(), d[1], d[mid], d[r.steps()], c.accuracy()[0],
                    c.accuracy()[r.steps()]);
        }
        p.println("</table>");
        p.printf(Locale.ROOT, "<svg class=\"curves\" xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" "
                + "role=\"img\" aria-label=\"mean logit drop against k\">%n", w + 220, h + pad);
        p.printf(Locale.ROOT, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#444\"/>%n", pad, h, w, h);
        p.printf(Locale.ROOT, "<line x1=\"%d\" y1=\"10\" x2=\"%d\" y2=\"%d\" stroke=\"#444\"/>%n", pad, pad, h);
        p.printf(Locale.ROOT, "<text x=\"%d\" y=\"%d\" fill=\"#555\">k (tokens deleted)</text>%n", w / 2, h + 35);
        p.printf(Locale.ROOT, "<text x=\"5\" y=\"20\" fill=\"#555\">%.2f</text><text x=\"5\" y=\"%d\" fill=\"#555\">"
                + "%.2f</text>%n", max, h, min);
        for (int i = 0; i < r.curves().size(); i++) {
            Curve c = r.curves().get(i);
            StringBuilder points = new StringBuilder();
            for (int k = 0; k <= r.steps(); k++) {
                double x = pad + (double) (w - pad) * k / Math.max(1, r.steps());
                double y = h - (h - 10) * (c.meanLogitDrop()[k] - min) / (max - min);
                points.append(String.format(Locale.ROOT, "%.1f,%.1f ", x, y));
            }
            String colour = COLOURS[i % COLOURS.length];
            p.printf(Locale.ROOT, "<polyline fill=\"none\" stroke=\"%s\" stroke-width=\"2\" points=\"%s\"/>%n",
                    colour, points.toString().trim());
            p.printf(Locale.ROOT, "<text x=\"%d\" y=\"%d\" fill=\"%s\">%s</text>%n", w + 10, 20 + 18 * i, colour,
                    HtmlReport.escape(c.name()));
        }
        p.println("</svg>\n<p class=\"note\">Mean drop of the predicted class's logit as the most relevant tokens are "
                + "deleted.</p>");
        p.println("</body>\n</html>");
        Output.finish(p);
    }

    private static String deletion(DeletionEvaluation.Result r) {
        return r.deletion() == DeletionEvaluation.Deletion.PAD ? "token -> pad id" : "embedding -> 0";
    }
}
