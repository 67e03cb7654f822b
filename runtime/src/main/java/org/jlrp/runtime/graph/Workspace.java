package org.jlrp.runtime.graph;

/**
 * All buffers one explanation needs, sized once from the {@link Network}'s plan. A workspace belongs to one thread
 * at a time; nothing on the forward or relevance path allocates.
 */
public final class Workspace {

    final int[] tokens;
    final float[][] values;
    final float[][] relevance;
    final float[][] preActivations;
    final int[][] winners;
    /** Scratch for the stabilised quotients {@code s = R / stab(z)} of one layer. */
    final float[] quotients;
    /** Scratch for the transposed products {@code c = Wᵀ s} of one layer. */
    final float[] contributions;
    /** Per-token relevance written directly by folded Conv1D layers (see {@link Network#foldingPlanned()}). */
    final float[] tokenRelevance;
    /** Whether the current forward/relevance pass uses the folded Embedding → Conv1D tables. */
    boolean folded;

    Workspace(int inputLength, int[] valueSizes, int[] relevanceSizes, int[] preSizes, int[] winnerSizes,
              int maxQuotients, int maxContributions) {
        this.tokens = new int[inputLength];
        this.values = allocate(valueSizes);
        this.relevance = allocate(relevanceSizes);
        this.preActivations = allocate(preSizes);
        this.winners = new int[winnerSizes.length][];
        for (int i = 0; i < winnerSizes.length; i++) {
            winners[i] = new int[winnerSizes[i]];
        }
        this.quotients = new float[maxQuotients];
        this.contributions = new float[maxContributions];
        this.tokenRelevance = new float[inputLength];
    }

    private static float[][] allocate(int[] sizes) {
        float[][] out = new float[sizes.length][];
        for (int i = 0; i < sizes.length; i++) {
            out[i] = new float[sizes[i]];
        }
        return out;
    }
}
