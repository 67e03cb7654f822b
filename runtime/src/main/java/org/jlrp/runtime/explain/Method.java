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
    OCCLUSION("occlusion");

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
                + "occlusion; got '" + text + "'");
    }

    /** The Integrated Gradients baseline. */
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
