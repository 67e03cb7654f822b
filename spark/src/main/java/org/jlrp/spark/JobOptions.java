package org.jlrp.spark;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.jlrp.runtime.explain.Rule;
import org.jlrp.runtime.JlrpException;
import org.jlrp.runtime.explain.Target;
import org.jlrp.runtime.text.Sequences;
import org.jlrp.runtime.text.Vocabulary;

/**
 * The options of {@code jlrp-spark explain}, parsed and checked before Spark starts, so a typo costs no cluster time.
 * Only {@code --name value} and {@code --name=value} forms: the job has too few options to need a parser library.
 */
final class JobOptions {

    /** Thrown for bad usage (an unknown or missing option); the job prints it with a pointer to --help. */
    static final class UsageException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        UsageException(String message) {
            super(message);
        }
    }

    static final String USAGE = String.join("\n",
            "usage: jlrp-spark explain --model FILE [--architecture FILE] --input IN.jsonl --output OUT.jsonl",
            "                          [--master local[2]] [--target pred|all|N] [--rule SPEC] [--eps X]",
            "                          [--input-format jsonl|parquet] [--output-format jsonl|parquet]",
            "                          [--on-error fail|skip] [--ignore-bias] [--pad-id N] [--batch N]",
            "                          [--tokenizer FILE | --vocab FILE [--split char|word|whitespace] [--keep-case]]",
            "                          [--text-field NAME] [--unknown-id N]",
            "                          [--padding pre|post] [--truncating pre|post]",
            "",
            "  --model FILE          Keras .h5 or .keras model file (read on the driver, broadcast to executors)",
            "  --architecture FILE   model.to_json() file for a weights-only .h5",
            "  --input PATH          one {\"id\": ..., \"tokens\": [ids...]} object a line (or Parquet with a tokens",
            "                        column and an optional id column); with --tokenizer, {\"id\": ..., \"text\": \"...\"}",
            "  --output PATH         one explain --format json result object a line, with \"id\", in input order",
            "                        (a single local file); Parquet: a directory written by the executors",
            "  --master URL          Spark master (default: spark-submit's, else local[*])",
            "  --target T            pred (default: the argmax), all (one result per class) or a class index",
            "  --rule SPEC           LRP rules, as jlrp explain --rule reads them (default epsilon)",
            "  --eps X               epsilon-rule stabiliser (default " + Rule.DEFAULT_EPS + ")",
            "  --ignore-bias         leave biases out of the rule: relevance is conserved",
            "  --pad-id N            padding token id (default 0)",
            "  --padding pre|post    where short sequences are padded (default pre, as Keras pad_sequences)",
            "  --truncating pre|post which end of long sequences is cut (default pre)",
            "  --tokenizer FILE      text input: the model's Keras Tokenizer.to_json() file or word->index JSON;",
            "                        the output lines then have \"words\" and \"unknown_words\", as jlrp explain's",
            "  --vocab FILE          text input with a plain vocabulary instead: {\"token\": id} JSON or one token",
            "                        a line (line number = id), as jlrp explain --vocab reads it",
            "  --split S             --vocab: char, word (Keras-style, the default) or whitespace",
            "  --keep-case           --vocab: do not lower-case the text",
            "  --text-field NAME     text input: the field (or Parquet column) holding the text (default text); alone,",
            "                        the model's own TextVectorization layer encodes the texts",
            "  --unknown-id N        with --tokenizer or --vocab: map unknown words to id N instead of dropping them",
            "  --on-error MODE       a bad record fails the job (fail, default) or is skipped with a warning (skip)",
            "  --batch N             records per engine call within a partition (default 64)",
            "");

    private static final Set<String> VALUED = Set.of("model", "architecture", "input", "output", "master", "target",
            "rule", "eps", "input-format", "output-format", "on-error", "pad-id", "batch", "tokenizer", "text-field",
            "padding", "truncating", "unknown-id", "vocab", "split");
    private static final Set<String> FLAGS = Set.of("ignore-bias", "help", "keep-case");

    final Path model;
    final Path architecture;
    final String input;
    final String output;
    final String master;
    final String target;
    final String rule;
    final double eps;
    final boolean ignoreBias;
    final int padId;
    final int batch;
    final boolean parquetInput;
    final boolean parquetOutput;
    final boolean skipBadRecords;
    final boolean help;
    final Path tokenizer;
    final Path vocab;
    final Vocabulary.Split split;
    final boolean keepCase;
    /** Whether records hold texts: with --tokenizer, --vocab or --text-field. */
    final boolean textInput;
    final String textField;
    final Integer unknownId;
    final Sequences.Side padding;
    final Sequences.Side truncating;

    private JobOptions(Map<String, String> values) {
        help = values.containsKey("help");
        model = values.containsKey("model") ? Path.of(values.get("model")) : null;
        architecture = values.containsKey("architecture") ? Path.of(values.get("architecture")) : null;
        input = values.get("input");
        output = values.get("output");
        master = values.get("master");
        target = Target.parse(values.getOrDefault("target", "pred")).toString();
        rule = values.getOrDefault("rule", "epsilon");
        eps = number(values, "eps", Rule.DEFAULT_EPS);
        ignoreBias = values.containsKey("ignore-bias");
        padId = (int) integer(values, "pad-id", 0, 0, Integer.MAX_VALUE);
        batch = (int) integer(values, "batch", 64, 1, 1 << 20);
        parquetInput = choice(values, "input-format", "jsonl", "parquet");
        parquetOutput = choice(values, "output-format", "jsonl", "parquet");
        skipBadRecords = choice(values, "on-error", "fail", "skip");
        tokenizer = values.containsKey("tokenizer") ? Path.of(values.get("tokenizer")) : null;
        vocab = values.containsKey("vocab") ? Path.of(values.get("vocab")) : null;
        split = Vocabulary.Split.parse(values.getOrDefault("split", "word"), "--split");
        keepCase = values.containsKey("keep-case");
        textInput = tokenizer != null || vocab != null || values.containsKey("text-field");
        textField = values.getOrDefault("text-field", "text");
        unknownId = values.containsKey("unknown-id") ? (int) integer(values, "unknown-id", 0, 0, Integer.MAX_VALUE)
                : null;
        padding = Sequences.Side.parse(values.getOrDefault("padding", "pre"), "--padding");
        truncating = Sequences.Side.parse(values.getOrDefault("truncating", "pre"), "--truncating");
        if (tokenizer != null && vocab != null) {
            throw new UsageException("give either --tokenizer or --vocab, not both");
        }
        if (vocab == null && (values.containsKey("split") || keepCase)) {
            throw new UsageException("--split and --keep-case apply to --vocab only");
        }
        if (tokenizer == null && vocab == null && values.containsKey("unknown-id")) {
            throw new UsageException("--unknown-id needs --tokenizer or --vocab");
        }
    }

    static JobOptions parse(String[] args) {
        Map<String, String> values = new HashMap<>();
        for (int i = 0; i < args.length; i++) {
            String arg = args[i];
            if (!arg.startsWith("--")) {
                throw new UsageException("unexpected argument '" + arg + "'");
            }
            String name = arg.substring(2);
            String value = null;
            int eq = name.indexOf('=');
            if (eq >= 0) {
                value = name.substring(eq + 1);
                name = name.substring(0, eq);
            }
            if (FLAGS.contains(name) && value == null) {
                values.put(name, "true");
            } else if (VALUED.contains(name)) {
                if (value == null) {
                    if (i + 1 >= args.length) {
                        throw new UsageException("--" + name + " needs a value");
                    }
                    value = args[++i];
                }
                values.put(name, value);
            } else {
                throw new UsageException("unknown option '" + arg + "'");
            }
        }
        JobOptions options = new JobOptions(values);
        if (!options.help) {
            for (String required : new String[]{"model", "input", "output"}) {
                if (!values.containsKey(required)) {
                    throw new UsageException("--" + required + " is required");
                }
            }
        }
        return options;
    }

    private static double number(Map<String, String> values, String name, double fallback) {
        String text = values.get(name);
        if (text == null) {
            return fallback;
        }
        try {
            double v = Double.parseDouble(text.trim());
            if (!(v >= 0) || Double.isInfinite(v)) {
                throw new JlrpException("--" + name + " must be a finite number >= 0, got " + text);
            }
            return v;
        } catch (NumberFormatException e) {
            throw new JlrpException("--" + name + " must be a number, got '" + text + "'");
        }
    }

    private static long integer(Map<String, String> values, String name, long fallback, long min, long max) {
        String text = values.get(name);
        if (text == null) {
            return fallback;
        }
        try {
            long v = Long.parseLong(text.trim());
            if (v < min || v > max) {
                throw new JlrpException("--" + name + " must be between " + min + " and " + max + ", got " + v);
            }
            return v;
        } catch (NumberFormatException e) {
            throw new JlrpException("--" + name + " must be an integer, got '" + text + "'");
        }
    }

    /** True for the second of the two allowed values. */
    private static boolean choice(Map<String, String> values, String name, String first, String second) {
        String v = values.getOrDefault(name, first).toLowerCase(Locale.ROOT);
        if (!v.equals(first) && !v.equals(second)) {
            throw new JlrpException("--" + name + " must be " + first + " or " + second + ", got '"
                    + values.get(name) + "'");
        }
        return v.equals(second);
    }
}
