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
import org.jlrp.runtime.text.TextBatch;
import org.jlrp.runtime.text.TextEncoder;
import org.jlrp.runtime.text.TokenFile;

/** {@code jlrp evaluate}: word deletion with AOPC, comparing methods and rules against a random order. */
final class EvaluateCommand {

    private static final String SYNTAX = "jlrp evaluate --model FILE (--tokens FILE | --text STRING ... | --texts "
            + "FILE|-) [--labels-file FILE] [options]";
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
        o.addOption(CommandLines.opt("text", "STRING", "a text to evaluate on (repeatable)"));
        o.addOption(CommandLines.opt("texts", "FILE", "texts to evaluate on, one per line (blank lines skipped); - "
                + "reads them from stdin"));
        CommandLines.addTextOptions(o);
        o.addOption(CommandLines.opt("labels-file", "FILE", "the true class of each sequence, as many as the input has: "
                + "a JSON array or one a line, each a class index or a name from --labels (default: agreement with "
                + "the original prediction)"));
        o.addOption(CommandLines.opt("labels", "A,B,...", "class names in output order, for names in --labels-file "
                + "(one sigmoid unit: negative first)"));
        CommandLines.addFittingOptions(o);
        o.addOption(CommandLines.opt("methods", "LIST", "comma-separated: lrp:RULE (a preset or rule string), "
                + methodNames() + ", random (a seeded random ranking; default " + DEFAULT_METHODS + ")"));
        o.addOption(CommandLines.opt("steps", "K", "word deletion: tokens removed one by one, most relevant first "
                + "(default 10)"));
        o.addOption(CommandLines.opt("percents", "LIST", "comprehensiveness/sufficiency bins in percent of a text's "
                + "tokens (default ERASER's 1,5,10,20,50)"));
        o.addOption(CommandLines.opt("removal", "pad|delete|zero", "a removed token becomes the pad id (default), is "
                + "cut out and the sequence re-padded on the --padding side, or gets a zero embedding vector"));
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
        boolean textInput = line.hasOption("text") || line.hasOption("texts");
        if (modelPath == null || textInput == line.hasOption("tokens")) {
            throw new ParseException(textInput ? "give either --tokens or --text/--texts, not both"
                    : "--model and --tokens (or --text/--texts) are required");
        }
        CommandLines.checkTextOptions(line);
        if (!textInput && (line.hasOption("tokenizer") || line.hasOption("vocab") || line.hasOption("unknown-id"))) {
            throw new ParseException("--tokenizer, --vocab and --unknown-id apply to --text/--texts input only");
        }
        Path output = CommandLines.path(line, "output");
        String format = CommandLines.format(line, output, false, io.terminal(), io.env(), "table", "json", "html");
        CommandLines.checkOutput(output);
        CommandLines.Fitting fitting = CommandLines.fitting(line);
        int padId = fitting.padId();
        int limit = CommandLines.intValue(line, "limit", Integer.MAX_VALUE, 1, Integer.MAX_VALUE);
        DeletionEvaluation.Settings settings = DeletionEvaluation.Settings.defaults()
                .withSteps(CommandLines.intValue(line, "steps", 10, 1, 10_000))
                .withPercents(percents(line.getOptionValue("percents")))
                .withRemoval(DeletionEvaluation.Removal.parse(line.getOptionValue("removal", "pad")))
                .withPadId(padId)
                .withPadding(fitting.padding())
                .withSeed(CommandLines.intValue(line, "seed", 1, Integer.MIN_VALUE, Integer.MAX_VALUE));
        if (line.hasOption("labels") && !line.hasOption("labels-file")) {
            throw new JlrpException("--labels names the classes of --labels-file; give the true labels with "
                    + "--labels-file FILE");
        }
        List<DeletionEvaluation.Contender> contenders = contenders(line.getOptionValue("methods", DEFAULT_METHODS),
                padId);

