package org.jlrp.kernels;

import java.util.Locale;
import java.util.function.IntSupplier;

/**
 * Which kernels a JVM uses, as a pure function of the two system properties and whether the Vector API module is
 * present. Kept apart from {@link KernelProvider} so that every combination can be tested without starting a JVM;
 * it never throws for a bad property value: that value is the fallback reason instead.
 */
final class KernelChoice {

    static final String KERNELS_PROPERTY = "jlrp.kernels";
    static final String BITS_PROPERTY = "jlrp.vector.bits";
    static final String VECTOR_FLAG = "--add-modules=jdk.incubator.vector";

    /**
     * The outcome: the SIMD kernels at {@code bits} (0: the preferred width), or the scalar ones because of
     * {@code reason}. {@code forced} marks an explicit {@code -Djlrp.kernels=scalar}, the one fallback not worth a
     * warning.
     */
    record Decision(boolean vector, int bits, String reason, boolean forced) {

        static Decision simd(int bits) {
            return new Decision(true, bits, null, false);
        }

        static Decision scalar(String reason) {
            return new Decision(false, 0, reason, false);
        }

        /** Whether the user should hear about this choice: a fallback they did not ask for. */
        boolean warn() {
            return !vector && !forced;
        }
    }

    private KernelChoice() {
    }

    /**
     * @param kernels       {@code -Djlrp.kernels}: null, empty or {@code auto} (SIMD when possible), {@code simd}
     *                      or {@code vector} (the same, asked for explicitly), {@code scalar}; case and blanks ignored
     * @param bits          {@code -Djlrp.vector.bits}: null or empty (the preferred width), {@code 0} (the same),
     *                      {@code 128}, {@code 256} or {@code 512}
     * @param modulePresent whether {@code jdk.incubator.vector} is in the boot layer
     * @param widestBits    the CPU's preferred (widest) vector width in bits; called only when the module is present
     *                      and a width is requested, since it loads the Vector API
     */
    static Decision decide(String kernels, String bits, boolean modulePresent, IntSupplier widestBits) {
        String mode = kernels == null ? "" : kernels.trim().toLowerCase(Locale.ROOT);
        switch (mode) {
            case "scalar":
                return new Decision(false, 0, "forced by -D" + KERNELS_PROPERTY + "=scalar", true);
            case "", "auto", "simd", "vector":
                break;
            default:
                return Decision.scalar("unknown -D" + KERNELS_PROPERTY + "=" + kernels
                        + " (expected scalar, simd or auto)");
        }
        if (!modulePresent) {
            return Decision.scalar("the Vector API module is absent; pass " + VECTOR_FLAG + " to the JVM");
        }
        String width = bits == null ? "" : bits.trim();
        if (width.isEmpty()) {
            return Decision.simd(0);
        }
        int requested;
        try {
            requested = Integer.parseInt(width);
        } catch (NumberFormatException e) {
            return Decision.scalar("-D" + BITS_PROPERTY + "=" + bits + " is not a number (expected 128, 256 or 512)");
        }
        if (requested == 0) {
            return Decision.simd(0);
        }
        // The documented (and tested) widths; 64-bit vectors, two floats, are never tested.
        if (requested != 128 && requested != 256 && requested != 512) {
            return Decision.scalar("-D" + BITS_PROPERTY + "=" + bits + " is not a supported width (128, 256 or 512)");
        }
        int widest = widestBits.getAsInt();
        if (requested > widest) {
            return Decision.scalar("-D" + BITS_PROPERTY + "=" + bits + " is wider than this CPU's vectors ("
                    + widest + " bits)");
        }
        return Decision.simd(requested);
    }
}
