package org.jlrp.cli;

import java.io.PrintStream;
import java.util.Arrays;
import java.util.Locale;
import org.apache.commons.cli.ParseException;
import org.jlrp.runtime.JlrpException;

/**
 * The {@code jlrp} command line: {@code explain}, {@code info}, {@code bench}. It parses, calls the runtime and
 * prints; everything a library user would also need lives in the runtime.
 *
 * <p>Exit codes: 0 success; 2 bad usage or bad input, with one line on stderr naming the problem; 1 internal error.
 */
public final class Main {

    static final int OK = 0;
    static final int INTERNAL_ERROR = 1;
    static final int BAD_INPUT = 2;

    private Main() {
    }

    public static void main(String[] args) {
        int code = run(args, System.out, System.err);
        System.out.flush();
        System.exit(code);
    }

    /** Runs one command; returns the exit code. Never throws. */
    public static int run(String[] args, PrintStream out, PrintStream err) {
        boolean debug = Arrays.asList(args).contains("--debug");
        String[] rest = Arrays.stream(args).filter(a -> !a.equals("--debug")).toArray(String[]::new);
        if (rest.length == 0 || rest[0].equals("--help") || rest[0].equals("-h") || rest[0].equals("help")) {
            out.print(usage());
            return rest.length == 0 ? BAD_INPUT : OK;
        }
        String command = rest[0].toLowerCase(Locale.ROOT);
        String[] commandArgs = Arrays.copyOfRange(rest, 1, rest.length);
        try {
            switch (command) {
                case "explain":
                    return new ExplainCommand(out, err).run(commandArgs);
                case "info":
                    return new InfoCommand(out).run(commandArgs);
                case "bench":
                    return new BenchCommand(out, err).run(commandArgs);
                case "evaluate":
                    return new EvaluateCommand(out).run(commandArgs);
                default:
                    err.println("jlrp: unknown command '" + rest[0] + "' (expected explain, info, bench or evaluate)");
                    return BAD_INPUT;
            }
        } catch (ParseException e) {
            err.println("jlrp " + command + ": " + oneLine(e.getMessage()) + " (see jlrp " + command + " --help)");
            return BAD_INPUT;
        } catch (JlrpException e) {
            if (debug) {
                e.printStackTrace(err);
            }
            err.println("jlrp: " + e.getMessage());
            return BAD_INPUT;
        } catch (OutOfMemoryError e) {
            err.println("jlrp: out of memory (" + oneLine(e.getMessage()) + "); give the JVM more with JLRP_JAVA_OPTS=-Xmx...");
            return INTERNAL_ERROR;
        } catch (Throwable e) {
            if (debug) {
                e.printStackTrace(err);
            }
            err.println("jlrp: internal error: " + e.getClass().getSimpleName() + ": " + oneLine(e.getMessage())
                    + (debug ? "" : " (run with --debug for details)"));
            return INTERNAL_ERROR;
        }
    }

    static String oneLine(String message) {
        return message == null ? "" : message.replaceAll("\\s*[\\r\\n]+\\s*", " ");
    }

    static String usage() {
        return String.join("\n",
                "usage: jlrp <command> [options]",
                "",
                "  explain  per-token LRP relevance of a Keras text model's prediction",
                "  info     the model's format, layers, shapes and what jlrp explains",
                "  bench    explanations per second and latency on random inputs",
                "  evaluate word-deletion faithfulness (AOPC) of methods and rules against a random order",
                "",
                "Run 'jlrp <command> --help' for a command's options. --debug prints stack traces.",
                "");
    }
}
