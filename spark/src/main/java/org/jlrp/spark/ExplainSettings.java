package org.jlrp.spark;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.broadcast.Broadcast;
import org.jlrp.runtime.JlrpException;
import org.jlrp.runtime.explain.ExplainOptions;
import org.jlrp.runtime.explain.Explainer;
import org.jlrp.runtime.explain.Explanation;
import org.jlrp.runtime.explain.Target;

import org.jlrp.runtime.text.Sequences;

/**
 * What a task needs to explain its rows: the broadcast model and the explain options, in a serialisable form (the
 * runtime's option objects are not {@link Serializable}; they are rebuilt on the executor).
 */
final class ExplainSettings implements Serializable {

    private static final long serialVersionUID = 1L;

    private final Broadcast<ModelFiles> model;
    private final String target;
    private final double eps;
    private final boolean ignoreBias;
    private final int padId;
    private final int batchSize;
    private transient ExplainOptions options;

    ExplainSettings(Broadcast<ModelFiles> model, String target, double eps, boolean ignoreBias, int padId,
                    int batchSize) {
        this.model = model;
        this.target = target;
        this.eps = eps;
        this.ignoreBias = ignoreBias;
        this.padId = padId;
        this.batchSize = batchSize;
        options(); // validates on the driver
    }

    ExplainOptions options() {
        if (options == null) {
            options = ExplainOptions.DEFAULT.withTarget(Target.parse(target)).withEps(eps).withIgnoreBias(ignoreBias).withPadId(padId).withEmbeddingRelevance(false);
        }
        return options;
    }

    boolean allTargets() {
        return options().target().isAll();
    }

    int batchSize() {
        return batchSize;
    }

    /** This JVM's explainer for the broadcast model (loaded on first use, then shared by every task). */
    Explainer explainer() {
        return ExplainerCache.get(model);
    }

    /** One sequence's explanations (one, or one per class for target {@code all}), or what is wrong with it. */
    record Outcome(List<Explanation> explanations, JlrpException error) {

        static Outcome failed(JlrpException error) {
            return new Outcome(null, error);
        }
    }

    /**
     * Explains a batch of token sequences, padded or truncated to the model's input length as {@code jlrp explain}
     * does (Keras {@code pre}/{@code pre}). The whole batch goes through the engine at once; if any sequence fails,
     * the batch is redone one sequence at a time, so that only the bad ones fail.
     *
     * @return one outcome per sequence, in order
     */
    List<Outcome> explainBatch(Explainer explainer, List<int[]> tokens) {
        int length = explainer.network().inputLength();
        List<int[]> padded = new ArrayList<>(tokens.size());
        for (int[] ids : tokens) {
            padded.add(Sequences.pad(ids, length, Sequences.Side.PRE, Sequences.Side.PRE, padId));
        }
        List<Outcome> out = new ArrayList<>(tokens.size());
        try {
            List<Explanation> all = explainer.explainAll(padded, options());
            int perSequence = all.size() / padded.size();
            for (int i = 0; i < padded.size(); i++) {
                out.add(new Outcome(all.subList(i * perSequence, (i + 1) * perSequence), null));
            }
            return out;
        } catch (JlrpException batchFailed) {
            for (int[] ids : padded) {
                try {
                    out.add(new Outcome(explainer.explain(ids, options()), null));
                } catch (JlrpException e) {
                    out.add(Outcome.failed(new JlrpException(withoutSequenceNumber(e.getMessage()), e)));
                }
            }
            return out;
        }
    }

    /** The engine numbers sequences within its call; the caller names the row instead. */
    private static String withoutSequenceNumber(String message) {
        return message.replaceFirst("^sequence \\d+[,:] ", "");
    }

    /** The padding token id, whose positions count as padding in the results' diagnostics. */
    int padId() {
        return padId;
    }
}
