package org.jlrp.runtime.explain;

/**
 * How to explain: target, LRP rules, which token id is padding, whether to keep the {@code [steps][dim]} map, and
 * the method. Immutable; start from {@link #DEFAULT} and change what you need with the {@code with…} methods.
 *
 * @param target             {@link Target#pred()} by default
 * @param rules              which LRP rule each layer gets; {@link Composite#DEFAULT} (the ε-rule, ε = 1e-6, biases
 *                           inside {@code z}) by default
 * @param padId              the padding token id, whose positions are reported as padding relevance (default 0);
 *                           also the occlusion replacement and the padding baseline of Integrated Gradients
 * @param embeddingRelevance keep the relevance at the Embedding output, {@code [steps][dim]}
 * @param method             {@link Method#LRP} by default
 * @param steps              Integrated Gradients' number of steps (default {@value #DEFAULT_STEPS})
 * @param baseline           Integrated Gradients' baseline (default the padding embedding)
 */
public record ExplainOptions(Target target, Composite rules, int padId, boolean embeddingRelevance, Method method,
                             int steps, Method.Baseline baseline) {

    public static final int DEFAULT_STEPS = 50;

    public static final ExplainOptions DEFAULT = new ExplainOptions(Target.pred(), Composite.DEFAULT, 0, false,
            Method.LRP, DEFAULT_STEPS, Method.Baseline.PADDING);

    public ExplainOptions {
        if (target == null || rules == null || method == null || baseline == null) {
            throw new IllegalArgumentException("target, rules, method and baseline are required");
        }
        if (steps < 1) {
            throw new IllegalArgumentException("steps must be >= 1, got " + steps);
        }
    }

    public ExplainOptions withTarget(Target newTarget) {
        return new ExplainOptions(newTarget, rules, padId, embeddingRelevance, method, steps, baseline);
    }

    /** Per-layer LRP rules. */
    public ExplainOptions withRules(Composite newRules) {
        return new ExplainOptions(target, newRules, padId, embeddingRelevance, method, steps, baseline);
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
        return new ExplainOptions(target, rules, newPadId, embeddingRelevance, method, steps, baseline);
    }

    public ExplainOptions withEmbeddingRelevance(boolean keep) {
        return new ExplainOptions(target, rules, padId, keep, method, steps, baseline);
    }

    public ExplainOptions withMethod(Method newMethod) {
        return new ExplainOptions(target, rules, padId, embeddingRelevance, newMethod, steps, baseline);
    }

    public ExplainOptions withSteps(int newSteps) {
        return new ExplainOptions(target, rules, padId, embeddingRelevance, method, newSteps, baseline);
    }

    public ExplainOptions withBaseline(Method.Baseline newBaseline) {
        return new ExplainOptions(target, rules, padId, embeddingRelevance, method, steps, newBaseline);
    }
}
