package org.jlrp.runtime.render;

/**
 * The diverging scale shared by the HTML and terminal heatmaps: white at 0, red toward +1 (pushes toward the
 * explained class), blue toward −1 (against it). Inputs are relevance divided by the text's max |R|.
 */
public final class HeatColors {

    /** RdBu's ends (ColorBrewer). */
    private static final int[] RED = {178, 24, 43};
    private static final int[] BLUE = {33, 102, 172};

    private HeatColors() {
    }

    /** {@code relevance / maxAbs}, clamped to [-1, 1]; 0 when {@code maxAbs} is 0. */
    public static double normalise(double relevance, double maxAbs) {
        if (maxAbs == 0 || !Double.isFinite(relevance)) {
            return 0;
        }
        return Math.max(-1, Math.min(1, relevance / maxAbs));
    }

    /** The colour of a normalised value as {r, g, b}; linear from white to the end colour of its sign. */
    public static int[] rgb(double t) {
        int[] end = t >= 0 ? RED : BLUE;
        double a = Math.min(1, Math.abs(t));
        int[] c = new int[3];
        for (int i = 0; i < 3; i++) {
            c[i] = (int) Math.round(255 + (end[i] - 255) * a);
        }
        return c;
    }

    /** {@code #rrggbb}. */
    public static String hex(double t) {
        int[] c = rgb(t);
        return String.format("#%02x%02x%02x", c[0], c[1], c[2]);
    }

    /** Whether text on this background should be white for contrast. */
    public static boolean dark(double t) {
        return Math.abs(t) > 0.6;
    }
}
