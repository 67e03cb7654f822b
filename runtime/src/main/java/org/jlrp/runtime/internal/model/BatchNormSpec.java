package org.jlrp.runtime.internal.model;

import java.util.List;

/**
 * Batch normalization at inference, over the last (channel) axis: the elementwise affine map
 * {@code y = a⊙x + c} with {@code a = γ / sqrt(σ² + ε)} and {@code c = β − a⊙μ} (moving mean μ, moving variance σ²).
 *
 * @param axis     the normalised axis as the file states it, batch axis included: -1, or the last axis's index
 *                 (1 after a vector, 2 after a sequence), which the network builder checks
 * @param channels the size of the normalised axis
 * @param gamma    the scale γ, or null when the layer has none ({@code scale=False}: γ = 1)
 * @param beta     the offset β, or null when the layer has none ({@code center=False}: β = 0)
 * @param mean     the moving mean μ
 * @param variance the moving variance σ² (each ≥ 0)
 * @param epsilon  the layer's ε (&gt; 0 or 0 with every σ² &gt; 0)
 */
public record BatchNormSpec(String name, List<String> inputs, int axis, int channels, float[] gamma, float[] beta, float[] mean,
                            float[] variance, double epsilon) implements LayerSpec {

    public BatchNormSpec {
        Specs.name(name);
        inputs = Specs.inputs(name, inputs);
        Specs.positive(name, "channels", channels);
        gamma = gamma == null ? null : Specs.weights(name, "gamma", gamma, channels);
        beta = beta == null ? null : Specs.weights(name, "beta", beta, channels);
        mean = Specs.weights(name, "moving mean", mean, channels);
        variance = Specs.weights(name, "moving variance", variance, channels);
        if (!(epsilon >= 0) || Double.isInfinite(epsilon)) {
            throw new IllegalArgumentException("layer '" + name + "' has epsilon " + epsilon + "; expected >= 0");
        }
        for (int i = 0; i < channels; i++) {
            if (!(variance[i] >= 0) || variance[i] + epsilon == 0 || !Float.isFinite(mean[i])
                    || gamma != null && !Float.isFinite(gamma[i]) || beta != null && !Float.isFinite(beta[i])) {
                throw new IllegalArgumentException("layer '" + name + "' has a moving variance " + variance[i]
                        + " (epsilon " + epsilon + ") or a non-finite value at channel " + i);
            }
        }
    }

    /** The scale {@code a_i = γ_i / sqrt(σ²_i + ε)}, in double. */
    public double[] scale() {
        double[] a = new double[channels];
        for (int i = 0; i < channels; i++) {
            a[i] = (gamma == null ? 1.0 : gamma[i]) / Math.sqrt((double) variance[i] + epsilon);
        }
        return a;
    }

    /** The shift {@code c_i = β_i − a_i μ_i}, in double. */
    public double[] shift() {
        double[] a = scale();
        double[] c = new double[channels];
        for (int i = 0; i < channels; i++) {
            c[i] = (beta == null ? 0.0 : beta[i]) - a[i] * mean[i];
        }
        return c;
    }

    @Override
    public float[] gamma() {
        return Specs.copy(gamma);
    }

    @Override
    public float[] beta() {
        return Specs.copy(beta);
    }

    @Override
    public float[] mean() {
        return mean.clone();
    }

    @Override
    public float[] variance() {
        return variance.clone();
    }

    @Override
    public String type() {
        return "BatchNormalization";
    }

    /** As Keras counts them: γ and β (when present) and the two moving statistics. */
    @Override
    public long parameterCount() {
        return (long) channels * (2 + (gamma == null ? 0 : 1) + (beta == null ? 0 : 1));
    }
}
