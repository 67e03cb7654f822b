package org.jlrp.runtime.explain;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.function.Function;
import org.jlrp.kernels.KernelProvider;
import org.jlrp.kernels.Kernels;
import org.jlrp.runtime.JlrpException;
import org.jlrp.runtime.text.TextVectorizer;
import org.jlrp.runtime.internal.graph.ExecutionPlan;
import org.jlrp.runtime.internal.graph.GradientRule;
import org.jlrp.runtime.internal.graph.Network;
import org.jlrp.runtime.internal.graph.NetworkBuilder;
import org.jlrp.runtime.internal.graph.RulePlan;
import org.jlrp.runtime.internal.graph.Workspace;
import org.jlrp.runtime.internal.graph.WorkspaceGroup;
import org.jlrp.runtime.internal.load.ModelLoader;
import org.jlrp.runtime.internal.model.Activation;
import org.jlrp.runtime.internal.model.ModelSpec;

/**
 * Explains a text model's predictions: per-token relevance for the logit of a target class, by LRP (per-layer rules,
 * a {@link Composite}) or by one of the cross-check {@link Method}s.
 *
 * <pre>{@code
 * Explainer explainer = Explainer.load(Path.of("model.h5"));
 * Explanation e = explainer.explain(tokenIds);
 * double[] perToken = e.relevance();
 * }</pre>
 *
 * <p><b>Thread safety.</b> An {@code Explainer} is immutable and may be shared by any number of threads. Each call
 * borrows a {@link Workspace} from an internal pool (creating one when none is free) and returns it afterwards, so
 * concurrent calls never share mutable state, and the result of a call does not depend on what runs beside it.
 */
public final class Explainer {

    /**
     * At most this many networks for other lengths are kept (a model without a fixed input length is built once per
     * length it is asked for); past it the cache starts afresh.
     */
    private static final int MAX_CACHED_LENGTHS = 64;

    /** The network at the model's length (for a model that reads any length: at length 1, for its facts). */
    private final Network network;
    /** The network at the model's length and its workspace pool: one instance, so the hot path allocates none. */
    private final Bound atModelLength;
    private final long foldBudgetBytes;
    /** A model without a fixed input length: its networks by length, built on demand. */
    private final Map<Integer, Bound> byLength = new ConcurrentHashMap<>();

    /** One network and the pools of workspaces and of workspace groups (up to {@link #GROUP} members) sized for it. */
    private record Bound(Network network, ConcurrentLinkedQueue<Workspace> pool,
                         ConcurrentLinkedQueue<WorkspaceGroup> groups) {

        Bound(Network network) {
            this(network, new ConcurrentLinkedQueue<>(), new ConcurrentLinkedQueue<>());
        }

        /**
         * As {@link #withWorkspace}, for a group of up to {@link #GROUP} workspaces: fewer where 16 would take more
         * than an eighth of the heap (one workspace may take a quarter), down to one.
         */
        <T> T withGroup(Function<WorkspaceGroup, T> work) {
            WorkspaceGroup group = groups.poll();
            if (group == null) {
                long fit = Runtime.getRuntime().maxMemory() / 8 / (network.workspaceFloats() * Float.BYTES);
                group = network.newWorkspaceGroup((int) Math.max(1, Math.min(GROUP, fit)));
            }
            try {
                return work.apply(group);
            } finally {
                groups.offer(group);
            }
        }

        /** Runs {@code work} on a workspace of this network borrowed from the pool, and returns it to the pool. */
        <T> T withWorkspace(Function<Workspace, T> work) {
            Workspace ws = pool.poll();
            if (ws == null) {
                ws = network.newWorkspace();
            }
            try {
                return work.apply(ws);
            } finally {
                pool.offer(ws);
            }
        }
    }

    private Explainer(Network network, long foldBudgetBytes) {
        this.network = network;
        this.atModelLength = new Bound(network);
        this.foldBudgetBytes = foldBudgetBytes;
    }

    /** The network and pool for sequences of {@code length} tokens (validated already). */
    private Bound bound(int length) {
        if (length == network.inputLength()) {
            return atModelLength;
        }
        if (network.model().fixedLength()) {
            throw new IllegalStateException("length " + length + " for a model of length " + network.inputLength());
        }
        Bound b = byLength.get(length);
        if (b == null) {
            if (byLength.size() >= MAX_CACHED_LENGTHS) {
                byLength.clear();
            }
            b = byLength.computeIfAbsent(length, n -> new Bound(
                    NetworkBuilder.build(network.model(), network.kernels(), foldBudgetBytes, n)));
        }
        return b;
    }

    /** The network a workspace was sized for. */
    private Network networkOf(Workspace ws) {
        return bound(ws.inputLength()).network();
    }

