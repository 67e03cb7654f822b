package org.jlrp.runtime.internal.keras;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jhdf.HdfFile;
import io.jhdf.api.Group;
import io.jhdf.object.datatype.StringData;
import io.jhdf.object.datatype.VariableLength;
import java.nio.charset.StandardCharsets;
import org.jlrp.runtime.SharedFiles;
import org.junit.jupiter.api.Test;

/**
 * The string attribute kinds jhdf cannot write for the fixtures, read from the real files that have them: fixed-length
 * ASCII (h5py writing numpy bytes: Keras ≤ 2.4), variable-length UTF-8 (h5py writing str: tf.keras 2.5+, Keras 3, and
 * Keras 1/2's scalar attributes), and the empty float64 {@code weight_names} of weightless layers.
 */
class StringAttributeKindsTest {

    @Test
    void fixedLengthAsciiStringsAndArrays() throws Exception {
        try (HdfFile hdf = new HdfFile(SharedFiles.require("models/kim_textcnn.h5"))) {
            StringData type = assertInstanceOf(StringData.class, hdf.getAttribute("model_config").getDataType());
            assertEquals(StandardCharsets.US_ASCII, type.getCharset());
            assertTrue(KerasModelLoader.attrString(hdf, "model_config").startsWith("{\"class_name\": \"Model\""));
            assertEquals("2.2.4", KerasModelLoader.attrString(hdf, "keras_version"));
            Group weights = (Group) hdf.getChild("model_weights");
            assertInstanceOf(StringData.class, weights.getAttribute("layer_names").getDataType());
            String[] names = KerasModelLoader.attrStrings(weights, "layer_names");
            assertEquals(12, names.length);
            assertEquals("input_1", names[0]);
            assertEquals("embedding", names[1]);
            assertArrayEquals(new String[]{"conv1d_1/kernel:0", "conv1d_1/bias:0"},
                    KerasModelLoader.attrStrings(weights.getChild("conv1d_1"), "weight_names"));
        }
    }

    @Test
    void variableLengthUtf8StringsAndArrays() throws Exception {
        try (HdfFile hdf = new HdfFile(SharedFiles.require("pairs/swswy-isear-emotion-cnn/cnn_model.h5"))) {
            assertInstanceOf(VariableLength.class, hdf.getAttribute("model_config").getDataType());
            assertTrue(KerasModelLoader.attrString(hdf, "model_config").startsWith("{\"class_name\": \"Functional\""));
            assertEquals("tensorflow", KerasModelLoader.attrString(hdf, "backend"));
            Group weights = (Group) hdf.getChild("model_weights");
            assertInstanceOf(VariableLength.class, weights.getAttribute("layer_names").getDataType());
            String[] names = KerasModelLoader.attrStrings(weights, "layer_names");
            assertEquals(27, names.length);
            assertEquals("input_1", names[0]);
            assertArrayEquals(new String[]{"conv1d/kernel:0", "conv1d/bias:0"},
                    KerasModelLoader.attrStrings(weights.getChild("conv1d"), "weight_names"));
        }
    }

    @Test
    void emptyWeightNamesOfWeightlessLayers() throws Exception {
        try (HdfFile hdf = new HdfFile(SharedFiles.require("models/v0idwalker_textcnn.h5"))) {
            Group dropout = (Group) ((Group) hdf.getChild("model_weights")).getChild("dropout_1");
            assertArrayEquals(new String[0], KerasModelLoader.attrStrings(dropout, "weight_names"));
            assertEquals(null, KerasModelLoader.attrStrings(dropout, "no_such_attribute"));
        }
    }
}
