package org.jlrp.spark;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import org.apache.spark.TaskContext;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.jlrp.runtime.JlrpException;
import org.jlrp.runtime.explain.Explainer;

/**
 * {@link LrpExplainer#transform}'s work on one partition: each row gets its explanation column appended. The
 * executor's shared explainer serves the whole partition, a batch of rows at a time.
 */
final class ExplainPartition implements MapPartitionsFunction<Row, Row> {

    private static final long serialVersionUID = 1L;

    private final ExplainSettings settings;
    private final String inputCol;
    private final int inputIndex;
    private final boolean skipBadRows;

    ExplainPartition(ExplainSettings settings, String inputCol, int inputIndex, boolean skipBadRows) {
        this.settings = settings;
        this.inputCol = inputCol;
        this.inputIndex = inputIndex;
        this.skipBadRows = skipBadRows;
    }

    @Override
    public Iterator<Row> call(Iterator<Row> rows) {
        Explainer explainer = settings.explainer();
        int partition = TaskContext.getPartitionId();
        long[] rowsSeen = {0};
        return new Batched<>(rows, settings.batchSize(), batch -> {
            // Rows whose token column cannot be read never reach the engine; the rest go as one batch.
            List<int[]> tokens = new ArrayList<>(batch.size());
            ExplainSettings.Outcome[] outcome = new ExplainSettings.Outcome[batch.size()];
            for (int i = 0; i < batch.size(); i++) {
                try {
                    tokens.add(ResultRows.tokens(batch.get(i).get(inputIndex)));
                } catch (JlrpException e) {
                    outcome[i] = ExplainSettings.Outcome.failed(e);
                }
            }
            List<ExplainSettings.Outcome> explained = tokens.isEmpty() ? List.of() : settings.explainBatch(explainer, tokens);
            for (int i = 0, next = 0; i < outcome.length; i++) {
                if (outcome[i] == null) {
                    outcome[i] = explained.get(next++);
                }
            }
            List<Row> out = new ArrayList<>(batch.size());
            for (int i = 0; i < outcome.length; i++) {
                long rowInPartition = rowsSeen[0]++;
                JlrpException error = outcome[i].error();
                if (error != null) {
                    if (skipBadRows) {
                        continue;
                    }
                    throw new JlrpException("column '" + inputCol + "', partition " + partition + ", row "
                            + rowInPartition + ": " + error.getMessage(), error);
                }
                out.add(appended(batch.get(i), ResultRows.value(outcome[i].explanations(), settings.allTargets())));
            }
            return out;
        });
    }

    private static Row appended(Row row, Object value) {
        Object[] values = new Object[row.length() + 1];
        for (int i = 0; i < row.length(); i++) {
            values[i] = row.get(i);
        }
        values[row.length()] = value;
        return RowFactory.create(values);
    }
}
