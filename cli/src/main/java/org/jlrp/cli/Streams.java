package org.jlrp.cli;

import java.io.Console;
import java.io.InputStream;
import java.io.PrintStream;
import java.util.Map;

/**
 * What a command reads and writes besides its files: stdin, stdout, stderr, whether stdout is a terminal (ANSI
 * colours only go there) and the environment. Tests make their own.
 *
 * @param terminal whether stdout is an interactive terminal
 */
record Streams(InputStream in, PrintStream out, PrintStream err, boolean terminal, Map<String, String> env) {

    /** This process's streams and environment. */
    static Streams system() {
        return new Streams(System.in, System.out, System.err, stdoutIsTerminal(), System.getenv());
    }

    /** Given stdout and stderr (never a terminal), this process's stdin and environment. */
    static Streams of(PrintStream out, PrintStream err) {
        return new Streams(System.in, out, err, out == System.out && stdoutIsTerminal(), System.getenv());
    }

    /**
     * Whether stdout is a terminal. The launcher knows ({@code [ -t 1 ]}) and says so in {@code -Djlrp.stdout.terminal};
     * otherwise the JDK's console decides: on JDK 17 it exists only when stdin and stdout are terminals, and from
     * JDK 22 on it always exists and {@code Console.isTerminal()} (called reflectively: this is built for 17) says.
     */
    static boolean stdoutIsTerminal() {
        String told = System.getProperty("jlrp.stdout.terminal");
        if (told != null && !told.isBlank()) {
            return Boolean.parseBoolean(told.trim());
        }
        Console console = System.console();
        if (console == null) {
            return false;
        }
        try {
            return (Boolean) Console.class.getMethod("isTerminal").invoke(console);
        } catch (NoSuchMethodException jdk17) {
            return true;
        } catch (ReflectiveOperationException | RuntimeException e) {
            return false;
        }
    }
}
