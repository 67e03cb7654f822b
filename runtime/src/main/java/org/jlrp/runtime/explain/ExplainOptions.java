package org.jlrp.runtime.explain;

import org.jlrp.runtime.graph.Composite;
import org.jlrp.runtime.graph.LrpRule;

/**
 * How to explain: target, rule, which token id is padding, whether to keep the {@code [steps][dim]} map, and the
 * method.
 *
 * @param target             {@link Target#pred()} by default
 * @param rule               the ε-rule settings; {@link LrpRule#DEFAULT} (ε = 1e-6, biases in the denominator). Its
 *                           {@code ignoreBias} also applies {@code :nobias} to every rule of {@code composite}
 * @param padId              the padding token id, whose positions are reported as padding relevance (default 0);
 *                           also the occlusion replacement and the padding baseline of Integrated Gradients
 * @param embeddingRelevance keep the relevance at the Embedding output, {@code [steps][dim]}
 * @param composite          per-layer LRP rules; null for the ε-rule of {@code rule} on every layer (average pools
 *                           included), which is the historical default
 * @param method             {@link Method#LRP} by default
 * @param steps              Integrated Gradients' number of steps (default {@value #DEFAULT_STEPS})
 * @param baseline           Integrated Gradients' baseline (default the padding embedding)
 */
public record ExplainOptions(Target target, LrpRule rule, int padId, boolean embeddingRelevance, Composite composite,
                             Method method, int steps, Method.Baseline baseline) {

    public static final int DEFAULT_STEPS = 50;

    public static final ExplainOptions DEFAULT = new ExplainOptions(Target.pred(), LrpRule.DEFAULT, 0, false);

    public ExplainOptions {
        if (target == null || rule == null || method == null || baseline == null) {
            throw new IllegalArgumentException("target, rule, method and baseline are required");
        }
        if (steps < 1) {
            throw new IllegalArgumentException("steps must be >= 1, got " + steps);
        }
    }

    /** LRP with the ε-rule of {@code rule}. */
    public ExplainOptions(Target target, LrpRule rule, int padId, boolean embeddingRelevance) {
        this(target, rule, padId, embeddingRelevance, null, Method.LRP, DEFAULT_STEPS, Method.Baseline.PADDING);
    }

    /** The composite as it runs: {@link #composite} with {@code :nobias} everywhere under ignoreBias; null if none. */
    public Composite effectiveComposite() {
        return composite == null ? null : rule.ignoreBias() ? composite.withNoBias() : composite;
    }

    public ExplainOptions withTarget(Target newTarget) {
        return new ExplainOptions(newTarget, rule, padId, embeddingRelevance, composite, method, steps, baseline);
    }

    public ExplainOptions withRule(LrpRule newRule) {
        return new ExplainOptions(target, newRule, padId, embeddingRelevance, composite, method, steps, baseline);
    }

    public ExplainOptions withEps(double eps) {
        return withRule(new LrpRule(eps, rule.ignoreBias()));
    }

    public ExplainOptions withIgnoreBias(boolean ignoreBias) {
        return withRule(new LrpRule(rule.eps(), ignoreBias));
    }

    public ExplainOptions withPadId(int newPadId) {
        return new ExplainOptions(target, rule, newPadId, embeddingRelevance, composite, method, steps, baseline);
    }

    public ExplainOptions withEmbeddingRelevance(boolean keep) {
        return new ExplainOptions(target, rule, padId, keep, composite, method, steps, baseline);
    }

    /** Per-layer rules; null returns to the ε-rule everywhere. */
    public ExplainOptions withComposite(Composite newComposite) {
        return new ExplainOptions(target, rule, padId, embeddingRelevance, newComposite, method, steps, baseline);
    }

    public ExplainOptions withMethod(Method newMethod) {
        return new ExplainOptions(target, rule, padId, embeddingRelevance, composite, newMethod, steps, baseline);
    }

    public ExplainOptions withSteps(int newSteps) {
        return new ExplainOptions(target, rule, padId, embeddingRelevance, composite, method, newSteps, baseline);
    }

    public ExplainOptions withBaseline(Method.Baseline newBaseline) {
        return new ExplainOptions(target, rule, padId, embeddingRelevance, composite, method, steps, newBaseline);
    }
}
