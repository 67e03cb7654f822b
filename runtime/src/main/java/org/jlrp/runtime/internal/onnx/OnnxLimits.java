package org.jlrp.runtime.internal.onnx;

/**
 * Size limits of the ONNX reader, checked before anything is allocated, so that a hostile or corrupt file is refused
 * instead of exhausting memory.
 *
 * @param maxFileBytes      largest {@code .onnx} file (and largest external data file read), default 2 GiB − 9
 * @param maxTensorElements largest tensor, in elements (default 2^28, 1 GiB of float32)
 * @param maxNodes          most nodes in the graph (default 100,000)
 */
public record OnnxLimits(long maxFileBytes, long maxTensorElements, int maxNodes) {

    public static final OnnxLimits DEFAULT = new OnnxLimits(Integer.MAX_VALUE - 8, 1L << 28, 100_000);
}