        Explainer explainer = Explainer.load(modelPath, CommandLines.path(line, "architecture"));
        for (DeletionEvaluation.Contender c : contenders) {
            if (c.options() != null) {
                explainer.network().rulePlan(c.options().rules()); // a bad key fails before any work
            }
        }
        int length = explainer.inputLength(); // -1: the model reads any length, sequences are kept as given
        List<int[]> all;
        if (textInput) {
            // As jlrp explain encodes texts: --tokenizer, --vocab or the model's own TextVectorization layer.
            TextEncoder encoder = CommandLines.requireTextEncoder(line, explainer, null, fitting, "--text/--texts",
                    modelPath);
            all = TextBatch.encode(encoder, CommandLines.texts(line, io.in()), length).sequences();
            if (encoder.padId() != padId || encoder.padding() != fitting.padding()) {
                // A TextVectorization layer pads with 0 at the end: removed tokens become that, and deletion re-pads there.
                padId = encoder.padId();
                settings = settings.withPadId(padId).withPadding(encoder.padding());
                contenders = contenders(line.getOptionValue("methods", DEFAULT_METHODS), padId);
            }
        } else {
            all = new ArrayList<>();
            for (int[] ids : TokenFile.read(CommandLines.path(line, "tokens"))) {
                all.add(fitting.fit(ids, length));
            }
        }
        List<int[]> sequences = new ArrayList<>(all.subList(0, Math.min(limit, all.size())));
        int[] labels = null;
        if (line.hasOption("labels-file")) {
            boolean single = explainer.singleSigmoidOutput();
            List<String> names = line.hasOption("labels") ? ExplainCommand.labels(line.getOptionValue("labels"))
                    : null;
            ExplainCommand.checkLabels(names, explainer.network().outputSize(), single);
            if (single && names != null && names.size() == 1) {
                names = List.of("not " + names.get(0), names.get(0));
            }
            int[] read = labels(CommandLines.path(line, "labels-file"), all.size(), names,
                    single ? 2 : explainer.outputSize());
            labels = java.util.Arrays.copyOf(read, sequences.size());
        }
        DeletionEvaluation.Result result = DeletionEvaluation.run(explainer, sequences, labels, contenders, settings);
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

    /** Every method but LRP (which takes a rule), so that a new {@link Method} is listed without a change here. */
    private static String methodNames() {
        List<String> names = new ArrayList<>();
        for (Method m : Method.values()) {
            if (m != Method.LRP) {
                names.add(m.cliName());
            }
        }
        return String.join(", ", names);
    }

    static List<Integer> percents(String text) {
        if (text == null) {
            return DeletionEvaluation.ERASER_PERCENTS;
        }
        List<Integer> out = new ArrayList<>();
        for (String part : text.split(",")) {
            try {
                out.add(Integer.parseInt(part.trim()));
            } catch (NumberFormatException e) {
                throw new JlrpException("--percents must be integers between 1 and 100, got '" + text + "'");
            }
        }
        return out;
    }

    /**
     * The true labels: exactly {@code count}, each a class index below {@code classes} or one of {@code names}
     * (null: indices only).
     */
    static int[] labels(Path file, int count, List<String> names, int classes) throws IOException {
        String text;
        try {
            text = Files.readString(file).trim();
        } catch (IOException e) {
            throw new JlrpException("cannot read --labels-file " + file + ": " + e.getMessage());
        }
        List<String> parts = new ArrayList<>();
        if (text.startsWith("[")) {
            for (String p : text.substring(1, text.endsWith("]") ? text.length() - 1 : text.length()).split(",")) {
                String t = p.trim();
                parts.add(t.length() >= 2 && t.startsWith("\"") && t.endsWith("\"") ? t.substring(1, t.length() - 1) : t);
            }
            if (parts.size() == 1 && parts.get(0).isEmpty()) {
                parts.clear();
            }
        } else if (!text.isEmpty()) {
            for (String l : text.split("\\R")) {
                if (!l.isBlank()) {
                    parts.add(l.trim());
                }
            }
        }
        if (parts.size() != count) {
            throw new JlrpException("--labels-file " + file + " has " + parts.size() + " label"
                    + (parts.size() == 1 ? "" : "s") + " for " + count + " sequence" + (count == 1 ? "" : "s"));
        }
        int[] labels = new int[count];
        for (int i = 0; i < count; i++) {
            String p = parts.get(i);
            int index = names == null ? -1 : names.indexOf(p);
            if (index < 0) {
                try {
                    index = Integer.parseInt(p);
                } catch (NumberFormatException e) {
                    throw new JlrpException("--labels-file " + file + ": label " + (i + 1) + " '" + p + "' is "
                            + (names == null ? "not a class index (names need --labels)"
                            : "neither a class index nor one of --labels " + String.join(",", names)));
                }
            }
            if (index < 0 || index >= classes) {
                throw new JlrpException("--labels-file " + file + ": label " + (i + 1) + " '" + p + "' is not a "
                        + "class of this model (0 to " + (classes - 1) + ")");
            }
            labels[i] = index;
        }
        return labels;
    }
}
