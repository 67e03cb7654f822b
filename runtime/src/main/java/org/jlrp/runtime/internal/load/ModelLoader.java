package org.jlrp.runtime.internal.load;

import java.nio.file.Path;
import java.util.Locale;
import org.jlrp.runtime.JlrpException;
import org.jlrp.runtime.internal.keras.KerasImporter;
import org.jlrp.runtime.internal.keras.Limits;
import org.jlrp.runtime.internal.model.ModelSpec;
import org.jlrp.runtime.internal.onnx.OnnxImporter;
import org.jlrp.runtime.internal.onnx.OnnxLimits;

/**
 * Reads a model file into a format-neutral {@link ModelSpec}, with the importer for its format: the one place that
 * knows which formats exist (Keras, and ONNX by the {@code .onnx} extension), so that the explainer and the graph depend on none of them.
 */
public final class ModelLoader {

    private ModelLoader() {
    }

    /**
     * Loads a model with the default size limits.
     *
     * @param model        the model file
     * @param architecture the architecture file for a weights-only model file; null otherwise
     */
    public static ModelSpec load(Path model, Path architecture) {
        Path name = model.getFileName();
        if (name != null && name.toString().toLowerCase(Locale.ROOT).endsWith(".onnx")) {
            if (architecture != null) {
                throw new JlrpException(model + ": an ONNX model holds its own graph; --architecture applies to "
                        + "weights-only Keras files");
            }
            return OnnxImporter.load(model, OnnxLimits.DEFAULT);
        }
        return KerasImporter.load(model, architecture, Limits.DEFAULT);
    }
}
