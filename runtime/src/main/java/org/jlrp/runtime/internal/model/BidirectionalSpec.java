package org.jlrp.runtime.internal.model;

import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * Keras's Bidirectional wrapper: a forward recurrent layer on the sequence, a backward one on the reversed sequence
 * (its output reversed back when it returns sequences), outputs merged.
 *
 * @param forward  the forward layer (reads the same inputs)
 * @param backward the backward layer ({@code goBackwards} set)
 * @param merge    how the two outputs are merged
 */
public record BidirectionalSpec(String name, List<String> inputs, RecurrentSpec forward, RecurrentSpec backward,
                                Merge merge) implements LayerSpec {

    /** The merge modes jlrp explains ({@code mul} is refused: a product of two signals has no ε-rule here). */
    public enum Merge {
        CONCAT, SUM, AVE;

        public String displayName() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    public BidirectionalSpec {
        Specs.name(name);
        inputs = Specs.inputs(name, inputs);
        Objects.requireNonNull(forward, "forward");
        Objects.requireNonNull(backward, "backward");
        Objects.requireNonNull(merge, "merge");
        if (forward.kind() != backward.kind() || forward.units() != backward.units()
                || forward.inputSize() != backward.inputSize()
                || forward.returnSequences() != backward.returnSequences()) {
            throw new IllegalArgumentException("layer '" + name + "': its forward and backward layers differ in kind, "
                    + "units, input size or return_sequences");
        }
        if (forward.goBackwards() == backward.goBackwards()) {
            throw new IllegalArgumentException("layer '" + name + "': its two layers read in the same direction");
        }
    }

    @Override
    public String type() {
        return "Bidirectional";
    }

    @Override
    public long parameterCount() {
        return forward.parameterCount() + backward.parameterCount();
    }
}