    /** Loads a full-model {@code .h5} or {@code .keras} file, with the kernels this JVM provides. */
    public static Explainer load(Path model) {
        return load(model, null);
    }

    /**
     * Loads a model.
     *
     * @param architecture the architecture JSON for a weights-only {@code .h5}; null otherwise
     */
    public static Explainer load(Path model, Path architecture) {
        return of(ModelLoader.load(model, architecture), KernelProvider.get());
    }

    /** An explainer for an already loaded model (see {@link ModelLoader}), on the given kernels. */
    public static Explainer of(ModelSpec model, Kernels kernels) {
        return of(model, kernels, Network.defaultFoldBudgetBytes());
    }

    /**
     * An explainer whose plan folds the Embedding into the first Conv1D layers when the tables fit
     * {@code foldBudgetBytes} (0: never fold). See {@link Network#foldingPlanned()}.
     */
    public static Explainer of(ModelSpec model, Kernels kernels, long foldBudgetBytes) {
        return new Explainer(NetworkBuilder.build(model, kernels, foldBudgetBytes), foldBudgetBytes);
    }

    /**
     * The bound graph: internal, with no compatibility promise (for {@code jlrp info} and the tests). For a model
     * without a fixed input length, the graph built for one token (see {@link #network(int)}).
     */
    public Network network() {
        return network;
    }

    /** The bound graph for sequences of {@code length} tokens (built and cached on first use). */
    public Network network(int length) {
        if (length < 1 || fixedLength() && length != inputLength()) {
            throw new JlrpException("the model reads " + (fixedLength() ? inputLength() + " tokens"
                    : "sequences of at least 1 token") + ", not " + length);
        }
        return bound(length).network();
    }

    /**
     * The model's own text → ids layer (a Keras {@code TextVectorization} first layer), whose output the explained
     * ids are; empty when the model reads token ids and texts need a tokenizer.
     */
    public java.util.Optional<TextVectorizer> textVectorizer() {
        return java.util.Optional.ofNullable(network.model().textInput());
    }

    /**
     * The number of token ids the model reads: every sequence is padded or truncated to it; -1 when the model reads
     * sequences of any length (a recurrent model whose file states none), which are explained as they are.
     */
    public int inputLength() {
        return fixedLength() ? network.inputLength() : ModelSpec.ANY_LENGTH;
    }

    /** Whether the model reads a fixed number of token ids (see {@link #inputLength()}). */
    public boolean fixedLength() {
        return network.model().fixedLength();
    }

    /** The token ids the model accepts are {@code [0, vocabularySize())}. */
    public int vocabularySize() {
        return network.vocabularySize();
    }

    /** Whether the model ends in one sigmoid unit: a binary classifier whose logit says class 1 when {@code ≥ 0}. */
    public boolean singleSigmoidOutput() {
        return network.outputSize() == 1 && network.strippedActivation() == Activation.SIGMOID;
    }

    /** The number of logits (classes; 1 for a single sigmoid unit). */
    public int outputSize() {
        return network.outputSize();
    }

    /** Explains the predicted class with the default ε-rule. */
    public Explanation explain(int[] tokens) {
        return explain(tokens, ExplainOptions.DEFAULT).get(0);
    }

    /**
     * Explains one sequence: one explanation, or one per class for {@link Target#all()}.
     *
     * @param tokens exactly {@link Network#inputLength()} token ids, each in {@code [0, vocabulary)}
     * @throws JlrpException naming the position and value of a bad token id, or a non-finite result
     */
    public List<Explanation> explain(int[] tokens, ExplainOptions options) {
        return explainSequence(0, tokens, options);
    }

    /**
     * Explains each sequence of a batch; the results are ordered by sequence, then class. Sequences are explained one
     * after another on the calling thread.
     */
    public List<Explanation> explainAll(List<int[]> sequences, ExplainOptions options) {
        List<Explanation> out = new ArrayList<>();
        for (int i = 0; i < sequences.size(); i++) {
            out.addAll(explainSequence(i, sequences.get(i), options));
        }
        return out;
    }

    /**
     * The logits of one sequence, optionally with some positions' embedding vectors set to zero (a "deleted" token
     * that is not the padding token).
     *
     * @param zeroed per position, whether to zero its embedding vector; null for none
     */
    public float[] logits(int[] tokens, boolean[] zeroed) {
        validate(0, tokens);
        Bound bound = bound(tokens.length);
        Network network = bound.network();
        return bound.withWorkspace(ws -> {
            network.forward(ws, tokens);
            if (zeroed != null) {
                float[] embedded = network.embeddingOutput(ws).clone();
                int dim = network.embeddingDim();
                for (int t = 0; t < tokens.length; t++) {
                    if (zeroed[t]) {
                        java.util.Arrays.fill(embedded, t * dim, (t + 1) * dim, 0f);
                    }
                }
                network.forwardEmbedded(ws, embedded);
            }
            return network.logits(ws).clone();
        });
    }

