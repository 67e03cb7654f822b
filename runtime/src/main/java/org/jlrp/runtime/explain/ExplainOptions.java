package org.jlrp.runtime.explain;

import org.jlrp.runtime.JlrpException;

/**
 * How to explain: target, LRP rules, which token id is padding, whether to keep the {@code [steps][dim]} map, the
 * method and its parameters. Immutable; start from {@link #DEFAULT} and change what you need with the {@code with…} methods.
 *
 * @param target             {@link Target#pred()} by default
 * @param rules              which LRP rule each layer gets; {@link Composite#DEFAULT} (the ε-rule, ε = 1e-6, biases
 *                           inside {@code z}) by default
 * @param padId              the padding token id, whose positions are reported as padding relevance (default 0);
 *                           also the replacement of occlusion and Shapley sampling and the padding baseline of
 *                           Integrated Gradients and DeepLIFT
 * @param embeddingRelevance keep the relevance at the Embedding output, {@code [steps][dim]}
 * @param method             {@link Method#LRP} by default
 * @param steps              Integrated Gradients' number of steps (default {@value #DEFAULT_STEPS})
 * @param baseline           the baseline of Integrated Gradients and DeepLIFT (default the padding embedding)
 * @param samples            Shapley sampling's permutations and SmoothGrad's noisy copies (default
 *                           {@value #DEFAULT_SAMPLES})
 * @param seed               the seed of Shapley sampling's permutations and SmoothGrad's noise (default 0): the
 *                           same seed gives the same result, bit for bit
 * @param noiseLevel         SmoothGrad's noise standard deviation as a fraction of the range (max − min) of the
 *                           Embedding output (default {@value #DEFAULT_NOISE_LEVEL})
 */
public record ExplainOptions(Target target, Composite rules, int padId, boolean embeddingRelevance, Method method,
                             int steps, Method.Baseline baseline, int samples, long seed, double noiseLevel) {

    public static final int DEFAULT_STEPS = 50;
    /** Captum's default number of Shapley samples; SmoothGrad uses it too. */
    public static final int DEFAULT_SAMPLES = 25;
    /** Within the 10–20% that Smilkov et al. found to work best. */
    public static final double DEFAULT_NOISE_LEVEL = 0.15;

    public static final ExplainOptions DEFAULT = new ExplainOptions(Target.pred(), Composite.DEFAULT, 0, false,
            Method.LRP, DEFAULT_STEPS, Method.Baseline.PADDING, DEFAULT_SAMPLES, 0L, DEFAULT_NOISE_LEVEL);

    /**
     * @throws JlrpException for steps or samples below 1, or a negative or non-finite noise level
     */
    public ExplainOptions {
        if (target == null || rules == null || method == null || baseline == null) {
            throw new IllegalArgumentException("target, rules, method and baseline are required");
        }
        if (steps < 1) {
            throw new JlrpException("steps must be >= 1, got " + steps);
        }
        if (samples < 1) {
            throw new JlrpException("samples must be >= 1, got " + samples);
        }
        if (!(noiseLevel >= 0) || !Double.isFinite(noiseLevel)) {
            throw new JlrpException("noise level must be a finite number >= 0, got " + noiseLevel);
        }
    }

    public ExplainOptions withTarget(Target newTarget) {
        return new ExplainOptions(newTarget, rules, padId, embeddingRelevance, method, steps, baseline,
                samples, seed, noiseLevel);
    }

    /** Per-layer LRP rules. */
    public ExplainOptions withRules(Composite newRules) {
        return new ExplainOptions(target, newRules, padId, embeddingRelevance, method, steps, baseline,
                samples, seed, noiseLevel);
    }

    /** The ε-rule with this ε on every layer, keeping {@link Composite#ignoresBias()}. */
    public ExplainOptions withEps(double eps) {
        return withRules(Composite.epsilon(eps).withIgnoreBias(rules.ignoresBias()));
    }

    /** The rules with the bias left out of every rule ({@code --ignore-bias}), or kept. */
    public ExplainOptions withIgnoreBias(boolean ignoreBias) {
        return withRules(rules.withIgnoreBias(ignoreBias));
    }

    public ExplainOptions withPadId(int newPadId) {
        return new ExplainOptions(target, rules, newPadId, embeddingRelevance, method, steps, baseline,
                samples, seed, noiseLevel);
    }

    public ExplainOptions withEmbeddingRelevance(boolean keep) {
        return new ExplainOptions(target, rules, padId, keep, method, steps, baseline, samples, seed, noiseLevel);
    }

    public ExplainOptions withMethod(Method newMethod) {
        return new ExplainOptions(target, rules, padId, embeddingRelevance, newMethod, steps, baseline,
                samples, seed, noiseLevel);
    }

    public ExplainOptions withSteps(int newSteps) {
        return new ExplainOptions(target, rules, padId, embeddingRelevance, method, newSteps, baseline,
                samples, seed, noiseLevel);
    }

    public ExplainOptions withBaseline(Method.Baseline newBaseline) {
        return new ExplainOptions(target, rules, padId, embeddingRelevance, method, steps, newBaseline,
                samples, seed, noiseLevel);
    }

    /** Shapley sampling's permutations and SmoothGrad's noisy copies. */
    public ExplainOptions withSamples(int newSamples) {
        return new ExplainOptions(target, rules, padId, embeddingRelevance, method, steps, baseline, newSamples, seed,
                noiseLevel);
    }

    /** The seed of Shapley sampling and SmoothGrad. */
    public ExplainOptions withSeed(long newSeed) {
        return new ExplainOptions(target, rules, padId, embeddingRelevance, method, steps, baseline, samples, newSeed,
                noiseLevel);
    }

    /** SmoothGrad's noise level, a fraction of the Embedding output's range. */
    public ExplainOptions withNoiseLevel(double newNoiseLevel) {
        return new ExplainOptions(target, rules, padId, embeddingRelevance, method, steps, baseline, samples, seed,
                newNoiseLevel);
    }
}
