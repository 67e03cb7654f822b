package org.jlrp.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.slf4j.event.Level;

/** The provider in this JVM (SIMD or scalar run, see the root pom) and in a child JVM with a bad property. */
class KernelProviderTest {

    private static List<CapturingLogProvider.Event> warnings() {
        return CapturingLogProvider.events(KernelProvider.class.getName(), Level.WARN);
    }

    @Test
    void fallbackIsLoggedOnceAtWarnWithTheFlag() {
        for (int i = 0; i < 5; i++) {
            KernelProvider.get();
        }
        String expected = System.getProperty("jlrp.expect.kernels", "");
        if (expected.equals("scalar")) {
            assertEquals(1, warnings().size(), warnings().toString());
            String message = warnings().get(0).message();
            assertTrue(message.contains("--add-modules=jdk.incubator.vector"), message);
            assertTrue(message.contains("scalar"), message);
        } else if (expected.equals("simd")) {
            assertNull(KernelProvider.fallbackReason());
            assertEquals(List.of(), warnings());
        }
    }

    /** Prints what a fresh JVM picked; the test below reads it. */
    public static final class Child {
        public static void main(String[] args) {
            KernelProvider.get();
            System.out.println("kernels=" + KernelProvider.get().description());
            System.out.println("reason=" + KernelProvider.fallbackReason());
            System.out.println("warnings=" + warnings().size());
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"abc", "1024"})
    void badWidthInAFreshJvmFallsBackToScalarWithoutAnException(String bits, @TempDir Path dir) throws Exception {
        Path out = dir.resolve("out.txt");
        Path err = dir.resolve("err.txt");
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java")
                .toString(), "-cp", System.getProperty("java.class.path"), KernelChoice.VECTOR_FLAG,
                "-Djlrp.vector.bits=" + bits, Child.class.getName()));
        Process child = new ProcessBuilder(command).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        if (!child.waitFor(60, TimeUnit.SECONDS)) {
            child.destroyForcibly();
            throw new AssertionError("the child JVM did not finish within 60 s");
        }
        String stdout = Files.readString(out, StandardCharsets.UTF_8);
        String stderr = Files.readString(err, StandardCharsets.UTF_8);
        assertEquals(0, child.exitValue(), "stdout:\n" + stdout + "\nstderr:\n" + stderr);
        for (String line : stderr.split("\\R")) {
            // The only thing the JVM may say: it always announces incubator modules.
            assertTrue(line.isEmpty() || line.startsWith("WARNING: Using incubator modules"), stderr);
        }
        assertTrue(stdout.contains("kernels=scalar\n"), stdout);
        assertTrue(stdout.contains("reason=-Djlrp.vector.bits=" + bits + " is "), stdout);
        assertTrue(stdout.contains("warnings=1\n"), stdout);
    }
}
