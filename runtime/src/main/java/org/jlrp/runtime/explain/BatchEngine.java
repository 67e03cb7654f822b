package org.jlrp.runtime.explain;

import java.util.ArrayList;
import java.util.List;
import org.jlrp.runtime.graph.Network;
import org.jlrp.runtime.graph.Workspace;

/**
 * Explains batches of sequences across a fixed set of threads, each with its own {@link Workspace} sized once from
 * the network's plan.
 *
 * <pre>{@code
 * try (BatchEngine engine = new BatchEngine(explainer, 2)) {
 *     List<Explanation> results = engine.explain(batch, ExplainOptions.DEFAULT);
 * }
 * }</pre>
 *
 * <p><b>Determinism.</b> Every sequence is explained from start to end by one thread on one workspace, with the
 * same kernels, so its result is bit-identical to {@link Explainer#explainAll} whatever the thread count or how the
 * input is split into batches.
 *
 * <p><b>Allocation.</b> {@link #explain} allocates only its results. {@link #relevance} allocates nothing: it
 * writes per-token relevance into arrays the caller owns, for benchmarks and services that keep their buffers.
 *
 * <p><b>Thread safety.</b> One batch runs at a time (calls from several threads queue up). For many concurrent
 * single-sequence requests, call {@link Explainer#explain(int[], ExplainOptions)} directly: it draws workspaces from
 * the explainer's pool.
 */
public final class BatchEngine implements AutoCloseable {

    private final Explainer explainer;
    private final Network network;
    private final WorkerGang gang;
    private final Workspace[] workspaces;
    private final ExplainTask explainTask = new ExplainTask();
    private final RelevanceTask relevanceTask = new RelevanceTask();

    /**
     * Starts {@code threads − 1} helper threads (the calling thread is the first worker).
     *
     * @param threads at least 1
     */
    public BatchEngine(Explainer explainer, int threads) {
        this.explainer = explainer;
        this.network = explainer.network();
        this.gang = new WorkerGang(threads, "jlrp-worker");
        this.workspaces = new Workspace[threads];
        for (int i = 0; i < threads; i++) {
            workspaces[i] = network.newWorkspace();
        }
    }

    public int threads() {
        return gang.threads();
    }

    public Explainer explainer() {
        return explainer;
    }

    /**
     * Explains every sequence; results ordered by sequence, then class, exactly as
     * {@link Explainer#explainAll(List, ExplainOptions)} returns them. When sequences are bad, the error of the
     * first bad one is thrown, as the sequential call would.
     */
    public List<Explanation> explain(List<int[]> sequences, ExplainOptions options) {
        return explain(sequences, 0, options);
    }

    /**
     * As {@link #explain(List, ExplainOptions)} for a batch cut from a longer input: results and error messages
     * number the sequences from {@code firstSequence}.
     */
    public synchronized List<Explanation> explain(List<int[]> sequences, int firstSequence, ExplainOptions options) {
        int n = sequences.size();
        @SuppressWarnings("unchecked")
        List<Explanation>[] perSequence = new List[n];
        RuntimeException[] failures = new RuntimeException[n];
        explainTask.set(sequences, firstSequence, options, perSequence, failures);
        try {
            gang.forEach(n, explainTask);
        } finally {
            explainTask.set(null, 0, null, null, null);
        }
        List<Explanation> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            if (failures[i] != null) {
                throw failures[i];
            }
            out.addAll(perSequence[i]);
        }
        return out;
    }

    /**
     * The allocation-free path: for each {@code i < count}, explains {@code sequences[from + i]} for the target of
     * {@code options} (the predicted class or a fixed index; not {@code all}), writing the explained class to
     * {@code targets[i]} and the per-token relevance to {@code relevance[i][0, inputLength)}.
     *
     * @throws org.jlrp.runtime.JlrpException for the first bad sequence (numbered from {@code from})
     */
    public synchronized void relevance(int[][] sequences, int from, int count, ExplainOptions options, int[] targets,
                                       double[][] relevance) {
        if (options.target().isAll()) {
            throw new IllegalArgumentException("relevance() explains one target per sequence; use explain() for all");
        }
        relevanceTask.set(sequences, from, options, targets, relevance);
        try {
            gang.forEach(count, relevanceTask);
        } finally {
            relevanceTask.set(null, 0, null, null, null);
        }
        if (relevanceTask.failure != null) {
            RuntimeException failure = relevanceTask.failure;
            relevanceTask.failure = null;
            throw failure;
        }
    }

    /** Stops the helper threads. */
    @Override
    public void close() {
        gang.close();
    }

    private final class ExplainTask implements WorkerGang.Task {
        private List<int[]> sequences;
        private int first;
        private ExplainOptions options;
        private List<Explanation>[] perSequence;
        private RuntimeException[] failures;

        void set(List<int[]> sequences, int first, ExplainOptions options, List<Explanation>[] perSequence,
                 RuntimeException[] failures) {
            this.sequences = sequences;
            this.first = first;
            this.options = options;
            this.perSequence = perSequence;
            this.failures = failures;
        }

        @Override
        public void run(int index, int worker) {
            try {
                int[] tokens = sequences.get(index);
                explainer.validate(first + index, tokens);
                perSequence[index] = explainer.explainSequence(first + index, tokens, options, workspaces[worker]);
            } catch (RuntimeException e) {
                failures[index] = e;
            }
        }
    }

    private final class RelevanceTask implements WorkerGang.Task {
        private int[][] sequences;
        private int from;
        private ExplainOptions options;
        private int[] targets;
        private double[][] relevance;
        /** The failure of the lowest failing index; guarded by this task's monitor. */
        private RuntimeException failure;
        private int failureIndex = Integer.MAX_VALUE;

        void set(int[][] sequences, int from, ExplainOptions options, int[] targets, double[][] relevance) {
            this.sequences = sequences;
            this.from = from;
            this.options = options;
            this.targets = targets;
            this.relevance = relevance;
            this.failureIndex = Integer.MAX_VALUE;
        }

        @Override
        public void run(int index, int worker) {
            try {
                targets[index] = explainer.explainInto(workspaces[worker], from + index, sequences[from + index],
                        options, relevance[index]);
            } catch (RuntimeException e) {
                synchronized (this) {
                    if (index < failureIndex) {
                        failureIndex = index;
                        failure = e;
                    }
                }
            }
        }
    }
}
