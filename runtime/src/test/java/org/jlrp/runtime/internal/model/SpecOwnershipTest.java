package org.jlrp.runtime.internal.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import org.jlrp.kernels.KernelProvider;
import org.jlrp.runtime.explain.Explainer;
import org.junit.jupiter.api.Test;

/** Specs own their arrays: neither the arrays given to them nor those they hand out reach a spec or a network. */
class SpecOwnershipTest {

    private static ModelSpec model(float[] table, float[] kernel, float[] bias) {
        return new ModelSpec("owned", "in-memory", 4, List.of(
                new InputSpec("in"),
                new EmbeddingSpec("emb", List.of("in"), table, 3, 2),
                new Conv1DSpec("conv", List.of("emb"), kernel, bias, 2, 2, 1, 1, 1, Padding.VALID, Activation.RELU),
                PoolingSpec.global("gmp", List.of("conv"), PoolingSpec.Kind.MAX, false)), "gmp");
    }

    @Test
    void arraysAreCopiedInAndOut() {
        float[] table = {0, 0, 1, 2, 3, 4};
        float[] kernel = {1, -1, 0.5f, 2};
        float[] bias = {0.25f};
        ModelSpec spec = model(table, kernel, bias);
        int[] tokens = {1, 2, 2, 1};
        float[] before = Explainer.of(spec, KernelProvider.get()).explain(tokens).logits();
        Explainer live = Explainer.of(spec, KernelProvider.get());

        table[2] = 100;
        kernel[0] = 100;
        bias[0] = 100;
        EmbeddingSpec embedding = (EmbeddingSpec) spec.layer("emb");
        embedding.table()[2] = 100;
        Conv1DSpec conv = (Conv1DSpec) spec.layer("conv");
        conv.kernel()[0] = 100;
        conv.bias()[0] = 100;

        assertEquals(1f, embedding.table()[2]);
        assertNotSame(embedding.table(), embedding.table());
        assertArrayEquals(before, live.explain(tokens).logits());
        assertArrayEquals(before, Explainer.of(spec, KernelProvider.get()).explain(tokens).logits());
        int[] target = {-1, 2};
        ReshapeSpec reshape = new ReshapeSpec("r", List.of("x"), target);
        target[1] = 7;
        reshape.targetShape()[1] = 7;
        assertArrayEquals(new int[]{-1, 2}, reshape.targetShape());
    }

    @Test
    void inconsistentSpecsAreRefused() {
        assertThrows(IllegalArgumentException.class, () -> new EmbeddingSpec("e", List.of("in"), new float[5], 3, 2));
        assertThrows(IllegalArgumentException.class, () -> new Conv1DSpec("c", List.of("e"), new float[4],
                new float[2], 2, 2, 1, 1, 1, Padding.VALID, Activation.LINEAR));
        assertThrows(IllegalArgumentException.class, () -> new DenseSpec("d", List.of(), new float[2], null, 2, 1,
                Activation.LINEAR));
        assertThrows(IllegalArgumentException.class, () -> PoolingSpec.window("p", List.of("c"),
                PoolingSpec.Kind.MAX, 2, 2, Padding.CAUSAL));
        assertThrows(IllegalArgumentException.class, () -> new ReshapeSpec("r", List.of("x"), new int[]{-1, -1}));
        assertThrows(IllegalArgumentException.class, () -> new ModelSpec("m", "f", 4,
                List.of(new InputSpec("in"), new InputSpec("in")), "in"));
    }
}
