package org.jlrp.runtime.render;

import java.util.ArrayList;
import java.util.List;
import org.jlrp.runtime.explain.ExplainOptions;
import org.jlrp.runtime.explain.Explanation;
import org.jlrp.runtime.explain.Method;
import org.jlrp.runtime.explain.SigmoidClasses;
import org.jlrp.runtime.text.UnknownWords;

/**
 * What the heatmap renderers ({@link HtmlReport}, {@link AnsiReport}, {@link TableReport}, {@link JsonReport}) show.
 *
 * @param model         the model's name or path, for headers
 * @param inputLength   the model's input length
 * @param options       how the results were explained (method, rule, padding id)
 * @param results       the explanations, ordered by sequence then class
 * @param words         per sequence (indexed by {@link Explanation#sequence()}), the word at each input position,
 *                      null at padding; null altogether when the input was token ids without a tokenizer
 * @param labels        class names in output order ({@code --labels}); null to show class indices. For a
 *                      {@code singleSigmoid} model: two names (negative, positive), or one, the positive class's
 * @param unknownWords  per sequence, the words the tokenizer dropped or mapped to the OOV id; null for token-id input
 * @param singleSigmoid the model has one sigmoid unit and the results are in {@link SigmoidClasses}' class view
 */
public record ReportData(String model, int inputLength, ExplainOptions options, List<Explanation> results,
                         List<String[]> words, List<String> labels, List<UnknownWords> unknownWords,
                         boolean singleSigmoid) {

    /** LRP results with the default rule: no unknown-word report, no single-sigmoid class view. */
    public ReportData(String model, List<Explanation> results, List<String[]> words, List<String> labels, int padId) {
        this(model, results.isEmpty() ? 0 : results.get(0).tokens().length, ExplainOptions.DEFAULT.withPadId(padId),
                results, words, labels, null, false);
    }

    public ReportData withOptions(ExplainOptions newOptions) {
        return new ReportData(model, inputLength, newOptions, results, words, labels, unknownWords, singleSigmoid);
    }

    public ReportData withInputLength(int length) {
        return new ReportData(model, length, options, results, words, labels, unknownWords, singleSigmoid);
    }

    public ReportData withUnknownWords(List<UnknownWords> unknown) {
        return new ReportData(model, inputLength, options, results, words, labels, unknown, singleSigmoid);
    }

    public ReportData withSingleSigmoid(boolean single) {
        return new ReportData(model, inputLength, options, results, words, labels, unknownWords, single);
    }

    /** The padding token id: positions holding it count as padding. */
    public int padId() {
        return options.padId();
    }

    public Method method() {
        return options.method();
    }

    /** The words of the result's sequence, or null. */
    public String[] wordsOf(Explanation e) {
        return words == null ? null : words.get(e.sequence());
    }

    /** The unknown words of the result's text, or null for token-id input. */
    public UnknownWords unknownWordsOf(Explanation e) {
        return unknownWords == null ? null : unknownWords.get(e.sequence());
    }

    /**
     * The class name, or {@code "class N"} when no labels were given. A single-sigmoid model given one label calls
     * class 1 by it and class 0 {@code "not <label>"}.
     */
    public String label(int classIndex) {
        if (labels != null && singleSigmoid && labels.size() == 1) {
            return classIndex == 1 ? labels.get(0) : "not " + labels.get(0);
        }
        return labels != null && classIndex < labels.size() ? labels.get(classIndex) : "class " + classIndex;
    }

    /** Every class's name, in class order; null when no labels were given. */
    public List<String> classNames() {
        if (labels == null) {
            return null;
        }
        int n = singleSigmoid ? 2 : labels.size();
        List<String> names = new ArrayList<>(n);
        for (int c = 0; c < n; c++) {
            names.add(label(c));
        }
        return names;
    }

    /** The predicted class: the first maximum logit, or for a single sigmoid unit, class 1 when {@code p ≥ 0.5}. */
    public int predictedClass(Explanation e) {
        return singleSigmoid ? SigmoidClasses.predictedClass(e.logits()[1]) : e.predictedClass();
    }

    /** The diagnostics of a result, for this report's method and padding id. */
    public Diagnostics diagnostics(Explanation e) {
        return Diagnostics.of(e, padId(), method());
    }

    /**
     * The warnings of a result: padding carrying too much relevance, and a text with no known word.
     */
    public List<String> warnings(Explanation e) {
        List<String> warnings = new ArrayList<>(2);
        String padding = diagnostics(e).warning(padId());
        if (padding != null) {
            warnings.add(padding);
        }
        UnknownWords unknown = unknownWordsOf(e);
        if (unknown != null && unknown.warning() != null) {
            warnings.add(unknown.warning());
        }
        return warnings;
    }

    /** Whether position {@code t} of the result is padding. */
    public boolean isPadding(Explanation e, int t) {
        return e.tokens()[t] == padId();
    }

    /**
     * The run of padding that starts at position {@code from}: where it ends (exclusive) and its summed relevance.
     * Every format folds such a run into one marker.
     */
    PaddingRun paddingRun(Explanation e, int from) {
        int end = from;
        double sum = 0;
        while (end < e.tokens().length && isPadding(e, end)) {
            sum += e.relevance()[end];
            end++;
        }
        return new PaddingRun(end, sum);
    }

    /** A run of padding positions: {@code end} exclusive, {@code relevance} their sum. */
    record PaddingRun(int end, double relevance) {
    }

    /**
     * What to print for position {@code t}: the word, or {@code #id} for token-id input; padding shows as
     * {@code <pad>}.
     */
    public String display(Explanation e, int t) {
        if (isPadding(e, t)) {
            return "<pad>";
        }
        String[] w = wordsOf(e);
        return w != null && w[t] != null ? w[t] : "#" + e.tokens()[t];
    }
}
