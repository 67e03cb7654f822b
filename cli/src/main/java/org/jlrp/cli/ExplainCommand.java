package org.jlrp.cli;

import java.io.IOException;
import java.io.PrintStream;
import java.io.Writer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.IntConsumer;
import org.apache.commons.cli.CommandLine;
import org.apache.commons.cli.Options;
import org.apache.commons.cli.ParseException;
import org.jlrp.runtime.JlrpException;
import org.jlrp.runtime.internal.demo.DemoModel;
import org.jlrp.runtime.explain.BatchEngine;
import org.jlrp.runtime.explain.ExplainOptions;
import org.jlrp.runtime.explain.Explainer;
import org.jlrp.runtime.explain.Explanation;
import org.jlrp.runtime.explain.Method;

import org.jlrp.runtime.render.AnsiReport;
import org.jlrp.runtime.render.HtmlReport;
import org.jlrp.runtime.render.JsonReport;
import org.jlrp.runtime.render.ReportData;
import org.jlrp.runtime.explain.SigmoidClasses;
import org.jlrp.runtime.render.TableReport;
import org.jlrp.runtime.text.KerasTokenizer;
import org.jlrp.runtime.text.TextBatch;
import org.jlrp.runtime.text.TextEncoder;
import org.jlrp.runtime.text.TokenFile;
import org.jlrp.runtime.text.UnknownWords;

/** {@code jlrp explain}: per-token relevance for token-id sequences or texts, as a table, heatmap or JSON. */
final class ExplainCommand {

    private static final String SYNTAX = "jlrp explain [--model FILE [--architecture FILE]] "
            + "(--tokens FILE | --text STRING ... | --texts FILE|-) [options]";
    private static final String[] FOOTER = {
        "A model with one sigmoid output unit is a binary classifier: class 0 is the negative class (p < 0.5), class "
                + "1 the positive class (p >= 0.5). --labels takes both names (negative first, e.g. "
                + "--labels phishing,legitimate) or one, the positive class's (the other is then 'not NAME'). "
                + "--target 0 explains the negative class (the relevance of minus the logit), --target 1 the positive "
                + "class, pred the predicted one and all both."
    };
    /** Explaining more sequences than this prints progress on stderr. */
    static final int PROGRESS_THRESHOLD = 300;
    /** Texts with no known word named one by one on stderr; after that, only their number. */
    static final int MAX_UNKNOWN_WARNINGS = 20;

    private final Streams io;
    private final PrintStream out;
    private final PrintStream err;

    ExplainCommand(Streams io) {
        this.io = io;
        this.out = io.out();
        this.err = io.err();
    }

    private static Options options() {
        Options o = new Options();
        o.addOption(CommandLines.opt("model", "FILE", "Keras .h5 or .keras, or ONNX .onnx model file (default: the built-in demo)"));
        o.addOption(CommandLines.opt("architecture", "FILE", "model.to_json() file for a weights-only .h5"));
        o.addOption(CommandLines.opt("tokens", "FILE", "JSON array of token-id arrays"));
        o.addOption(CommandLines.opt("text", "STRING", "a text to explain (repeatable)"));
        o.addOption(CommandLines.opt("texts", "FILE", "texts to explain, one per line (blank lines skipped); - reads "
                + "them from stdin"));
        CommandLines.addTextOptions(o);
        o.addOption(CommandLines.opt("strict", null, "a text with no word in the tokenizer's vocabulary is an error "
                + "(exit 2) instead of a warning"));
        o.addOption(CommandLines.opt("labels", "A,B,...", "class names in output order (one sigmoid unit: "
                + "negative,positive, or the positive class alone)"));
        o.addOption(CommandLines.opt("sigmoid-view", "classes|unit", "a model with one sigmoid unit: report its two "
                + "classes (default) or the unit itself, one logit, target 0, as the model computes it"));
        CommandLines.addFittingOptions(o);
        CommandLines.addExplainOptions(o);
        o.addOption(CommandLines.opt("format", "table|ansi|json|html", "output format (default: from the --output "
                + "file's extension, .html/.htm html, .json/.jsonl json, otherwise table; on stdout ansi for text "
                + "input when stdout is a terminal and NO_COLOR is unset, table otherwise)"));
        o.addOption(CommandLines.opt("output", "FILE", "write the output to FILE instead of stdout"));
        o.addOption(CommandLines.opt("threads", "N", "worker threads (default 1)"));
        o.addOption(CommandLines.opt("batch", "N", "sequences per batch (default 64)"));
        return o;
    }

