package org.jlrp.spark;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
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
import org.jlrp.runtime.text.TextEncoder;
import org.jlrp.runtime.text.Vocabulary;

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
    /**
     * Text input: the tokenizer file's JSON text and name, or a plain vocabulary with its split and case, or neither
     * (the model's own TextVectorization layer); and the unknown id (or null).
     */
    private final boolean textInput;
    private final String tokenizerJson;
    private final String tokenizerSource;
    private final LinkedHashMap<String, Integer> vocabulary;
    private final Vocabulary.Split split;
    private final boolean lower;
    private final Integer unknownId;
    private transient ExplainOptions options;
    private transient TextEncoder encoder;

    ExplainSettings(Broadcast<ModelFiles> model, String target, String rule, double eps, boolean ignoreBias, int padId,
                    int batchSize, Sequences.Side padding, Sequences.Side truncating) {
        this(model, target, rule, eps, ignoreBias, padId, batchSize, padding, truncating, false, null, null, null, null,
                true, null);
    }

    private ExplainSettings(Broadcast<ModelFiles> model, String target, String rule, double eps, boolean ignoreBias,
                            int padId, int batchSize, Sequences.Side padding, Sequences.Side truncating,
                            boolean textInput, String tokenizerJson, String tokenizerSource,
                            Map<String, Integer> vocabulary, Vocabulary.Split split, boolean lower, Integer unknownId) {
        this.model = model;
        this.target = target;
        this.rule = rule;
        this.eps = eps;
        this.ignoreBias = ignoreBias;
        this.padId = padId;
        this.batchSize = batchSize;
        this.padding = padding;
        this.truncating = truncating;
        this.textInput = textInput;
        this.tokenizerJson = tokenizerJson;
        this.tokenizerSource = tokenizerSource;
        this.vocabulary = vocabulary == null ? null : new LinkedHashMap<>(vocabulary);
        this.split = split;
        this.lower = lower;
        this.unknownId = unknownId;
        options(); // validates on the driver
        tokenizer();
    }

    /**
     * These settings for text input with a tokenizer: the file's JSON (read on the driver, shipped with the settings
     * and parsed once per executor JVM task), mapping unknown words to {@code unknownId} when it is not null.
     */
    ExplainSettings withTokenizer(String json, String source, Integer unknownIdOrNull) {
        return new ExplainSettings(model, target, rule, eps, ignoreBias, padId, batchSize, padding, truncating, true,
                json, source, null, null, true, unknownIdOrNull);
    }

    /** These settings for text input with a plain vocabulary, as {@code jlrp explain --vocab} reads one. */
    ExplainSettings withVocabulary(Map<String, Integer> vocabularyIndex, Vocabulary.Split splitting, boolean lowerCase,
                                   Integer unknownIdOrNull) {
        return new ExplainSettings(model, target, rule, eps, ignoreBias, padId, batchSize, padding, truncating, true,
                null, null, vocabularyIndex, splitting, lowerCase, unknownIdOrNull);
    }

    /**
     * These settings for text input encoded by the model's own TextVectorization layer, which pads with id 0 at the
     * end whatever {@code --padding} and {@code --pad-id} say (as {@code jlrp explain} does).
     */
    ExplainSettings withModelTextVectorization() {
        return new ExplainSettings(model, target, rule, eps, ignoreBias, 0, batchSize, Sequences.Side.POST,
                Sequences.Side.POST, true, null, null, null, null, true, null);
    }

    /** The tokenizer of text input, with the job's padding; null for token ids and the model's own layer. */
    private KerasTokenizer tokenizer() {
        KerasTokenizer t = tokenizerJson != null ? KerasTokenizer.parse(tokenizerJson, tokenizerSource)
                : vocabulary != null ? Vocabulary.tokenizer(vocabulary, split, lower, null) : null;
        if (t == null) {
            return null;
        }
        return (unknownId == null ? t : t.withUnknownId(unknownId)).withPadding(padding, truncating, padId);
    }

    /**
     * The encoder of text input (a tokenizer, or the model's own TextVectorization layer), built once per executor
     * JVM task; null for token-id input.
     */
    TextEncoder encoder() {
        if (encoder == null && textInput) {
            KerasTokenizer t = tokenizer();
            encoder = t != null ? t : explainer().textVectorizer().orElseThrow(() -> new JlrpException(
                    "text input needs --tokenizer or --vocab: the model has no TextVectorization layer"));
        }
        return encoder;
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
