package org.jlrp.cli;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.commons.cli.CommandLine;
import org.apache.commons.cli.Options;
import org.apache.commons.cli.ParseException;
import org.jlrp.runtime.JlrpException;
import org.jlrp.runtime.explain.BatchEngine;
import org.jlrp.runtime.explain.ExplainOptions;
import org.jlrp.runtime.explain.Explainer;
import org.jlrp.runtime.explain.Explanation;
import org.jlrp.runtime.explain.Target;
import org.jlrp.runtime.graph.LrpRule;
import org.jlrp.runtime.render.JsonReport;
import org.jlrp.runtime.render.TableReport;
import org.jlrp.runtime.text.Sequences;
import org.jlrp.runtime.text.TokenFile;

/** {@code jlrp explain}: per-token relevance for token-id sequences. */
final class ExplainCommand {

    private static final String SYNTAX = "jlrp explain --model FILE [--architecture FILE] --tokens FILE [options]";

    private final PrintStream out;
    private final PrintStream err;

    ExplainCommand(PrintStream out, PrintStream err) {
        this.out = out;
        this.err = err;
    }

    private static Options options() {
        Options o = new Options();
        o.addOption(CommandLines.opt("model", "FILE", "Keras .h5 or .keras model file"));
        o.addOption(CommandLines.opt("architecture", "FILE", "model.to_json() file for a weights-only .h5"));
        o.addOption(CommandLines.opt("tokens", "FILE", "JSON array of token-id arrays"));
        o.addOption(CommandLines.opt("padding", "pre|post", "where to pad short sequences (default pre)"));
        o.addOption(CommandLines.opt("truncating", "pre|post", "which end to cut from long sequences (default pre)"));
        o.addOption(CommandLines.opt("pad-id", "N", "padding token id (default 0)"));
        o.addOption(CommandLines.opt("target", "pred|all|N", "class to explain (default pred: the argmax)"));
        o.addOption(CommandLines.opt("rule", "SPEC", "LRP rule (default epsilon)"));
        o.addOption(CommandLines.opt("eps", "X", "epsilon-rule stabiliser (default " + LrpRule.DEFAULT_EPS + ")"));
        o.addOption(CommandLines.opt("ignore-bias", null, "leave biases out of the rule: relevance is conserved"));
        o.addOption(CommandLines.opt("format", "table|json", "output format (default table)"));
        o.addOption(CommandLines.opt("output", "FILE", "write the output to FILE instead of stdout"));
        o.addOption(CommandLines.opt("embedding-relevance", null, "also output the [steps][dim] relevance map"));
        o.addOption(CommandLines.opt("threads", "N", "worker threads (default 1)"));
        o.addOption(CommandLines.opt("batch", "N", "sequences per batch (default 64)"));
        return o;
    }

    int run(String[] args) throws ParseException, IOException {
        Options options = options();
        CommandLine line = CommandLines.parse(options, args);
        if (line.hasOption("help")) {
            CommandLines.help(out, SYNTAX, options);
            return Main.OK;
        }
        Path modelPath = CommandLines.path(line, "model");
        if (modelPath == null) {
            throw new ParseException("--model is required");
        }
        if (!line.hasOption("tokens")) {
            throw new ParseException("--tokens is required");
        }
        String rule = line.getOptionValue("rule", "epsilon");
        if (!rule.equals("epsilon")) {
            throw new JlrpException("--rule '" + rule + "' is not supported; the supported rule is epsilon");
        }
        String format = CommandLines.choice(line, "format", "table", "table", "json");
        Sequences.Side padding = Sequences.Side.parse(line.getOptionValue("padding", "pre"), "--padding");
        Sequences.Side truncating = Sequences.Side.parse(line.getOptionValue("truncating", "pre"), "--truncating");
        int padId = CommandLines.intValue(line, "pad-id", 0, 0, Integer.MAX_VALUE);
        double eps = CommandLines.doubleValue(line, "eps", LrpRule.DEFAULT_EPS, 0, Double.MAX_VALUE);
        int threads = CommandLines.intValue(line, "threads", 1, 1, 1024);
        int batch = CommandLines.intValue(line, "batch", 64, 1, 1 << 20);
        ExplainOptions explainOptions = new ExplainOptions(Target.parse(line.getOptionValue("target", "pred")),
                new LrpRule(eps, line.hasOption("ignore-bias")), padId, line.hasOption("embedding-relevance"));

        Explainer explainer = Explainer.load(modelPath, CommandLines.path(line, "architecture"));
        int length = explainer.network().inputLength();
        List<int[]> sequences = new ArrayList<>();
        for (int[] ids : TokenFile.read(CommandLines.path(line, "tokens"))) {
            sequences.add(Sequences.pad(ids, length, padding, truncating, padId));
        }
        List<Explanation> results = new ArrayList<>();
        try (BatchEngine engine = new BatchEngine(explainer, Math.max(1, Math.min(threads, sequences.size())))) {
            for (int from = 0; from < sequences.size(); from += batch) {
                results.addAll(engine.explain(sequences.subList(from, Math.min(from + batch, sequences.size())), from,
                        explainOptions));
            }
        }

        Path output = CommandLines.path(line, "output");
        try (OutputStream sink = output == null ? nonClosing(out) : new BufferedOutputStream(Files.newOutputStream(output))) {
            if (format.equals("json")) {
                JsonReport.write(sink, modelPath.toString(), length, explainOptions, results, null);
            } else {
                PrintStream ps = new PrintStream(sink, false, StandardCharsets.UTF_8);
                TableReport.write(ps, results, null, padId);
                ps.flush();
            }
        }
        return Main.OK;
    }

    private static OutputStream nonClosing(PrintStream stream) {
        return new OutputStream() {
            @Override
            public void write(int b) {
                stream.write(b);
            }

            @Override
            public void write(byte[] b, int off, int len) {
                stream.write(b, off, len);
            }

            @Override
            public void flush() {
                stream.flush();
            }
        };
    }
}
