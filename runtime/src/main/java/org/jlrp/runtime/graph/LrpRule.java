package org.jlrp.runtime.graph;

/**
 * The ε-rule as applied to every Conv1D, Dense and average-pooling layer:
 * {@code R_i = Σ_j x_i w_ij / (z_j + ε·sign(z_j)) · R_j}, {@code sign(0) = +1}.
 *
 * @param eps        the stabiliser ε (default {@value #DEFAULT_EPS}); 0 gives LRP-0, which equals gradient × input
 *                   for ReLU/max-pool networks
 * @param ignoreBias leave biases out of the denominator {@code z_j}, so that relevance is conserved exactly (up to ε)
 *                   instead of being partly absorbed by the biases. The forward pass keeps its biases either way.
 */
public record LrpRule(double eps, boolean ignoreBias) {

    /** The default ε: 1e-6, the ε of Zennit's Epsilon rule and of our golden references. */
    public static final double DEFAULT_EPS = 1e-6;

    public static final LrpRule DEFAULT = new LrpRule(DEFAULT_EPS, false);

    public LrpRule {
        if (!(eps >= 0) || Double.isInfinite(eps)) {
            throw new IllegalArgumentException("eps must be a finite number >= 0, got " + eps);
        }
    }
}