    /**
     * Explains each sequence of a batch on {@code threads} threads; the results are those of
     * {@link #explainAll(List, ExplainOptions)}, bit for bit, whatever the thread count. For repeated batches keep a
     * {@link BatchEngine} instead: this starts and stops its threads on every call.
     */
    public List<Explanation> explainBatch(List<int[]> sequences, ExplainOptions options, int threads) {
        if (threads <= 1 || sequences.size() <= 1) {
            return explainAll(sequences, options);
        }
        try (BatchEngine engine = new BatchEngine(this, Math.min(threads, sequences.size()))) {
            return engine.explain(sequences, options);
        }
    }

    private List<Explanation> explainSequence(int sequence, int[] tokens, ExplainOptions options) {
        validate(sequence, tokens);
        return bound(tokens.length).withWorkspace(ws -> explainSequence(sequence, tokens, options, ws));
    }

    /**
     * Allocation-free path of the batch engine and the benchmark: forward, the relevance pass for one target (the
     * predicted class or a fixed index; not {@code all}), per-token relevance into {@code relevance}. The checks are
     * those of {@link #explain}: valid tokens in, finite logits and relevance out.
     *
     * @return the explained class
     */
    int explainInto(Workspace ws, int sequence, int[] tokens, ExplainOptions options, double[] relevance) {
        requireLrp(options);
        validate(sequence, tokens);
        if (ws.inputLength() != tokens.length) { // a model of any length: the workspace of this length's network
            return bound(tokens.length).withWorkspace(own -> explainInto(own, sequence, tokens, options, relevance));
        }
        Network network = networkOf(ws);
        RulePlan rules = network.rulePlan(options.rules());
        ExecutionPlan plan = network.planFor(rules, options.embeddingRelevance());
        float[] logits = forward(network, plan, ws, sequence, tokens);
        int target = explainedTarget(options.target(), logits);
        lrp(network, plan, rules, ws, sequence, target, logits[target], relevance);
        return target;
    }

    /**
     * {@link #explainInto(Workspace, int, int[], ExplainOptions, double[])} for {@code sequences[from + g]},
     * {@code g < count}, run together on the members of {@code group} (Dense weights are then read once for the
     * group): writes the explained class to {@code targets[at + g]} and the per-token relevance to
     * {@code relevance[at + g]}. Each result is the single call's, bit for bit. Rules other than ε run sequence by
     * sequence: they have no group products.
     *
     * @param count at most the group's size
     * @throws JlrpException for the first bad sequence (numbered {@code from + g}); nothing is explained then
     */
    void explainInto(Group group, int count, int[][] sequences, int from, ExplainOptions options, int[] targets,
                     double[][] relevance, int at) {
        requireLrp(options);
        for (int g = 0; g < count; g++) {
            validate(from + g, sequences[from + g]);
        }
        WorkspaceGroup members = group.workspaces;
        RulePlan rules = network.rulePlan(options.rules());
        if (!rules.allEpsilon() || !fixedLength()) { // a model of any length: its sequences may differ in length
            for (int g = 0; g < count; g++) {
                targets[at + g] = explainInto(members.member(g), from + g, sequences[from + g], options,
                        relevance[at + g]);
            }
            return;
        }
        ExecutionPlan plan = network.planFor(rules, options.embeddingRelevance());
        network.forward(plan, members, count, sequences, from);
        for (int g = 0; g < count; g++) {
            float[] logits = network.logits(members.member(g));
            checkFinite(from + g, logits);
            int target = explainedTarget(options.target(), logits);
            group.targets[g] = target;
            group.initial[g] = logits[target];
        }
        network.backward(plan, members, count, group.targets, group.initial, rules);
        for (int g = 0; g < count; g++) {
            network.tokenRelevance(plan, members.member(g), relevance[at + g]);
            checkFinite(from + g, relevance[at + g]);
            targets[at + g] = group.targets[g];
        }
    }

    /** The forward pass under a plan; refuses non-finite logits. Returns a view into the workspace. */
    private static float[] forward(Network network, ExecutionPlan plan, Workspace ws, int sequence, int[] tokens) {
        network.forward(plan, ws, tokens);
        float[] logits = network.logits(ws);
        checkFinite(sequence, logits);
        return logits;
    }

    /**
     * The LRP relevance pass for one target after {@link #forward} under the same plan, summed per token into
     * {@code relevance}; refuses non-finite relevance. The one LRP core of every path.
     */
    private static void lrp(Network network, ExecutionPlan plan, RulePlan rules, Workspace ws, int sequence,
                            int target, float logit, double[] relevance) {
        network.backward(plan, ws, target, logit, rules);
        network.tokenRelevance(plan, ws, relevance);
        checkFinite(sequence, relevance);
    }

