package org.jlrp.spark;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.jlrp.runtime.explain.Explainer;
import org.jlrp.runtime.text.Sequences;

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

    /**
     * Runs the engine over {@code sequences} until two passes give the same bits, so that its results are the ones
     * of its JIT-compiled kernels, which Spark's tasks also run.
     *
     * <p>Why: on JDK 25 the SIMD kernels' float {@code reduceLanes(ADD)} sums in another order once C2 compiles it
     * than the interpreter does (the Vector API leaves that order unspecified), so an engine's first few results
     * differ from its later ones in the last bits. Comparing a cold engine with a warm transform would fail for
     * that reason alone. On JDK 17, and with the scalar kernels, the first pass is already stable.
     */
    static void warmUp(Explainer engine, List<int[]> sequences) {
        int length = engine.network().inputLength();
        List<int[]> padded = new ArrayList<>();
        for (int[] ids : sequences) {
            padded.add(Sequences.pad(ids, length, Sequences.Side.PRE, Sequences.Side.PRE, 0));
        }
        List<double[]> previous = null;
        for (int pass = 0; pass < 200; pass++) {
            List<double[]> current = new ArrayList<>();
            for (int[] ids : padded) {
                current.add(engine.explain(ids).relevance());
            }
            if (previous != null && sameBits(previous, current) && pass >= 20) {
                return;
            }
            previous = current;
        }
    }

    private static boolean sameBits(List<double[]> a, List<double[]> b) {
        for (int i = 0; i < a.size(); i++) {
            if (!Arrays.equals(a.get(i), b.get(i))) {
                return false;
            }
        }
        return true;
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
