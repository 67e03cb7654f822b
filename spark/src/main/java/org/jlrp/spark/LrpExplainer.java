package org.jlrp.spark;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;
import org.apache.spark.SparkContext;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import org.jlrp.runtime.explain.Composite;
import org.jlrp.runtime.explain.Rule;
import org.jlrp.runtime.JlrpException;
import org.jlrp.runtime.explain.Target;
import org.jlrp.runtime.text.Sequences;

/**
 * Explains a Keras text model's predictions for every row of a Dataset with ε-LRP, as {@code jlrp explain} does for
 * one file.
 *
 * <pre>{@code
 * Dataset<Row> explained = new LrpExplainer()
 *         .setModel(Path.of("model.h5"))
 *         .setInputCol("tokens")          // array<int> of token ids
 *         .setOutputCol("lrp")
 *         .transform(reviews);
 * explained.select("id", "lrp.target", "lrp.relevance").show();
 * }</pre>
 *
 * <p>The output column is a struct {@code target int, logits array<float>, relevance array<float>,
 * relevance_padding double, relevance_bias double} (see {@code explain --format json} in the CLI contract); with
 * target {@code all}, an array of such structs, one per class. Token sequences of another length than the model's
 * input are padded or truncated at the front with the padding id, as Keras {@code pad_sequences} and
 * {@code jlrp explain} do, so {@code relevance} has one value per model input position.
 *
 * <p><b>How the model reaches the executors.</b> The model file is read on the driver, loaded there once to check
 * it, and broadcast as bytes. Each executor JVM builds one explainer per broadcast, on first use, and all its task
 * threads share it. The transform runs through {@code mapPartitions}: one explainer serves a whole partition, a batch
 * of rows at a time. The broadcast is made on the first {@link #transform} and reused by later ones until the model
 * changes or {@link #release()} is called.
 *
 * <p>Settings are not thread-safe; configure an instance, then transform.
 */
public final class LrpExplainer {

    private ModelFiles model;
    private String inputCol = "tokens";
    private String outputCol = "lrp";
    private String target = "pred";
    private double eps = Rule.DEFAULT_EPS;
    private String rule = "epsilon";
    private boolean ignoreBias;
    private int padId;
    private int batchSize = 64;
    private Sequences.Side padding = Sequences.Side.PRE;
    private Sequences.Side truncating = Sequences.Side.PRE;
    private boolean skipBadRows;

    private Broadcast<ModelFiles> broadcast;
    private SparkContext broadcastContext;

    /** The model file on the driver's file system: a Keras {@code .h5} or {@code .keras} file. */
    public LrpExplainer setModel(Path file) {
        return setModel(file, null);
    }

    /** A weights-only {@code .h5} and its architecture JSON ({@code model.to_json()}), or a full model and null. */
    public LrpExplainer setModel(Path file, Path architecture) {
        return setModel(ModelFiles.read(file, architecture));
    }

    /**
     * The model's bytes, as they would be in a file.
     *
     * @param name what error messages call the model; an ONNX model's name ends in {@code .onnx}, as its file's would
     */
    public LrpExplainer setModel(byte[] modelBytes, String name) {
        return setModel(new ModelFiles(name, modelBytes.clone(), null));
    }

    private LrpExplainer setModel(ModelFiles files) {
        release();
        this.model = files;
        return this;
    }

    /** The input column: an array of token ids ({@code array<int>}, or any integral element type). Default "tokens". */
    public LrpExplainer setInputCol(String column) {
        this.inputCol = requireName(column, "input column");
        return this;
    }

    /** The column to add. Default "lrp". */
    public LrpExplainer setOutputCol(String column) {
        this.outputCol = requireName(column, "output column");
        return this;
    }

    /** {@code pred} (default: the argmax of the logits), {@code all} (one result per class), or a class index. */
    public LrpExplainer setTarget(String targetSpec) {
        this.target = Target.parse(targetSpec).toString();
        return this;
    }

    /** A class index to explain. */
    public LrpExplainer setTarget(int classIndex) {
        this.target = Target.index(classIndex).toString();
        return this;
    }

    /**
     * The LRP rules: a preset ({@code epsilon}, the default, {@code epsilon-plus}, …), a bare rule or
     * {@code KEY=RULE;...}, as {@code jlrp explain --rule} reads them ({@link org.jlrp.runtime.explain.Composite}).
     *
     * @throws JlrpException for a string that is not a rule string
     */
    public LrpExplainer setRule(String ruleSpec) {
        Composite.parse(ruleSpec, eps); // validates on the driver
        this.rule = ruleSpec;
        return this;
    }

    /** The ε-rule stabiliser, {@value org.jlrp.runtime.explain.Rule#DEFAULT_EPS} by default. */
    public LrpExplainer setEps(double epsilon) {
        if (!(epsilon >= 0) || Double.isInfinite(epsilon)) {
            throw new JlrpException("eps must be a finite number >= 0, got " + epsilon);
        }
        this.eps = epsilon;
        return this;
    }