    private static void checkFinite(int sequence, float[] logits) {
        for (int i = 0; i < logits.length; i++) {
            if (!Float.isFinite(logits[i])) {
                throw new JlrpException("sequence " + sequence + ": logit " + i + " is not finite (" + logits[i]
                        + ")");
            }
        }
    }

    private static void checkFinite(int sequence, double[] relevance) {
        for (int t = 0; t < relevance.length; t++) {
            if (!Double.isFinite(relevance[t])) {
                throw new JlrpException("sequence " + sequence + ": relevance at position " + t + " is not finite ("
                        + relevance[t] + "); try a larger --eps");
            }
        }
    }

    /** Buffers for explaining up to {@code size} sequences together on one thread. */
    Group newGroup(int size) {
        return new Group(network.newWorkspaceGroup(size));
    }

    /** A {@link WorkspaceGroup} and, per member, where its relevance pass starts: the class and its logit. */
    static final class Group {
        final WorkspaceGroup workspaces;
        final int[] targets;
        final float[] initial;

        private Group(WorkspaceGroup workspaces) {
            this.workspaces = workspaces;
            this.targets = new int[workspaces.size()];
            this.initial = new float[workspaces.size()];
        }
    }

    private static void requireLrp(ExplainOptions options) {
        if (options.method() != Method.LRP) {
            throw new IllegalArgumentException("explainInto runs LRP only, not " + options.method().cliName());
        }
    }

    /** The one class explained for a target other than {@code all}: the predicted one or a fixed index. */
    private static int explainedTarget(Target target, float[] logits) {
        if (target.isAll()) {
            throw new IllegalArgumentException("explainInto explains one target; use explain for target all");
        }
        if (target.isPred()) {
            int best = 0;
            for (int i = 1; i < logits.length; i++) {
                if (logits[i] > logits[best]) {
                    best = i;
                }
            }
            return best;
        }
        if (target.index() >= logits.length) {
            throw new JlrpException("target class " + target.index() + " is out of range: the model has "
                    + logits.length + " output" + (logits.length == 1 ? "" : "s"));
        }
        return target.index();
    }

    /** One sequence on a workspace the caller owns (validated already). */
    List<Explanation> explainSequence(int sequence, int[] tokens, ExplainOptions options, Workspace ws) {
        if (ws.inputLength() != tokens.length) { // a model of any length: the workspace of this length's network
            return bound(tokens.length).withWorkspace(own -> explainSequence(sequence, tokens, options, own));
        }
        Network network = networkOf(ws);
        RulePlan rules = options.method() == Method.LRP ? network.rulePlan(options.rules()) : null;
        ExecutionPlan plan = network.planFor(options.method(), rules, options.embeddingRelevance());
        float[] logits = forward(network, plan, ws, sequence, tokens).clone();
        float[] probabilities = probabilities(logits);
        int[] targets = targets(options.target(), logits);
        // The perturbation methods' passes give every class's logit at once: one set of passes for all targets.
        if (options.method() == Method.OCCLUSION) {
            return occlusion(network, plan, ws, sequence, tokens, logits, probabilities, targets, options);
        }
        if (options.method() == Method.SHAPLEY) {
            return shapley(network, plan, ws, sequence, tokens, logits, probabilities, targets, options);
        }
        List<Explanation> out = new ArrayList<>();
        for (int target : targets) {
            out.add(explainTarget(network, ws, plan, rules, sequence, tokens, logits, probabilities, target,
                    options));
        }
        return out;
    }

