package org.jlrp.runtime.render;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.Writer;
import java.util.Locale;
import java.util.Map;
import org.jlrp.runtime.explain.Explanation;
import org.jlrp.runtime.render.ReportData.PaddingRun;
import org.jlrp.runtime.text.UnknownWords;

/**
 * Heatmaps for the terminal: each word on a background from the diverging scale of {@link HeatColors} (red toward the
 * explained class, blue against, normalised per text by max |R|), padding runs folded into one grey marker, then the
 * diagnostics lines. No line ends in a space.
 */
public final class AnsiReport {

    /** How many colours the terminal shows. */
    public enum ColorMode {
        /** 24-bit {@code ESC[48;2;r;g;bm}. */
        TRUECOLOR,
        /** The xterm 256-colour cube, {@code ESC[48;5;nm}. */
        COLOR256;

        /** Truecolour when {@code COLORTERM} is {@code truecolor} or {@code 24bit}, as terminals announce it. */
        public static ColorMode fromEnvironment(Map<String, String> env) {
            String c = env.getOrDefault("COLORTERM", "").toLowerCase(Locale.ROOT);
            return c.equals("truecolor") || c.equals("24bit") ? TRUECOLOR : COLOR256;
        }
    }

    private static final String RESET = "\u001b[0m";
    private static final String GREY = "\u001b[90m";
    private static final String BOLD = "\u001b[1m";
    private static final int WIDTH = 100;

    private AnsiReport() {
    }

    public static void write(Writer out, ReportData data, ColorMode mode) throws IOException {
        PrintWriter p = Output.printer(out);
        for (Explanation e : data.results()) {
            writeResult(p, data, e, mode);
        }
        Output.finish(p);
    }

    private static void writeResult(PrintWriter out, ReportData data, Explanation e, ColorMode mode) {
        Diagnostics d = data.diagnostics(e);
        int predicted = data.predictedClass(e);
        StringBuilder head = new StringBuilder();
        head.append(String.format(Locale.ROOT, "#%d  %s%s%s", e.sequence(), BOLD, data.label(predicted), RESET));
        if (e.probabilities() != null) {
            head.append(String.format(Locale.ROOT, " (p = %.4f)", e.probabilities()[predicted]));
        }
        head.append(String.format(Locale.ROOT, "   explaining %s, logit %+.6g", data.label(e.target()),
                e.explainedLogit()));
        out.println(head);

        StringBuilder line = new StringBuilder("  ");
        int column = 2;
        int n = e.tokens().length;
        for (int t = 0; t < n; ) {
            String piece;
            int visible;
            if (data.isPadding(e, t)) {
                PaddingRun run = data.paddingRun(e, t);
                int end = run.end();
                double sum = run.relevance();
                String text = String.format(Locale.ROOT, "[%d pad, R %+.3g]", end - t, sum);
                piece = GREY + text + RESET;
                visible = text.length();
                t = end;
            } else {
                String text = " " + data.display(e, t) + " ";
                double scaled = HeatColors.normalise(e.relevance()[t], d.maxAbs());
                piece = background(scaled, mode) + text + RESET;
                visible = text.codePointCount(0, text.length());
                t++;
            }
            if (column + visible + 1 > WIDTH && column > 2) {
                out.println(line);
                line = new StringBuilder("  ");
                column = 2;
            }
            line.append(column > 2 ? " " : "").append(piece);
            column += (column > 2 ? 1 : 0) + visible;
        }
        out.println(line);
        for (String diagnostic : d.lines()) {
            out.println("  " + GREY + diagnostic + RESET);
        }
        UnknownWords unknown = data.unknownWordsOf(e);
        if (unknown != null && unknown.line() != null) {
            out.println("  " + GREY + unknown.line() + RESET);
        }
        for (String warning : data.warnings(e)) {
            out.println("  \u001b[33m" + warning + RESET);
        }
        out.println("  " + legend(d.maxAbs(), mode));
        out.println();
    }

    private static String legend(double maxAbs, ColorMode mode) {
        StringBuilder b = new StringBuilder(GREY).append("against ").append(RESET);
        for (int i = -4; i <= 4; i++) {
            b.append(background(i / 4.0, mode)).append("  ").append(RESET);
        }
        b.append(GREY).append(String.format(Locale.ROOT, " toward the explained class  (scale: max |R| = %.4g)",
                maxAbs)).append(RESET);
        return b.toString();
    }

    /** Background colour and a readable foreground for a normalised relevance. */
    static String background(double scaled, ColorMode mode) {
        int[] c = HeatColors.rgb(scaled);
        String fg = HeatColors.dark(scaled) ? "\u001b[97m" : "\u001b[30m";
        if (mode == ColorMode.TRUECOLOR) {
            return String.format(Locale.ROOT, "\u001b[48;2;%d;%d;%dm", c[0], c[1], c[2]) + fg;
        }
        return "\u001b[48;5;" + cube(c) + "m" + fg;
    }

    /** The nearest colour of the xterm 6×6×6 cube (indices 16–231). */
    static int cube(int[] rgb) {
        int[] levels = {0, 95, 135, 175, 215, 255};
        int index = 16;
        int[] weights = {36, 6, 1};
        for (int i = 0; i < 3; i++) {
            int best = 0;
            for (int l = 1; l < levels.length; l++) {
                if (Math.abs(levels[l] - rgb[i]) < Math.abs(levels[best] - rgb[i])) {
                    best = l;
                }
            }
            index += weights[i] * best;
        }
        return index;
    }
}
