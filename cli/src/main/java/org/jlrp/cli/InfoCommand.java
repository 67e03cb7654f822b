package org.jlrp.cli;

import java.io.IOException;
import java.io.PrintStream;
import java.io.Writer;
import org.apache.commons.cli.CommandLine;
import org.apache.commons.cli.Options;
import org.apache.commons.cli.ParseException;
import org.jlrp.runtime.explain.Rule;
import org.jlrp.runtime.internal.demo.DemoModel;
import org.jlrp.runtime.explain.Explainer;
import org.jlrp.runtime.explain.Composite;

import org.jlrp.runtime.render.ModelReport;

/** {@code jlrp info}: what the model file holds and what jlrp explains. */
final class InfoCommand {

    private static final String SYNTAX = "jlrp info [--model FILE [--architecture FILE]] [--format text|json] "
            + "[--rule SPEC [--eps X] [--ignore-bias]]";

    private final PrintStream out;

    InfoCommand(PrintStream out) {
        this.out = out;
    }

    int run(String[] args) throws ParseException, IOException {
        Options options = new Options();
        options.addOption(CommandLines.opt("model", "FILE", "Keras .h5 or .keras, or ONNX .onnx model file (default: the built-in demo)"));
        options.addOption(CommandLines.opt("architecture", "FILE", "model.to_json() file for a weights-only .h5"));
        options.addOption(CommandLines.opt("format", "text|json", "output format (default text)"));
        options.addOption(CommandLines.opt("rule", "SPEC", "also list the LRP rule each Conv1D/Dense layer gets"));
        options.addOption(CommandLines.opt("eps", "X", "the default epsilon of --rule (default "
                + Rule.DEFAULT_EPS + ")"));
        options.addOption(CommandLines.opt("ignore-bias", null, "with --rule: :ignore-bias on every rule"));
        CommandLine line = CommandLines.parse(options, args);
        if (line.hasOption("help")) {
            CommandLines.help(out, SYNTAX, options);
            return Main.OK;
        }
        if (!line.hasOption("model") && line.hasOption("architecture")) {
            throw new ParseException("--architecture needs --model");
        }
        String format = CommandLines.choice(line, "format", "text", "text", "json");
        // Without --model: the built-in demo model, as for explain.
        Explainer explainer = line.hasOption("model")
                ? Explainer.load(CommandLines.path(line, "model"), CommandLines.path(line, "architecture"))
                : DemoModel.explainer();
        Composite rules = null;
        if (line.hasOption("rule")) {
            double eps = CommandLines.doubleValue(line, "eps", Rule.DEFAULT_EPS, 0, Double.MAX_VALUE);
            rules = Composite.parse(line.getOptionValue("rule"), eps).withIgnoreBias(line.hasOption("ignore-bias"));
            explainer.network().rulePlan(rules); // a bad key fails before any output
        } else if (line.hasOption("eps") || line.hasOption("ignore-bias")) {
            throw new ParseException("--eps and --ignore-bias need --rule");
        }
        try (Writer sink = CommandLines.openOutput(null, out)) {
            if (format.equals("json")) {
                ModelReport.writeJson(sink, explainer, rules);
            } else {
                ModelReport.writeText(sink, explainer, rules);
            }
        }
        return Main.OK;
    }
}
