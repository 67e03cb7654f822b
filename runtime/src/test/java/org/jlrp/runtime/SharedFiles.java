package org.jlrp.runtime;

import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.function.Executable;

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

    /**
     * The golden models with recurrent layers (LSTM, GRU, SimpleRNN, Bidirectional). jlrp explains them, except those
     * of {@link #REFUSED_GOLDENS}, which it refuses with one line naming the reason; the tests that walk every golden
     * model check that refusal instead.
     */
    public static final Set<String> RECURRENT_GOLDENS = Set.of("anushree1001_imdb_gru", "anushree1001_imdb_lstm",
            "anushree1001_imdb_simplernn", "chen0040-umich-bilstm", "dl4j_embedding_lstm_tensorflow_2",
            "sudar2005-phishurl-chargru", "twrzeszcz-finsent-bilstm", "ycw666-phishguard-textvec-bilstm");

    /** The recurrent golden models jlrp refuses today: none (a TextVectorization input layer was the last). */
    public static final Set<String> REFUSED_GOLDENS = Set.of();

    /** Whether a golden file name ({@code NAME}, {@code NAME.lrp.json}, …) belongs to a recurrent golden model. */
    public static boolean isRecurrentGolden(String goldenFile) {
        return RECURRENT_GOLDENS.contains(goldenName(goldenFile));
    }

    /** Whether a golden file name belongs to a golden model jlrp refuses (see {@link #assertRecurrentRefusal}). */
    public static boolean isRefusedGolden(String goldenFile) {
        return REFUSED_GOLDENS.contains(goldenName(goldenFile));
    }

    private static String goldenName(String goldenFile) {
        int dot = goldenFile.indexOf('.');
        return dot < 0 ? goldenFile : goldenFile.substring(0, dot);
    }

    /**
     * Asserts that loading a refused recurrent model fails with one line giving the reason jlrp has for it today: a
     * TextVectorization input.
     */
    public static void assertRecurrentRefusal(String what, Executable load) {
        JlrpException e = Assertions.assertThrows(JlrpException.class, load, what);
        String message = e.getMessage();
        Assertions.assertFalse(message.contains("\n"), what + ": one line: " + message);
        Assertions.assertTrue(message.matches(".*\\bTextVectorization\\b.*"),
                what + ": the refusal names its reason: " + message);
    }
}
