package org.jlrp.serve;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The server is an embedding application like any other: its code uses the runtime's public API only. And the curl
 * examples of docs/serve.md are the ones CI runs: every one appears in .ci/serve-check.sh.
 */
class ServeSourcesTest {

    @Test
    void theServerUsesThePublicApiOnly() throws IOException {
        List<String> violations = new ArrayList<>();
        int files = 0;
        try (Stream<Path> walk = Files.walk(Path.of("src/main/java"))) {
            for (Path file : walk.filter(p -> p.toString().endsWith(".java")).sorted().toList()) {
                files++;
                List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
                for (int i = 0; i < lines.size(); i++) {
                    if (lines.get(i).contains("org.jlrp.runtime.internal") || lines.get(i).contains("org.jlrp.kernels")
                            || lines.get(i).contains(".network()")) {
                        violations.add(file + ":" + (i + 1) + ": " + lines.get(i).trim());
                    }
                }
            }
        }
        assertTrue(files >= 5, "server source files read: " + files);
        assertEquals(List.of(), violations);
    }

    @Test
    void theDocumentedCurlExamplesAreTheOnesCiRuns() throws IOException {
        String script = Files.readString(Path.of("../.ci/serve-check.sh"))
                .replace("$base", "http://127.0.0.1:8080");
        List<String> examples = Files.readAllLines(Path.of("../docs/serve.md")).stream()
                .map(String::strip).filter(l -> l.startsWith("curl ")).toList();
        assertTrue(examples.size() >= 8, "curl examples in docs/serve.md: " + examples.size());
        for (String example : examples) {
            assertTrue(script.contains(example), "docs/serve.md's example is not run by .ci/serve-check.sh: "
                    + example);
        }
    }
}
