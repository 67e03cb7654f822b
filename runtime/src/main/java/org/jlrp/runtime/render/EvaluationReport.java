package org.jlrp.runtime.render;

import com.fasterxml.jackson.core.JsonEncoding;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.util.Locale;
import org.jlrp.runtime.explain.DeletionEvaluation;
import org.jlrp.runtime.explain.DeletionEvaluation.Curve;

/** {@code jlrp evaluate}: the word-deletion curves and AOPC as a table, JSON, or an HTML page with an SVG plot. */
public final class EvaluationReport {

    private static final String[] COLOURS = {"#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b",
            "#e377c2", "#7f7f7f"};

    private EvaluationReport() {
    }

    public static void writeTable(PrintStream out, String model, DeletionEvaluation.Result r) {
        out.printf(Locale.ROOT, "model %s: %d texts, K = %d deletions (%s), accuracy %s%n", model, r.texts(),
                r.steps(), r.deletion() == DeletionEvaluation.Deletion.PAD ? "token -> pad id" : "embedding -> 0",
                r.labelled() ? "against the labels" : "= agreement with the original prediction");
        int mid = Math.max(1, r.steps() / 2);
        out.printf(Locale.ROOT, "%-40s %8s %10s %10s %10s %9s %9s%n", "method", "AOPC", "drop@1",
                "drop@" + mid, "drop@" + r.steps(), "acc@0", "acc@" + r.steps());
        for (Curve c : r.curves()) {
            double[] d = c.meanLogitDrop();
            out.printf(Locale.ROOT, "%-40s %8.4f %10.4f %10.4f %10.4f %9.4f %9.4f%n", c.name(), c.aopc(),
                    d[1], d[mid], d[r.steps()], c.accuracy()[0],
                    c.accuracy()[r.steps()]);
        }
    }

    public static void writeJson(OutputStream out, String model, DeletionEvaluation.Result r) throws IOException {
        try (JsonGenerator g = new JsonFactory().createGenerator(out, JsonEncoding.UTF8)) {
            g.disable(JsonGenerator.Feature.AUTO_CLOSE_TARGET);
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
                g.writeNumberField("aopc", c.aopc());
                g.writeArrayFieldStart("mean_logit_drop");
                for (double v : c.meanLogitDrop()) {
                    g.writeNumber(v);
                }
                g.writeEndArray();
                g.writeArrayFieldStart("accuracy");
                for (double v : c.accuracy()) {
                    g.writeNumber(v);
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
    public static void writeHtml(PrintStream out, String model, DeletionEvaluation.Result r) {
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
        out.println("<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>jlrp evaluate</title></head><body>");
        out.printf(Locale.ROOT, "<h1>Word deletion: %s</h1><p>%d texts, K = %d, AOPC (larger = more faithful)</p>%n",
                escape(model), r.texts(), r.steps());
        out.println("<table border=\"1\" cellpadding=\"4\"><tr><th>method</th><th>AOPC</th><th>accuracy at k=0</th>"
                + "<th>accuracy at k=K</th></tr>");
        for (Curve c : r.curves()) {
            out.printf(Locale.ROOT, "<tr><td>%s</td><td>%.4f</td><td>%.4f</td><td>%.4f</td></tr>%n", escape(c.name()),
                    c.aopc(), c.accuracy()[0], c.accuracy()[r.steps()]);
        }
        out.println("</table>");
        out.printf(Locale.ROOT, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\">%n", w + 220,
                h + pad);
        out.printf(Locale.ROOT, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"black\"/>%n", pad, h, w, h);
        out.printf(Locale.ROOT, "<line x1=\"%d\" y1=\"10\" x2=\"%d\" y2=\"%d\" stroke=\"black\"/>%n", pad, pad, h);
        out.printf(Locale.ROOT, "<text x=\"%d\" y=\"%d\">k (tokens deleted)</text>%n", w / 2, h + 35);
        out.printf(Locale.ROOT, "<text x=\"5\" y=\"20\">%.2f</text><text x=\"5\" y=\"%d\">%.2f</text>%n", max, h,
                min);
        for (int i = 0; i < r.curves().size(); i++) {
            Curve c = r.curves().get(i);
            StringBuilder points = new StringBuilder();
            for (int k = 0; k <= r.steps(); k++) {
                double x = pad + (double) (w - pad) * k / Math.max(1, r.steps());
                double y = h - (h - 10) * (c.meanLogitDrop()[k] - min) / (max - min);
                points.append(String.format(Locale.ROOT, "%.1f,%.1f ", x, y));
            }
            String colour = COLOURS[i % COLOURS.length];
            out.printf(Locale.ROOT, "<polyline fill=\"none\" stroke=\"%s\" stroke-width=\"2\" points=\"%s\"/>%n",
                    colour, points.toString().trim());
            out.printf(Locale.ROOT, "<text x=\"%d\" y=\"%d\" fill=\"%s\">%s</text>%n", w + 10, 20 + 18 * i, colour,
                    escape(c.name()));
        }
        out.println("</svg><p>Mean drop of the predicted class's logit as the most relevant tokens are deleted.</p>");
        out.println("</body></html>");
    }

    private static String escape(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
    }
}
