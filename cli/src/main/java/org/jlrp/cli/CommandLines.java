package org.jlrp.cli;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.io.PrintWriter;
import java.nio.file.Path;
import org.apache.commons.cli.CommandLine;
import org.apache.commons.cli.DefaultParser;
import org.apache.commons.cli.HelpFormatter;
import org.apache.commons.cli.Option;
import org.apache.commons.cli.Options;
import org.apache.commons.cli.ParseException;
import org.jlrp.runtime.JlrpException;
import org.jlrp.runtime.text.Sequences;

/** Small helpers shared by the commands: parsing, typed option values, help. */
final class CommandLines {

    private CommandLines() {
    }

    static Option opt(String longName, String argName, String description) {
        Option.Builder b = Option.builder().longOpt(longName).desc(description);
        if (argName != null) {
            b.hasArg().argName(argName);
        }
        return b.get();
    }

    static CommandLine parse(Options options, String[] args) throws ParseException {
        options.addOption(opt("help", null, "show this help"));
        CommandLine line = new DefaultParser().parse(options, args);
        if (!line.getArgList().isEmpty()) {
            throw new ParseException("unexpected argument '" + line.getArgList().get(0) + "'");
        }
        return line;
    }

    static void help(PrintStream out, String syntax, Options options) {
        PrintWriter w = new PrintWriter(out);
        new HelpFormatter().printHelp(w, 100, syntax, "", options, 2, 2, "");
        w.flush();
    }

    static int intValue(CommandLine line, String name, int fallback, int min, int max) {
        String text = line.getOptionValue(name);
        if (text == null) {
            return fallback;
        }
        try {
            int v = Integer.parseInt(text.trim());
            if (v < min || v > max) {
                throw new JlrpException("--" + name + " must be between " + min + " and " + max + ", got " + v);
            }
            return v;
        } catch (NumberFormatException e) {
            throw new JlrpException("--" + name + " must be an integer, got '" + text + "'");
        }
    }

    static double doubleValue(CommandLine line, String name, double fallback, double min, double max) {
        String text = line.getOptionValue(name);
        if (text == null) {
            return fallback;
        }
        try {
            double v = Double.parseDouble(text.trim());
            if (!(v >= min && v <= max)) {
                throw new JlrpException("--" + name + " must be between " + min + " and " + max + ", got " + text);
            }
            return v;
        } catch (NumberFormatException e) {
            throw new JlrpException("--" + name + " must be a number, got '" + text + "'");
        }
    }

    static Path path(CommandLine line, String name) {
        String text = line.getOptionValue(name);
        return text == null ? null : Path.of(text);
    }

    static String choice(CommandLine line, String name, String fallback, String... allowed) {
        String v = line.getOptionValue(name, fallback);
        for (String a : allowed) {
            if (a.equals(v)) {
                return v;
            }
        }
        throw new JlrpException("--" + name + " must be one of " + String.join(", ", allowed) + ", got '" + v + "'");
    }

    /**
     * Where a command writes its report: the {@code --output} file (buffered), or stdout wrapped so that closing the
     * report does not close stdout.
     */
    static OutputStream openOutput(Path output, PrintStream out) throws IOException {
        if (output != null) {
            return new BufferedOutputStream(Files.newOutputStream(output));
        }
        return new OutputStream() {
            @Override
            public void write(int b) {
                out.write(b);
            }

            @Override
            public void write(byte[] b, int off, int len) {
                out.write(b, off, len);
            }

            @Override
            public void flush() {
                out.flush();
            }
        };
    }

    /** How token-id sequences are fitted to the model's input length: Keras {@code pad_sequences} settings. */
    record Fitting(Sequences.Side padding, Sequences.Side truncating, int padId) {
        int[] fit(int[] ids, int length) {
            return Sequences.pad(ids, length, padding, truncating, padId);
        }
    }

    /** {@code --padding}, {@code --truncating} and {@code --pad-id}, shared by the commands that read sequences. */
    static void addFittingOptions(Options o) {
        o.addOption(opt("padding", "pre|post", "where to pad short sequences (default pre)"));
        o.addOption(opt("truncating", "pre|post", "which end to cut from long sequences (default pre)"));
        o.addOption(opt("pad-id", "N", "padding token id (default 0)"));
    }

    static Fitting fitting(CommandLine line) {
        return new Fitting(Sequences.Side.parse(line.getOptionValue("padding", "pre"), "--padding"),
                Sequences.Side.parse(line.getOptionValue("truncating", "pre"), "--truncating"),
                intValue(line, "pad-id", 0, 0, Integer.MAX_VALUE));
    }
}
