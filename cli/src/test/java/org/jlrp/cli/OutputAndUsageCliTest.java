package org.jlrp.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.xml.parsers.DocumentBuilderFactory;
import org.jlrp.cli.CliRun.Run;
import org.jlrp.runtime.SharedFiles;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Where output goes and what it looks like: formats from file extensions, ANSI only on terminals, output errors,
 * method-specific diagnostics, padding folded in tables, float digits in JSON, help, version and stdin input.
 */
class OutputAndUsageCliTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern ESC = Pattern.compile("\u001b\\[");

    private static String seed() {
        return SharedFiles.require("models/seed_textcnn.h5").toString();
    }

    private static String seedTokens() {
        return SharedFiles.require("golden/seed_textcnn.tokens.json").toString();
    }

    @Test
    void ansiOnlyOnATerminalAndFormatsFromTheOutputExtension(@TempDir Path dir) throws Exception {
        Run pipe = CliRun.run("explain", "--text", "this film was not good at all");
        assertEquals(0, pipe.code(), pipe.err());
        assertFalse(ESC.matcher(pipe.out()).find(), "no escapes into a pipe: " + pipe.out());
        assertTrue(pipe.out().startsWith("sequence 0  target 0 (negative)"), pipe.out());
        Run terminal = CliRun.run(true, "", Map.of(), "explain", "--text", "this film was not good at all");
        assertTrue(ESC.matcher(terminal.out()).find(), "colours on a terminal");
        Run noColor = CliRun.run(true, "", Map.of("NO_COLOR", "1"), "explain", "--text", "great");
        assertFalse(ESC.matcher(noColor.out()).find());

        Path html = dir.resolve("r.html");
        Run r = CliRun.run(true, "", Map.of(), "explain", "--text", "a wonderful film", "--output", html.toString());
        assertEquals(0, r.code(), r.err());
        String page = Files.readString(html);
        assertTrue(page.startsWith("<!DOCTYPE html>"), page);
        assertFalse(ESC.matcher(page).find(), "no terminal escapes in the .html");
        assertEquals("jlrp: wrote " + html + " (open it in a browser)\n", r.err());
        DocumentBuilderFactory.newInstance().newDocumentBuilder().parse(html.toFile());
        for (String name : List.of("r.HTM", "r.json", "r.jsonl", "r.txt", "r.out")) {
            Path file = dir.resolve(name);
            assertEquals(0, CliRun.run(true, "", Map.of(), "explain", "--text", "great", "--output", file.toString())
                    .code());
            String text = Files.readString(file);
            assertFalse(ESC.matcher(text).find(), name);
            if (name.contains("json")) {
                assertEquals(1, JSON.readTree(text).get("results").size(), name);
            } else if (name.endsWith("HTM")) {
                assertTrue(text.startsWith("<!DOCTYPE html>"), name);
            } else {
                assertTrue(text.startsWith("sequence 0  target 1 (positive)"), name + ": " + text);
            }
        }
        Path forced = dir.resolve("forced.txt");
        CliRun.run("explain", "--text", "great", "--format", "ansi", "--output", forced.toString());
        assertTrue(ESC.matcher(Files.readString(forced)).find(), "--format ansi is obeyed");
    }

    @Test
    void evaluateTakesItsFormatFromTheExtensionAndStylesItsPage(@TempDir Path dir) throws Exception {
        Path model = SharedFiles.require("models/kim_textcnn.h5");
        Path tokens = Files.writeString(dir.resolve("t.json"), "[[12, 7, 345, 99, 1000, 4], [17541, 1122, 7142]]");
        Path html = dir.resolve("eval.html");
        Run r = CliRun.run("evaluate", "--model", model.toString(), "--tokens", tokens.toString(), "--steps", "2",
                "--methods", "lrp,random", "--output", html.toString());
        assertEquals(0, r.code(), r.err());
        assertTrue(r.err().endsWith("jlrp: wrote " + html + " (open it in a browser)\n"), r.err());
        String page = Files.readString(html);
        assertTrue(page.contains("<style>") && page.contains("table.aopc") && page.contains("<svg"), page);
        DocumentBuilderFactory.newInstance().newDocumentBuilder().parse(html.toFile());
        Path json = dir.resolve("eval.json");
        CliRun.run("evaluate", "--model", model.toString(), "--tokens", tokens.toString(), "--steps", "2",
                "--methods", "lrp,random", "--output", json.toString());
        assertEquals(2, JSON.readTree(json.toFile()).get("methods").size());
    }

    @Test
    void outputIntoAMissingFolderIsBadInputWithOneLine(@TempDir Path dir) {
        Path missing = dir.resolve("no/such/folder/r.html");
        for (String command : List.of("explain", "evaluate")) {
            Run r = command.equals("explain")
                    ? CliRun.run("explain", "--text", "great", "--output", missing.toString())
                    : CliRun.run("evaluate", "--model", seed(), "--tokens", seedTokens(), "--output",
                            missing.toString());
            assertEquals(2, r.code(), command + ": " + r.err());
            assertEquals(1, r.errLines(), r.err());
            assertTrue(r.err().startsWith("jlrp: --output " + missing + ": the folder ") && r.err().contains(
                    "does not exist"), r.err());
        }
        Run folder = CliRun.run("explain", "--text", "great", "--output", dir.toString());
        assertEquals(2, folder.code());
        assertTrue(folder.err().contains("is a folder"), folder.err());
    }

    @Test
    void aTruncatedModelFileIsCalledTruncated(@TempDir Path dir) throws Exception {
        Path truncated = dir.resolve("truncated.h5");
        byte[] model = Files.readAllBytes(Path.of(seed()));
        Files.write(truncated, java.util.Arrays.copyOf(model, model.length / 2));
        Run r = CliRun.run("info", "--model", truncated.toString());
        assertEquals(2, r.code());
        assertEquals(1, r.errLines(), r.err());
        assertTrue(r.err().contains("the file is truncated or corrupt: it has " + model.length / 2 + " bytes"),
                r.err());
        assertFalse(r.err().contains("has no weights"), r.err());
    }

    @Test
    void conservationAndBiasAreLrpLinesOnly(@TempDir Path dir) throws Exception {
        String model = SharedFiles.require("models/kim_textcnn.h5").toString();
        Path tokens = Files.writeString(dir.resolve("t.json"), "[[12, 7, 345, 99, 1000, 4]]");
        for (String method : List.of("lrp", "gradient", "gradient-input", "integrated-gradients", "occlusion")) {
            Run r = CliRun.run("explain", "--model", model, "--tokens", tokens.toString(), "--method", method,
                    "--format", "table");
            assertEquals(0, r.code(), method + ": " + r.err());
            String head = r.out().lines().limit(4).reduce("", (a, b) -> a + b + "\n");
            assertEquals(method.equals("lrp"), head.contains("conservation:"), method + ":\n" + head);
            assertEquals(method.equals("lrp"), head.contains("; bias "), method + ":\n" + head);
            assertEquals(method.equals("integrated-gradients"), head.contains("completeness: sum of R"),
                    method + ":\n" + head);
        }
    }

    @Test
    void tableFoldsPaddingAndJsonUsesFloatDigits() throws Exception {
        Run table = CliRun.run("explain", "--model", seed(), "--tokens", seedTokens(), "--format", "table");
        assertEquals(0, table.code(), table.err());
        assertFalse(table.out().contains("<pad>"), "padding rows are folded");
        assertTrue(Pattern.compile("(?m)^\\s+\\d+-\\d+\\s+\\[\\d+ pad\\]\\s+0\\s+[-+]").matcher(table.out()).find(),
                table.out());
        Run json = CliRun.run("explain", "--model", seed(), "--tokens", seedTokens(), "--format", "json");
        assertEquals(1, json.out().lines().count(), "one object per line");
        Matcher number = Pattern.compile("-?(\\d+)\\.(\\d+)(E-?\\d+)?").matcher(json.out());
        int numbers = 0;
        while (number.find()) {
            String digits = (number.group(1) + number.group(2)).replaceFirst("^0+", "");
            assertTrue(digits.length() <= 9, "more digits than a float has: " + number.group());
            numbers++;
        }
        assertTrue(numbers > 500, "the check saw the relevance values: " + numbers);
        JsonNode first = JSON.readTree(json.out()).get("results").get(0);
        assertEquals(first.get("logits").get(first.get("target").asInt()).toString(),
                first.get("explained_logit").toString(), "the same float, the same digits");
        Run info = CliRun.run("info", "--model", seed(), "--format", "json");
        assertEquals(1, info.out().lines().count(), "info JSON is one line too");
        JSON.readTree(info.out());
    }

    @Test
    void helpWrapsBetweenWordsOnly() {
        for (String command : List.of("explain", "evaluate", "info", "bench")) {
            Run help = CliRun.run(command, "--help");
            assertEquals(0, help.code());
            for (String line : help.out().split("\n")) {
                assertTrue(line.length() <= CommandLines.HELP_WIDTH || !line.trim().contains(" "),
                        command + ": line too long: " + line);
                assertFalse(line.endsWith(" "), command + ": trailing space: '" + line + "'");
            }
            Set<String> words = new HashSet<>(List.of(help.out().split("\\s+")));
            assertTrue(words.contains("--help"), command);
            if (command.equals("explain")) {
                assertTrue(words.contains("RULE"), help.out());
                assertTrue(words.contains("epsilon:E|zplus|alphabeta:A:B|gamma:G|zbox|flat|wsquare[:ignore-bias]"),
                        "the rule list stays one word: " + help.out());
                assertTrue(help.out().contains("--labels negative,positive") || help.out().contains("phishing,"
                        + "legitimate"), "the single-sigmoid labels are documented");
            }
        }
    }

    @Test
    void versionTextsFromStdinAndTheFoldingNote() throws Exception {
        Run version = CliRun.run("--version");
        assertEquals(0, version.code());
        assertTrue(version.out().matches("jlrp \\d+\\.\\d+\\.\\d+\\S*\n"), version.out());

        Run stdin = CliRun.run(false, "not good\n\nreally great\n", Map.of(), "explain", "--texts", "-", "--format",
                "json");
        assertEquals(0, stdin.code(), stdin.err());
        JsonNode results = JSON.readTree(stdin.out()).get("results");
        assertEquals(2, results.size(), "blank lines are skipped");
        assertTrue(results.get(1).get("words").toString().contains("\"great\""));
        Run empty = CliRun.run(false, "\n", Map.of(), "explain", "--texts", "-");
        assertEquals(2, empty.code());
        assertTrue(empty.err().contains("stdin: no texts"), empty.err());

        Run kim = CliRun.run("explain", "--model", SharedFiles.require("models/kim_textcnn.h5").toString(),
                "--tokens", SharedFiles.require("golden/kim_textcnn.tokens.json").toString(), "--format", "json");
        assertEquals(0, kim.code(), kim.err());
        assertEquals(1, kim.errLines(), kim.err());
        assertTrue(kim.err().startsWith("jlrp: note: this model's folded Embedding tables take 96 MB of memory")
                && kim.err().contains("JLRP_JAVA_OPTS=-Djlrp.fold.budget.mb="), kim.err());
        Run seed = CliRun.run("explain", "--model", seed(), "--tokens", seedTokens(), "--format", "json");
        assertEquals("", seed.err(), "24 MB of tables get no note");
    }

    @Test
    void theLaunchersKeepMavenColourCodesOffStderr() throws Exception {
        for (String launcher : List.of("../jlrp", "../jlrp-spark")) {
            List<String> lines = Files.readAllLines(Path.of(launcher));
            long builds = 0;
            for (int i = 0; i < lines.size(); i++) {
                String line = lines.get(i);
                if (line.contains(" mvn ") && !line.trim().startsWith("#") && !line.contains("echo ")) {
                    builds++;
                    String call = String.join(" ", lines.subList(Math.max(0, i - 1), i + 1));
                    assertTrue(call.contains("-B") && call.contains("-Dstyle.color=never")
                            && call.contains("-Djansi.noreset=true"), launcher + ": " + call);
                }
            }
            assertTrue(builds > 0, launcher + " runs Maven");
        }
    }

    @Test
    void theDocumentedFuzzCommandSelectsItsTestInEveryModule() throws Exception {
        String testing = Files.readString(Path.of("../docs/testing.md"));
        Matcher command = Pattern.compile("mvn [^`\\n]*-Dtest=ModelFuzzTest[^`]*").matcher(testing);
        assertTrue(command.find(), "docs/testing.md names the fuzz command");
        assertTrue(command.group().contains("-Dsurefire.failIfNoSpecifiedTests=false") || !command.group()
                .contains("-am"), "with -am, modules without the test must not fail: " + command.group());
    }
}
