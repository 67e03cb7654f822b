package org.jlrp.spark;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.broadcast.Broadcast;
import org.jlrp.runtime.JlrpException;
import org.jlrp.runtime.explain.Composite;
import org.jlrp.runtime.explain.ExplainOptions;
import org.jlrp.runtime.explain.Explainer;
import org.jlrp.runtime.explain.Explanation;
import org.jlrp.runtime.explain.Target;
import org.jlrp.runtime.explain.SigmoidClasses;
import org.jlrp.runtime.text.KerasTokenizer;
import org.jlrp.runtime.text.Sequences;

/**
 * What a task needs to explain its rows: the broadcast model and the explain options, in a serialisable form (the
 * runtime's option objects are not {@link Serializable}; they are rebuilt on the executor).
 */
final class ExplainSettings implements Serializable {

    private static final long serialVersionUID = 1L;

    private final Broadcast<ModelFiles> model;
    private final String target;
    /** The rule string, as {@code --rule} gives it. */
    private final String rule;
    private final double eps;
    private final boolean ignoreBias;
    private final int padId;
    private final int batchSize;
    private final Sequences.Side padding;
    private final Sequences.Side truncating;
    /** Text input: the tokenizer file's JSON text and name, and the unknown id (or null); null for token ids. */
    private final String tokenizerJson;
    private final String tokenizerSource;
    private final Integer unknownId;
    private transient ExplainOptions options;
    private transient KerasTokenizer tokenizer;

    ExplainSettings(Broadcast<ModelFiles> model, String target, String rule, double eps, boolean ignoreBias, int padId,
                    int batchSize, Sequences.Side padding, Sequences.Side truncating) {
        this(model, target, rule, eps, ignoreBias, padId, batchSize, padding, truncating, null, null, null);
    }

    private ExplainSettings(Broadcast<ModelFiles> model, String target, String rule, double eps, boolean ignoreBias,
                            int padId,
                            int batchSize, Sequences.Side padding, Sequences.Side truncating, String tokenizerJson,
                            String tokenizerSource, Integer unknownId) {
        this.model = model;
        this.target = target;
        this.rule = rule;
        this.eps = eps;
        this.ignoreBias = ignoreBias;
        this.padId = padId;
        this.batchSize = batchSize;
        this.padding = padding;
        this.truncating = truncating;
        this.tokenizerJson = tokenizerJson;
        this.tokenizerSource = tokenizerSource;
        this.unknownId = unknownId;
        options(); // validates on the driver
        tokenizer();
    }

    /**
     * These settings for text input: the tokenizer file's JSON (read on the driver, shipped with the settings and
     * parsed once per executor JVM task), mapping unknown words to {@code unknownId} when it is not null.
     */
    ExplainSettings withTokenizer(String json, String source, Integer unknownIdOrNull) {
        return new ExplainSettings(model, target, rule, eps, ignoreBias, padId, batchSize, padding, truncating, json,
                source,
                unknownIdOrNull);
    }

    /** The tokenizer of text input; null for token-id input. */
    KerasTokenizer tokenizer() {
        if (tokenizer == null && tokenizerJson != null) {
            KerasTokenizer parsed = KerasTokenizer.parse(tokenizerJson, tokenizerSource);
            tokenizer = unknownId == null ? parsed : parsed.withUnknownId(unknownId);
        }
        return tokenizer;
    }

    ExplainOptions options() {
        if (options == null) {
            // The rules as the CLI and the library read the same string.
            options = ExplainOptions.DEFAULT.withTarget(Target.parse(target))
                    .withRules(Composite.parse(rule, eps).withIgnoreBias(ignoreBias)).withPadId(padId);
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

    /** How sequences are padded and truncated to the model's input length ({@code --padding}, {@code --truncating}). */
    Sequences.Side padding() {
        return padding;
    }

    Sequences.Side truncating() {
        return truncating;
    }

    /**
     * Explains a batch of token sequences, padded or truncated to the model's input length as {@code jlrp explain}
     * does (Keras {@code pad_sequences}, {@code pre}/{@code pre} unless set). The whole batch goes through the engine
     * at once; if any sequence fails, the batch is redone one sequence at a time, so that only the bad ones fail. A
     * model with one sigmoid unit gets the class view of {@code jlrp explain} ({@link SigmoidClasses}).
     *
     * @return one outcome per sequence, in order
     */
    List<Outcome> explainBatch(Explainer explainer, List<int[]> tokens) {
        int length = explainer.inputLength(); // -1: any length, sequences kept as given
        List<int[]> padded = new ArrayList<>(tokens.size());
        for (int[] ids : tokens) {
            padded.add(Sequences.pad(ids, length, padding, truncating, padId));
        }
        boolean single = SigmoidClasses.applies(explainer);
        ExplainOptions engineOptions = single ? SigmoidClasses.unitOptions(options()) : options();
        List<Outcome> out = new ArrayList<>(tokens.size());
        try {
            List<Explanation> all = explainer.explainAll(padded, engineOptions);
            if (single) {
                all = SigmoidClasses.toClasses(all, options().target(), options().method());
            }
            int perSequence = all.size() / padded.size();
            for (int i = 0; i < padded.size(); i++) {
                out.add(new Outcome(all.subList(i * perSequence, (i + 1) * perSequence), null));
            }
            return out;
        } catch (JlrpException batchFailed) {
            for (int[] ids : padded) {
                try {
                    List<Explanation> one = explainer.explain(ids, engineOptions);
                    out.add(new Outcome(single ? SigmoidClasses.toClasses(one, options().target(),
                            options().method()) : one, null));
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
