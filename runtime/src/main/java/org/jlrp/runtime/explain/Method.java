package org.jlrp.runtime.explain;

import java.util.Locale;
import org.jlrp.runtime.JlrpException;

/**
 * How an explanation is computed. All methods share the engine (forward pass, workspaces, targets) and the renderers;
 * each gives a {@code [steps][dim]} map at the Embedding output and one value per position.
 */
public enum Method {
    /** Layer-wise Relevance Propagation under the options' rule or composite (the default). Per position: Σ_d. */
    LRP("lrp"),
    /**
     * Saliency (Simonyan et al. 2014): the gradient {@code ∂logit/∂e_{t,d}} of the explained logit at the Embedding
     * output. Per position: its L2 norm over the embedding axis, {@code ‖∂logit/∂e_t‖₂} (Li et al. 2016), which is
     * ≥ 0 and does not sum to the logit.
     */
    GRADIENT("gradient"),
    /**
     * Gradient × input (Shrikumar et al. 2016): {@code e_{t,d} · ∂logit/∂e_{t,d}}. Per position: Σ_d. For ReLU /
     * max-pooling networks it equals LRP-0 (Ancona et al. 2018).
     */
    GRADIENT_INPUT("gradient-input"),
    /**
     * Integrated Gradients (Sundararajan et al. 2017) from a baseline {@code e'} (every position the padding
     * embedding, or zeros): {@code (e − e')·(1/m) Σ_{k=1..m} ∂logit/∂e (e' + k/m (e − e'))}, the paper's right
     * Riemann sum with {@code m} steps. Per position: Σ_d. Completeness error:
     * {@code Σ R − (logit(e) − logit(e'))}, which shrinks as {@code m} grows.
     */
    INTEGRATED_GRADIENTS("integrated-gradients"),
    /**
     * Occlusion (Zeiler and Fergus 2014; Li et al. 2016 for text): per position, the drop of the explained logit when
     * that token alone is replaced by the pad id, {@code logit(x) − logit(x with x_t = pad)}; 0 at padding positions.
     * No embedding map.
     */
    OCCLUSION("occlusion"),
    /**
     * DeepLIFT with the Rescale rule (Shrikumar et al. 2017; Captum's {@code DeepLift}) from the baseline of
     * Integrated Gradients: {@code (e − e') · m}, where the multipliers {@code m} come from a backward pass in which
     * every elementwise activation uses {@code Δy/Δz} against the baseline's forward pass (its derivative where
     * {@code |Δz| < 1e-10}) and max pooling follows Captum's rule. Per position: Σ_d. Summation-to-delta:
     * {@code Σ R = logit(e) − logit(e')}, up to float rounding. Not for recurrent layers.
     */
    DEEPLIFT("deeplift"),
    /**
     * Shapley value sampling (Štrumbelj and Kononenko 2010; Captum's {@code ShapleyValueSampling}): the tokens are the
     * players, an absent token is the pad id. Each of {@code samples} random orders (seeded) adds the tokens one by
     * one to the all-padding input and credits each with its marginal change of the logit; per position the mean. 0 at
     * padding positions. Efficiency: {@code Σ R = logit(x) − logit(all padding)} for every sample. No embedding map.
     */
    SHAPLEY("shapley"),
    /**
     * SmoothGrad (Smilkov et al. 2017): the mean gradient over {@code samples} copies of the Embedding output with
     * Gaussian noise of standard deviation {@code noiseLevel × (max − min)} of that output (seeded). Per position: the
     * L2 norm over the embedding axis, as saliency; with noise level 0 it is saliency.
     */
    SMOOTHGRAD("smoothgrad"),
    /**
     * Guided backprop (Springenberg et al. 2015): the gradient with every ReLU passing back only positive signal where
     * its input was positive (Zennit's {@code GuidedBackprop} composite, Captum's {@code GuidedBackprop}). Per
     * position: the L2 norm over the embedding axis, as saliency. Not for recurrent layers.
     */
    GUIDED_BACKPROP("guided-backprop"),
    /**
     * Deconvnet (Zeiler and Fergus 2014): the gradient with every ReLU passing back only positive signal, whatever
     * its input (Zennit's {@code DeconvNet} composite, Captum's {@code Deconvolution}). Per position: the L2 norm
     * over the embedding axis. Not for recurrent layers.
     */
    DECONVNET("deconvnet");

    private final String cliName;

    Method(String cliName) {
        this.cliName = cliName;
    }

    /** The {@code --method} name. */
    public String cliName() {
        return cliName;
    }

    /** Parses a {@code --method} name. */
    public static Method parse(String text) {
        String t = text == null ? "" : text.trim().toLowerCase(Locale.ROOT);
        for (Method m : values()) {
            if (m.cliName.equals(t)) {
                return m;
            }
        }
        throw new JlrpException("--method must be one of lrp, gradient, gradient-input, integrated-gradients, "
                + "occlusion, deeplift, shapley, smoothgrad, guided-backprop, deconvnet; got '" + text + "'");
    }

    /** Whether per-position values are L2 norms of a gradient map over the embedding axis (≥ 0, no sum rule). */
    public boolean reportsNorms() {
        return this == GRADIENT || this == SMOOTHGRAD || this == GUIDED_BACKPROP || this == DECONVNET;
    }

    /** The baseline of Integrated Gradients and DeepLIFT. */
    public enum Baseline {
        /** Every position holds the padding token's embedding row (the model's own "empty" input). */
        PADDING("padding"),
        /** The zero vector at every position. */
        ZERO("zero");

        private final String cliName;

        Baseline(String cliName) {
            this.cliName = cliName;
        }

        public String cliName() {
            return cliName;
        }

        public static Baseline parse(String text) {
            String t = text == null ? "" : text.trim().toLowerCase(Locale.ROOT);
            for (Baseline b : values()) {
                if (b.cliName.equals(t)) {
                    return b;
                }
            }
            throw new JlrpException("--baseline must be padding or zero, got '" + text + "'");
        }
    }
}
