package org.jlrp.kernels;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

/** Builds {@link VectorKernels}; kept apart so that only code which already checked for the module touches it. */
final class VectorKernelsFactory {

    private VectorKernelsFactory() {
    }

    static Kernels create(int bits) {
        VectorSpecies<Float> species = FloatVector.SPECIES_PREFERRED;
        if (bits != 0) {
            if (bits > species.vectorBitSize() || (bits != 64 && bits != 128 && bits != 256 && bits != 512)) {
                throw new IllegalArgumentException("unsupported vector width " + bits + " bits (this CPU offers up to "
                        + species.vectorBitSize() + ")");
            }
            species = VectorSpecies.of(float.class, VectorShape.forBitSize(bits));
        }
        return new VectorKernels(species);
    }
}