    /** Leave biases out of the rule, so relevance is conserved (as {@code --ignore-bias}). */
    public LrpExplainer setIgnoreBias(boolean ignore) {
        this.ignoreBias = ignore;
        return this;
    }

    /** The padding token id (default 0): used to pad short sequences and to report padding relevance. */
    public LrpExplainer setPadId(int id) {
        if (id < 0) {
            throw new JlrpException("pad id must be >= 0, got " + id);
        }
        this.padId = id;
        return this;
    }

    /**
     * Where short sequences are padded to the model's input length: {@code pre} (default, as Keras
     * {@code pad_sequences}) or {@code post}.
     */
    public LrpExplainer setPadding(String side) {
        this.padding = Sequences.Side.parse(side, "--padding");
        return this;
    }

    /** Which end of long sequences is cut: {@code pre} (default, as Keras {@code pad_sequences}) or {@code post}. */
    public LrpExplainer setTruncating(String side) {
        this.truncating = Sequences.Side.parse(side, "--truncating");
        return this;
    }

    /** Rows handed to the engine at once within a partition (default 64). */
    public LrpExplainer setBatchSize(int rows) {
        if (rows < 1) {
            throw new JlrpException("batch size must be >= 1, got " + rows);
        }
        this.batchSize = rows;
        return this;
    }

    /**
     * What a row that cannot be explained (null or empty token array, token id out of the vocabulary, non-finite
     * result) does: {@code fail} (default) fails the job with a message naming the partition and row, {@code skip}
     * drops the row.
     */
    public LrpExplainer setOnError(String mode) {
        this.skipBadRows = switch (mode == null ? "" : mode.toLowerCase(Locale.ROOT)) {
            case "fail" -> false;
            case "skip" -> true;
            default -> throw new JlrpException("--on-error must be fail or skip, got '" + mode + "'");
        };
        return this;
    }

    public String getInputCol() {
        return inputCol;
    }

    public String getOutputCol() {
        return outputCol;
    }

    boolean skipsBadRows() {
        return skipBadRows;
    }

    /** The type of the output column: a struct, or an array of structs for target {@code all}. */
    public DataType resultType() {
        return ResultRows.type(Target.parse(target).isAll());
    }

    /**
     * Appends the explanation column. Lazy, as Spark transforms are: the model is broadcast now, the work is done
     * when an action runs.
     *
     * @throws JlrpException if the input column is missing or not an array of integers, the output column exists,
     *                       or the model cannot be loaded
     */
    public Dataset<Row> transform(Dataset<Row> data) {
        StructType schema = data.schema();
        int inputIndex = inputIndex(schema);
        if (Arrays.asList(schema.fieldNames()).contains(outputCol)) {
            throw new JlrpException("output column '" + outputCol + "' already exists");
        }
        ExplainSettings settings = settings(data.sparkSession());
        StructType out = schema.add(outputCol, ResultRows.type(settings.allTargets()), true);
        return data.mapPartitions(new ExplainPartition(settings, inputCol, inputIndex, skipBadRows), Encoders.row(out));
    }

    /** Destroys the model broadcast (if any) and drops the driver's explainer; a later transform broadcasts anew. */
    public synchronized void release() {
        if (broadcast != null) {
            ExplainerCache.remove(broadcast.id());
            broadcast.destroy();
            broadcast = null;
            broadcastContext = null;
        }
    }

    /** The broadcast model and options for this session, broadcasting the model on first use. */
    synchronized ExplainSettings settings(SparkSession spark) {
        if (model == null) {
            throw new JlrpException("no model: call setModel first");
        }
        SparkContext context = spark.sparkContext();
        if (broadcast == null || broadcastContext != context || context.isStopped()) {
            // Loading on the driver checks the model before any task starts, so a bad file fails with one clear
            // message; in local mode the executors then reuse this very explainer.
            var loaded = model.load();
            broadcast = JavaSparkContext.fromSparkContext(context).broadcast(model);
            broadcastContext = context;
            ExplainerCache.put(broadcast.id(), loaded);
        }
        return new ExplainSettings(broadcast, target, rule, eps, ignoreBias, padId, batchSize, padding, truncating);
    }

    private int inputIndex(StructType schema) {
        if (!Arrays.asList(schema.fieldNames()).contains(inputCol)) {
            throw new JlrpException("input column '" + inputCol + "' not found; the columns are "
                    + String.join(", ", schema.fieldNames()));
        }
        StructField field = schema.apply(inputCol);
        if (!(field.dataType() instanceof ArrayType array) || !isIntegral(array.elementType())) {
            throw new JlrpException("input column '" + inputCol + "' must be an array of token ids (array<int>), got "
                    + field.dataType().simpleString());
        }
        return schema.fieldIndex(inputCol);
    }

    private static boolean isIntegral(DataType type) {
        return type.equals(DataTypes.IntegerType) || type.equals(DataTypes.LongType)
                || type.equals(DataTypes.ShortType) || type.equals(DataTypes.ByteType);
    }

    private static String requireName(String column, String what) {
        if (column == null || column.isBlank()) {
            throw new JlrpException("the " + what + " name is empty");
        }
        return column;
    }
}
