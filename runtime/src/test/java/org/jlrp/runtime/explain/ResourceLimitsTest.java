package org.jlrp.runtime.explain;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.jlrp.kernels.KernelProvider;
import org.jlrp.runtime.JlrpException;
import org.jlrp.runtime.TestModels;
import org.jlrp.runtime.internal.model.ModelSpec;
import org.junit.jupiter.api.Test;

/** Sizes stated by a (possibly corrupt) config are checked before buffers are allocated. */
class ResourceLimitsTest {

    private static ModelSpec withInputLength(int length) {
        return TestModels.chain(1, length).embedding(10, 8, false).conv1d("conv", 8, 4, 3, "valid", 1, 1, "relu")
                .layer("gmp", "GlobalMaxPooling1D").dense("out", 4, 2, "softmax").build();
    }

    @Test
    void anInputLengthWhoseShapesOverflowIsRefused() {
        JlrpException e = assertThrows(JlrpException.class,
                () -> Explainer.of(withInputLength(1_000_000_000), KernelProvider.get()));
        assertTrue(e.getMessage().contains("too large"), e.getMessage());
    }

    @Test
    void anInputLengthWhoseBuffersExceedTheHeapIsRefused() {
        long heapFloats = Runtime.getRuntime().maxMemory() / Float.BYTES;
        int length = (int) Math.min(Integer.MAX_VALUE / 8 - 1, heapFloats / 8);
        JlrpException e = assertThrows(JlrpException.class,
                () -> Explainer.of(withInputLength(length), KernelProvider.get()));
        assertTrue(e.getMessage().contains("heap"), e.getMessage());
    }
}
