package org.jlrp.runtime.internal.graph;

/**
 * Workspaces for a group of explanations that run the network together (see
 * {@link Network#forward(WorkspaceGroup, int, int[][], int, boolean)}), so that a Dense layer reads its weights once
 * per group instead of once per explanation. Each member holds one explanation, exactly as it would
 * alone. A group belongs to one thread at a time; nothing on its forward or relevance path allocates.
 */
public final class WorkspaceGroup {

    final Workspace[] members;
    /**
     * Per member, the buffer on a layer's input side (its input {@code x}, or its contributions {@code c}) and on its
     * output side ({@code z}, or the quotients {@code s}): the arrays handed to the group kernels, set per layer.
     */
    final float[][] inputSide;
    final float[][] outputSide;
    /** Member indices, for a pass that runs some members of a step together (a recurrent step's unmasked ones). */
    final int[] rows;

    WorkspaceGroup(Workspace[] members) {
        this.members = members;
        this.inputSide = new float[members.length][];
        this.outputSide = new float[members.length][];
        this.rows = new int[members.length];
    }

    /** The most explanations this group runs together. */
    public int size() {
        return members.length;
    }

    /** Member {@code g}: after a group pass, it holds that member's pass as a single-explanation pass would. */
    public Workspace member(int g) {
        return members[g];
    }
}
