package org.jlrp.spark;

import java.util.List;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.jlrp.runtime.JlrpException;
import org.jlrp.runtime.explain.Explanation;
import scala.collection.immutable.ArraySeq;

/** The Spark form of an {@link Explanation}: the struct that {@link LrpExplainer} and {@code lrp_explain} return. */
final class ResultRows {

    /**
     * {@code target}, {@code logits}, per-position {@code relevance} (float, as the model computes), and the two
     * conservation terms of the CLI result object.
     */
    static final StructType RESULT = new StructType()
            .add("target", DataTypes.IntegerType, false)
            .add("logits", DataTypes.createArrayType(DataTypes.FloatType, false), false)
            .add("relevance", DataTypes.createArrayType(DataTypes.FloatType, false), false)
            .add("relevance_padding", DataTypes.DoubleType, false)
            .add("relevance_bias", DataTypes.DoubleType, false);

    /** With target {@code all}: one struct per class, in class order. */
    static final ArrayType ALL_RESULTS = DataTypes.createArrayType(RESULT, false);

    private ResultRows() {
    }

    static DataType type(boolean allTargets) {
        return allTargets ? ALL_RESULTS : RESULT;
    }

    /**
     * The column value for one sequence's explanations: a struct, or an array of them for target {@code all}. Arrays
     * are Scala sequences, the external type Spark's row encoder takes.
     */
    static Object value(List<Explanation> explanations, boolean allTargets) {
        if (!allTargets) {
            return row(explanations.get(0));
        }
        Row[] rows = new Row[explanations.size()];
        for (int i = 0; i < rows.length; i++) {
            rows[i] = row(explanations.get(i));
        }
        return ArraySeq.unsafeWrapArray(rows);
    }

    static Row row(Explanation e) {
        return RowFactory.create(e.target(), ArraySeq.unsafeWrapArray(e.logits().clone()),
                ArraySeq.unsafeWrapArray(floats(e.relevance())), e.relevancePadding(), e.relevanceBias());
    }

    /**
     * Reads a column of token ids (any integral element type: Parquet and JSON sources give {@code bigint}).
     *
     * @throws JlrpException for a null or empty array, a null element, or an id outside the int range
     */
    static int[] tokens(Object value) {
        List<?> list;
        if (value instanceof List<?> l) {
            list = l;
        } else if (value instanceof scala.collection.Seq<?> seq) {
            list = scala.jdk.javaapi.CollectionConverters.asJava(seq);
        } else if (value == null) {
            throw new JlrpException("the token ids are null");
        } else {
            throw new JlrpException("the token ids are a " + value.getClass().getSimpleName() + ", not an array");
        }
        if (list.isEmpty()) {
            throw new JlrpException("the token id array is empty");
        }
        int[] ids = new int[list.size()];
        for (int i = 0; i < ids.length; i++) {
            Object id = list.get(i);
            if (!(id instanceof Number n)) {
                throw new JlrpException("token " + i + " is " + id + ", not a token id");
            }
            long v = n.longValue();
            if (v != (int) v) {
                throw new JlrpException("token " + i + ": id " + v + " is out of range");
            }
            ids[i] = (int) v;
        }
        return ids;
    }

    private static float[] floats(double[] values) {
        float[] out = new float[values.length];
        for (int i = 0; i < values.length; i++) {
            out[i] = (float) values[i];
        }
        return out;
    }
}
