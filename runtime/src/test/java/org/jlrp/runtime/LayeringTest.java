package org.jlrp.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The format-neutral core stays neutral: no source file of the graph, the explainer, the model specs or the kernels
 * refers to Jackson or to the Keras importer (by import or by qualified name). Read from the {@code .java} files, so
 * it needs no bytecode tooling.
 */
class LayeringTest {

    /** What the core must not name. */
    private static final Pattern FORBIDDEN = Pattern.compile(
            "\\bcom\\.fasterxml\\.jackson\\b|\\borg\\.jlrp\\.runtime\\.internal\\.keras\\b");

    /** Folders of the core, relative to the runtime module (the tests' working directory). */
    private static final List<String> CORE = List.of(
            "src/main/java/org/jlrp/runtime/internal/graph",
            "src/main/java/org/jlrp/runtime/explain",
            "src/main/java/org/jlrp/runtime/internal/model",
            "../kernels/src/main/java");

    @Test
    void theCoreNamesNeitherJacksonNorTheKerasImporter() throws IOException {
        List<String> violations = new ArrayList<>();
        int files = 0;
        for (String dir : CORE) {
            Path root = Path.of(dir);
            assertTrue(Files.isDirectory(root), root.toAbsolutePath() + " is a folder");
            try (Stream<Path> walk = Files.walk(root)) {
                for (Path file : walk.filter(p -> p.toString().endsWith(".java")).sorted().toList()) {
                    files++;
                    List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
                    for (int i = 0; i < lines.size(); i++) {
                        Matcher m = FORBIDDEN.matcher(lines.get(i));
                        if (m.find()) {
                            violations.add(file + ":" + (i + 1) + ": " + lines.get(i).trim());
                        }
                    }
                }
            }
        }
        assertTrue(files > 20, "core source files read: " + files);
        assertEquals(List.of(), violations);
    }

    @Test
    void theGraphBuilderReadsSpecsOnly() throws IOException {
        String builder = Files.readString(Path.of("src/main/java/org/jlrp/runtime/internal/graph/NetworkBuilder.java"));
        assertTrue(builder.contains("import org.jlrp.runtime.internal.model.ModelSpec;"), "the builder reads a ModelSpec");
        assertTrue(!builder.contains("JsonNode") && !builder.contains("config()"), "no JSON in the builder");
    }
}
