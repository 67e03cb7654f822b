package org.jlrp.runtime.internal.graph;

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
    /** Scratch for each step's non-zero quotients, listed (see {@code Kernels.conv1dTransposed}). */
    final int[] nonZero;
    /** Per-token relevance written directly by the folded plan's nodes (see {@link FoldedConv1D}). */
    final float[] tokenRelevance;

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
        this.nonZero = new int[2 * maxQuotients + 8]; // a count and a list per step, and slack: Kernels.conv1dTransposed
        this.tokenRelevance = new float[inputLength];
    }

    /** Per-layer scratch arrays (the recurrent layers' step vectors), created on first use. */
    private final java.util.Map<Object, java.util.Map<String, float[]>> layerScratch = new java.util.IdentityHashMap<>();

    /** A scratch array of at least {@code size} floats owned by {@code owner} under {@code key}. */
    float[] scratch(Object owner, String key, int size) {
        java.util.Map<String, float[]> mine = layerScratch.computeIfAbsent(owner, o -> new java.util.HashMap<>());
        float[] a = mine.get(key);
        if (a == null || a.length < size) {
            a = new float[size];
            mine.put(key, a);
        }
        return a;
    }

    private final java.util.Map<Object, java.util.Map<String, double[]>> layerDoubles = new java.util.IdentityHashMap<>();

    /** As {@link #scratch}, in doubles (the recurrent relevance pass's carried state relevance). */
    double[] doubleScratch(Object owner, String key, int size) {
        java.util.Map<String, double[]> mine = layerDoubles.computeIfAbsent(owner, o -> new java.util.HashMap<>());
        double[] a = mine.get(key);
        if (a == null || a.length < size) {
            a = new double[size];
            mine.put(key, a);
        }
        return a;
    }

    /** The number of token ids this workspace's network reads. */
    public int inputLength() {
        return tokens.length;
    }

    /**
     * Scratch for the rules other than ε (modified inputs, their own denominators and quotients), allocated on first
     * use so that a workspace that only ever runs the ε-rule does not carry it.
     */
    private RuleBuffers ruleBuffers;

    RuleBuffers ruleBuffers() {
        if (ruleBuffers == null) {
            ruleBuffers = new RuleBuffers(contributions.length, quotients.length);
        }
        return ruleBuffers;
    }

    /** Two modified-input buffers (input-sized) and, per term group, a denominator and a quotient (output-sized). */
    static final class RuleBuffers {
        final float[][] inputs;
        final float[][] denominators;
        final float[][] quotients;
        final float[] product;
        final float[] gated;

        RuleBuffers(int maxIn, int maxOut) {
            inputs = new float[][]{new float[maxIn], new float[maxIn]};
            denominators = new float[][]{new float[maxOut], new float[maxOut]};
            quotients = new float[][]{new float[maxOut], new float[maxOut]};
            product = new float[maxOut];
            gated = new float[maxOut];
        }
    }

    private static float[][] allocate(int[] sizes) {
        float[][] out = new float[sizes.length][];
        for (int i = 0; i < sizes.length; i++) {
            out[i] = new float[sizes[i]];
        }
        return out;
    }
}
