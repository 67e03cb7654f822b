package org.jlrp.cli;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/** Runs {@link Main} with captured streams, stdin, a terminal flag and an environment of the test's choosing. */
final class CliRun {

    /** What one run printed and returned. */
    record Run(int code, String out, String err) {
        long errLines() {
            return err.lines().count();
        }
    }

    private CliRun() {
    }

    /** stdout is not a terminal (a pipe or a file), empty stdin, no environment. */
    static Run run(String... args) {
        return run(false, "", Map.of(), args);
    }

    static Run run(boolean terminal, String stdin, Map<String, String> env, String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        Streams io = new Streams(new ByteArrayInputStream(stdin.getBytes(StandardCharsets.UTF_8)),
                new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8),
                terminal, env);
        int code = Main.run(args, io);
        return new Run(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }
}
