package org.jlrp.runtime.internal.graph;

import org.jlrp.kernels.Kernels;
import org.jlrp.runtime.internal.model.Activation;

/**
 * How a gradient pass ({@link Network#gradient(Workspace, int, GradientRule, Workspace)}) treats the network's
 * nonlinearities. Linear layers, routing and average pooling pass the signal through their transposed weights under
 * every rule; only elementwise activations (and, for {@link #RESCALE}, max pooling) differ.
 */
public enum GradientRule {
    /** The plain gradient: {@code g_in = f'(z) · g_out}. */
    GRADIENT("gradient"),
    /**
     * Guided backprop (Springenberg et al. 2015) at every ReLU: {@code g_in = 1[z > 0] · max(g_out, 0)}. Other
     * activations and max pooling keep their gradient, as in Zennit's and Captum's {@code GuidedBackprop}.
     */
    GUIDED_BACKPROP("guided-backprop"),
    /**
     * Deconvnet (Zeiler and Fergus 2014) at every ReLU: {@code g_in = max(g_out, 0)}, whatever the forward pass.
     * Other activations and max pooling keep their gradient, as in Zennit's and Captum's deconvnet.
     */
    DECONVNET("deconvnet"),
    /**
     * DeepLIFT's Rescale rule (Shrikumar et al. 2017): multipliers instead of gradients, relative to a reference
     * input's forward pass. An elementwise activation uses {@code Δy/Δz = (f(z) − f(z'))/(z − z')}, or {@code f'(z)}
     * where {@code |z − z'| < 1e-10} (Captum's threshold); max pooling follows Captum's rule (see
     * {@code MaxPoolLayer}). With these, {@code Σ m · Δx = Δlogit} at every layer (summation-to-delta).
     */
    RESCALE("deeplift");

    /** Below this {@code |Δz|} the Rescale rule takes the derivative instead (Captum's {@code eps}). */
    static final double RESCALE_THRESHOLD = 1e-10;

    private final String method;

    GradientRule(String method) {
        this.method = method;
    }

    /** The {@code --method} name of the explanation method that runs this rule. */
    public String method() {
        return method;
    }

    /**
     * {@code g ·= local factor} in place for the elementwise activation {@code y = f(z)} over {@code n} values:
     * {@code z, y} of the input, {@code zRef, yRef} of the reference (RESCALE only, else unused); {@code scratch}
     * holds at least n floats.
     */
    void scale(Activation f, Kernels kernels, float[] z, float[] y, float[] zRef, float[] yRef, float[] g,
               float[] scratch, int n) {
        if (f == Activation.LINEAR) {
            return;
        }
        switch (this) {
            case GUIDED_BACKPROP, DECONVNET -> {
                if (f == Activation.RELU) {
                    boolean guided = this == GUIDED_BACKPROP;
                    for (int i = 0; i < n; i++) {
                        if (g[i] <= 0f || guided && !(z[i] > 0f)) {
                            g[i] = 0f;
                        }
                    }
                    return;
                }
            }
            case RESCALE -> {
                for (int i = 0; i < n; i++) {
                    if (g[i] == 0f) { // most values behind a max pool (measured 1.4x DeepLIFT end to end)
                        continue;
                    }
                    double dz = (double) z[i] - zRef[i];
                    double factor = Math.abs(dz) < RESCALE_THRESHOLD ? f.derivative(z[i])
                            : ((double) y[i] - yRef[i]) / dz;
                    g[i] = (float) (g[i] * factor);
                }
                return;
            }
            default -> {
            }
        }
        f.derivative(kernels, z, scratch, n);
        kernels.multiply(scratch, g, n);
    }
}