    int run(String[] args) throws ParseException, IOException {
        Options options = options();
        CommandLine line = CommandLines.parse(options, args);
        if (line.hasOption("help")) {
            CommandLines.help(out, SYNTAX, options, FOOTER);
            return Main.OK;
        }
        boolean textInput = line.hasOption("text") || line.hasOption("texts");
        if (textInput == line.hasOption("tokens")) {
            throw new ParseException(textInput ? "give either --tokens or --text/--texts, not both"
                    : "--tokens, --text or --texts is required");
        }
        if (!textInput && (line.hasOption("unknown-id") || line.hasOption("strict"))) {
            throw new ParseException("--unknown-id and --strict apply to --text/--texts input only");
        }
        CommandLines.checkTextOptions(line);
        Path modelPath = CommandLines.path(line, "model");
        if (modelPath == null && line.hasOption("architecture")) {
            throw new ParseException("--architecture needs --model");
        }
        Path output = CommandLines.path(line, "output");
        String format = CommandLines.format(line, output, textInput, io.terminal(), io.env(),
                "table", "ansi", "json", "html");
        CommandLines.checkOutput(output);
        CommandLines.Fitting fitting = CommandLines.fitting(line);
        int padId = fitting.padId();
        int threads = CommandLines.intValue(line, "threads", 1, 1, 1024);
        int batch = CommandLines.intValue(line, "batch", 64, 1, 1 << 20);
        ExplainOptions explainOptions = CommandLines.explainOptions(line, padId, true);
        Method method = explainOptions.method();

        // Without --model: the built-in demo, its tokenizer and its class names.
        boolean demo = modelPath == null;
        Explainer explainer = demo ? DemoModel.explainer()
                : Explainer.load(modelPath, CommandLines.path(line, "architecture"));
        String modelName = demo ? "built-in demo (" + DemoModel.files().model() + ")" : modelPath.toString();
        // --tokenizer or --vocab, else the demo's tokenizer, else the model's own TextVectorization layer
        KerasTokenizer fallback = demo ? DemoModel.tokenizer() : null;
        TextEncoder encoder = textInput
                ? CommandLines.requireTextEncoder(line, explainer, fallback, fitting, "--text/--texts", modelPath)
                : CommandLines.textEncoder(line, explainer, fallback, fitting);
        if (textInput) {
            explainOptions = explainOptions.withPadId(encoder.padId()); // a TextVectorization layer pads with 0
        }
        String sigmoidView = CommandLines.choice(line, "sigmoid-view", "classes", "classes", "unit");
        boolean single = SigmoidClasses.applies(explainer) && sigmoidView.equals("classes");
        List<String> labels = line.hasOption("labels") ? labels(line.getOptionValue("labels"))
                : demo ? DemoModel.LABELS : null;
        checkLabels(labels, explainer.network().outputSize(), single);
        if (method == Method.LRP) {
            explainer.network().rulePlan(explainOptions.rules()); // a bad key fails before any work
        }
        // One sigmoid unit: the engine explains the unit; the class view (negative = -logit) is made afterwards.
        ExplainOptions engineOptions = single ? SigmoidClasses.unitOptions(explainOptions) : explainOptions;

        int length = explainer.inputLength(); // -1: the model reads any length, sequences are kept as given
        List<int[]> sequences;
        List<String[]> words;
        List<UnknownWords> unknown = null;
        if (textInput) {
            List<String> texts = CommandLines.texts(line, io.in());
            TextBatch encoded = TextBatch.encode(encoder, texts, length);
            sequences = encoded.sequences();
            words = encoded.words();
            unknown = encoded.unknownWords();
            reportTextsWithoutKnownWords(texts, unknown, line.hasOption("strict"));
        } else {
            sequences = new ArrayList<>();
            for (int[] ids : TokenFile.read(CommandLines.path(line, "tokens"))) {
                sequences.add(fitting.fit(ids, length));
            }
            words = encoder == null ? null : wordsOf(sequences, encoder);
        }
        IntConsumer progress = progress(sequences.size());
        List<Explanation> results = new ArrayList<>();
        try (BatchEngine engine = new BatchEngine(explainer, Math.max(1, Math.min(threads, sequences.size())))) {
            for (int from = 0; from < sequences.size(); from += batch) {
                int to = Math.min(from + batch, sequences.size());
                List<Explanation> part = engine.explain(sequences.subList(from, to), from, engineOptions);
                results.addAll(single ? SigmoidClasses.toClasses(part, explainOptions.target(), method) : part);
                if (progress != null) {
                    progress.accept(to);
                }
            }
        }
        ReportData report = new ReportData(modelName, length, explainOptions, results, words, labels, unknown, single);
        // After the work, so that a failed run still prints exactly one line on stderr.
        CommandLines.noteFolding(explainer, err);

        try (Writer sink = CommandLines.openOutput(output, out)) {
            switch (format) {
                case "json" -> JsonReport.write(sink, report);
                case "html" -> HtmlReport.write(sink, report);
                case "ansi" -> AnsiReport.write(sink, report, AnsiReport.ColorMode.fromEnvironment(io.env()));
                default -> TableReport.write(sink, report);
            }
        }
        if (output != null) {
            err.println("jlrp: wrote " + output + (format.equals("html") ? " (open it in a browser)" : ""));
        }
        return Main.OK;
    }

