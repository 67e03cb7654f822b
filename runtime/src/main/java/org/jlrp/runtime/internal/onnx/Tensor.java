package org.jlrp.runtime.internal.onnx;

import java.util.Arrays;

/**
 * A constant tensor: an initializer, a {@code Constant} node's value, a folded shape computation, or a conformance
 * test's {@code input_K.pb}. Values are kept as doubles (float32, float64 and integer tensors up to 2^53 are exact);
 * {@link #dataType} remembers the ONNX type.
 *
 * @param dims dimensions (empty for a scalar)
 */
record Tensor(String name, int dataType, long[] dims, double[] values) {

    static final int FLOAT = 1;
    static final int UINT8 = 2;
    static final int INT8 = 3;
    static final int UINT16 = 4;
    static final int INT16 = 5;
    static final int INT32 = 6;
    static final int INT64 = 7;
    static final int STRING = 8;
    static final int BOOL = 9;
    static final int FLOAT16 = 10;
    static final int DOUBLE = 11;
    static final int UINT32 = 12;
    static final int UINT64 = 13;

    static String typeName(int type) {
        return switch (type) {
            case FLOAT -> "float32";
            case UINT8 -> "uint8";
            case INT8 -> "int8";
            case UINT16 -> "uint16";
            case INT16 -> "int16";
            case INT32 -> "int32";
            case INT64 -> "int64";
            case STRING -> "string";
            case BOOL -> "bool";
            case FLOAT16 -> "float16";
            case DOUBLE -> "float64";
            case UINT32 -> "uint32";
            case UINT64 -> "uint64";
            case 16 -> "bfloat16";
            default -> "type " + type;
        };
    }

    static boolean isFloat(int type) {
        return type == FLOAT || type == DOUBLE;
    }

    static boolean isInteger(int type) {
        return type == INT32 || type == INT64 || type == INT8 || type == INT16 || type == UINT8 || type == UINT16
                || type == UINT32 || type == UINT64 || type == BOOL;
    }

    int rank() {
        return dims.length;
    }

    long size() {
        return values.length;
    }

    long dim(int axis) {
        return dims[axis < 0 ? axis + dims.length : axis];
    }

    float[] floats() {
        float[] out = new float[values.length];
        for (int i = 0; i < out.length; i++) {
            out[i] = (float) values[i];
        }
        return out;
    }

    long[] longs() {
        long[] out = new long[values.length];
        for (int i = 0; i < out.length; i++) {
            out[i] = (long) values[i];
        }
        return out;
    }

    static Tensor ofLongs(String name, long[] dims, long... values) {
        double[] d = new double[values.length];
        for (int i = 0; i < d.length; i++) {
            d[i] = values[i];
        }
        return new Tensor(name, INT64, dims, d);
    }

    static Tensor vector(String name, long... values) {
        return ofLongs(name, new long[] {values.length}, values);
    }

    @Override
    public String toString() {
        return name + " " + typeName(dataType) + Arrays.toString(dims);
    }
}
