package org.jlrp.cli;

import java.io.IOException;
import java.io.OutputStream;
import java.io.OutputStreamWriter;
import java.io.PrintStream;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.function.IntConsumer;
import org.apache.commons.cli.CommandLine;
import org.apache.commons.cli.Options;
import org.apache.commons.cli.ParseException;
import org.jlrp.runtime.explain.Rule;
import org.jlrp.runtime.JlrpException;
import org.jlrp.runtime.internal.demo.DemoModel;
import org.jlrp.runtime.explain.BatchEngine;
import org.jlrp.runtime.explain.ExplainOptions;
import org.jlrp.runtime.explain.Explainer;
import org.jlrp.runtime.explain.Explanation;
import org.jlrp.runtime.explain.Method;
import org.jlrp.runtime.explain.Target;
import org.jlrp.runtime.explain.Composite;

import org.jlrp.runtime.render.AnsiReport;
import org.jlrp.runtime.render.HtmlReport;
import org.jlrp.runtime.render.JsonReport;
import org.jlrp.runtime.render.ReportData;
import org.jlrp.runtime.render.TableReport;
import org.jlrp.runtime.text.KerasTokenizer;
import org.jlrp.runtime.text.TextBatch;
import org.jlrp.runtime.text.TokenFile;

/** {@code jlrp explain}: per-token relevance for token-id sequences or texts, as a table, heatmap or JSON. */
final class ExplainCommand {

    private static final String SYNTAX = "jlrp explain [--model FILE [--architecture FILE]] "
            + "(--tokens FILE | --text STRING ... | --texts FILE) [options]";
    /** Explaining more sequences than this prints progress on stderr. */
    static final int PROGRESS_THRESHOLD = 300;

    private final PrintStream out;
    private final PrintStream err;
    private final Map<String, String> env;

    ExplainCommand(PrintStream out, PrintStream err) {
        this(out, err, System.getenv());
    }

    ExplainCommand(PrintStream out, PrintStream err, Map<String, String> env) {
        this.out = out;
        this.err = err;
        this.env = env;
    }

