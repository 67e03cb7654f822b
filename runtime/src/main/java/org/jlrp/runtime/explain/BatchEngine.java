package org.jlrp.runtime.explain;

import java.util.ArrayList;
import java.util.List;
import org.jlrp.runtime.internal.graph.Network;
import org.jlrp.runtime.internal.graph.Workspace;

/**
 * Explains batches of sequences across a fixed set of threads, each with its own {@link Workspace}s sized once from
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
 * input is split into batches. Where {@link #relevance} explains a few consecutive sequences on one thread as a group
 * (see {@link #GROUP}), the group kernels give every member exactly its single-sequence result, so that holds there
 * too.
 *
 * <p><b>Allocation.</b> {@link #explain} allocates only its results. {@link #relevance} allocates nothing after its
 * first call (which creates the workers' group workspaces): it writes per-token relevance into arrays the caller
 * owns, for benchmarks and services that keep their buffers.
 *
 * <p><b>Thread safety.</b> One batch runs at a time (calls from several threads queue up). For many concurrent
 * single-sequence requests, call {@link Explainer#explain(int[], ExplainOptions)} directly: it draws workspaces from
 * the explainer's pool.
 */
public final class BatchEngine implements AutoCloseable {

    /**
     * Sequences a worker explains together in {@link #relevance} when grouping pays (see
     * {@link #GROUP_MIN_WEIGHT_BYTES}): each Dense kernel is then read once per group instead of once per sequence.
     * 4: the Dense kernel blocks four samples in registers; 8 measured no faster, 2 slower (docs/performance.md).
     */
    static final int GROUP = 4;

    /**
     * Groups only for a Dense kernel of at least this size. A smaller one stays in a core's L2 from one sequence to
     * the next anyway, and a group then costs more than it saves: by the time a member's relevance pass runs, the
     * other members' forward passes have pushed its folded-table rows and buffers out of L2. Measured on a Xeon
     * with 2 MB of L2 per core: a 580 KB kernel (the reference model) slower grouped, 1 MB even, 1.5 MB faster,
     * 3 MB 1.45× faster (docs/performance.md).
     */
    static final long GROUP_MIN_WEIGHT_BYTES = 1L << 20;

    private final Explainer explainer;
    private final WorkerGang gang;
    private final Workspace[] workspaces;
    private final int groupSize;
    /** Per worker, for {@link #relevance}; created by its first call (see {@link #groups()}). */
    private Explainer.Group[] groups;
    private final ExplainTask explainTask = new ExplainTask();
    private final RelevanceTask relevanceTask = new RelevanceTask();

    /**
     * Starts {@code threads − 1} helper threads (the calling thread is the first worker).
     *
     * @param threads at least 1
     */
    public BatchEngine(Explainer explainer, int threads) {
        this(explainer, threads, groupSizeFor(explainer.network()));
    }

    /** With groups of up to {@code groupSize} sequences in {@link #relevance}, whatever the network's kernels. */
    BatchEngine(Explainer explainer, int threads, int groupSize) {
        if (groupSize < 1) {
            throw new IllegalArgumentException("groupSize must be >= 1, got " + groupSize);
        }
        this.groupSize = groupSize;
        this.explainer = explainer;
        this.gang = new WorkerGang(threads, "jlrp-worker");
        this.workspaces = new Workspace[threads];
        for (int i = 0; i < threads; i++) {
            workspaces[i] = explainer.network().newWorkspace();
        }
    }

    /**
     * {@link #GROUP} when the network has a Dense kernel worth sharing or recurrent cells (whose {@code h·U} a group
     * runs as one product per step), 1 otherwise.
     */
    static int groupSizeFor(Network network) {
        return network.groupedWeightBytes() >= GROUP_MIN_WEIGHT_BYTES || network.groupsRecurrentCells() ? GROUP : 1;
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
     * first bad one is thrown, as the sequential call would. An {@link Error} on any thread (say an
     * {@code OutOfMemoryError}) is thrown as it is, and no results are returned (see {@link WorkerGang#forEach}).
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
     * {@code targets[i]} and the per-token relevance to {@code relevance[i][0, inputLength)}. Where the network has a
     * large Dense kernel, each thread explains runs of up to {@link #GROUP} consecutive sequences together, layer by
     * layer; results are those of one sequence at a time, bit for bit.
     *
     * @throws org.jlrp.runtime.JlrpException for the first bad sequence (numbered from {@code from})
     */
    public synchronized void relevance(int[][] sequences, int from, int count, ExplainOptions options, int[] targets,
                                       double[][] relevance) {
        if (options.target().isAll()) {
            throw new IllegalArgumentException("relevance() explains one target per sequence; use explain() for all");
        }
        // Groups as large as the workers' own, but small enough that every thread gets one when the batch is small.
        int groupSize = Math.max(1, Math.min(groups()[0].workspaces.size(), ceilDiv(count, gang.threads())));
        relevanceTask.set(sequences, from, count, groupSize, options, targets, relevance);
        RuntimeException failure;
        try {
            gang.forEach(ceilDiv(count, groupSize), relevanceTask);
        } finally {
            // Cleared even when forEach threw (an Error on a worker): a later call must not throw this one.
            failure = relevanceTask.failure;
            relevanceTask.set(null, 0, 0, 1, null, null, null);
        }
        if (failure != null) {
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

    /**
     * The workers' groups, created by the first {@link #relevance} call ({@link #explain} never needs them): of
     * {@code groupSize} members, or of 1 where that many workspaces per thread would take more than a quarter of the
     * heap (a long input can need megabytes per workspace).
     */
    private Explainer.Group[] groups() {
        if (groups == null) {
            long bytes = explainer.network().workspaceFloats() * Float.BYTES * groupSize * gang.threads();
            int size = bytes <= Runtime.getRuntime().maxMemory() / 4 ? groupSize : 1;
            Explainer.Group[] created = new Explainer.Group[gang.threads()];
            for (int i = 0; i < created.length; i++) {
                created[i] = explainer.newGroup(size);
            }
            groups = created;
        }
        return groups;
    }

    private static int ceilDiv(int a, int b) {
        return (a + b - 1) / b;
    }

    /** Index {@code k} of the gang explains sequences {@code [k·groupSize, (k+1)·groupSize)} of the call, as a group. */
    private final class RelevanceTask implements WorkerGang.Task {
        private int[][] sequences;
        private int from;
        private int count;
        private int groupSize;
        private ExplainOptions options;
        private int[] targets;
        private double[][] relevance;
        /** The failure of the lowest failing group (its first bad sequence); guarded by this task's monitor. */
        private RuntimeException failure;
        private int failureIndex = Integer.MAX_VALUE;

        void set(int[][] sequences, int from, int count, int groupSize, ExplainOptions options, int[] targets,
                 double[][] relevance) {
            this.sequences = sequences;
            this.from = from;
            this.count = count;
            this.groupSize = groupSize;
            this.options = options;
            this.targets = targets;
            this.relevance = relevance;
            this.failure = null;
            this.failureIndex = Integer.MAX_VALUE;
        }

        @Override
        public void run(int index, int worker) {
            int first = index * groupSize;
            try {
                explainer.explainInto(groups[worker], Math.min(groupSize, count - first), sequences, from + first,
                        options, targets, relevance, first);
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
