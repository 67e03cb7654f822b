package org.jlrp.runtime.internal.keras;

import java.util.Arrays;

/** A named float32 weight array, row-major, in Keras's own axis order. */
record Tensor(String name, int[] shape, float[] data) {

    public int size() {
        return data.length;
    }

    public String shapeString() {
        return Arrays.toString(shape).replace('[', '(').replace(']', ')');
    }
}
