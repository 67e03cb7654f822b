package org.jlrp.runtime;

import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Locates the project's shared fixtures ({@code ../shared} beside the checkout), read in place, never copied.
 * Under {@code CI=true} a missing file fails the test; elsewhere it skips it.
 */
public final class SharedFiles {

    private SharedFiles() {
    }

    /** The shared folder: {@code $JLRP_SHARED}, or the first {@code shared/} beside an ancestor of the working dir. */
    public static Path root() {
        String env = System.getenv("JLRP_SHARED");
        if (env != null && !env.isBlank()) {
            return Path.of(env).toAbsolutePath().normalize();
        }
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            Path candidate = dir.resolveSibling("shared");
            if (Files.isRegularFile(candidate.resolve("DESIGN.md"))) {
                return candidate.normalize();
            }
        }
        return Path.of("..", "shared").toAbsolutePath().normalize();
    }

    /** A shared file that must exist: missing fails under CI=true and skips the test elsewhere. */
    public static Path require(String relative) {
        Path file = root().resolve(relative);
        if (!Files.exists(file)) {
            if ("true".equalsIgnoreCase(System.getenv("CI"))) {
                fail("missing shared fixture " + file + " (CI=true: shared files are required)");
            }
            assumeTrue(false, "shared fixture " + file + " not found; skipping");
        }
        return file;
    }
}
