package org.jlrp.runtime.internal.keras;

/** How a Keras model reached us; the names are the ones used in reports and the golden files. */
enum ModelFormat {
    /** An HDF5 file with {@code model_config} and {@code model_weights} (Keras 1, 2 and Keras 3 legacy). */
    FULL_H5("full-h5"),
    /** A Keras 3 {@code .keras} zip: {@code config.json} plus {@code model.weights.h5}. */
    KERAS3_ZIP("keras3-zip"),
    /** A weights-only HDF5 file plus the architecture JSON of {@code model.to_json()}. */
    WEIGHTS_H5_JSON("weights-h5+json");

    private final String label;

    ModelFormat(String label) {
        this.label = label;
    }

    public String label() {
        return label;
    }
}
