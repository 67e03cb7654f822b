package org.jlrp.runtime.internal.load;

import java.nio.file.Path;
import org.jlrp.runtime.internal.keras.KerasImporter;
import org.jlrp.runtime.internal.keras.Limits;
import org.jlrp.runtime.internal.model.ModelSpec;

/**
 * Reads a model file into a format-neutral {@link ModelSpec}, with the importer for its format: the one place that
 * knows which formats exist (Keras today), so that the explainer and the graph depend on none of them.
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
        return KerasImporter.load(model, architecture, Limits.DEFAULT);
    }
}