    private static Options options() {
        Options o = new Options();
        o.addOption(CommandLines.opt("model", "FILE", "Keras .h5 or .keras model file (default: the built-in demo)"));
        o.addOption(CommandLines.opt("architecture", "FILE", "model.to_json() file for a weights-only .h5"));
        o.addOption(CommandLines.opt("tokens", "FILE", "JSON array of token-id arrays"));
        o.addOption(CommandLines.opt("text", "STRING", "a text to explain (repeatable)"));
        o.addOption(CommandLines.opt("texts", "FILE", "texts to explain, one per line (blank lines skipped)"));
        o.addOption(CommandLines.opt("tokenizer", "FILE", "Keras Tokenizer.to_json() file or word->index JSON"));
        o.addOption(CommandLines.opt("labels", "A,B,...", "class names in output order"));
        CommandLines.addFittingOptions(o);
        o.addOption(CommandLines.opt("target", "pred|all|N", "class to explain (default pred: the argmax)"));
        o.addOption(CommandLines.opt("rule", "SPEC", "LRP rule: a preset (epsilon, lrp0, epsilon-plus, "
                + "epsilon-alpha2-beta1, epsilon-gamma-box) or KEY=RULE;... with KEY first|conv1d|dense|layer name and "
                + "RULE epsilon:E|zplus|alphabeta:A:B|gamma:G|zbox|flat|wsquare[:ignore-bias] (default epsilon)"));
        o.addOption(CommandLines.opt("method", "NAME", "lrp (default), gradient, gradient-input, "
                + "integrated-gradients or occlusion"));
        o.addOption(CommandLines.opt("steps", "N", "integrated-gradients: Riemann steps (default "
                + ExplainOptions.DEFAULT_STEPS + ")"));
        o.addOption(CommandLines.opt("baseline", "padding|zero", "integrated-gradients: baseline embedding "
                + "(default padding: the pad id's row at every position)"));
        o.addOption(CommandLines.opt("eps", "X", "epsilon-rule stabiliser (default " + Rule.DEFAULT_EPS + ")"));
        o.addOption(CommandLines.opt("ignore-bias", null, "leave biases out of the rule: relevance is conserved"));
        o.addOption(CommandLines.opt("format", "table|ansi|json|html",
                "output format (default: ansi for text input, unless NO_COLOR is set; table otherwise)"));
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
        boolean textInput = line.hasOption("text") || line.hasOption("texts");
        if (textInput == line.hasOption("tokens")) {
            throw new ParseException(textInput ? "give either --tokens or --text/--texts, not both"
                    : "--tokens, --text or --texts is required");
        }
        Path modelPath = CommandLines.path(line, "model");
        if (modelPath == null && line.hasOption("architecture")) {
            throw new ParseException("--architecture needs --model");
        }
        Method method = Method.parse(line.getOptionValue("method", "lrp"));
        if (method != Method.LRP && (line.hasOption("rule") || line.hasOption("eps") || line.hasOption("ignore-bias"))) {
            throw new JlrpException("--rule, --eps and --ignore-bias apply to --method lrp only, not "
                    + method.cliName());
        }
        if (method != Method.INTEGRATED_GRADIENTS && (line.hasOption("steps") || line.hasOption("baseline"))) {
            throw new JlrpException("--steps and --baseline apply to --method integrated-gradients only");
        }
        int steps = CommandLines.intValue(line, "steps", ExplainOptions.DEFAULT_STEPS, 1, 100_000);
        Method.Baseline baseline = Method.Baseline.parse(line.getOptionValue("baseline", "padding"));
        String defaultFormat = textInput && env.getOrDefault("NO_COLOR", "").isEmpty() ? "ansi" : "table";
        String format = CommandLines.choice(line, "format", defaultFormat, "table", "ansi", "json", "html");
        CommandLines.Fitting fitting = CommandLines.fitting(line);
        int padId = fitting.padId();
        double eps = CommandLines.doubleValue(line, "eps", Rule.DEFAULT_EPS, 0, Double.MAX_VALUE);
        int threads = CommandLines.intValue(line, "threads", 1, 1, 1024);
        int batch = CommandLines.intValue(line, "batch", 64, 1, 1 << 20);
        ExplainOptions explainOptions = ExplainOptions.DEFAULT
                .withTarget(Target.parse(line.getOptionValue("target", "pred")))
                .withRules(Composite.parse(line.getOptionValue("rule", "epsilon"), eps)
                        .withIgnoreBias(line.hasOption("ignore-bias")))
                .withPadId(padId).withEmbeddingRelevance(line.hasOption("embedding-relevance"))
                .withMethod(method).withSteps(steps).withBaseline(baseline);

        // Without --model: the built-in demo, its tokenizer and its class names.
        boolean demo = modelPath == null;
        Explainer explainer = demo ? DemoModel.explainer()
                : Explainer.load(modelPath, CommandLines.path(line, "architecture"));
        String modelName = demo ? "built-in demo (" + DemoModel.files().model() + ")" : modelPath.toString();
        Path tokenizerPath = CommandLines.path(line, "tokenizer");
        KerasTokenizer tokenizer = tokenizerPath != null ? KerasTokenizer.load(tokenizerPath)
                : demo ? DemoModel.tokenizer() : null;
        List<String> labels = line.hasOption("labels") ? labels(line.getOptionValue("labels"))
                : demo ? DemoModel.LABELS : null;
        int outputs = explainer.network().outputSize();
        if (labels != null && labels.size() != outputs) {
            throw new JlrpException("--labels names " + labels.size() + " class" + (labels.size() == 1 ? "" : "es")
                    + " but the model has " + outputs + " output" + (outputs == 1 ? "" : "s"));
        }
        if (method == Method.LRP) {
            explainer.network().rulePlan(explainOptions.rules()); // a bad key fails before any work
        }

        int length = explainer.network().inputLength();
        List<int[]> sequences;
        List<String[]> words;
        if (textInput) {
            if (tokenizer == null) {
                throw new JlrpException("--text/--texts need --tokenizer FILE (the model's Keras Tokenizer.to_json() "
                        + "or a word->index JSON) for " + modelPath);
            }
            TextBatch encoded = TextBatch.encode(tokenizer, texts(line), length, fitting.padding(),
                    fitting.truncating(), padId);
            sequences = encoded.sequences();
            words = encoded.words();
        } else {
            sequences = new ArrayList<>();
            for (int[] ids : TokenFile.read(CommandLines.path(line, "tokens"))) {
                sequences.add(fitting.fit(ids, length));
            }
            words = tokenizer == null ? null : wordsOf(sequences, tokenizer, padId);
        }
        IntConsumer progress = progress(sequences.size());
        List<Explanation> results = new ArrayList<>();
        try (BatchEngine engine = new BatchEngine(explainer, Math.max(1, Math.min(threads, sequences.size())))) {
            for (int from = 0; from < sequences.size(); from += batch) {
                int to = Math.min(from + batch, sequences.size());
                results.addAll(engine.explain(sequences.subList(from, to), from, explainOptions));
                if (progress != null) {
                    progress.accept(to);
                }
            }
        }
        ReportData report = new ReportData(modelName, results, words, labels, padId);

        Path output = CommandLines.path(line, "output");
        try (OutputStream sink = CommandLines.openOutput(output, out)) {
            switch (format) {
                case "json":
                    JsonReport.write(sink, length, explainOptions, report);
                    break;
                case "html":
                    Writer w = new OutputStreamWriter(sink, StandardCharsets.UTF_8);
                    HtmlReport.write(w, report);
                    w.flush();
                    break;
                default:
                    PrintStream ps = new PrintStream(sink, false, StandardCharsets.UTF_8);
                    if (format.equals("ansi")) {
                        AnsiReport.write(ps, report, AnsiReport.ColorMode.fromEnvironment(env));
                    } else {
                        TableReport.write(ps, report);
                    }
                    ps.flush();
                    break;
            }
        }
        if (output != null && format.equals("html")) {
            err.println("jlrp: wrote " + output + " (open it in a browser)");
        }
        return Main.OK;
    }

    private static List<String> texts(CommandLine line) {
        List<String> texts = new ArrayList<>();
        if (line.getOptionValues("text") != null) {
            texts.addAll(Arrays.asList(line.getOptionValues("text")));
        }
        Path file = CommandLines.path(line, "texts");
        if (file != null) {
            texts.addAll(TextBatch.readLines(file));
        }
        return texts;
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

    /** Token-id input with a tokenizer: show each id's word from index_word. */
    private static List<String[]> wordsOf(List<int[]> sequences, KerasTokenizer tokenizer, int padId) {
        List<String[]> words = new ArrayList<>(sequences.size());
        for (int[] ids : sequences) {
            String[] w = new String[ids.length];
            for (int t = 0; t < ids.length; t++) {
                w[t] = ids[t] == padId ? null : tokenizer.wordOf(ids[t]);
            }
            words.add(w);
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
