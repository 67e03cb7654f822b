package org.jlrp.spark;

import java.io.IOException;
import java.io.Serializable;
import java.nio.file.Files;
import java.nio.file.Path;
import org.jlrp.runtime.JlrpException;
import org.jlrp.runtime.explain.Explainer;

/**
 * A model file's bytes (and its architecture JSON's, for a weights-only {@code .h5}): what the driver broadcasts, so
 * executors need no access to the file itself.
 *
 * @param name         what error messages call the model: the driver-side path, or a caller-chosen label
 * @param model        the {@code .h5}, {@code .keras} or {@code .onnx} file's bytes
 * @param architecture the {@code model.to_json()} file's bytes; null for a full model
 */
record ModelFiles(String name, byte[] model, byte[] architecture) implements Serializable {

    private static final long serialVersionUID = 1L;

    ModelFiles {
        if (model == null || model.length == 0) {
            throw new JlrpException(name + ": the model is empty");
        }
    }

    /** Reads the files on the driver. */
    static ModelFiles read(Path model, Path architecture) {
        return new ModelFiles(model.toString(), readBytes(model, "model"),
                architecture == null ? null : readBytes(architecture, "architecture"));
    }

    /**
     * Builds an explainer from the bytes. The loader reads files, so the bytes go to private temporary files first,
     * with the model's own extension: the loader tells ONNX files by theirs ({@code .onnx}), Keras files by content.
     */
    Explainer load() {
        Path modelFile = null;
        Path architectureFile = null;
        try {
            modelFile = Files.createTempFile("jlrp-model-", extension(name));
            Files.write(modelFile, model);
            if (architecture != null) {
                architectureFile = Files.createTempFile("jlrp-architecture-", ".json");
                Files.write(architectureFile, architecture);
            }
            return Explainer.load(modelFile, architectureFile);
        } catch (IOException e) {
            throw new JlrpException(name + ": cannot write the model to a temporary file (" + e.getMessage() + ")", e);
        } catch (JlrpException e) {
            // Name the model as the user knows it, not by its temporary copy.
            String message = e.getMessage().replace(modelFile.toString(), name);
            if (architectureFile != null) {
                message = message.replace(architectureFile.toString(), name + " (architecture)");
            }
            throw new JlrpException(message, e);
        } finally {
            deleteQuietly(modelFile);
            deleteQuietly(architectureFile);
        }
    }

    /** The file name's extension ({@code .onnx}, {@code .h5}, ...), or {@code .bin} when it has none. */
    static String extension(String name) {
        String file = name.substring(Math.max(name.lastIndexOf('/'), name.lastIndexOf('\\')) + 1);
        int dot = file.lastIndexOf('.');
        String ext = dot <= 0 ? "" : file.substring(dot).toLowerCase(java.util.Locale.ROOT);
        return ext.matches("\\.[a-z0-9]{1,8}") ? ext : ".bin";
    }

    private static byte[] readBytes(Path file, String what) {
        if (!Files.isRegularFile(file)) {
            throw new JlrpException(file + ": no such " + what + " file");
        }
        try {
            return Files.readAllBytes(file);
        } catch (IOException | OutOfMemoryError e) {
            throw new JlrpException(file + ": cannot read the " + what + " file (" + e.getMessage() + ")", e);
        }
    }

    private static void deleteQuietly(Path file) {
        if (file != null) {
            try {
                Files.deleteIfExists(file);
            } catch (IOException ignored) {
                // A leftover temporary file is harmless; the load result is what matters.
            }
        }
    }
}