    private Explanation explainTarget(Network network, Workspace ws, ExecutionPlan plan, RulePlan rules, int sequence, int[] tokens,
                                      float[] logits, float[] probabilities, int target, ExplainOptions options) {
        float logit = logits[target];
        int dim = network.embeddingDim();
        double[] perToken = new double[tokens.length];
        // The [T][D] map each method leaves, or null when the LRP pass was folded and produced per-token relevance
        // directly.
        float[] map = null;
        double baselineLogit = Double.NaN;
        boolean norm;
        switch (options.method()) {
            case LRP -> {
                lrp(network, plan, rules, ws, sequence, target, logit, perToken);
                if (!plan.isFolded()) {
                    map = network.embeddingRelevance(ws);
                }
            }
            case GRADIENT -> {
                network.gradient(plan, ws, target, GradientRule.GRADIENT, null);
                map = network.embeddingRelevance(ws);
            }
            case GRADIENT_INPUT -> {
                if (plan.isFolded()) { // the folded nodes sum gradient × input per token
                    network.gradientTimesInput(plan, ws, target);
                    network.tokenRelevance(plan, ws, perToken);
                    checkFinite(sequence, perToken);
                } else {
                    network.gradient(ws, target);
                    map = network.embeddingRelevance(ws).clone();
                    float[] e = network.embeddingOutput(ws);
                    for (int i = 0; i < map.length; i++) {
                        map[i] *= e[i];
                    }
                }
            }
            case INTEGRATED_GRADIENTS -> {
                if (plan.isFolded()) { // every path point from two table sums per Conv1D; per token directly
                    baselineLogit = network.integratedGradients(plan, ws, tokens,
                            baselineIds(options, tokens.length), target, options.steps());
                    network.tokenRelevance(plan, ws, perToken);
                    checkFinite(sequence, perToken);
                    network.forward(plan, ws, tokens); // the workspace holds this input's forward pass again
                } else {
                    float[] baseline = baseline(network, options);
                    map = integratedGradients(network, ws, target, baseline, options.steps());
                    network.forwardEmbedded(ws, baseline);
                    baselineLogit = network.logits(ws)[target];
                    network.forward(ws, tokens); // the workspace holds this input's forward pass again
                }
            }
            case DEEPLIFT -> {
                if (plan.isFolded()) { // the multipliers at each Conv1D's z go back through the tables per token
                    int[] baselineTokens = baselineIds(options, tokens.length);
                    baselineLogit = bound(tokens.length).withWorkspace(ref ->
                            network.deepLift(plan, ws, ref, tokens, baselineTokens, target));
                    network.tokenRelevance(plan, ws, perToken);
                    checkFinite(sequence, perToken);
                    break;
                }
                float[] baseline = baseline(network, options);
                float[] input = network.embeddingOutput(ws);
                double[] reference = new double[1];
                map = bound(tokens.length).withWorkspace(ref -> {
                    network.forward(ref, tokens); // the token ids too: a masking Embedding reads them
                    network.forwardEmbedded(ref, baseline);
                    reference[0] = network.logits(ref)[target];
                    network.gradient(ws, target, GradientRule.RESCALE, ref);
                    float[] contributions = network.embeddingRelevance(ws).clone();
                    for (int i = 0; i < contributions.length; i++) {
                        contributions[i] = (float) (contributions[i] * ((double) input[i] - baseline[i]));
                    }
                    return contributions;
                });
                baselineLogit = reference[0];
            }
            case SMOOTHGRAD -> {
                map = smoothGrad(network, ws, target, options);
                network.forward(ws, tokens); // the workspace holds this input's forward pass again
            }
            case GUIDED_BACKPROP, DECONVNET -> {
                network.gradient(plan, ws, target, options.method() == Method.GUIDED_BACKPROP
                        ? GradientRule.GUIDED_BACKPROP : GradientRule.DECONVNET, null);
                map = network.embeddingRelevance(ws);
            }
            default -> throw new IllegalStateException("unhandled method " + options.method());
        }
        if (options.method() != Method.LRP && map != null) { // else the pass gave per-token relevance itself
            norm = options.method().reportsNorms();
            for (int t = 0; t < tokens.length; t++) {
                double r = 0;
                for (int d = 0; d < dim; d++) {
                    double v = map[t * dim + d];
                    r += norm ? v * v : v;
                }
                perToken[t] = norm ? Math.sqrt(r) : r;
            }
            checkFinite(sequence, perToken);
        }
        double sum = 0;
        double padding = 0;
        for (int t = 0; t < tokens.length; t++) {
            double r = perToken[t];
            sum += r;
            if (tokens[t] == options.padId()) {
                padding += r;
            }
        }
        return new Explanation(sequence, target, logits, probabilities, logit, tokens.clone(), perToken,
                options.embeddingRelevance() ? map.clone() : null, dim, padding, sum, logit - sum, baselineLogit);
    }

    /**
     * The baseline of Integrated Gradients and DeepLIFT on the folded plan, as token ids: the pad id everywhere, or
     * null for the zero baseline (no token's).
     */
    private int[] baselineIds(ExplainOptions options, int length) {
        if (options.baseline() != Method.Baseline.PADDING) {
            return null;
        }
        int[] ids = new int[length];
        Arrays.fill(ids, checkedPadId(options));
        return ids;
    }

    /**
     * The baseline of Integrated Gradients and DeepLIFT at the Embedding output: the padding row everywhere, or
     * zeros.
     */
    private float[] baseline(Network network, ExplainOptions options) {
        int dim = network.embeddingDim();
        float[] baseline = new float[network.inputLength() * dim];
        if (options.baseline() == Method.Baseline.PADDING) {
            int pad = checkedPadId(options);
            float[] table = network.embeddingTable();
            for (int t = 0; t < network.inputLength(); t++) {
                System.arraycopy(table, pad * dim, baseline, t * dim, dim);
            }
        }
        return baseline;
    }

