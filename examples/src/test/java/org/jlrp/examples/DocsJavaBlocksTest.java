package org.jlrp.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import javax.tools.Diagnostic;
import javax.tools.DiagnosticCollector;
import javax.tools.JavaCompiler;
import javax.tools.JavaFileObject;
import javax.tools.StandardJavaFileManager;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every {@code ```java} block of README.md and docs/*.md compiles against the library (and, for docs/spark.md, Spark).
 *
 * <p>The convention, which the documents follow:
 * <ul>
 *   <li>a block whose first line of code starts with {@code package}, {@code import} or a type declaration
 *       ({@code public class}, {@code record}, …) is a whole compilation unit, compiled as written;</li>
 *   <li>any other block is the body of a method {@code static void run() throws Exception}, compiled with the
 *       imports of {@link #SNIPPET_IMPORTS}. Such a block declares every variable it uses.</li>
 * </ul>
 * A failure names the document, the block's number in it (1 = its first Java block), the line within the block and
 * javac's message.
 */
class DocsJavaBlocksTest {

    /** What a method-body block may use without importing it. */
    static final List<String> SNIPPET_IMPORTS = List.of("java.io.*", "java.nio.charset.StandardCharsets",
            "java.nio.file.*", "java.util.*", "java.util.concurrent.*", "org.jlrp.runtime.JlrpException",
            "org.jlrp.runtime.internal.demo.*", "org.jlrp.runtime.explain.*", "org.jlrp.runtime.render.*",
            "org.jlrp.runtime.text.*");

    private static final Pattern OPEN = Pattern.compile("^(\\s*)```java\\s*$");
    private static final Pattern CLOSE = Pattern.compile("^\\s*```\\s*$");
    private static final Pattern UNIT_START = Pattern.compile(
            "^(package|import)\\s.*|^((public|final|abstract|sealed)\\s+)*(class|record|interface|enum)\\s.*");
    private static final Pattern PUBLIC_TYPE = Pattern.compile(
            "(?m)^public\\s+(?:(?:final|abstract|sealed)\\s+)*(?:class|record|interface|enum)\\s+(\\w+)");

    /** One {@code ```java} block: where it is, and its code with the fence's indentation removed. */
    record Block(String document, int number, String code) {
        boolean isCompilationUnit() {
            for (String line : code.split("\n")) {
                String t = line.strip();
                if (t.isEmpty() || t.startsWith("//")) {
                    continue;
                }
                return UNIT_START.matcher(t).matches();
            }
            return false;
        }
    }

    @Test
    void everyJavaBlockOfTheReadmeAndTheDocsCompiles(@TempDir Path work) throws IOException {
        Path root = projectRoot();
        List<Path> documents = new ArrayList<>();
        documents.add(root.resolve("README.md"));
        try (Stream<Path> docs = Files.list(root.resolve("docs"))) {
            docs.filter(p -> p.getFileName().toString().endsWith(".md")).sorted().forEach(documents::add);
        }
        List<Block> blocks = new ArrayList<>();
        for (Path document : documents) {
            blocks.addAll(blocks(root.relativize(document).toString(),
                    Files.readString(document, StandardCharsets.UTF_8)));
        }
        assertTrue(blocks.stream().anyMatch(b -> b.document().equals("README.md")), "README.md has Java blocks");
        assertTrue(blocks.size() >= 10, "expected the docs' Java blocks, found " + blocks.size());

        List<String> errors = compile(blocks, work);
        System.out.println("docs: compiled " + blocks.size() + " Java blocks of " + documents.size() + " documents");
        if (!errors.isEmpty()) {
            fail(errors.size() + " Java block error(s) in the documentation:\n" + String.join("\n", errors));
        }
    }

    /** The test itself: a broken block is reported with its document, block number and line. */
    @Test
    void aBrokenBlockIsNamedByDocumentBlockAndLine(@TempDir Path work) throws IOException {
        String markdown = String.join("\n", "# t", "```java", "int fine = 1;", "```", "text", "  ```java",
                "  int x = 1;", "  String s = x;", "  ```", "```java", "import java.util.List;",
                "public class Whole { List<String> names = List.of(); }", "```", "");
        List<Block> blocks = blocks("broken.md", markdown);
        assertEquals(3, blocks.size());
        assertTrue(blocks.get(2).isCompilationUnit());
        List<String> errors = compile(blocks, work);
        assertEquals(1, errors.size(), String.join("\n", errors));
        assertTrue(errors.get(0).startsWith("broken.md, Java block 2, line 2: "), errors.get(0));
    }

    static List<Block> blocks(String document, String markdown) {
        List<Block> blocks = new ArrayList<>();
        String[] lines = markdown.split("\n", -1);
        for (int i = 0; i < lines.length; i++) {
            Matcher open = OPEN.matcher(lines[i]);
            if (!open.matches()) {
                continue;
            }
            int indent = open.group(1).length();
            StringBuilder code = new StringBuilder();
            int j = i + 1;
            for (; j < lines.length && !CLOSE.matcher(lines[j]).matches(); j++) {
                String line = lines[j];
                int cut = 0;
                while (cut < indent && cut < line.length() && line.charAt(cut) == ' ') {
                    cut++;
                }
                code.append(line.substring(cut)).append('\n');
            }
            if (j == lines.length) {
                fail(document + ": a ```java block opened on line " + (i + 1) + " is never closed");
            }
            blocks.add(new Block(document, blocks.size() + 1, code.toString()));
            i = j;
        }
        return blocks;
    }

    /**
     * Compiles the blocks together, each in a package of its own; returns one line per error. The generated sources
     * keep each block's line numbers: the package (and, for snippets, the imports and the method header) go on the
     * block's first line.
     */
    static List<String> compile(List<Block> blocks, Path work) throws IOException {
        Map<Path, Block> sources = new LinkedHashMap<>();
        for (Block block : blocks) {
            String pkg = "docblocks." + block.document().toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9]+", "_")
                    + ".b" + block.number();
            String source;
            String name;
            if (block.isCompilationUnit()) {
                Matcher type = PUBLIC_TYPE.matcher(block.code());
                name = type.find() ? type.group(1) : "Block";
                source = block.code().strip().startsWith("package") ? block.code()
                        : "package " + pkg + "; " + block.code();
            } else {
                name = "Snippet";
                StringBuilder header = new StringBuilder("package ").append(pkg).append(";");
                for (String imported : SNIPPET_IMPORTS) {
                    header.append(" import ").append(imported).append(';');
                }
                header.append(" public class Snippet { public static void run() throws Exception {");
                source = header + "\n" + block.code() + "}}\n";
            }
            Path file = work.resolve("src").resolve(pkg.replace('.', '/')).resolve(name + ".java");
            Files.createDirectories(file.getParent());
            Files.writeString(file, source, StandardCharsets.UTF_8);
            sources.put(file.toAbsolutePath().normalize(), block);
        }
        Path classes = Files.createDirectories(work.resolve("classes"));
        String classPath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));

        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        DiagnosticCollector<JavaFileObject> diagnostics = new DiagnosticCollector<>();
        StringWriter output = new StringWriter();
        try (StandardJavaFileManager files = javac.getStandardFileManager(diagnostics, Locale.ROOT,
                StandardCharsets.UTF_8)) {
            List<String> options = List.of("--release", "17", "-proc:none", "-implicit:none", "-nowarn",
                    "-cp", classPath, "-d", classes.toString());
            javac.getTask(output, files, diagnostics, options, null,
                    files.getJavaFileObjectsFromPaths(new ArrayList<>(sources.keySet()))).call();
        }
        List<String> errors = new ArrayList<>();
        for (Diagnostic<? extends JavaFileObject> d : diagnostics.getDiagnostics()) {
            if (d.getKind() != Diagnostic.Kind.ERROR) {
                continue;
            }
            Block block = d.getSource() == null ? null : sources.get(Path.of(d.getSource().toUri()).toAbsolutePath().normalize());
            if (block == null) {
                errors.add("javac: " + d.getMessage(Locale.ROOT));
                continue;
            }
            long line = block.isCompilationUnit() ? d.getLineNumber() : d.getLineNumber() - 1;
            errors.add(block.document() + ", Java block " + block.number() + ", line " + line + ": "
                    + d.getMessage(Locale.ROOT).replace('\n', ' '));
        }
        if (errors.isEmpty() && !output.toString().isBlank() && output.toString().contains("error")) {
            errors.add("javac: " + output);
        }
        return errors;
    }

    /** The checkout's root: the folder above this module that holds README.md. */
    static Path projectRoot() {
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            if (Files.isRegularFile(dir.resolve("README.md")) && Files.isDirectory(dir.resolve("docs"))) {
                return dir;
            }
        }
        throw new IllegalStateException("no README.md with a docs/ folder above " + Path.of("").toAbsolutePath());
    }
}
