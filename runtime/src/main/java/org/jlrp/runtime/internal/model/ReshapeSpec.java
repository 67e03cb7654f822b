package org.jlrp.runtime.internal.model;

import java.util.Arrays;
import java.util.List;

/**
 * Re-indexes its input to a new shape (without the batch axis), values in the same order.
 *
 * @param targetShape the new shape: positive sizes, at most one {@code -1} (inferred from the input size); copied in,
 *                    {@link #targetShape()} returns a copy
 */
public record ReshapeSpec(String name, List<String> inputs, int[] targetShape) implements LayerSpec {

    public ReshapeSpec {
        Specs.name(name);
        inputs = Specs.inputs(name, inputs);
        targetShape = targetShape.clone();
        if (targetShape.length == 0) {
            throw new IllegalArgumentException("layer '" + name + "' has an empty target shape");
        }
        boolean unknown = false;
        for (int d : targetShape) {
            if (d == -1 && !unknown) {
                unknown = true;
            } else if (d < 1) {
                throw new IllegalArgumentException("layer '" + name + "' has target shape "
                        + Arrays.toString(targetShape) + "; expected positive sizes and at most one -1");
            }
        }
    }

    /** A copy of the target shape. */
    @Override
    public int[] targetShape() {
        return targetShape.clone();
    }

    @Override
    public String type() {
        return "Reshape";
    }
}
