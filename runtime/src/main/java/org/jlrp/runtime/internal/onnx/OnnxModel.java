package org.jlrp.runtime.internal.onnx;

import java.util.List;
import java.util.Map;

/**
 * The parts of an ONNX {@code ModelProto} that jlrp reads (onnx.proto field numbers in {@link OnnxReader}).
 *
 * @param irVersion       {@code ir_version}
 * @param producerName    {@code producer_name} ("" when absent)
 * @param producerVersion {@code producer_version} ("" when absent)
 * @param opsets          {@code opset_import}: domain ("" for the default ONNX domain) → version
 * @param graph           the main graph
 */
record OnnxModel(long irVersion, String producerName, String producerVersion, Map<String, Long> opsets,
                 Graph graph) {

    /** The default-domain opset version, or 1 when the file names none (as ONNX specifies for IR 1/2). */
    long opset() {
        Long v = opsets.get("");
        if (v == null) {
            v = opsets.get("ai.onnx");
        }
        return v == null ? 1 : v;
    }

    /** {@code GraphProto}: nodes in topological order, initializers, inputs and outputs. */
    record Graph(String name, List<Node> nodes, List<Tensor> initializers, List<ValueInfo> inputs,
                 List<ValueInfo> outputs) {
    }

    /** {@code NodeProto}. An optional input that is absent is "". */
    record Node(String name, String opType, String domain, List<String> inputs, List<String> outputs,
                Map<String, Attribute> attributes) {

        /** The node for messages: {@code Conv node 'conv1'} (or its first output when it has no name). */
        String describe() {
            String id = !name.isEmpty() ? name : outputs.isEmpty() ? "?" : outputs.get(0);
            return opType + " node '" + id + "'";
        }

        Attribute attribute(String key) {
            return attributes.get(key);
        }

        long i(String key, long fallback) {
            Attribute a = attributes.get(key);
            return a == null ? fallback : a.i();
        }

        float f(String key, float fallback) {
            Attribute a = attributes.get(key);
            return a == null ? fallback : a.f();
        }

        long[] ints(String key) {
            Attribute a = attributes.get(key);
            return a == null ? null : a.ints();
        }

        /** A list-of-strings attribute ({@code activations} of LSTM/GRU/RNN), or null when absent. */
        List<String> strings(String key) {
            Attribute a = attributes.get(key);
            return a == null ? null : a.strings();
        }

        boolean has(String key) {
            return attributes.containsKey(key);
        }

        String s(String key, String fallback) {
            Attribute a = attributes.get(key);
            return a == null ? fallback : a.s() == null ? "" : a.s(); // present but not a string: no valid value
        }

        /** The i-th input's name, or "" when absent. */
        String input(int i) {
            return i < inputs.size() ? inputs.get(i) : "";
        }
    }

    /** {@code AttributeProto}: the scalar, list and tensor forms jlrp uses. */
    record Attribute(String name, int type, float f, long i, String s, Tensor t, float[] floats, long[] ints,
                     List<String> strings) {
        static final int FLOAT = 1;
        static final int INT = 2;
        static final int STRING = 3;
        static final int TENSOR = 4;
        static final int FLOATS = 6;
        static final int INTS = 7;
    }

    /**
     * {@code ValueInfoProto} of a tensor: element type and shape.
     *
     * @param dims      the dimensions; -1 where the dimension is symbolic or unknown; null when no shape is given
     * @param dimParams the symbolic names, null where a dimension is a value
     */
    record ValueInfo(String name, int elemType, long[] dims, String[] dimParams) {
    }
}
