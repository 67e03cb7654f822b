package org.jlrp.cli;

import java.io.IOException;
import java.io.PrintStream;
import java.io.Writer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.commons.cli.CommandLine;
import org.apache.commons.cli.Options;
import org.apache.commons.cli.ParseException;
import org.jlrp.runtime.explain.Composite;
import org.jlrp.runtime.JlrpException;
import org.jlrp.runtime.explain.DeletionEvaluation;
import org.jlrp.runtime.explain.ExplainOptions;
import org.jlrp.runtime.explain.Explainer;
import org.jlrp.runtime.explain.Method;

import org.jlrp.runtime.render.EvaluationReport;
import org.jlrp.runtime.text.TokenFile;

/** {@code jlrp evaluate}: word deletion with AOPC, comparing methods and rules against a random order. */
final class EvaluateCommand {

    private static final String SYNTAX = "jlrp evaluate --model FILE --tokens FILE [--labels FILE] [options]";
    static final String DEFAULT_METHODS = "lrp:epsilon,lrp:epsilon-gamma-box,gradient-input,random";

    private final Streams io;
    private final PrintStream out;

    EvaluateCommand(Streams io) {
        this.io = io;
        this.out = io.out();
    }

    private static Options options() {
        Options o = new Options();
        o.addOption(CommandLines.opt("model", "FILE", "Keras .h5 or .keras, or ONNX .onnx model file"));
        o.addOption(CommandLines.opt("architecture", "FILE", "model.to_json() file for a weights-only .h5"));
        o.addOption(CommandLines.opt("tokens", "FILE", "JSON array of token-id arrays"));
        o.addOption(CommandLines.opt("labels", "FILE", "the true class of each sequence: a JSON array or one integer "
                + "a line (default: agreement with the original prediction)"));
        CommandLines.addFittingOptions(o);
        o.addOption(CommandLines.opt("methods", "LIST", "comma-separated: lrp:RULE (a preset or rule string), "
                + "gradient, gradient-input, integrated-gradients, occlusion, random (default " + DEFAULT_METHODS
                + ")"));
        o.addOption(CommandLines.opt("steps", "K", "tokens deleted, most relevant first (default 10)"));
        o.addOption(CommandLines.opt("delete", "pad|zero", "a deleted token becomes the pad id (default) or a zero "
                + "embedding vector"));
        o.addOption(CommandLines.opt("limit", "N", "evaluate the first N sequences only"));
        o.addOption(CommandLines.opt("seed", "N", "seed of the random order (default 1)"));
        o.addOption(CommandLines.opt("format", "table|json|html", "output format (default: from the --output file's "
                + "extension, .html/.htm html, .json/.jsonl json, otherwise table)"));
        o.addOption(CommandLines.opt("output", "FILE", "write the output to FILE instead of stdout"));
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
        if (modelPath == null || !line.hasOption("tokens")) {
            throw new ParseException("--model and --tokens are required");
        }
        Path output = CommandLines.path(line, "output");
        String format = CommandLines.format(line, output, false, io.terminal(), io.env(), "table", "json", "html");
        CommandLines.checkOutput(output);
        CommandLines.Fitting fitting = CommandLines.fitting(line);
        int padId = fitting.padId();
        int steps = CommandLines.intValue(line, "steps", 10, 1, 10_000);
        int limit = CommandLines.intValue(line, "limit", Integer.MAX_VALUE, 1, Integer.MAX_VALUE);
        int seed = CommandLines.intValue(line, "seed", 1, Integer.MIN_VALUE, Integer.MAX_VALUE);
        DeletionEvaluation.Deletion deletion = CommandLines.choice(line, "delete", "pad", "pad", "zero").equals("pad")
                ? DeletionEvaluation.Deletion.PAD : DeletionEvaluation.Deletion.ZERO;
        List<DeletionEvaluation.Contender> contenders = contenders(line.getOptionValue("methods", DEFAULT_METHODS),
                padId);

        Explainer explainer = Explainer.load(modelPath, CommandLines.path(line, "architecture"));
        for (DeletionEvaluation.Contender c : contenders) {
            if (c.options() != null) {
                explainer.network().rulePlan(c.options().rules()); // a bad key fails before any work
            }
        }
        int length = explainer.inputLength(); // -1: the model reads any length, sequences are kept as given
        List<int[]> sequences = new ArrayList<>();
        for (int[] ids : TokenFile.read(CommandLines.path(line, "tokens"))) {
            if (sequences.size() == limit) {
                break;
            }
            sequences.add(fitting.fit(ids, length));
        }
        int[] labels = line.hasOption("labels") ? labels(CommandLines.path(line, "labels"), sequences.size()) : null;
        DeletionEvaluation.Result result = DeletionEvaluation.run(explainer, sequences, labels, contenders, steps,
                deletion, padId, seed);
        CommandLines.noteFolding(explainer, io.err()); // after the work: a failed run prints one stderr line only

        try (Writer sink = CommandLines.openOutput(output, out)) {
            switch (format) {
                case "json" -> EvaluationReport.writeJson(sink, modelPath.toString(), result);
                case "html" -> EvaluationReport.writeHtml(sink, modelPath.toString(), result);
                default -> EvaluationReport.writeTable(sink, modelPath.toString(), result);
            }
        }
        if (output != null) {
            io.err().println("jlrp: wrote " + output + (format.equals("html") ? " (open it in a browser)" : ""));
        }
        return Main.OK;
    }

    static List<DeletionEvaluation.Contender> contenders(String list, int padId) {
        List<DeletionEvaluation.Contender> out = new ArrayList<>();
        ExplainOptions base = ExplainOptions.DEFAULT.withPadId(padId);
        for (String raw : list.split(",")) {
            String item = raw.trim();
            if (item.isEmpty()) {
                continue;
            }
            if (item.equals("random")) {
                out.add(new DeletionEvaluation.Contender("random", null));
            } else if (item.equals("lrp") || item.startsWith("lrp:")) {
                String spec = item.equals("lrp") ? "epsilon" : item.substring(4);
                out.add(new DeletionEvaluation.Contender("lrp " + spec,
                        base.withRules(Composite.parse(spec))));
            } else {
                out.add(new DeletionEvaluation.Contender(item, base.withMethod(Method.parse(item))));
            }
        }
        if (out.isEmpty()) {
            throw new JlrpException("--methods lists no method");
        }
        return out;
    }

    private static int[] labels(Path file, int count) throws IOException {
        String text;
        try {
            text = Files.readString(file).trim();
        } catch (IOException e) {
            throw new JlrpException("cannot read --labels " + file + ": " + e.getMessage());
        }
        String[] parts = text.replace("[", " ").replace("]", " ").replace(",", " ").trim().split("\\s+");
        if (parts.length < count) {
            throw new JlrpException("--labels " + file + " has " + parts.length + " labels for " + count
                    + " sequences");
        }
        int[] labels = new int[count];
        for (int i = 0; i < count; i++) {
            try {
                labels[i] = Integer.parseInt(parts[i]);
            } catch (NumberFormatException e) {
                throw new JlrpException("--labels " + file + ": label " + i + " is not an integer: '" + parts[i]
                        + "'");
            }
        }
        return labels;
    }
}
