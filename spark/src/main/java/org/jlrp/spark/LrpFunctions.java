package org.jlrp.spark;

import java.util.List;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.api.java.UDF1;
import org.jlrp.runtime.JlrpException;

/**
 * Registers ε-LRP explanation as a Spark SQL function:
 *
 * <pre>{@code
 * LrpFunctions.register(spark, "lrp_explain", new LrpExplainer().setModel(Path.of("model.h5")));
 * spark.sql("SELECT id, lrp_explain(tokens).relevance FROM reviews");
 * }</pre>
 *
 * <p>The function takes an array of token ids and returns the struct that {@link LrpExplainer} appends (an array
 * of them for target {@code all}), with the explainer's target, ε, padding id and error handling: a bad row fails
 * the query, or gives null with {@code setOnError("skip")}. The model is broadcast once, at registration, and loaded
 * once per executor JVM, as for the transform.
 */
public final class LrpFunctions {

    private LrpFunctions() {
    }

    /** Registers {@code name} as a function of one {@code array<int>} argument, explained as {@code settings} say. */
    public static void register(SparkSession spark, String name, LrpExplainer settings) {
        ExplainSettings explain = settings.settings(spark);
        spark.udf().register(name, new ExplainFunction(explain, settings.skipsBadRows()),
                ResultRows.type(explain.allTargets()));
    }

    /** The function's body, shipped to executors with the broadcast handle (not the model). */
    private static final class ExplainFunction implements UDF1<Object, Object> {

        private static final long serialVersionUID = 1L;

        private final ExplainSettings settings;
        private final boolean nullForBadRows;

        ExplainFunction(ExplainSettings settings, boolean nullForBadRows) {
            this.settings = settings;
            this.nullForBadRows = nullForBadRows;
        }

        @Override
        public Object call(Object tokens) {
            ExplainSettings.Outcome outcome;
            try {
                outcome = settings.explainBatch(settings.explainer(), List.of(ResultRows.tokens(tokens))).get(0);
            } catch (JlrpException e) {
                outcome = ExplainSettings.Outcome.failed(e);
            }
            if (outcome.error() != null) {
                if (nullForBadRows) {
                    return null;
                }
                throw new JlrpException("lrp_explain: " + outcome.error().getMessage(), outcome.error());
            }
            return ResultRows.value(outcome.explanations(), settings.allTargets());
        }
    }
}
