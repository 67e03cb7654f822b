package org.jlrp.runtime.render;

import java.util.List;
import org.jlrp.runtime.explain.Explanation;

/**
 * What the heatmap renderers ({@link HtmlReport}, {@link AnsiReport}, {@link TableReport}, {@link JsonReport}) show.
 *
 * @param model   the model's name or path, for headers
 * @param results the explanations, ordered by sequence then class
 * @param words   per sequence (indexed by {@link Explanation#sequence()}), the word at each input position, null at
 *                padding; null altogether when the input was token ids without a tokenizer
 * @param labels  class names in output order ({@code --labels}); null to show class indices
 * @param padId   the padding token id: positions holding it count as padding
 */
public record ReportData(String model, List<Explanation> results, List<String[]> words, List<String> labels,
                         int padId) {

    /** The words of the result's sequence, or null. */
    public String[] wordsOf(Explanation e) {
        return words == null ? null : words.get(e.sequence());
    }

    /** The class name, or {@code "class N"} when no labels were given. */
    public String label(int classIndex) {
        return labels != null && classIndex < labels.size() ? labels.get(classIndex) : "class " + classIndex;
    }

    /** Whether position {@code t} of the result is padding. */
    public boolean isPadding(Explanation e, int t) {
        return e.tokens()[t] == padId;
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
