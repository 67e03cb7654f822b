package org.jlrp.cli;

import java.io.IOException;
import java.io.PrintStream;
import java.io.Writer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.commons.cli.CommandLine;
import org.apache.commons.cli.Options;
import org.apache.commons.cli.ParseException;
import org.jlrp.runtime.JlrpException;
import org.jlrp.runtime.explain.ExplainOptions;
import org.jlrp.runtime.explain.Explainer;
import org.jlrp.runtime.internal.bench.BenchReport;
import org.jlrp.runtime.internal.bench.Benchmark;
import org.jlrp.runtime.text.TextEncoder;
import org.jlrp.runtime.text.TextBatch;
import org.jlrp.runtime.text.TokenFile;

/**
 * {@code jlrp bench}: explanations per second and per-call latency, on random token ids or on real sequences (cycled),
 * for any rule, method and target.
 */
final class BenchCommand {

    private static final String SYNTAX = "jlrp bench --model FILE [--architecture FILE] [--batch N] [--threads N] "
            + "[--seconds S] [--warmup S] [--seed N] [--tokens FILE | --texts FILE [--tokenizer FILE | --vocab FILE]] "
            + "[--rule SPEC | --method NAME] [--target pred|all|N] [--embedding-relevance] [--peak S] "
            + "[--format text|json]";

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
        options.addOption(CommandLines.opt("tokens", "FILE", "measure on these token-id sequences (JSON array of "
                + "arrays), cycled, instead of random ids"));
        options.addOption(CommandLines.opt("texts", "FILE", "measure on these texts (one per line), encoded as jlrp "
                + "explain encodes them (--tokenizer, --vocab or the model's own TextVectorization) and cycled: real "
                + "text with its word frequencies"));
        CommandLines.addTextOptions(options);
        CommandLines.addFittingOptions(options);
        CommandLines.addExplainOptions(options);
        // one --seed for the random token ids and the sampling methods
        options.addOption(CommandLines.opt("seed", "N", "seed of the random token ids and of shapley/smoothgrad's "
                + "sampling (default 1)"));
        options.addOption(CommandLines.opt("peak", "S", "then measure the machine's matrix-multiply peak for S "
                + "seconds on the same threads, and report the fraction of it reached"));
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
        if (line.hasOption("tokens") && line.hasOption("texts")) {
            throw new ParseException("give either --tokens or --texts, not both");
        }
        CommandLines.checkTextOptions(line);
        if (!line.hasOption("texts") && (line.hasOption("tokenizer") || line.hasOption("vocab")
                || line.hasOption("unknown-id"))) {
            throw new ParseException("--tokenizer, --vocab and --unknown-id apply to --texts only");
        }
        String format = CommandLines.choice(line, "format", "text", "text", "json");
        CommandLines.Fitting fitting = CommandLines.fitting(line);
        ExplainOptions explainOptions = CommandLines.explainOptions(line, fitting.padId(), false)
                .withSeed(CommandLines.intValue(line, "seed", 1, 0, Integer.MAX_VALUE));
        Explainer explainer = Explainer.load(model, CommandLines.path(line, "architecture"));
        List<int[]> inputs = null;
        String inputName = "random";
        int length = explainer.inputLength();
        if (line.hasOption("tokens") || line.hasOption("texts")) {
            if (length < 0) {
                throw new JlrpException("bench on given sequences needs a model with a fixed input length; "
                        + model + " reads any length");
            }
            inputs = new ArrayList<>();
            if (line.hasOption("tokens")) {
                inputName = line.getOptionValue("tokens");
                for (int[] ids : TokenFile.read(CommandLines.path(line, "tokens"))) {
                    inputs.add(fitting.fit(ids, length));
                }
            } else {
                inputName = line.getOptionValue("texts");
                TextEncoder encoder = CommandLines.requireTextEncoder(line, explainer, null, fitting, "--texts",
                        model);
                inputs.addAll(TextBatch.encode(encoder, TextBatch.readLines(CommandLines.path(line, "texts")),
                        length).sequences());
            }
            for (int i = 0; i < inputs.size(); i++) {
                explainer.logits(inputs.get(i), null); // ids out of range fail here, before any thread starts
            }
        }
        Benchmark.Settings settings = new Benchmark.Settings(
                CommandLines.intValue(line, "batch", 64, 1, 1 << 16),
                CommandLines.intValue(line, "threads", cores, 1, 1024),
                CommandLines.doubleValue(line, "seconds", 10, 0.001, 86_400),
                CommandLines.doubleValue(line, "warmup", 5, 0, 86_400),
                CommandLines.intValue(line, "seed", 1, 0, Integer.MAX_VALUE),
                explainOptions, inputs, inputName,
                CommandLines.doubleValue(line, "peak", 0, 0, 3_600));
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
