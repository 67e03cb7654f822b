package org.jlrp.kernels;

import jdk.incubator.vector.FloatVector;

/** Hands out {@link VectorKernels}; kept apart so that only code which already checked for the module touches it. */
final class VectorKernelsFactory {

    private VectorKernelsFactory() {
    }

    /**
     * The SIMD kernels. Their width is fixed per JVM (see {@link VectorKernels}): {@code bits} must be 0 or that
     * width.
     */
    static Kernels create(int bits) {
        if (bits != 0 && bits != VectorKernels.bits()) {
            throw new IllegalArgumentException("the vector width of this JVM is " + VectorKernels.bits()
                    + " bits; set another with -Djlrp.vector.bits=" + bits + " at JVM start");
        }
        return VectorKernels.INSTANCE;
    }

    /** This CPU's preferred (widest) float vector, in bits; loads the Vector API but not {@link VectorKernels}. */
    static int widestBits() {
        return FloatVector.SPECIES_PREFERRED.vectorBitSize();
    }
}
