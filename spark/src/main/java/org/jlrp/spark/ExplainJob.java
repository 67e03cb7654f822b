package org.jlrp.spark;

import java.io.BufferedWriter;
import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Arrays;
import java.util.Collections;
import java.util.Iterator;
import java.util.List;
import java.util.UUID;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.sql.AnalysisException;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.storage.StorageLevel;
import org.jlrp.runtime.JlrpException;
import org.jlrp.runtime.text.Vocabulary;

/**
 * {@code jlrp-spark explain}: explains a corpus of token-id sequences on Spark and writes one
 * {@code explain --format json} result object per line, with the record's {@code id}, in input order.
 *
 * <p>Exit codes as for {@code jlrp}: 0 success; 2 bad usage or bad input (a bad record names its line or row), with
 * one line on stderr; 1 internal error. With {@code --on-error skip}, each skipped record gets a warning line.
 */
public final class ExplainJob {

    static final int OK = 0;
    static final int INTERNAL_ERROR = 1;
    static final int BAD_INPUT = 2;

    /** Skipped records named one by one on stderr; after that, only their number. */
    private static final int MAX_SKIP_WARNINGS = 20;

    /**
     * Parquet output: the JSON result object's fields ({@code words} null for token-id input); {@code id} keeps the
     * id's JSON text (a string as is).
     */
    static final StructType PARQUET_RESULT = new StructType()
            .add("id", DataTypes.StringType)
            .add("sequence", DataTypes.LongType)
            .add("target", DataTypes.IntegerType)
            .add("logits", DataTypes.createArrayType(DataTypes.FloatType))
            .add("probabilities", DataTypes.createArrayType(DataTypes.FloatType))
            .add("explained_logit", DataTypes.DoubleType)
            .add("tokens", DataTypes.createArrayType(DataTypes.IntegerType))
            .add("words", DataTypes.createArrayType(DataTypes.StringType))
            .add("relevance", DataTypes.createArrayType(DataTypes.DoubleType))
            .add("relevance_padding", DataTypes.DoubleType)
            .add("relevance_bias", DataTypes.DoubleType)
            .add("relevance_sum", DataTypes.DoubleType);

    private ExplainJob() {
    }

    public static void main(String[] args) {
        int code = run(args, System.out, System.err);
        System.out.flush();
        System.exit(code);
    }

    /**
     * Runs one command on the active Spark session, or on a new one that it stops afterwards. Never throws.
     *
     * @return the exit code
     */
    public static int run(String[] args, PrintStream out, PrintStream err) {
        if (args.length == 0 || List.of("--help", "-h", "help").contains(args[0])) {
            out.print(JobOptions.USAGE);
            return args.length == 0 ? BAD_INPUT : OK;
        }
        if (!args[0].equals("explain")) {
            err.println("jlrp-spark: unknown command '" + args[0] + "' (expected explain)");
            return BAD_INPUT;
        }
        SparkSession owned = null;
        try {
            JobOptions options = JobOptions.parse(Arrays.copyOfRange(args, 1, args.length));
            if (options.help) {
                out.print(JobOptions.USAGE);
                return OK;
            }
            checkLocalFiles(options);
            SparkSession spark;
            if (SparkSession.getActiveSession().isDefined() || SparkSession.getDefaultSession().isDefined()) {
                spark = SparkSession.active(); // embedded (e.g. a test or a notebook): use it, and leave it running
            } else {
                spark = session(options.master);
                owned = spark;
            }
            explain(spark, options, err);
            return OK;
        } catch (JobOptions.UsageException e) {
            err.println("jlrp-spark explain: " + oneLine(e.getMessage()) + " (see jlrp-spark explain --help)");
            return BAD_INPUT;
        } catch (OutOfMemoryError e) {
            err.println("jlrp-spark: out of memory (" + oneLine(e.getMessage())
                    + "); give the driver more with JLRP_SPARK_JAVA_OPTS=-Xmx...");
            return INTERNAL_ERROR;
        } catch (Throwable e) {
            for (Throwable c = e; c != null; c = c.getCause()) {
                if (c instanceof JlrpException || c instanceof AnalysisException) {
                    // AnalysisException: Spark's word for an unreadable or ill-formed input (e.g. no such path).
                    err.println("jlrp-spark: " + oneLine(c.getMessage()));
                    return BAD_INPUT;
                }
            }
            err.println("jlrp-spark: internal error: " + e.getClass().getSimpleName() + ": " + oneLine(e.getMessage()));
            return INTERNAL_ERROR;
        } finally {
            if (owned != null) {
                owned.stop();
            }
        }
    }