    /**
     * {@code (e − e')·(1/m) Σ_{k=1..m} ∇ logit(e' + k/m (e − e'))}: the right Riemann sum of Sundararajan et al.
     * Requires the forward pass of the input; leaves the workspace on the last path point.
     */
    private static float[] integratedGradients(Network network, Workspace ws, int target, float[] baseline, int steps) {
        float[] input = network.embeddingOutput(ws).clone();
        int n = input.length;
        float[] point = new float[n];
        double[] sum = new double[n];
        for (int k = 1; k <= steps; k++) {
            double alpha = (double) k / steps;
            for (int i = 0; i < n; i++) {
                point[i] = (float) (baseline[i] + alpha * (input[i] - baseline[i]));
            }
            addGradientAt(network, ws, point, target, sum);
        }
        float[] map = new float[n];
        for (int i = 0; i < n; i++) {
            map[i] = (float) ((input[i] - (double) baseline[i]) * sum[i] / steps);
        }
        return map;
    }

    /** {@code sum += ∂logit/∂e} at the Embedding output {@code point} (the workspace is left on that point). */
    private static void addGradientAt(Network network, Workspace ws, float[] point, int target, double[] sum) {
        network.forwardEmbedded(ws, point);
        network.gradient(ws, target);
        float[] g = network.embeddingRelevance(ws);
        for (int i = 0; i < sum.length; i++) {
            sum[i] += g[i];
        }
    }

    /**
     * SmoothGrad: the mean gradient over {@code samples} noisy copies of the Embedding output. The noise of copy k is
     * {@code σ · nextGaussian()} of one {@link Random} seeded with the options' seed, drawn in copy order and, within
     * a copy, in the order of the flat {@code [T][D]} map; {@code σ = noiseLevel · (max − min)} of the output.
     * Requires the forward pass of the input; leaves the workspace on the last noisy copy.
     */
    private static float[] smoothGrad(Network network, Workspace ws, int target, ExplainOptions options) {
        float[] input = network.embeddingOutput(ws).clone();
        int n = input.length;
        float min = Float.POSITIVE_INFINITY;
        float max = Float.NEGATIVE_INFINITY;
        for (float v : input) {
            min = Math.min(min, v);
            max = Math.max(max, v);
        }
        double sigma = options.noiseLevel() * ((double) max - min);
        Random random = new Random(options.seed());
        float[] noisy = new float[n];
        double[] sum = new double[n];
        for (int k = 0; k < options.samples(); k++) {
            for (int i = 0; i < n; i++) {
                noisy[i] = (float) (input[i] + sigma * random.nextGaussian());
            }
            addGradientAt(network, ws, noisy, target, sum);
        }
        float[] map = new float[n];
        for (int i = 0; i < n; i++) {
            map[i] = (float) (sum[i] / options.samples());
        }
        return map;
    }

    /** At most this many of the perturbation methods' inputs (coalitions, occluded copies) run together. */
    private static final int GROUP = 16;

    /**
     * The forward passes of {@code inputs[0…count)} ({@code count ≤} the group's size) together on a group under
     * {@code plan} (bit for bit the single passes): member {@code g}'s logit {@code targets[i]} into
     * {@code out[g][i]}; refuses a non-finite logit.
     */
    private static void targetLogits(Network network, ExecutionPlan plan, WorkspaceGroup group, int sequence,
                                     int[][] inputs, int count, int[] targets, float[][] out) {
        network.forward(plan, group, count, inputs, 0);
        for (int g = 0; g < count; g++) {
            float[] logits = network.logits(group.member(g));
            checkFinite(sequence, logits);
            for (int i = 0; i < targets.length; i++) {
                out[g][i] = logits[targets[i]];
            }
        }
    }

