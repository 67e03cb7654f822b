package org.jlrp.cli;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.util.Arrays;
import java.util.Locale;
import java.util.Properties;
import org.apache.commons.cli.ParseException;
import org.jlrp.runtime.JlrpException;

/**
 * The {@code jlrp} command line: {@code explain}, {@code info}, {@code bench}, {@code evaluate}, {@code serve}. It parses, calls the
 * runtime and prints; everything a library user would also need lives in the runtime.
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
        int code = run(args, Streams.system());
        System.out.flush();
        System.exit(code);
    }

    /** Runs one command with this process's stdin and environment; returns the exit code. Never throws. */
    public static int run(String[] args, PrintStream out, PrintStream err) {
        return run(args, Streams.of(out, err));
    }

    /** Runs one command; returns the exit code. Never throws. */
    static int run(String[] args, Streams io) {
        PrintStream out = io.out();
        PrintStream err = io.err();
        boolean debug = Arrays.asList(args).contains("--debug");
        String[] rest = Arrays.stream(args).filter(a -> !a.equals("--debug")).toArray(String[]::new);
        if (rest.length == 0 || rest[0].equals("--help") || rest[0].equals("-h") || rest[0].equals("help")) {
            out.print(usage());
            return rest.length == 0 ? BAD_INPUT : OK;
        }
        if (rest[0].equals("--version") || rest[0].equals("version")) {
            out.println("jlrp " + version());
            return OK;
        }
        String command = rest[0].toLowerCase(Locale.ROOT);
        String[] commandArgs = Arrays.copyOfRange(rest, 1, rest.length);
        try {
            switch (command) {
                case "explain":
                    return new ExplainCommand(io).run(commandArgs);
                case "info":
                    return new InfoCommand(out).run(commandArgs);
                case "bench":
                    return new BenchCommand(out, err).run(commandArgs);
                case "evaluate":
                    return new EvaluateCommand(io).run(commandArgs);
                case "serve":
                    return new ServeCommand(io).run(commandArgs);
                default:
                    err.println("jlrp: unknown command '" + rest[0] + "' (expected explain, info, bench, evaluate or serve)");
                    return BAD_INPUT;
            }
        } catch (ParseException e) {
            err.println("jlrp " + command + ": " + oneLine(e.getMessage()) + " (see jlrp " + command + " --help)");
            return BAD_INPUT;
        } catch (JlrpException e) {
            if (debug) {
                e.printStackTrace(err);
            }
            err.println("jlrp: " + oneLine(e.getMessage()));
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

    /** The project version, from the resource Maven filters at build time. */
    static String version() {
        try (InputStream in = Main.class.getResourceAsStream("version.properties")) {
            if (in != null) {
                Properties p = new Properties();
                p.load(in);
                String v = p.getProperty("version", "").trim();
                if (!v.isEmpty() && !v.startsWith("${")) {
                    return v;
                }
            }
        } catch (IOException ignored) {
            // fall through to the manifest
        }
        String v = Main.class.getPackage().getImplementationVersion();
        return v == null ? "unknown" : v;
    }

    static String usage() {
        return String.join("\n",
                "usage: jlrp <command> [options]",
                "",
                "  explain  per-token LRP relevance of a Keras text model's prediction",
                "  info     the model's format, layers, shapes and what jlrp explains",
                "  bench    explanations per second and latency on random inputs",
                "  evaluate word-deletion faithfulness (AOPC) of methods and rules against a random order",
                "  serve    the model behind KServe V1 and Open Inference Protocol HTTP endpoints, with /metrics",
                "",
                "Run 'jlrp <command> --help' for a command's options. --debug prints stack traces. --version prints "
                        + "the version.",
                "");
    }
}
