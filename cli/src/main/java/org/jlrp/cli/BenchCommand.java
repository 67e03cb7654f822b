package org.jlrp.cli;

import java.io.IOException;
import java.io.PrintStream;
import java.io.Writer;
import java.nio.file.Path;
import org.apache.commons.cli.CommandLine;
import org.apache.commons.cli.Options;
import org.apache.commons.cli.ParseException;
import org.jlrp.runtime.internal.bench.Benchmark;
import org.jlrp.runtime.explain.Explainer;
import org.jlrp.runtime.internal.bench.BenchReport;

/** {@code jlrp bench}: explanations per second and per-call latency on random token ids. */
final class BenchCommand {

    private static final String SYNTAX = "jlrp bench --model FILE [--architecture FILE] [--batch N] [--threads N] "
            + "[--seconds S] [--warmup S] [--seed N] [--format text|json]";

    private final PrintStream out;
    private final PrintStream err;

    BenchCommand(PrintStream out, PrintStream err) {
        this.out = out;
        this.err = err;
    }

    int run(String[] args) throws ParseException, IOException {
        int cores = Runtime.getRuntime().availableProcessors();
        Options options = new Options();
        options.addOption(CommandLines.opt("model", "FILE", "Keras .h5 or .keras, or ONNX .onnx model file"));
        options.addOption(CommandLines.opt("architecture", "FILE", "model.to_json() file for a weights-only .h5"));
        options.addOption(CommandLines.opt("batch", "N", "sequences per call (default 64; 1 = single requests)"));
        options.addOption(CommandLines.opt("threads", "N", "worker threads (default " + cores + ", the cores)"));
        options.addOption(CommandLines.opt("seconds", "S", "measured time (default 10)"));
        options.addOption(CommandLines.opt("warmup", "S", "warm-up time before measuring (default 5)"));
        options.addOption(CommandLines.opt("seed", "N", "seed of the random token ids (default 1)"));
        options.addOption(CommandLines.opt("format", "text|json", "output format (default text)"));
        CommandLine line = CommandLines.parse(options, args);
        if (line.hasOption("help")) {
            CommandLines.help(out, SYNTAX, options);
            return Main.OK;
        }
        Path model = CommandLines.path(line, "model");
        if (model == null) {
            throw new ParseException("--model is required");
        }
        String format = CommandLines.choice(line, "format", "text", "text", "json");
        Benchmark.Settings settings = new Benchmark.Settings(
                CommandLines.intValue(line, "batch", 64, 1, 1 << 16),
                CommandLines.intValue(line, "threads", cores, 1, 1024),
                CommandLines.doubleValue(line, "seconds", 10, 0.001, 86_400),
                CommandLines.doubleValue(line, "warmup", 5, 0, 86_400),
                CommandLines.intValue(line, "seed", 1, 0, Integer.MAX_VALUE));
        Explainer explainer = Explainer.load(model, CommandLines.path(line, "architecture"));
        CommandLines.noteFolding(explainer, err);
        Benchmark.Result result = Benchmark.run(explainer, model.toString(), settings);
        try (Writer sink = CommandLines.openOutput(null, out)) {
            if (format.equals("json")) {
                BenchReport.writeJson(sink, result);
            } else {
                BenchReport.writeText(sink, result);
            }
        }
        return Main.OK;
    }
}