    /**
     * Shapley value sampling over the non-padding positions. Sample s draws an order of the players by a Fisher–Yates
     * shuffle ({@link Random#nextInt(int)} from the last position down) of one {@link Random} seeded with the options'
     * seed, continuing from the previous sample's order; it then adds the players in that order to the all-padding
     * input. On a folded Conv1D → pool → Dense chain each coalition's pass is the previous one's, updated where the
     * added token reaches ({@link Network#tokenEdits}); otherwise the coalitions of a sample run through the network
     * in groups (bit for bit the single passes). The empty and the full coalition run once for all samples, and
     * every pass serves all {@code targets}. Each sample's marginal changes telescope, so Σ R is
     * {@code logit(x) − logit(all padding)} for every sample.
     */
    private List<Explanation> shapley(Network network, ExecutionPlan plan, Workspace ws, int sequence, int[] tokens,
                                      float[] logits, float[] probabilities, int[] targets, ExplainOptions options) {
        int pad = checkedPadId(options);
        int length = tokens.length;
        int classes = targets.length;
        int players = 0;
        int[] order = new int[length];
        for (int t = 0; t < length; t++) {
            if (tokens[t] != pad) {
                order[players++] = t;
            }
        }
        int[] empty = new int[length];
        java.util.Arrays.fill(empty, pad);
        network.forward(plan, ws, empty);
        checkFinite(sequence, network.logits(ws));
        float[] emptyLogits = new float[classes];
        for (int i = 0; i < classes; i++) {
            emptyLogits[i] = network.logits(ws)[targets[i]];
        }
        double[][] shapley = new double[classes][length];
        double[] previous = new double[classes];
        Network.TokenEdits edits = players > 0 ? network.tokenEdits(plan, ws, empty) : null;
        if (edits != null) {
            Random random = new Random(options.seed());
            for (int s = 0; s < options.samples(); s++) {
                shuffle(order, players, random);
                edits.reset();
                for (int i = 0; i < classes; i++) {
                    previous[i] = emptyLogits[i];
                }
                for (int k = 1; k < players; k++) { // coalition k: the first k players of the order present
                    int t = order[k - 1];
                    float[] out = edits.logits(t, tokens[t], true);
                    checkFinite(sequence, out);
                    for (int i = 0; i < classes; i++) {
                        shapley[i][t] += out[targets[i]] - previous[i];
                        previous[i] = out[targets[i]];
                    }
                }
                for (int i = 0; i < classes; i++) {
                    shapley[i][order[players - 1]] += logits[targets[i]] - previous[i];
                }
            }
        } else if (players > 0) {
            int playerCount = players;
            bound(length).withGroup(group -> {
                int size = group.size();
                Random random = new Random(options.seed());
                int[][] coalitions = new int[size][length];
                float[][] out = new float[size][classes];
                int[] coalition = new int[length];
                for (int s = 0; s < options.samples(); s++) {
                    shuffle(order, playerCount, random);
                    System.arraycopy(empty, 0, coalition, 0, length);
                    for (int i = 0; i < classes; i++) {
                        previous[i] = emptyLogits[i];
                    }
                    // Coalitions 1 … players−1 (the first k players of the order present); the last is the input.
                    for (int k = 1; k < playerCount; k += size) {
                        int count = Math.min(size, playerCount - k);
                        for (int g = 0; g < count; g++) {
                            int t = order[k - 1 + g];
                            coalition[t] = tokens[t];
                            System.arraycopy(coalition, 0, coalitions[g], 0, length);
                        }
                        targetLogits(network, plan, group, sequence, coalitions, count, targets, out);
                        for (int g = 0; g < count; g++) {
                            int t = order[k - 1 + g];
                            for (int i = 0; i < classes; i++) {
                                shapley[i][t] += out[g][i] - previous[i];
                                previous[i] = out[g][i];
                            }
                        }
                    }
                    for (int i = 0; i < classes; i++) {
                        shapley[i][order[playerCount - 1]] += logits[targets[i]] - previous[i];
                    }
                }
                return null;
            });
        }
        network.forward(plan, ws, tokens); // the workspace holds this input's forward pass again
        if (players > 0) {
            for (double[] values : shapley) {
                for (int t = 0; t < length; t++) {
                    values[t] /= options.samples();
                }
            }
        }
        return perTarget(network, sequence, targets, tokens, logits, probabilities, shapley, emptyLogits);
    }

    /** A Fisher–Yates shuffle of {@code order[0…n)}: {@link Random#nextInt(int)} from the last position down. */
    private static void shuffle(int[] order, int n, Random random) {
        for (int i = n - 1; i > 0; i--) {
            int j = random.nextInt(i + 1);
            int swap = order[i];
            order[i] = order[j];
            order[j] = swap;
        }
    }

    /**
     * Per position, the logit drop when that token alone becomes the pad id; 0 at padding positions. On a folded
     * Conv1D → pool → Dense chain each occluded input's pass is the input's, updated where the token reaches
     * ({@link Network#tokenEdits}); otherwise the occluded inputs run through the network in groups, bit for bit the
     * single passes. Every pass serves all {@code targets}.
     */
    private List<Explanation> occlusion(Network network, ExecutionPlan plan, Workspace ws, int sequence,
                                        int[] tokens, float[] logits, float[] probabilities, int[] targets,
                                        ExplainOptions options) {
        int pad = checkedPadId(options);
        int length = tokens.length;
        int classes = targets.length;
        double[][] drop = new double[classes][length];
        int[] positions = new int[length];
        int occluded = 0;
        for (int t = 0; t < length; t++) {
            if (tokens[t] != pad) {
                positions[occluded++] = t;
            }
        }
        int total = occluded;
        Network.TokenEdits edits = network.tokenEdits(plan, ws, tokens);
        if (edits != null) {
            for (int p = 0; p < total; p++) {
                int t = positions[p];
                float[] out = edits.logits(t, pad, false);
                checkFinite(sequence, out);
                for (int i = 0; i < classes; i++) {
                    drop[i][t] = (double) logits[targets[i]] - out[targets[i]];
                }
            }
            edits.restore();
        } else {
            bound(length).withGroup(group -> {
                int size = group.size();
                int[][] inputs = new int[size][];
                for (int g = 0; g < size; g++) {
                    inputs[g] = tokens.clone();
                }
                float[][] out = new float[size][classes];
                for (int first = 0; first < total; first += size) {
                    int count = Math.min(size, total - first);
                    for (int g = 0; g < count; g++) {
                        inputs[g][positions[first + g]] = pad;
                    }
                    targetLogits(network, plan, group, sequence, inputs, count, targets, out);
                    for (int g = 0; g < count; g++) {
                        int t = positions[first + g];
                        for (int i = 0; i < classes; i++) {
                            drop[i][t] = (double) logits[targets[i]] - out[g][i];
                        }
                        inputs[g][t] = tokens[t];
                    }
                }
                return null;
            });
        }
        return perTarget(network, sequence, targets, tokens, logits, probabilities, drop, null);
    }

