package org.jlrp.runtime.explain;

import java.util.Locale;
import org.jlrp.runtime.JlrpException;

/**
 * Which output to explain: the predicted class, every class, or one class index.
 *
 * <p>{@code pred} is the first maximum of the logits. For a single sigmoid unit that is the unit itself; the sign of
 * its logit says which class it predicts.
 */
public final class Target {

    private static final Target PRED = new Target(-1);
    private static final Target ALL = new Target(-2);

    private final int index;

    private Target(int index) {
        this.index = index;
    }

    public static Target pred() {
        return PRED;
    }

    public static Target all() {
        return ALL;
    }

    public static Target index(int index) {
        if (index < 0) {
            throw new JlrpException("target class index must be >= 0, got " + index);
        }
        return new Target(index);
    }

    /** Parses {@code pred}, {@code all} or a class index, as {@code --target} takes it. */
    public static Target parse(String text) {
        String t = text == null ? "" : text.trim().toLowerCase(Locale.ROOT);
        if (t.equals("pred")) {
            return PRED;
        }
        if (t.equals("all")) {
            return ALL;
        }
        try {
            return index(Integer.parseInt(t));
        } catch (NumberFormatException e) {
            throw new JlrpException("--target must be pred, all or a class index, got '" + text + "'");
        }
    }

    public boolean isPred() {
        return this == PRED;
    }

    public boolean isAll() {
        return this == ALL;
    }

    /** The class index; only for index targets. */
    public int index() {
        if (index < 0) {
            throw new IllegalStateException(this + " has no fixed index");
        }
        return index;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Target other && other.index == index;
    }

    @Override
    public int hashCode() {
        return index;
    }

    @Override
    public String toString() {
        return this == PRED ? "pred" : this == ALL ? "all" : Integer.toString(index);
    }
}
