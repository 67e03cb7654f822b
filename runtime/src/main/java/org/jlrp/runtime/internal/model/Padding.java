package org.jlrp.runtime.internal.model;

/** How a Conv1D or pooling window treats the sequence ends. */
public enum Padding {
    /** No padding: windows lie inside the sequence. */
    VALID,
    /** Zero padding so that {@code ceil(steps / stride)} windows are computed, the extra on the right. */
    SAME,
    /** Zero padding on the left only, so that no output step sees a later input step (Conv1D only). */
    CAUSAL,
    /** Given numbers of zeros on the left and the right (ONNX's {@code pads}; Conv1D only). */
    EXPLICIT
}
