package org.jlrp.cli;

import java.io.BufferedWriter;
import java.io.InputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.OutputStreamWriter;
import java.io.PrintStream;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.commons.cli.CommandLine;
import org.apache.commons.cli.DefaultParser;
import org.apache.commons.cli.Option;
import org.apache.commons.cli.Options;
import org.apache.commons.cli.ParseException;
import org.jlrp.runtime.JlrpException;
import org.jlrp.runtime.explain.Composite;
import org.jlrp.runtime.explain.ExplainOptions;
import org.jlrp.runtime.explain.Explainer;
import org.jlrp.runtime.explain.Method;
import org.jlrp.runtime.explain.Rule;
import org.jlrp.runtime.explain.Target;
import org.jlrp.runtime.text.KerasTokenizer;
import org.jlrp.runtime.text.Sequences;
import org.jlrp.runtime.text.TextBatch;
import org.jlrp.runtime.text.TextEncoder;
import org.jlrp.runtime.text.Vocabulary;

/** Small helpers shared by the commands: parsing, typed option values, help, output files and formats. */
final class CommandLines {

    /** Help text is wrapped to this many columns, between words only. */
    static final int HELP_WIDTH = 100;
    /** Folded tables larger than this get a note on stderr when a model loads. */
    static final long LARGE_FOLD_BYTES = 64_000_000L;

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

    /**
     * The usage line and the options, in the order the command declares them, each description wrapped at word
     * boundaries to {@link #HELP_WIDTH} columns (a word longer than a line stays whole). An optional footer
     * paragraph follows.
     */
    static void help(PrintStream out, String syntax, Options options, String... footer) {
        StringBuilder b = new StringBuilder();
        wrap(b, "usage: " + syntax, "", "       ");
        List<String> names = new ArrayList<>();
        int column = 0;
        for (Option o : options.getOptions()) {
            String name = "  --" + o.getLongOpt() + (o.hasArg() ? " " + o.getArgName() : "");
            names.add(name);
            column = Math.max(column, name.length());
        }
        column = Math.min(column, 34) + 2;
        int i = 0;
        for (Option o : options.getOptions()) {
            String name = names.get(i++);
            String indent = " ".repeat(column);
            if (name.length() + 2 > column) {
                b.append(name).append('\n');
                wrap(b, o.getDescription(), indent, indent);
            } else {
                wrap(b, o.getDescription(), name + " ".repeat(column - name.length()), indent);
            }
        }
        for (String paragraph : footer) {
            b.append('\n');
            wrap(b, paragraph, "", "");
        }
        out.print(b);
        out.flush();
    }

