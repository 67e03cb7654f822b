package org.jlrp.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.lang.reflect.Constructor;
import java.lang.reflect.Executable;
import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The public API is the four API packages; their public signatures name neither Jackson nor an internal package, so
 * that the internals can change and the JSON library can be swapped without breaking a caller. The exceptions are
 * the internal entry points named here, documented as carrying no compatibility promise.
 */
class PublicApiTest {

    private static final List<String> API_PACKAGES = List.of("org.jlrp.runtime", "org.jlrp.runtime.explain",
            "org.jlrp.runtime.render", "org.jlrp.runtime.text");

    /** Internal entry points, for the CLI, the benchmarks and the tests. */
    private static final Set<String> INTERNAL_ENTRY_POINTS = Set.of(
            "org.jlrp.runtime.explain.Explainer.network",
            "org.jlrp.runtime.explain.Explainer.of");

    @Test
    void publicSignaturesNameNoJacksonAndNoInternals() throws Exception {
        List<String> leaks = new ArrayList<>();
        int types = 0;
        for (Class<?> type : apiTypes()) {
            if (!Modifier.isPublic(type.getModifiers())) {
                continue;
            }
            types++;
            for (Method m : type.getDeclaredMethods()) {
                check(type, m, m.getName(), m.toGenericString(), leaks);
            }
            for (Constructor<?> c : type.getDeclaredConstructors()) {
                check(type, c, "<init>", c.toGenericString(), leaks);
            }
            for (Field f : type.getDeclaredFields()) {
                if ((Modifier.isPublic(f.getModifiers()) || Modifier.isProtected(f.getModifiers()))
                        && leaks(f.getGenericType().getTypeName())) {
                    leaks.add(type.getName() + "." + f.getName() + ": " + f.getGenericType().getTypeName());
                }
            }
        }
        assertTrue(types >= 20, "the API packages hold the public types: " + types);
        assertEquals(List.of(), leaks, "public signatures that name Jackson or an internal package");
    }

    private static void check(Class<?> type, Executable e, String name, String signature, List<String> leaks) {
        boolean visible = Modifier.isPublic(e.getModifiers()) || Modifier.isProtected(e.getModifiers());
        if (!visible || e.isSynthetic() || INTERNAL_ENTRY_POINTS.contains(type.getName() + "." + name)) {
            return;
        }
        if (leaks(signature)) {
            leaks.add(signature);
        }
    }

    private static boolean leaks(String signature) {
        return signature.contains("com.fasterxml") || signature.contains("org.jlrp.runtime.internal.");
    }

    private static List<Class<?>> apiTypes() throws IOException, ClassNotFoundException {
        List<Class<?>> out = new ArrayList<>();
        Path classes = Path.of("target/classes");
        for (String pkg : API_PACKAGES) {
            Path dir = classes.resolve(pkg.replace('.', '/'));
            try (Stream<Path> files = Files.list(dir)) {
                for (Path file : files.filter(p -> p.toString().endsWith(".class")).sorted().toList()) {
                    String simple = file.getFileName().toString().replace(".class", "");
                    out.add(Class.forName(pkg + "." + simple, false,
                            PublicApiTest.class.getClassLoader()));
                }
            }
        }
        return out;
    }
}
