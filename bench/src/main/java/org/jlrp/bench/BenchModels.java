package org.jlrp.bench;

import java.nio.file.Files;
import java.nio.file.Path;

/** Finds the reference workload's model file for the benchmarks. */
final class BenchModels {

    private BenchModels() {
    }

    /**
     * {@code -Djlrp.bench.model=FILE}, else {@code shared/models/seed_textcnn.h5} beside the working directory or one
     * of its ancestors (so that both the repository root and {@code bench/} work).
     */
    static Path seedModel() {
        String property = System.getProperty("jlrp.bench.model");
        if (property != null && !property.isBlank()) {
            return Path.of(property);
        }
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            Path candidate = dir.resolveSibling("shared").resolve("models/seed_textcnn.h5");
            if (Files.isRegularFile(candidate)) {
                return candidate;
            }
        }
        throw new IllegalStateException("seed_textcnn.h5 not found: pass -Djlrp.bench.model=FILE");
    }
}