    /**
     * Explains the input and writes the output.
     *
     * @return the number of records skipped (always 0 with {@code --on-error fail}, which throws instead)
     * @throws JlrpException naming the first bad record in input order, with {@code --on-error fail}
     */
    static long explain(SparkSession spark, JobOptions options, PrintStream err) throws IOException {
        LrpExplainer explainer = new LrpExplainer().setModel(options.model, options.architecture)
                .setTarget(options.target).setRule(options.rule).setEps(options.eps).setIgnoreBias(options.ignoreBias)
                .setPadId(options.padId).setBatchSize(options.batch).setPadding(options.padding.name())
                .setTruncating(options.truncating.name());
        ExplainSettings settings = explainer.settings(spark);
        String field = "tokens";
        if (options.textInput) {
            // Read and checked on the driver; the executors build the same encoder once each, as jlrp explain does.
            if (options.tokenizer != null) {
                String json;
                try {
                    json = Files.readString(options.tokenizer, StandardCharsets.UTF_8);
                } catch (IOException e) {
                    throw new JlrpException(options.tokenizer + ": cannot read the tokenizer (" + e.getMessage() + ")",
                            e);
                }
                settings = settings.withTokenizer(json, options.tokenizer.toString(), options.unknownId);
            } else if (options.vocab != null) {
                settings = settings.withVocabulary(Vocabulary.read(options.vocab), options.split, !options.keepCase,
                        options.unknownId);
            } else if (settings.explainer().textVectorizer().isPresent()) {
                settings = settings.withModelTextVectorization();
            } else {
                throw new JlrpException("--text-field needs --tokenizer FILE or --vocab FILE for " + options.model
                        + ", which has no TextVectorization layer");
            }
            int vocabulary = settings.explainer().network().vocabularySize();
            if (options.unknownId != null && options.unknownId >= vocabulary) {
                throw new JlrpException("--unknown-id " + options.unknownId + " is out of range [0, " + vocabulary
                        + ") of the model's embedding");
            }
            field = options.textField;
        }
        JavaRDD<String> records;
        String label;
        if (options.parquetInput) {
            Dataset<Row> table = spark.read().parquet(options.input);
            if (!Arrays.asList(table.columns()).contains(field)) {
                throw new JlrpException(options.input + ": no '" + field + "' column; the columns are "
                        + String.join(", ", table.columns()));
            }
            // As JSON objects, Parquet records take the same path as JSON lines: one parser, one set of errors.
            records = table.toJSON().javaRDD();
            label = options.input + " row";
        } else {
            records = spark.read().textFile(options.input).javaRDD();
            label = options.input + " line";
        }
        JavaRDD<JobRecord> results = records.zipWithIndex().mapPartitions(new ExplainLines(settings, label, field));
        // Computed once, by all executors in parallel; the ordered write and the error report then read the cache.
        results.persist(StorageLevel.MEMORY_AND_DISK());
        try {
            results.count();
            return options.parquetOutput ? writeParquet(spark, results, options, err) : writeJsonLines(results, options, err);
        } finally {
            results.unpersist(false);
            explainer.release();
        }
    }

