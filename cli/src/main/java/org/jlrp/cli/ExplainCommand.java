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
import org.jlrp.runtime.explain.ExplainOptions;
import org.jlrp.runtime.explain.Explainer;
import org.jlrp.runtime.explain.Explanation;
import org.jlrp.runtime.explain.Method;
import org.jlrp.runtime.explain.Target;
import org.jlrp.runtime.graph.Composite;
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
        o.addOption(CommandLines.opt("rule", "SPEC", "LRP rule: a preset (epsilon, lrp0, epsilon-plus, "
                + "epsilon-alpha2-beta1, epsilon-gamma-box) or KEY=RULE;... with KEY first|conv1d|dense|layer name and "
                + "RULE epsilon:E|zplus|alphabeta:A:B|gamma:G|zbox|flat|wsquare[:nobias] (default epsilon)"));
        o.addOption(CommandLines.opt("method", "NAME", "lrp (default), gradient, gradient-input, "
                + "integrated-gradients or occlusion"));
        o.addOption(CommandLines.opt("steps", "N", "integrated-gradients: Riemann steps (default "
                + ExplainOptions.DEFAULT_STEPS + ")"));
        o.addOption(CommandLines.opt("baseline", "padding|zero", "integrated-gradients: baseline embedding "
                + "(default padding: the pad id's row at every position)"));
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
        String format = CommandLines.choice(line, "format", "table", "table", "json");
        Sequences.Side padding = Sequences.Side.parse(line.getOptionValue("padding", "pre"), "--padding");
        Sequences.Side truncating = Sequences.Side.parse(line.getOptionValue("truncating", "pre"), "--truncating");
        int padId = CommandLines.intValue(line, "pad-id", 0, 0, Integer.MAX_VALUE);
        double eps = CommandLines.doubleValue(line, "eps", LrpRule.DEFAULT_EPS, 0, Double.MAX_VALUE);
        CommandLines.intValue(line, "threads", 1, 1, 1024);
        CommandLines.intValue(line, "batch", 64, 1, 1 << 20);
        ExplainOptions explainOptions = new ExplainOptions(Target.parse(line.getOptionValue("target", "pred")),
                new LrpRule(eps, line.hasOption("ignore-bias")), padId, line.hasOption("embedding-relevance"))
                .withComposite(composite(line.getOptionValue("rule"), eps))
                .withMethod(method).withSteps(steps).withBaseline(baseline);

        Explainer explainer = Explainer.load(modelPath, CommandLines.path(line, "architecture"));
        if (explainOptions.effectiveComposite() != null) {
            explainer.network().rulePlan(explainOptions.effectiveComposite()); // a bad key fails before any work
        }
        int length = explainer.network().inputLength();
        List<int[]> sequences = new ArrayList<>();
        for (int[] ids : TokenFile.read(CommandLines.path(line, "tokens"))) {
            sequences.add(Sequences.pad(ids, length, padding, truncating, padId));
        }
        List<Explanation> results = explainer.explainAll(sequences, explainOptions);

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

    /**
     * The composite of {@code --rule}; null for none or the plain {@code epsilon} preset, which keep the historical
     * ε path (ε = {@code --eps} on every layer, average pools included).
     */
    static Composite composite(String spec, double eps) {
        if (spec == null || spec.trim().equalsIgnoreCase("epsilon")) {
            return null;
        }
        return Composite.parse(spec, eps);
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