    /** Labels must name every output; one sigmoid unit takes two names (negative, positive) or the positive one. */
    static void checkLabels(List<String> labels, int outputs, boolean single) {
        if (labels == null) {
            return;
        }
        if (single && labels.size() > 2) {
            throw new JlrpException("--labels names " + labels.size() + " classes but the model has one sigmoid unit: "
                    + "give the negative and the positive class (e.g. --labels neg,pos) or the positive one alone");
        }
        if (!single && labels.size() != outputs) {
            throw new JlrpException("--labels names " + labels.size() + " class" + (labels.size() == 1 ? "" : "es")
                    + " but the model has " + outputs + " output" + (outputs == 1 ? "" : "s"));
        }
    }

    /**
     * A text none of whose words the tokenizer knows is explained as padding (and unknown ids) only: a warning on
     * stderr, or with {@code --strict} an error.
     */
    private void reportTextsWithoutKnownWords(List<String> texts, List<UnknownWords> unknown, boolean strict) {
        int count = 0;
        for (int i = 0; i < texts.size(); i++) {
            if (!unknown.get(i).noKnownWord()) {
                continue;
            }
            String what = "text #" + i + " ('" + abbreviate(texts.get(i)) + "') has no word in the tokenizer's "
                    + "vocabulary";
            if (strict) {
                throw new JlrpException(what + " (--strict)");
            }
            if (++count <= MAX_UNKNOWN_WARNINGS) {
                err.println("jlrp: warning: " + what + "; its explanation shows padding and unknown ids only");
            }
        }
        if (count > MAX_UNKNOWN_WARNINGS) {
            err.println("jlrp: warning: " + count + " texts in all have no word in the tokenizer's vocabulary");
        }
        err.flush();
    }

    private static String abbreviate(String text) {
        String t = text.strip();
        return t.length() <= 40 ? t : t.substring(0, 37) + "...";
    }

    static List<String> labels(String text) {
        List<String> labels = new ArrayList<>();
        for (String label : text.split(",", -1)) {
            if (label.isBlank()) {
                throw new JlrpException("--labels has an empty name in '" + text + "'");
            }
            labels.add(label.trim());
        }
        return labels;
    }

    /** Token-id input: each id's word (none at padding: a TextVectorization layer's mask id 0). */
    private static List<String[]> wordsOf(List<int[]> sequences, TextEncoder encoder) {
        List<String[]> words = new ArrayList<>(sequences.size());
        for (int[] ids : sequences) {
            words.add(encoder.words(ids));
        }
        return words;
    }

    /** Progress on stderr (never stdout) for long batches: about every 5%. */
    private IntConsumer progress(int total) {
        if (total <= PROGRESS_THRESHOLD) {
            return null;
        }
        int step = Math.max(1, total / 20);
        int[] next = {step};
        return done -> {
            if (done >= next[0] || done == total) {
                err.printf("jlrp: explained %d/%d sequences%n", done, total);
                err.flush();
                next[0] = (done / step + 1) * step;
            }
        };
    }

}
