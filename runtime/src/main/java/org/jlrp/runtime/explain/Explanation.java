package org.jlrp.runtime.explain;

/**
 * The explanation of one output unit for one token sequence. Arrays are owned by this object; do not modify them.
 *
 * <p>Conservation: {@code explainedLogit = relevanceSum + relevanceBias}, where {@code relevanceSum} is the total over
 * all positions (padding included) and {@code relevanceBias} is what the biases absorbed (plus the small ε losses).
 * With {@link org.jlrp.runtime.internal.graph.LrpRule#ignoreBias()} and ε → 0, {@code relevanceBias} → 0.
 *
 * @param sequence           the index of the sequence in its batch (0 for a single sequence)
 * @param target             the explained class index (the flattened index for sequence outputs)
 * @param logits             the model's outputs before the stripped final softmax/sigmoid
 * @param probabilities      softmax or sigmoid of the logits; null when the model has no such final activation
 * @param explainedLogit     {@code logits[target]}: the relevance put in at the top
 * @param tokens             the token ids, as explained
 * @param relevance          per-position relevance: the Embedding-output relevance summed over the embedding axis
 * @param embeddingRelevance {@code [steps][dim]} relevance at the Embedding output, flat; null unless requested
 * @param embeddingDim       the embedding width D
 * @param relevancePadding   the part of {@code relevanceSum} on padding positions
 * @param relevanceSum       Σ relevance
 * @param relevanceBias      {@code explainedLogit − relevanceSum}
 * @param baselineLogit      Integrated Gradients, DeepLIFT and Shapley sampling: the explained logit at the baseline
 *                           (Shapley sampling's: the all-padding input); NaN for the other methods
 */
public record Explanation(int sequence, int target, float[] logits, float[] probabilities, double explainedLogit, int[] tokens,
                          double[] relevance, float[] embeddingRelevance, int embeddingDim, double relevancePadding,
                          double relevanceSum, double relevanceBias, double baselineLogit) {

    /** An explanation without a baseline (every method but Integrated Gradients, DeepLIFT and Shapley sampling). */
    public Explanation(int sequence, int target, float[] logits, float[] probabilities, double explainedLogit,
                       int[] tokens, double[] relevance, float[] embeddingRelevance, int embeddingDim,
                       double relevancePadding, double relevanceSum, double relevanceBias) {
        this(sequence, target, logits, probabilities, explainedLogit, tokens, relevance, embeddingRelevance,
                embeddingDim, relevancePadding, relevanceSum, relevanceBias, Double.NaN);
    }

    /**
     * The completeness error of the methods with a baseline, {@code Σ R − (logit − baselineLogit)}: Integrated
     * Gradients' Riemann-sum error, DeepLIFT's summation-to-delta error; NaN for the methods without one.
     */
    public double completenessError() {
        return relevanceSum - (explainedLogit - baselineLogit);
    }

    /** Index of the first maximum logit. */
    public int predictedClass() {
        int best = 0;
        for (int i = 1; i < logits.length; i++) {
            if (logits[i] > logits[best]) {
                best = i;
            }
        }
        return best;
    }
}