    /** Streams the results to the driver partition by partition, in input order, into one local file. */
    private static long writeJsonLines(JavaRDD<JobRecord> results, JobOptions options, PrintStream err)
            throws IOException {
        Path output = Path.of(options.output).toAbsolutePath();
        // Beside the output, so the final move is a rename; not createTempFile, whose owner-only mode would stick.
        Path partial = output.resolveSibling("." + output.getFileName() + "." + UUID.randomUUID() + ".partial");
        long skipped = 0;
        try {
            try (BufferedWriter w = Files.newBufferedWriter(partial, StandardCharsets.UTF_8)) {
                Iterator<JobRecord> ordered = results.toLocalIterator();
                while (ordered.hasNext()) {
                    JobRecord record = ordered.next();
                    if (record.error() != null) {
                        skipped = skipOrFail(record, skipped, options, err);
                        continue;
                    }
                    for (String line : record.lines()) {
                        w.write(line);
                        w.write('\n');
                    }
                }
            }
            summariseSkips(skipped, err);
            Files.move(partial, output, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            return skipped;
        } finally {
            Files.deleteIfExists(partial);
        }
    }

    /** The executors write Parquet in parallel; bad records are reported (or fail the job) before anything is written. */
    private static long writeParquet(SparkSession spark, JavaRDD<JobRecord> results, JobOptions options,
                                     PrintStream err) {
        JavaRDD<JobRecord> bad = results.filter(r -> r.error() != null);
        List<JobRecord> firstBad = bad.takeOrdered(MAX_SKIP_WARNINGS, new JobRecord.ByIndex());
        long skipped = 0;
        for (JobRecord record : firstBad) {
            skipped = skipOrFail(record, skipped, options, err);
        }
        if (skipped == MAX_SKIP_WARNINGS) {
            skipped = bad.count();
        }
        summariseSkips(skipped, err);
        JavaRDD<String> lines = results.flatMap(r -> r.lines() == null ? Collections.emptyIterator()
                : Arrays.asList(r.lines()).iterator());
        spark.read().schema(PARQUET_RESULT).json(spark.createDataset(lines.rdd(), Encoders.STRING()))
                .write().mode(SaveMode.Overwrite).parquet(options.output);
        return skipped;
    }

    private static long skipOrFail(JobRecord record, long skippedSoFar, JobOptions options, PrintStream err) {
        if (!options.skipBadRecords) {
            throw new JlrpException(record.error());
        }
        if (skippedSoFar < MAX_SKIP_WARNINGS) {
            err.println("jlrp-spark: skipped " + record.error());
        }
        return skippedSoFar + 1;
    }

    private static void summariseSkips(long skipped, PrintStream err) {
        if (skipped > MAX_SKIP_WARNINGS) {
            err.println("jlrp-spark: skipped " + skipped + " bad records in all");
        }
    }

    /** Plain local paths (no URI scheme) are checked on the driver, so a typo fails before Spark starts. */
    private static void checkLocalFiles(JobOptions options) {
        if (!Files.isRegularFile(options.model)) {
            throw new JlrpException(options.model + ": no such model file");
        }
        if (options.tokenizer != null && !Files.isRegularFile(options.tokenizer)) {
            throw new JlrpException(options.tokenizer + ": no such tokenizer file");
        }
        if (options.vocab != null && !Files.isRegularFile(options.vocab)) {
            throw new JlrpException(options.vocab + ": no such vocabulary file");
        }
        if (options.architecture != null && !Files.isRegularFile(options.architecture)) {
            throw new JlrpException(options.architecture + ": no such architecture file");
        }
        if (isLocal(options.input) && !Files.exists(Path.of(options.input))) {
            throw new JlrpException(options.input + ": no such input file");
        }
        if (!options.parquetOutput) {
            Path parent = Path.of(options.output).toAbsolutePath().getParent();
            if (parent == null || !Files.isDirectory(parent)) {
                throw new JlrpException(options.output + ": the output folder does not exist");
            }
        }
    }

    private static boolean isLocal(String path) {
        try {
            return new URI(path).getScheme() == null;
        } catch (Exception notAUri) {
            return true;
        }
    }

    /** spark-submit's master when it gave one; else {@code --master}, or every local core. */
    private static SparkSession session(String master) {
        SparkSession.Builder builder = SparkSession.builder().appName("jlrp-spark explain");
        String effective = master != null ? master : System.getProperty("spark.master", "local[*]");
        builder.master(effective);
        if (effective.startsWith("local")) {
            builder.config("spark.ui.enabled", "false");
        }
        return builder.getOrCreate();
    }

    private static String oneLine(String message) {
        return message == null ? "" : message.replaceAll("\\s*[\\r\\n]+\\s*", " ");
    }
}
