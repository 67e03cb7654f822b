package org.jlrp.spark;

import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * The one {@code local[2]} session the tests share (starting Spark costs seconds); Spark's shutdown hook stops it.
 * Two task threads, so partitions run concurrently against the shared explainer.
 */
final class LocalSpark {

    static final StructType INPUT = new StructType()
            .add("id", DataTypes.IntegerType, false)
            .add("tokens", DataTypes.createArrayType(DataTypes.IntegerType, true), true);

    private static SparkSession session;

    private LocalSpark() {
    }

    static synchronized SparkSession session() {
        if (session == null) {
            session = SparkSession.builder()
                    .master("local[2]")
                    .appName("jlrp-spark tests")
                    .config("spark.ui.enabled", "false")
                    .config("spark.sql.shuffle.partitions", "4")
                    .getOrCreate();
        }
        return session;
    }

    /** Rows {@code (id = index, tokens)} in {@code partitions} partitions; a null sequence gives a null array. */
    static Dataset<Row> tokens(List<int[]> sequences, int partitions) {
        List<Row> rows = new ArrayList<>();
        for (int i = 0; i < sequences.size(); i++) {
            int[] ids = sequences.get(i);
            List<Integer> boxed = null;
            if (ids != null) {
                boxed = new ArrayList<>();
                for (int id : ids) {
                    boxed.add(id);
                }
            }
            rows.add(RowFactory.create(i, boxed));
        }
        return session().createDataFrame(rows, INPUT).repartition(partitions);
    }
}