    /**
     * One explanation per target from the perturbation methods' per-token values (occlusion's logit drops, Shapley
     * values), with Σ R and the rest of each target's logit; {@code baselineLogits}, per target, or null for none.
     */
    private static List<Explanation> perTarget(Network network, int sequence, int[] targets, int[] tokens,
                                               float[] logits, float[] probabilities, double[][] values,
                                               float[] baselineLogits) {
        List<Explanation> explanations = new ArrayList<>();
        for (int i = 0; i < targets.length; i++) {
            double sum = 0;
            for (double v : values[i]) {
                sum += v;
            }
            float logit = logits[targets[i]];
            explanations.add(new Explanation(sequence, targets[i], logits, probabilities, logit, tokens.clone(),
                    values[i], null, network.embeddingDim(), 0, sum, logit - sum,
                    baselineLogits == null ? Double.NaN : baselineLogits[i]));
        }
        return explanations;
    }

    private int checkedPadId(ExplainOptions options) {
        if (options.padId() < 0 || options.padId() >= network.vocabularySize()) {
            throw new JlrpException("pad id " + options.padId() + " is out of range [0, " + network.vocabularySize()
                    + ") of the embedding, and " + options.method().cliName() + " replaces tokens by it");
        }
        return options.padId();
    }

    private static int[] targets(Target target, float[] logits) {
        if (target.isAll()) {
            int[] all = new int[logits.length];
            for (int i = 0; i < all.length; i++) {
                all[i] = i;
            }
            return all;
        }
        return new int[]{explainedTarget(target, logits)};
    }

    /**
     * The model's stripped final activation applied to {@code logits} (softmax or sigmoid), as in
     * {@link Explanation#probabilities()}; null when the model has none. For predictions without a relevance pass
     * ({@link #logits}).
     */
    public float[] probabilities(float[] logits) {
        Activation stripped = network.strippedActivation();
        if (stripped == Activation.SIGMOID) {
            float[] p = new float[logits.length];
            for (int i = 0; i < p.length; i++) {
                p[i] = (float) (1 / (1 + Math.exp(-(double) logits[i])));
            }
            return p;
        }
        if (stripped == Activation.SOFTMAX) {
            double max = Double.NEGATIVE_INFINITY;
            for (float l : logits) {
                max = Math.max(max, l);
            }
            double total = 0;
            double[] e = new double[logits.length];
            for (int i = 0; i < e.length; i++) {
                e[i] = Math.exp(logits[i] - max);
                total += e[i];
            }
            float[] p = new float[logits.length];
            for (int i = 0; i < p.length; i++) {
                p[i] = (float) (e[i] / total);
            }
            return p;
        }
        return null;
    }

    /**
     * Checks that {@code tokens} can be explained: not empty, of the model's length (when fixed), every id in
     * {@code [0, vocabularySize())}. A service checks each request before batching it with others.
     *
     * @param sequence the number that names the sequence in the message
     * @throws JlrpException one line naming the sequence, and the position and value of a bad id
     */
    public void validate(int sequence, int[] tokens) {
        if (tokens == null || tokens.length == 0) {
            throw new JlrpException("sequence " + sequence + " is empty");
        }
        if (fixedLength() && tokens.length != network.inputLength()) {
            throw new JlrpException("sequence " + sequence + " has " + tokens.length + " tokens; the model reads "
                    + network.inputLength() + " (pad or truncate it first)");
        }
        int vocabulary = network.vocabularySize();
        for (int t = 0; t < tokens.length; t++) {
            if (tokens[t] < 0 || tokens[t] >= vocabulary) {
                throw new JlrpException("sequence " + sequence + ", position " + t + ": token id " + tokens[t]
                        + " is out of range [0, " + vocabulary + ")");
            }
        }
    }
}