    /** Appends {@code text} wrapped between words: the first line after {@code first}, the others after {@code rest}. */
    static void wrap(StringBuilder b, String text, String first, String rest) {
        StringBuilder line = new StringBuilder(first);
        boolean empty = true;
        for (String word : text.trim().split("\\s+")) {
            if (!empty && line.length() + 1 + word.length() > HELP_WIDTH) {
                b.append(line).append('\n');
                line = new StringBuilder(rest);
                empty = true;
            }
            line.append(empty ? "" : " ").append(word);
            empty = false;
        }
        b.append(line).append('\n');
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
     * The output format: {@code --format} when given; else, for an {@code --output} file, the one its extension names
     * ({@code .html}/{@code .htm} html, {@code .json}/{@code .jsonl} json, anything else table: terminal colours
     * never go into files); else {@code ansi} when {@code ansi} is allowed, stdout is a terminal and
     * {@code NO_COLOR} is unset; else table.
     */
    static String format(CommandLine line, Path output, boolean ansiAllowed, boolean terminal, Map<String, String> env,
                         String... allowed) {
        if (line.hasOption("format")) {
            return choice(line, "format", null, allowed);
        }
        if (output != null) {
            String name = output.getFileName() == null ? "" : output.getFileName().toString().toLowerCase(Locale.ROOT);
            if (name.endsWith(".html") || name.endsWith(".htm")) {
                return "html";
            }
            if (name.endsWith(".json") || name.endsWith(".jsonl")) {
                return "json";
            }
            return "table";
        }
        return ansiAllowed && terminal && env.getOrDefault("NO_COLOR", "").isEmpty() ? "ansi" : "table";
    }

    /** Refuses an {@code --output} path that cannot be written, before any work is done. */
    static void checkOutput(Path output) {
        if (output == null) {
            return;
        }
        if (Files.isDirectory(output)) {
            throw new JlrpException("--output " + output + " is a folder, not a file");
        }
        Path parent = output.toAbsolutePath().getParent();
        if (parent != null && !Files.isDirectory(parent)) {
            throw new JlrpException("--output " + output + ": the folder " + parent + " does not exist");
        }
    }

    /**
     * Where a command writes its report, as UTF-8 text: the {@code --output} file, or stdout wrapped so that closing
     * the report does not close stdout.
     */
    static Writer openOutput(Path output, PrintStream out) {
        OutputStream sink;
        if (output != null) {
            checkOutput(output);
            try {
                sink = Files.newOutputStream(output);
            } catch (IOException e) {
                throw new JlrpException("cannot write --output " + output + " (" + e.getClass().getSimpleName()
                        + (e.getMessage() == null ? "" : ": " + e.getMessage()) + ")");
            }
        } else {
            sink = new OutputStream() {
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
        return new BufferedWriter(new OutputStreamWriter(sink, StandardCharsets.UTF_8), 1 << 16);
    }

    /**
     * One stderr note when the model's folded Embedding tables are large (they are otherwise shown by info only).
     * Commands print it once the work has succeeded, so that an error stays the only stderr line.
     */
    static void noteFolding(Explainer explainer, PrintStream err) {
        long bytes = explainer.network().foldedTableBytes();
        if (bytes > LARGE_FOLD_BYTES) {
            err.printf(Locale.ROOT, "jlrp: note: this model's folded Embedding tables take %.0f MB of memory; "
                    + "JLRP_JAVA_OPTS=-Djlrp.fold.budget.mb=N sets their budget (0 turns folding off: less memory, "
                    + "slower)%n", bytes / 1e6);
            err.flush();
        }
    }

    /**
     * What to compute, shared by {@code explain} and {@code bench}: {@code --target}, {@code --rule}, {@code --eps},
     * {@code --ignore-bias}, {@code --method}, {@code --steps}, {@code --baseline}, {@code --embedding-relevance}.
     */
    static void addExplainOptions(Options o) {
        o.addOption(opt("target", "pred|all|N", "class to explain (default pred: the predicted class)"));
        o.addOption(opt("rule", "SPEC", "LRP rule: a preset (epsilon, lrp0, epsilon-plus, "
                + "epsilon-alpha2-beta1, epsilon-gamma-box) or KEY=RULE;... with KEY first|conv1d|dense|lstm|gru|rnn|layer name and "
                + "RULE epsilon:E|zplus|alphabeta:A:B|gamma:G|zbox|flat|wsquare[:ignore-bias] (default epsilon)"));
        o.addOption(opt("method", "NAME", "lrp (default), gradient, gradient-input, "
                + "integrated-gradients, occlusion, deeplift, shapley, smoothgrad, guided-backprop or deconvnet"));
        o.addOption(opt("steps", "N", "integrated-gradients: Riemann steps (default "
                + ExplainOptions.DEFAULT_STEPS + ")"));
        o.addOption(opt("baseline", "padding|zero", "integrated-gradients, deeplift: baseline embedding "
                + "(default padding: the pad id's row at every position)"));
        o.addOption(opt("samples", "N", "shapley: sampled permutations; smoothgrad: noisy copies "
                + "(default " + ExplainOptions.DEFAULT_SAMPLES + ")"));
        o.addOption(opt("seed", "N", "shapley, smoothgrad: random seed (default 0)"));
        o.addOption(opt("noise-level", "X", "smoothgrad: noise standard deviation as a fraction of "
                + "the embedding output's range (default " + ExplainOptions.DEFAULT_NOISE_LEVEL + ")"));
        o.addOption(opt("eps", "X", "epsilon-rule stabiliser (default " + Rule.DEFAULT_EPS + ")"));
        o.addOption(opt("ignore-bias", null, "leave biases out of the rule: relevance is conserved"));
        o.addOption(opt("embedding-relevance", null, "also compute the [steps][dim] relevance map"));
    }

    /**
     * The options {@link #addExplainOptions} declares, checked against each other; {@code padId} from the fitting.
     *
     * @param seedOfMethodsOnly whether {@code --seed} belongs to shapley and smoothgrad alone ({@code explain}); in
     *                          {@code bench} it also seeds the random token ids
     */
    static ExplainOptions explainOptions(CommandLine line, int padId, boolean seedOfMethodsOnly) {
        Method method = Method.parse(line.getOptionValue("method", "lrp"));
        if (method != Method.LRP && (line.hasOption("rule") || line.hasOption("eps") || line.hasOption("ignore-bias"))) {
            throw new JlrpException("--rule, --eps and --ignore-bias apply to --method lrp only, not "
                    + method.cliName());
        }
        if (method != Method.INTEGRATED_GRADIENTS && line.hasOption("steps")) {
            throw new JlrpException("--steps applies to --method integrated-gradients only");
        }
        if (method != Method.INTEGRATED_GRADIENTS && method != Method.DEEPLIFT && line.hasOption("baseline")) {
            throw new JlrpException("--baseline applies to --method integrated-gradients and deeplift only");
        }
        if (method != Method.SHAPLEY && method != Method.SMOOTHGRAD
                && (line.hasOption("samples") || (seedOfMethodsOnly && line.hasOption("seed")))) {
            throw new JlrpException("--samples and --seed apply to --method shapley and smoothgrad only");
        }
        if (method != Method.SMOOTHGRAD && line.hasOption("noise-level")) {
            throw new JlrpException("--noise-level applies to --method smoothgrad only");
        }
        int steps = intValue(line, "steps", ExplainOptions.DEFAULT_STEPS, 1, 100_000);
        int samples = intValue(line, "samples", ExplainOptions.DEFAULT_SAMPLES, 1, 1_000_000);
        int seed = intValue(line, "seed", 0, Integer.MIN_VALUE, Integer.MAX_VALUE);
        double noiseLevel = doubleValue(line, "noise-level", ExplainOptions.DEFAULT_NOISE_LEVEL, 0, 1e6);
        Method.Baseline baseline = Method.Baseline.parse(line.getOptionValue("baseline", "padding"));
        double eps = doubleValue(line, "eps", Rule.DEFAULT_EPS, 0, Double.MAX_VALUE);
        return ExplainOptions.DEFAULT
                .withTarget(Target.parse(line.getOptionValue("target", "pred")))
                .withRules(Composite.parse(line.getOptionValue("rule", "epsilon"), eps)
                        .withIgnoreBias(line.hasOption("ignore-bias")))
                .withPadId(padId).withEmbeddingRelevance(line.hasOption("embedding-relevance"))
                .withMethod(method).withSteps(steps).withBaseline(baseline).withSamples(samples).withSeed(seed)
                .withNoiseLevel(noiseLevel);
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

    /**
     * How texts become token ids, shared by every command that takes texts: {@code --tokenizer}, or {@code --vocab}
     * with {@code --split} and {@code --keep-case}, and {@code --unknown-id}; without a file, the model's own
     * TextVectorization layer ({@link #textEncoder}).
     */
    static void addTextOptions(Options o) {
        o.addOption(opt("tokenizer", "FILE", "Keras Tokenizer.to_json() file or word->index JSON (not needed for a "
                + "model with its own TextVectorization layer)"));
        o.addOption(opt("vocab", "FILE", "a plain vocabulary instead of --tokenizer: {\"token\": id} JSON, or "
                + "one token per line (line number = id)"));
        o.addOption(opt("split", "char|word|whitespace", "--vocab: one token per character, Keras-style "
                + "words (punctuation removed) or whitespace-separated words (default word)"));
        o.addOption(opt("keep-case", null, "--vocab: do not lower-case the text"));
        o.addOption(opt("unknown-id", "N", "map words the tokenizer does not know to id N instead of "
                + "dropping them (as projects that map unknown words to 0 themselves)"));
    }

    /** The text options that contradict each other, refused before any file is read. */
    static void checkTextOptions(CommandLine line) throws ParseException {
        if (line.hasOption("vocab") && line.hasOption("tokenizer")) {
            throw new ParseException("give either --tokenizer or --vocab, not both");
        }
        if (!line.hasOption("vocab") && (line.hasOption("split") || line.hasOption("keep-case"))) {
            throw new ParseException("--split and --keep-case apply to --vocab only");
        }
    }

    /**
     * The encoder of this command line's texts: {@code --tokenizer} or {@code --vocab} (with {@code --unknown-id},
     * checked against the model's embedding, and the fitting's padding); else {@code fallback} (the built-in demo's
     * tokenizer, or null); else the model's own TextVectorization layer; null when there is none of them.
     */
    static TextEncoder textEncoder(CommandLine line, Explainer explainer, KerasTokenizer fallback, Fitting fitting) {
        Path tokenizerPath = path(line, "tokenizer");
        Path vocabPath = path(line, "vocab");
        KerasTokenizer tokenizer = tokenizerPath != null ? KerasTokenizer.load(tokenizerPath)
                : vocabPath != null ? Vocabulary.tokenizer(Vocabulary.read(vocabPath),
                        Vocabulary.Split.parse(line.getOptionValue("split", "word"), "--split"),
                        !line.hasOption("keep-case"), null)
                : fallback;
        if (tokenizer == null) {
            TextEncoder own = explainer.textVectorizer().orElse(null);
            if (own != null && line.hasOption("unknown-id")) {
                throw new JlrpException("--unknown-id applies to --tokenizer and --vocab; the model's own "
                        + "TextVectorization layer maps unknown words to id 1");
            }
            return own;
        }
        if (line.hasOption("unknown-id")) {
            int vocabulary = explainer.network().vocabularySize();
            int unknownId = intValue(line, "unknown-id", 0, 0, Integer.MAX_VALUE);
            if (unknownId >= vocabulary) {
                throw new JlrpException("--unknown-id " + unknownId + " is out of range [0, " + vocabulary
                        + ") of the model's embedding");
            }
            tokenizer = tokenizer.withUnknownId(unknownId);
        }
        return tokenizer.withPadding(fitting.padding(), fitting.truncating(), fitting.padId());
    }

    /**
     * {@link #textEncoder}, or when there is none the one-line error that says what to give.
     *
     * @param what  the input that needs it, e.g. {@code --text/--texts}
     * @param model the model file, for the message
     */
    static TextEncoder requireTextEncoder(CommandLine line, Explainer explainer, KerasTokenizer fallback,
                                          Fitting fitting, String what, Path model) {
        TextEncoder encoder = textEncoder(line, explainer, fallback, fitting);
        if (encoder == null) {
            throw new JlrpException(what + " need" + (what.contains("/") ? "" : "s") + " --tokenizer FILE (the "
                    + "model's Keras Tokenizer.to_json() or a word->index JSON) or --vocab FILE for " + model
                    + ", which has no TextVectorization layer");
        }
        return encoder;
    }

    /** The texts of {@code --text} (repeatable) and then {@code --texts FILE} ({@code -}: standard input). */
    static List<String> texts(CommandLine line, InputStream in) {
        List<String> texts = new ArrayList<>();
        if (line.getOptionValues("text") != null) {
            texts.addAll(List.of(line.getOptionValues("text")));
        }
        String file = line.getOptionValue("texts");
        if (file != null) {
            texts.addAll(file.equals("-") ? TextBatch.readLines(in, "stdin") : TextBatch.readLines(Path.of(file)));
        }
        return texts;
    }
}
