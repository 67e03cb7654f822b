package org.jlrp.runtime.explain;

import org.jlrp.runtime.graph.LrpRule;

/**
 * How to explain: target, rule, which token id is padding, and whether to keep the {@code [steps][dim]} map.
 *
 * @param target             {@link Target#pred()} by default
 * @param rule               the ε-rule settings; {@link LrpRule#DEFAULT} (ε = 1e-6, biases in the denominator)
 * @param padId              the padding token id, whose positions are reported as padding relevance (default 0)
 * @param embeddingRelevance keep the relevance at the Embedding output, {@code [steps][dim]}
 */
public record ExplainOptions(Target target, LrpRule rule, int padId, boolean embeddingRelevance) {

    public static final ExplainOptions DEFAULT = new ExplainOptions(Target.pred(), LrpRule.DEFAULT, 0, false);

    public ExplainOptions {
        if (target == null || rule == null) {
            throw new IllegalArgumentException("target and rule are required");
        }
    }

    public ExplainOptions withTarget(Target newTarget) {
        return new ExplainOptions(newTarget, rule, padId, embeddingRelevance);
    }

    public ExplainOptions withRule(LrpRule newRule) {
        return new ExplainOptions(target, newRule, padId, embeddingRelevance);
    }

    public ExplainOptions withEps(double eps) {
        return withRule(new LrpRule(eps, rule.ignoreBias()));
    }

    public ExplainOptions withIgnoreBias(boolean ignoreBias) {
        return withRule(new LrpRule(rule.eps(), ignoreBias));
    }

    public ExplainOptions withPadId(int newPadId) {
        return new ExplainOptions(target, rule, newPadId, embeddingRelevance);
    }

    public ExplainOptions withEmbeddingRelevance(boolean keep) {
        return new ExplainOptions(target, rule, padId, keep);
    }
}
