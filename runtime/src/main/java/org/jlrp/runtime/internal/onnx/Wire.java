package org.jlrp.runtime.internal.onnx;

import java.nio.charset.StandardCharsets;

/**
 * A protobuf wire-format cursor over one message's bytes: varints, fixed 32/64-bit values and length-delimited
 * fields, with every length checked against the bytes that remain. Malformed input throws {@link Malformed}, which
 * the reader turns into one line naming the file.
 */
final class Wire {

    static final int VARINT = 0;
    static final int FIXED64 = 1;
    static final int LENGTH = 2;
    static final int FIXED32 = 5;

    /** A wire-format error; its message says what was malformed. */
    static final class Malformed extends RuntimeException {
        private static final long serialVersionUID = 1L;

        Malformed(String message) {
            super(message);
        }
    }

    final byte[] buf;
    private int pos;
    private final int end;
    private int tag;

    Wire(byte[] buf, int offset, int length) {
        this.buf = buf;
        this.pos = offset;
        this.end = offset + length;
    }

    Wire(byte[] buf) {
        this(buf, 0, buf.length);
    }

    /** Advances to the next field; false at the end of the message. */
    boolean next() {
        if (pos >= end) {
            return false;
        }
        long t = varint();
        if (t >>> 32 != 0 || (t >>> 3) == 0) {
            throw new Malformed("invalid field tag " + t);
        }
        tag = (int) t;
        return true;
    }

    int field() {
        return tag >>> 3;
    }

    int type() {
        return tag & 7;
    }

    long varint() {
        long result = 0;
        for (int shift = 0; shift < 64; shift += 7) {
            if (pos >= end) {
                throw new Malformed("truncated varint");
            }
            byte b = buf[pos++];
            result |= (long) (b & 0x7f) << shift;
            if (b >= 0) {
                return result;
            }
        }
        throw new Malformed("varint longer than 10 bytes");
    }

    int fixed32() {
        need(4);
        int v = (buf[pos] & 0xff) | (buf[pos + 1] & 0xff) << 8 | (buf[pos + 2] & 0xff) << 16 | (buf[pos + 3] & 0xff) << 24;
        pos += 4;
        return v;
    }

    long fixed64() {
        long lo = fixed32() & 0xffffffffL;
        long hi = fixed32() & 0xffffffffL;
        return lo | hi << 32;
    }

    /** The length of a length-delimited field, checked against what remains; the cursor is at its first byte. */
    int length() {
        long n = varint();
        if (n < 0 || n > end - pos) {
            throw new Malformed("length " + n + " runs past the end of its message (" + (end - pos) + " bytes left)");
        }
        return (int) n;
    }

    /** A length-delimited field as a sub-message cursor; this cursor moves past it. */
    Wire message() {
        expect(LENGTH);
        int n = length();
        Wire sub = new Wire(buf, pos, n);
        pos += n;
        return sub;
    }

    String string() {
        expect(LENGTH);
        int n = length();
        String s = new String(buf, pos, n, StandardCharsets.UTF_8);
        pos += n;
        return s;
    }

    /** A length-delimited field's bounds {offset, length}; the cursor moves past it. */
    int[] bytes() {
        expect(LENGTH);
        int n = length();
        int[] span = {pos, n};
        pos += n;
        return span;
    }

    /** An int64/int32/enum field's value (varint). */
    long int64() {
        expect(VARINT);
        return varint();
    }

    /** Appends a repeated varint field, packed or not. */
    void int64s(LongList out) {
        if (type() == LENGTH) {
            int n = length();
            int stop = pos + n;
            Wire sub = new Wire(buf, pos, n);
            while (sub.pos < stop) {
                out.add(sub.varint());
            }
            pos = stop;
        } else {
            out.add(int64());
        }
    }

    /** Appends a repeated float field, packed or not. */
    void floats(DoubleList out) {
        if (type() == LENGTH) {
            int n = length();
            if (n % 4 != 0) {
                throw new Malformed("packed floats of " + n + " bytes");
            }
            for (int i = 0; i < n / 4; i++) {
                out.add(Float.intBitsToFloat(fixed32()));
            }
        } else {
            expect(FIXED32);
            out.add(Float.intBitsToFloat(fixed32()));
        }
    }

    /** Appends a repeated double field, packed or not. */
    void doubles(DoubleList out) {
        if (type() == LENGTH) {
            int n = length();
            if (n % 8 != 0) {
                throw new Malformed("packed doubles of " + n + " bytes");
            }
            for (int i = 0; i < n / 8; i++) {
                out.add(Double.longBitsToDouble(fixed64()));
            }
        } else {
            expect(FIXED64);
            out.add(Double.longBitsToDouble(fixed64()));
        }
    }

    float float32() {
        expect(FIXED32);
        return Float.intBitsToFloat(fixed32());
    }

    /** Skips the current field's value. */
    void skip() {
        switch (type()) {
            case VARINT -> varint();
            case FIXED64 -> {
                need(8);
                pos += 8;
            }
            case LENGTH -> {
                int n = length(); // not "pos += length()": that adds to pos as it was before the length's varint
                pos += n;
            }
            case FIXED32 -> {
                need(4);
                pos += 4;
            }
            default -> throw new Malformed("unsupported wire type " + type() + " (field " + field() + ")");
        }
    }

    private void expect(int wireType) {
        if (type() != wireType) {
            throw new Malformed("field " + field() + " has wire type " + type() + ", expected " + wireType);
        }
    }

    private void need(int n) {
        if (end - pos < n) {
            throw new Malformed("truncated fixed-width value");
        }
    }

    /** A growable long array (no boxing for large repeated fields). */
    static final class LongList {
        long[] values = new long[8];
        int size;

        void add(long v) {
            if (size == values.length) {
                values = java.util.Arrays.copyOf(values, values.length * 2);
            }
            values[size++] = v;
        }

        long[] toArray() {
            return java.util.Arrays.copyOf(values, size);
        }
    }

    /** A growable double array. */
    static final class DoubleList {
        double[] values = new double[8];
        int size;

        void add(double v) {
            if (size == values.length) {
                values = java.util.Arrays.copyOf(values, values.length * 2);
            }
            values[size++] = v;
        }

        double[] toArray() {
            return java.util.Arrays.copyOf(values, size);
        }
    }
}
