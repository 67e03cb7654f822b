package org.jlrp.runtime.internal.keras;

import static org.jlrp.runtime.internal.keras.FixtureModels.KERAS2_ATTRIBUTES;
import static org.jlrp.runtime.internal.keras.FixtureModels.smallCnnKeras2Weights;
import static org.jlrp.runtime.internal.keras.FixtureModels.smallCnnLayers;
import static org.jlrp.runtime.internal.keras.Keras2Configs.sequentialList;
import static org.jlrp.runtime.internal.keras.KerasFixtures.writeFullH5;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.jlrp.runtime.JlrpException;
import org.jlrp.runtime.internal.keras.KerasFixtures.H5Layer;
import org.jlrp.runtime.internal.keras.KerasFixtures.H5Options;
import org.jlrp.runtime.internal.keras.KerasFixtures.Weight;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A NaN or infinite weight is refused at load, with the weight and its position named, never propagated. */
class NonFiniteWeightsTest {

    @Test
    void nanAndInfiniteWeightsAreRefusedByName(@TempDir Path dir) {
        for (float bad : new float[]{Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY}) {
            List<H5Layer> layers = new ArrayList<>();
            for (H5Layer layer : smallCnnKeras2Weights()) {
                if (!layer.name().equals("dense_1")) {
                    layers.add(layer);
                    continue;
                }
                Tensor kernel = layer.weights().get(0).tensor();
                float[] data = kernel.data().clone();
                data[7] = bad;
                layers.add(H5Layer.of("dense_1",
                        new Weight("dense_1/kernel:0", new Tensor(kernel.name(), kernel.shape(), data)),
                        layer.weights().get(1)));
            }
            Path file = dir.resolve("bad-" + layers.hashCode() + ".h5");
            writeFullH5(file, sequentialList(smallCnnLayers()), KERAS2_ATTRIBUTES, layers, H5Options.PLAIN);
            JlrpException e = assertThrows(JlrpException.class, () -> KerasModelLoader.load(file), "weight " + bad);
            assertTrue(e.getMessage().contains("dense_1/kernel:0") && e.getMessage().contains("non-finite")
                    && e.getMessage().contains("index 7"), e.getMessage());
        }
        // The same file with finite weights loads.
        Path good = dir.resolve("good.h5");
        writeFullH5(good, sequentialList(smallCnnLayers()), KERAS2_ATTRIBUTES, smallCnnKeras2Weights(),
                H5Options.PLAIN);
        assertNotNull(KerasModelLoader.load(good));
    }
}
