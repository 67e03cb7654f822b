package org.jlrp.runtime.internal.graph;

import java.util.List;
import org.jlrp.kernels.Kernels;
import org.jlrp.runtime.explain.Rule;
import org.jlrp.runtime.internal.model.Activation;
import org.jlrp.runtime.internal.model.BidirectionalSpec.Merge;
import org.jlrp.runtime.internal.model.RecurrentSpec;
import org.jlrp.runtime.internal.model.RecurrentSpec.Kind;

/**
 * LSTM, GRU and SimpleRNN layers, alone or as the two halves of a Bidirectional layer, with Keras's forward formulas
 * and the relevance rules of Arras et al. 2017 (the rule set's "Recurrent layers"): the linear maps use the ε-rule
 * the composite gives the layer ({@code lstm}, {@code gru}, {@code rnn} or its name; the bias inside z unless
 * {@code :ignore-bias}), the gates are signal-take-all (a gate is a constant weight and gets no relevance).
 * <pre>
 *   LSTM       c_t = f⊙c_{t−1} + i⊙g,  h_t = o⊙tanh(c_t)
 *              R(c_t) += R(h_t);  ε({f⊙c_{t−1}, i⊙g} → c_t) gives R(c_{t−1}), R(g);
 *              ε({x_t, h_{t−1}} → z_g, bias b_g) gives R(x_t) and R(h_{t−1})
 *   GRU        h_t = z⊙h_{t−1} + (1−z)⊙ĥ;  ε({z⊙h_{t−1}, (1−z)⊙ĥ} → h_t), then ε({x_t, h_{t−1}} → ĥ's pre-activation)
 *              with W_h and U_h on r⊙h_{t−1} (reset_after: r⊙U_h on h_{t−1}, r⊙b_rh inside z)
 *   SimpleRNN  ε({x_t, h_{t−1}} → z, bias b); the activation passes relevance through
 * </pre>
 * With a mask ({@code mask_zero} on the Embedding), a step whose token id is 0 carries the state over and passes all
 * relevance on to the previous state; its input gets none.
 *
 * <p>Each direction keeps, per step, its states, activated gates and candidate pre-activation in this layer's
 * pre-activation slot (layout in {@link Direction}); the per-step vectors the kernels read and write are scratch
 * arrays of the workspace. The per-step products run on the Dense kernels; the forward cells run in float (the
 * gates on the vector sigmoid and tanh, as Keras computes them), and the relevance pass combines its quotients in
 * double precision.
 */
final class RecurrentLayer extends Layer {

    private final Direction[] directions;
    /** How a Bidirectional layer merges its directions; null for a single layer. */
    private final Merge merge;
    private final boolean returnSequences;
    private final boolean masked;
    private final int steps;
    private final int in;
    private final int units;
    /** Output width per step (or of the vector): units, or 2·units for a concat merge. */
    private final int outWidth;
    private final int storage;

    /**
     * @param specs   one spec, or the forward and backward specs of a Bidirectional layer
     * @param merge   null for one spec
     * @param masked  whether token id 0 masks a step (an Embedding with mask_zero upstream)
     */
    RecurrentLayer(String name, String className, Layer input, List<RecurrentSpec> specs, Merge merge,
                   boolean masked) {
        super(name, className, List.of(input), shapeOf(input, specs.get(0), specs.size() == 2 ? merge : null));
        this.merge = specs.size() == 2 ? merge : null;
        this.returnSequences = specs.get(0).returnSequences();
        this.masked = masked;
        this.steps = input.shape.steps();
        this.in = input.shape.channels();
        this.units = specs.get(0).units();
        this.outWidth = this.merge == Merge.CONCAT ? 2 * units : units;
        this.directions = new Direction[specs.size()];
        int offset = 0;
        for (int d = 0; d < specs.size(); d++) {
            RecurrentSpec spec = specs.get(d);
            // In a Bidirectional layer the backward direction's outputs are put back in token order.
            boolean tokenOrder = specs.size() == 2;
            int outOffset = this.merge == Merge.CONCAT ? d * units : 0;
            directions[d] = new Direction(spec, steps, offset, tokenOrder, outOffset);
            offset += directions[d].size;
        }
        this.storage = offset;
    }

    private static Shape shapeOf(Layer input, RecurrentSpec spec, Merge merge) {
        int width = merge == Merge.CONCAT ? 2 * spec.units() : spec.units();
        return spec.returnSequences() ? Shape.sequence(input.shape.steps(), width) : Shape.vector(width);
    }

    @Override
    public long parameterCount() {
        long total = 0;
        for (Direction d : directions) {
            total += d.parameterCount();
        }
        return total;
    }

    /** Per step and direction, the input and recurrent kernels times their vectors. */
    @Override
    long multiplyAdds() {
        long total = 0;
        for (Direction d : directions) {
            total += (long) steps * (d.kernel.length + d.recurrentKernel.length);
        }
        return total;
    }

    /** The {@code --rule} type key of this layer's cells ({@code lstm}, {@code gru}, {@code rnn}). */
    String ruleKey() {
        return directions[0].kind.ruleKey();
    }

    @Override
    int preActivationSize() {
        return storage;
    }

    /** Whether the step at token position {@code pos} is masked. */
    private boolean maskedAt(Workspace ws, int pos) {
        return masked && ws.tokens[pos] == 0;
    }

    /**
     * Per direction, the input product folded into an Embedding table ({@code [vocabulary][G·u]}, without the bias)
     * for {@link FoldedRecurrent}.
     */
    float[][] foldTables(Kernels kernels, float[] embedding, int vocabulary) {
        float[][] tables = new float[directions.length][];
        for (int d = 0; d < directions.length; d++) {
            int g = directions[d].gates * units;
            tables[d] = new float[vocabulary * g];
            kernels.conv1dForward(embedding, vocabulary, in, directions[d].kernel, 1, g, null, 1, 1, 0, tables[d],
                    vocabulary);
        }
        return tables;
    }

    /** The bytes {@link #foldTables} takes for a vocabulary. */
    long foldedTableBytes(int vocabulary) {
        long total = 0;
        for (Direction d : directions) {
            total += (long) Float.BYTES * vocabulary * d.gates * units;
        }
        return total;
    }

    @Override
    void forward(Workspace ws, Kernels kernels) {
        forward(ws, kernels, null);
    }

    /** The forward pass; with {@code tables} ({@link #foldTables}), the input product is looked up per token. */
    void forward(Workspace ws, Kernels kernels, float[][] tables) {
        float[] x = tables == null ? ws.values[input().valueSlot] : null;
        float[] store = ws.preActivations[preSlot];
        for (int di = 0; di < directions.length; di++) {
            directions[di].forward(ws, kernels, x, store, tables == null ? null : tables[di]);
        }
        writeOutput(ws);
    }

    /** The recurrent kernels, read once per step for a whole group instead of once per member. */
    @Override
    long groupWeightBytes() {
        long total = 0;
        for (Direction d : directions) {
            total += (long) Float.BYTES * d.recurrentKernel.length;
        }
        return total;
    }

    @Override
    void forwardGroup(WorkspaceGroup group, int count, Kernels kernels) {
        forwardGroup(group, count, kernels, null);
    }

    /**
     * {@link #forward} on members {@code 0…count−1}: each step's {@code h·U} (and a GRU's {@code (r⊙h)·U_h}) runs
     * for the members the step does not mask as one {@link Kernels#denseForwardRows} product, whose rows are bit for
     * bit the single-member products, and the cell runs per member on the single pass's own code, so each member
     * ends up exactly as {@link #forward} alone leaves it.
     */
    void forwardGroup(WorkspaceGroup group, int count, Kernels kernels, float[][] tables) {
        if (count == 1) {
            forward(group.members[0], kernels, tables);
            return;
        }
        for (int di = 0; di < directions.length; di++) {
            directions[di].forwardGroup(group, count, kernels, tables == null ? null : tables[di]);
        }
        for (int m = 0; m < count; m++) {
            writeOutput(group.members[m]);
        }
    }

    @Override
    void backwardGroup(WorkspaceGroup group, int count, Kernels kernels, Rule rule) {
        backwardGroup(group, count, kernels, rule, null);
    }

    /**
     * {@link #backward} on members {@code 0…count−1}: the relevance pass runs backwards in time for all members at
     * once, each step's {@code s'·U_gᵀ} as one {@link Kernels#denseForwardRows} product over the members the step
     * does not mask (rows bit for bit the single pass's {@code denseForward}), the elementwise steps the single pass's
     * own, member by member.
     */
    void backwardGroup(WorkspaceGroup group, int count, Kernels kernels, Rule rule, float[][] tables) {
        if (count == 1) {
            backward(group.members[0], kernels, rule, tables);
            return;
        }
        for (int di = 0; di < directions.length; di++) {
            directions[di].backwardGroup(group, count, kernels, rule.eps(), rule.ignoreBias(), di,
                    tables == null ? null : tables[di]);
        }
    }

    /** The output from the directions' states: every step's state, or the last one; merged. */
    private void writeOutput(Workspace ws) {
        float[] out = ws.values[valueSlot];
        float[] store = ws.preActivations[preSlot];
        int count = returnSequences ? steps : 1;
        for (int k = 0; k < count; k++) {
            for (int di = 0; di < directions.length; di++) {
                Direction d = directions[di];
                int s = returnSequences ? d.stepOfOutput(k) : steps - 1;
                int h = d.hOffset + (s + 1) * units;
                int o = k * outWidth + d.outOffset;
                for (int j = 0; j < units; j++) {
                    float v = store[h + j];
                    if (merge == null || merge == Merge.CONCAT || di == 0) {
                        out[o + j] = v;
                    } else if (merge == Merge.SUM) {
                        out[o + j] += v;
                    } else {
                        out[o + j] = (float) (0.5 * ((double) out[o + j] + v));
                    }
                }
            }
        }
    }

    @Override
    void backward(Workspace ws, Kernels kernels, Rule rule) {
        backward(ws, kernels, rule, null);
    }

    /**
     * The relevance pass; with {@code tables} ({@link #foldTables}), into the workspace's per-token relevance instead
     * of the input's relevance slot.
     */
    void backward(Workspace ws, Kernels kernels, Rule rule, float[][] tables) {
        float[] rOut = ws.relevance[relevanceSlot];
        float[] store = ws.preActivations[preSlot];
        double eps = rule.eps();
        for (int di = 0; di < directions.length; di++) {
            directions[di].backward(ws, kernels, rOut, store, eps, rule.ignoreBias(), di,
                    tables == null ? null : tables[di]);
        }
    }

    /**
     * The exact gradient of the layer (backpropagation through time, through every gate): adds {@code ∂logit/∂x}
     * into the input's slot, given {@code ∂logit/∂output} in this layer's. A masked step passes the state's gradient
     * on unchanged and its input gets none.
     */
    @Override
    void gradient(Workspace ws, Kernels kernels) {
        float[] gOut = ws.relevance[relevanceSlot];
        float[] store = ws.preActivations[preSlot];
        for (Direction d : directions) {
            d.gradient(ws, kernels, gOut, store);
        }
    }

    /** The gradient arriving at a direction's state from output index {@code k}, unit {@code j}. */
    private double outputGradient(float[] gOut, Direction d, int k, int j) {
        double g = gOut[k * outWidth + d.outOffset + j];
        return merge == Merge.AVE ? 0.5 * g : g;
    }

    /** The relevance arriving at direction {@code di}'s state for output index {@code k}, unit {@code j}. */
    private double incoming(float[] rOut, float[] store, int di, int k, int j, double eps) {
        double r = rOut[k * outWidth + directions[di].outOffset + j];
        if (merge == null || merge == Merge.CONCAT || r == 0) {
            return r;
        }
        // sum / ave: the ε-rule on {h_f, h_b} → their (weighted) sum, with weights 1 or ½ (which cancel).
        double[] h = new double[2];
        for (int e = 0; e < 2; e++) {
            Direction d = directions[e];
            int s = returnSequences ? d.stepOfOutput(k) : steps - 1;
            h[e] = store[d.hOffset + (s + 1) * units + j];
        }
        double w = merge == Merge.AVE ? 0.5 : 1.0;
        double z = w * h[0] + w * h[1];
        return w * h[di] * r / (z + eps * (z >= 0 ? 1 : -1));
    }

    /** One direction: its weights and where its per-step values live in the pre-activation slot. */
    private final class Direction {
        final Kind kind;
        final int gates;
        final float[] kernel;          // [in][G·u]
        final float[] recurrentKernel; // [u][G·u]
        final float[] bias;            // [G·u] or null
        final float[] recurrentBias;   // [G·u] or null (GRU reset_after)
        /**
         * The product of h_{t−1} that every step starts with, {@code [u][stateWidth]}: U, all gates; for a GRU whose
         * reset gate applies before U_h, only U's z and r blocks (U_h then reads r⊙h_{t−1}).
         */
        final float[] stateKernel;
        final int stateWidth;
        final float[] candidateKernel;          // [in][u]: the candidate block of the kernel
        final float[] candidateRecurrentKernel; // [u][u]
        /** The candidate's input kernel transposed, [u][in]: the relevance pass's input product for all steps at once. */
        final float[] candidateKernelT;
        /** The candidate's recurrent kernel transposed, [u][u] (SimpleRNN: the whole recurrent kernel). */
        final float[] candidateRecurrentKernelT;
        /** The candidate's gate block (LSTM g and GRU ĥ: 2; SimpleRNN: 0). */
        final int candidateBlock;
        final Activation activation;
        final Activation recurrentActivation;
        final boolean goBackwards;
        final boolean resetAfter;
        /** Whether output index k is the state after token position k (a Bidirectional half) or after step k. */
        final boolean tokenOrder;
        final int outOffset;
        /** States h_0 … h_T in processing order, h_0 = 0: (T+1)·u. */
        final int hOffset;
        /** LSTM cell states c_0 … c_T: (T+1)·u. */
        final int cOffset;
        /** Activated gates per step, G·u (LSTM i,f,g,o; GRU z,r,ĥ; SimpleRNN none). */
        final int gateOffset;
        /** The candidate's pre-activation per step (LSTM z_g, GRU ĥ's, SimpleRNN z): T·u. */
        final int candOffset;
        /**
         * The gates' pre-activations per step, G·u, for the gradient (LSTM z_i, z_f, z_g, z_o; GRU z_z, z_r and, with
         * reset_after, the recurrent candidate term U_h h_{t−1} + b_rh that the reset gate multiplies).
         */
        final int gatePreOffset;
        final int size;
        /** The inverse of {@link #stepOfOutput}: the output index of each processing step (return_sequences). */
        final int[] outputOfStep;
        /** 0, 1, …, steps − 1: the ids of the per-step rows kept for the folded relevance (see inputRelevance). */
        final int[] stepIds;

        Direction(RecurrentSpec spec, int steps, int offset, boolean tokenOrder, int outOffset) {
            this.kind = spec.kind();
            this.gates = kind.gates();
            this.kernel = spec.kernel();
            this.recurrentKernel = spec.recurrentKernel();
            this.bias = spec.bias();
            this.recurrentBias = spec.recurrentBias();
            this.activation = spec.activation();
            this.recurrentActivation = spec.recurrentActivation();
            this.goBackwards = spec.goBackwards();
            this.resetAfter = spec.resetAfter();
            this.tokenOrder = tokenOrder;
            this.outOffset = outOffset;
            int u = spec.units();
            int block = kind == Kind.LSTM ? 2 : kind == Kind.GRU ? 2 : 0; // the candidate's gate block
            this.candidateBlock = block;
            this.candidateKernel = block(kernel, spec.inputSize(), u, block);
            this.candidateRecurrentKernel = block(recurrentKernel, u, u, block);
            if (kind == Kind.GRU && !resetAfter) {
                this.stateWidth = 2 * u;
                this.stateKernel = new float[u * stateWidth];
                for (int r = 0; r < u; r++) {
                    System.arraycopy(recurrentKernel, r * gates * u, stateKernel, r * stateWidth, stateWidth);
                }
            } else {
                this.stateWidth = gates * u;
                this.stateKernel = recurrentKernel;
            }
            this.candidateRecurrentKernelT = new float[u * u];
            for (int i = 0; i < u; i++) {
                for (int j = 0; j < u; j++) {
                    candidateRecurrentKernelT[j * u + i] = candidateRecurrentKernel[i * u + j];
                }
            }
            int inputs = spec.inputSize();
            this.candidateKernelT = new float[u * inputs];
            for (int i = 0; i < inputs; i++) {
                for (int j = 0; j < u; j++) {
                    candidateKernelT[j * inputs + i] = candidateKernel[i * u + j];
                }
            }
            int o = offset;
            hOffset = o;
            o += (steps + 1) * u;
            cOffset = o;
            if (kind == Kind.LSTM) {
                o += (steps + 1) * u;
            }
            gateOffset = o;
            if (kind != Kind.SIMPLE_RNN) {
                o += steps * gates * u;
            }
            candOffset = o;
            o += steps * u;
            gatePreOffset = o;
            if (kind != Kind.SIMPLE_RNN) {
                o += steps * gates * u;
            }
            size = o - offset;
            outputOfStep = new int[steps];
            stepIds = new int[steps];
            for (int t = 0; t < steps; t++) {
                stepIds[t] = t;
            }
            for (int k = 0; k < steps; k++) {
                outputOfStep[stepOfOutput(k)] = k;
            }
        }

        long parameterCount() {
            return (long) kernel.length + recurrentKernel.length + (bias == null ? 0 : bias.length)
                    + (recurrentBias == null ? 0 : recurrentBias.length);
        }

        /** Columns {@code [b·u, (b+1)·u)} of a {@code [rows][G·u]} matrix, as {@code [rows][u]}. */
        private float[] block(float[] m, int rows, int u, int b) {
            int width = gates * u;
            float[] out = new float[rows * u];
            for (int r = 0; r < rows; r++) {
                System.arraycopy(m, r * width + b * u, out, r * u, u);
            }
            return out;
        }

        /** The token position read at processing step s. */
        int position(int s) {
            return goBackwards ? steps - 1 - s : s;
        }

        /** The processing step whose state is output index k (return_sequences). */
        int stepOfOutput(int k) {
            return tokenOrder ? position(k) : k;
        }

        /**
         * Only h·U is sequential: x·W (+ b) for every token position is one matrix product up front, or table rows;
         * returns the workspace's {@code [steps][G·u]} array of them.
         */
        private float[] project(Workspace ws, Kernels kernels, float[] x, float[] table) {
            int g = gates * units;
            float[] zxAll = scratch(ws, "zxAll", steps * g);
            if (table == null) {
                kernels.conv1dForward(x, steps, in, kernel, 1, g, bias, 1, 1, 0, zxAll, steps);
            } else {
                // The candidate block of each row, kept for the relevance pass: the row is in cache now, while
                // reading it again there cost a cache miss per token (a sixth of the benchmark's time).
                float[] xw = ws.scratch(this, "xWg", steps * units);
                for (int t = 0; t < steps; t++) {
                    int row = ws.tokens[t] * g;
                    for (int j = 0; j < g; j++) {
                        zxAll[t * g + j] = bias == null ? table[row + j] : table[row + j] + bias[j];
                    }
                    System.arraycopy(table, row + candidateBlock * units, xw, t * units, units);
                }
            }
            return zxAll;
        }

        /** The forward pass of a group's members (see {@link RecurrentLayer#forwardGroup}). */
        void forwardGroup(WorkspaceGroup group, int count, Kernels kernels, float[] table) {
            int u = units;
            int g = gates * u;
            Workspace lead = group.members[0];
            float[] hs = scratch(lead, "groupH", count * u);
            float[] zhs = scratch(lead, "groupZh", count * stateWidth);
            float[] recs = scratch(lead, "groupRec", count * u);
            int[] rows = group.rows;
            for (int m = 0; m < count; m++) {
                Workspace ws = group.members[m];
                float[] store = ws.preActivations[preSlot];
                group.inputSide[m] = project(ws, kernels, table == null ? ws.values[input().valueSlot] : null, table);
                group.outputSide[m] = store;
                clearState(store);
            }
            for (int s = 0; s < steps; s++) {
                int pos = position(s);
                int active = 0;
                for (int m = 0; m < count; m++) {
                    if (maskedAt(group.members[m], pos)) {
                        carry(group.outputSide[m], s);
                    } else {
                        System.arraycopy(group.outputSide[m], hOffset + s * u, hs, active * u, u);
                        rows[active++] = m;
                    }
                }
                if (active == 0) {
                    continue;
                }
                kernels.denseForwardRows(hs, active, u, stateKernel, stateWidth, recurrentBias, zhs);
                if (kind == Kind.GRU) {
                    for (int r = 0; r < active; r++) {
                        gruGates(kernels, group.inputSide[rows[r]], pos * g, zhs, r * stateWidth,
                                group.outputSide[rows[r]], s);
                    }
                    if (!resetAfter) {
                        for (int r = 0; r < active; r++) {
                            resetState(group.outputSide[rows[r]], s, hs, r * u);
                        }
                        kernels.denseForwardRows(hs, active, u, candidateRecurrentKernel, u, null, recs);
                    }
                }
                for (int r = 0; r < active; r++) {
                    int m = rows[r];
                    cell(kernels, group.inputSide[m], pos * g, zhs, r * stateWidth, recs, r * u, group.outputSide[m],
                            s);
                }
            }
        }

        void forward(Workspace ws, Kernels kernels, float[] x, float[] store, float[] table) {
            int u = units;
            int g = gates * u;
            float[] zxAll = project(ws, kernels, x, table);
            float[] zh = scratch(ws, "zh", stateWidth);
            float[] hPrev = scratch(ws, "h", u);
            float[] rec = scratch(ws, "t", u);
            clearState(store);
            for (int s = 0; s < steps; s++) {
                int pos = position(s);
                if (maskedAt(ws, pos)) {
                    carry(store, s);
                    continue;
                }
                System.arraycopy(store, hOffset + s * u, hPrev, 0, u);
                kernels.denseForward(hPrev, u, stateKernel, stateWidth, recurrentBias, zh);
                if (kind == Kind.GRU) {
                    gruGates(kernels, zxAll, pos * g, zh, 0, store, s);
                    if (!resetAfter) {
                        resetState(store, s, hPrev, 0);
                        kernels.denseForward(hPrev, u, candidateRecurrentKernel, u, null, rec);
                    }
                }
                cell(kernels, zxAll, pos * g, zh, 0, rec, 0, store, s);
            }
        }

        /** h_0 = 0 (and c_0 = 0). */
        private void clearState(float[] store) {
            java.util.Arrays.fill(store, hOffset, hOffset + units, 0f);
            if (kind == Kind.LSTM) {
                java.util.Arrays.fill(store, cOffset, cOffset + units, 0f);
            }
        }

        /** A masked step: the state is carried over unchanged. */
        private void carry(float[] store, int s) {
            int u = units;
            System.arraycopy(store, hOffset + s * u, store, hOffset + (s + 1) * u, u);
            if (kind == Kind.LSTM) {
                System.arraycopy(store, cOffset + s * u, store, cOffset + (s + 1) * u, u);
            }
        }

        /**
         * Step {@code s} of one member from its input product {@code zx[xo…]} and its product of h_{t−1}
         * ({@code zh[ho…]}, {@link #stateKernel}); a GRU whose reset gate applies first also reads
         * {@code (r⊙h_{t−1})·U_h} at {@code rec[ro…]}, computed after {@link #gruGates}. In float, on the kernels:
         * the single pass and the group pass both run it, so a group member ends exactly as it would alone.
         */
        private void cell(Kernels kernels, float[] zx, int xo, float[] zh, int ho, float[] rec, int ro, float[] store,
                          int s) {
            switch (kind) {
                case LSTM -> lstmCell(kernels, zx, xo, zh, ho, store, s);
                case GRU -> gruCandidate(kernels, zx, xo, resetAfter ? zh : rec, resetAfter ? ho + 2 * units : ro,
                        store, s);
                case SIMPLE_RNN -> {
                    int cand = candOffset + s * units;
                    for (int j = 0; j < units; j++) {
                        store[cand + j] = zx[xo + j] + zh[ho + j];
                    }
                    activate(activation, kernels, store, cand, store, hOffset + (s + 1) * units, units);
                }
                default -> throw new IllegalStateException("unhandled cell " + kind);
            }
        }

        /**
         * One LSTM step in float, on the kernels: z = x·W + b (precomputed, at {@code zx[xo…]}) + h·U (+ b_r, in
         * {@code zh}); the gates i, f, o through the recurrent activation and g through the activation, block by
         * block (i and f are adjacent: Keras orders the blocks i, f, g, o); then c = f⊙c_{t−1} + i⊙g, h = o⊙tanh(c).
         */
        private void lstmCell(Kernels kernels, float[] zx, int xo, float[] zh, int ho, float[] store, int s) {
            int u = units;
            int g = 4 * u;
            int pre = gatePreOffset + s * g;
            int gate = gateOffset + s * g;
            int c0 = cOffset + s * u;
            int c1 = c0 + u;
            int h1 = hOffset + (s + 1) * u;
            for (int j = 0; j < g; j++) {
                store[pre + j] = zx[xo + j] + zh[ho + j];
            }
            System.arraycopy(store, pre + 2 * u, store, candOffset + s * u, u);
            activate(recurrentActivation, kernels, store, pre, store, gate, 2 * u);
            activate(activation, kernels, store, pre + 2 * u, store, gate + 2 * u, u);
            activate(recurrentActivation, kernels, store, pre + 3 * u, store, gate + 3 * u, u);
            for (int j = 0; j < u; j++) {
                store[c1 + j] = Math.fma(store[gate + u + j], store[c0 + j], store[gate + j] * store[gate + 2 * u + j]);
            }
            activate(activation, kernels, store, c1, store, h1, u);
            for (int j = 0; j < u; j++) {
                store[h1 + j] *= store[gate + 3 * u + j];
            }
        }

        /** A GRU step's first half: z and r through the recurrent activation, from {@code zx[xo…]} + {@code zh[ho…]}. */
        private void gruGates(Kernels kernels, float[] zx, int xo, float[] zh, int ho, float[] store, int s) {
            int pre = gatePreOffset + s * 3 * units;
            for (int j = 0; j < 2 * units; j++) {
                store[pre + j] = zx[xo + j] + zh[ho + j];
            }
            activate(recurrentActivation, kernels, store, pre, store, gateOffset + s * 3 * units, 2 * units);
        }

        /** {@code r⊙h_{t−1}} of step {@code s} into {@code out[o…]}: what U_h reads when the reset gate applies first. */
        private void resetState(float[] store, int s, float[] out, int o) {
            int r = gateOffset + s * 3 * units + units;
            int h0 = hOffset + s * units;
            for (int j = 0; j < units; j++) {
                out[o + j] = store[r + j] * store[h0 + j];
            }
        }

        /**
         * A GRU step's second half, given the candidate's recurrent term at {@code rec[ro…]}: {@code h·U_h + b_rh}
         * (reset after, multiplied by r here) or {@code (r⊙h)·U_h}. ĥ = act(x·W_h + b_h + that);
         * h = z⊙h_{t−1} + (1−z)⊙ĥ, as Keras computes it in float.
         */
        private void gruCandidate(Kernels kernels, float[] zx, int xo, float[] rec, int ro, float[] store, int s) {
            int u = units;
            int pre = gatePreOffset + s * 3 * u;
            int gate = gateOffset + s * 3 * u;
            int cand = candOffset + s * u;
            int h0 = hOffset + s * u;
            int h1 = h0 + u;
            for (int j = 0; j < u; j++) {
                float term = rec[ro + j];
                store[pre + 2 * u + j] = resetAfter ? term : 0f;
                store[cand + j] = zx[xo + 2 * u + j] + (resetAfter ? store[gate + u + j] * term : term);
            }
            activate(activation, kernels, store, cand, store, gate + 2 * u, u);
            for (int j = 0; j < u; j++) {
                float z = store[gate + j];
                store[h1 + j] = z * store[h0 + j] + (1f - z) * store[gate + 2 * u + j];
            }
        }

        /** Backpropagation through time for this direction (see {@link RecurrentLayer#gradient}). */
        void gradient(Workspace ws, Kernels kernels, float[] gOut, float[] store) {
            int u = units;
            int g = gates * u;
            float[] gx = ws.relevance[input().relevanceSlot];
            double[] dh = new double[u]; // ∂logit/∂h_s, carried back from step s+1
            double[] dc = new double[u]; // LSTM: ∂logit/∂c_s
            double[] direct = new double[u]; // the part of ∂logit/∂h_{t−1} that skips the recurrent product
            float[] dz = scratch(ws, "dz", g);   // ∂logit/∂ of the input product x_t W (+ b)
            float[] dzh = scratch(ws, "dzh", g); // ∂logit/∂ of the recurrent product h_{t−1} U (+ b_r)
            float[] dCand = scratch(ws, "s", u);
            float[] cx = scratch(ws, "cx", in);
            float[] ch = scratch(ws, "ch", u);
            float[] cr = scratch(ws, "t", u);
            if (!returnSequences) {
                for (int j = 0; j < u; j++) {
                    dh[j] = outputGradient(gOut, this, 0, j);
                }
            }
            for (int s = steps - 1; s >= 0; s--) {
                int pos = position(s);
                if (returnSequences) {
                    for (int j = 0; j < u; j++) {
                        dh[j] += outputGradient(gOut, this, outputOfStep[s], j);
                    }
                }
                if (maskedAt(ws, pos)) {
                    continue; // the state (and cell) was carried over: so is its gradient
                }
                int h0 = hOffset + s * u;
                int gate = gateOffset + s * g;
                int cand = candOffset + s * u;
                int pre = gatePreOffset + s * g;
                java.util.Arrays.fill(direct, 0);
                switch (kind) {
                    case LSTM -> {
                        int c0 = cOffset + s * u;
                        int c1 = c0 + u;
                        for (int j = 0; j < u; j++) {
                            double c = store[c1 + j];
                            double o = store[gate + 3 * u + j];
                            double dct = dc[j] + dh[j] * o * activation.derivative(c);
                            dz[j] = (float) (dct * store[gate + 2 * u + j]
                                    * recurrentActivation.derivative(store[pre + j]));
                            dz[u + j] = (float) (dct * store[c0 + j] * recurrentActivation.derivative(store[pre + u + j]));
                            dz[2 * u + j] = (float) (dct * store[gate + j] * activation.derivative(store[cand + j]));
                            dz[3 * u + j] = (float) (dh[j] * activation.scalar(c)
                                    * recurrentActivation.derivative(store[pre + 3 * u + j]));
                            dc[j] = dct * store[gate + u + j];
                        }
                        System.arraycopy(dz, 0, dzh, 0, g);
                    }
                    case GRU -> {
                        for (int j = 0; j < u; j++) {
                            double z = store[gate + j];
                            double hp = store[h0 + j];
                            double hh = store[gate + 2 * u + j];
                            dz[j] = (float) (dh[j] * (hp - hh) * recurrentActivation.derivative(store[pre + j]));
                            double dpc = dh[j] * (1 - z) * activation.derivative(store[cand + j]);
                            dz[2 * u + j] = (float) dpc;
                            dCand[j] = (float) dpc;
                            direct[j] = dh[j] * z;
                        }
                        if (resetAfter) {
                            // ĥ's pre-activation is x W_h + b_h + r⊙(h U_h + b_rh)
                            for (int j = 0; j < u; j++) {
                                double r = store[gate + u + j];
                                dz[u + j] = (float) ((double) dCand[j] * store[pre + 2 * u + j]
                                        * recurrentActivation.derivative(store[pre + u + j]));
                                dzh[j] = dz[j];
                                dzh[u + j] = dz[u + j];
                                dzh[2 * u + j] = (float) (r * dCand[j]);
                            }
                        } else {
                            // ĥ's pre-activation is x W_h + (r⊙h) U_h + b_h: ∂/∂(r⊙h) = U_h ∂/∂pre
                            kernels.denseTransposed(dCand, candidateRecurrentKernel, u, u, cr);
                            for (int i = 0; i < u; i++) {
                                double hp = store[h0 + i];
                                double r = store[gate + u + i];
                                dz[u + i] = (float) (cr[i] * hp * recurrentActivation.derivative(store[pre + u + i]));
                                direct[i] += cr[i] * r;
                                dzh[i] = dz[i];
                                dzh[u + i] = dz[u + i];
                                dzh[2 * u + i] = 0f; // the candidate block of U reads r⊙h, handled above
                            }
                        }
                    }
                    case SIMPLE_RNN -> {
                        for (int j = 0; j < u; j++) {
                            dz[j] = (float) (dh[j] * activation.derivative(store[cand + j]));
                        }
                        System.arraycopy(dz, 0, dzh, 0, g);
                    }
                    default -> throw new IllegalStateException("unhandled cell " + kind);
                }
                kernels.denseTransposed(dz, kernel, in, g, cx);
                for (int i = 0; i < in; i++) {
                    gx[pos * in + i] += cx[i];
                }
                kernels.denseTransposed(dzh, recurrentKernel, u, g, ch);
                for (int i = 0; i < u; i++) {
                    dh[i] = ch[i] + direct[i];
                }
            }
        }

        /**
         * The candidate's pre-activation at step s without its biases (for {@code :ignore-bias}), computed from the
         * products alone, never as z − b.
         */
        private void biasFree(Workspace ws, Kernels kernels, float[] x, float[] table, int pos, float[] store, int s,
                              double[] out, int oo) {
            int u = units;
            float[] xt = scratch(ws, "x", in);
            float[] hPrev = scratch(ws, "h", u);
            float[] a = scratch(ws, "zx", u);
            float[] b = scratch(ws, "zh", u);
            int gate = gateOffset + s * gates * u;
            System.arraycopy(store, hOffset + s * u, hPrev, 0, u);
            if (kind == Kind.GRU && !resetAfter) {
                for (int i = 0; i < u; i++) {
                    hPrev[i] *= store[gate + u + i]; // U_h reads r⊙h_{t−1}
                }
            }
            if (table == null) {
                System.arraycopy(x, pos * in, xt, 0, in);
                kernels.denseForward(xt, in, candidateKernel, u, null, a);
            } else {
                System.arraycopy(table, ws.tokens[pos] * gates * u + candidateBlock * u, a, 0, u);
            }
            kernels.denseForward(hPrev, u, candidateRecurrentKernel, u, null, b);
            for (int j = 0; j < u; j++) {
                out[oo + j] = kind == Kind.GRU && resetAfter ? a[j] + (double) store[gate + u + j] * b[j]
                        : (double) a[j] + b[j];
            }
        }

        void backward(Workspace ws, Kernels kernels, float[] rOut, float[] store, double eps, boolean ignoreBias,
                      int di, float[] table) {
            int u = units;
            float[] x = table == null ? ws.values[input().valueSlot] : null;
            double[] rh = ws.doubleScratch(this, "rh", u); // relevance at h_s, carried back from step s+1
            double[] rc = ws.doubleScratch(this, "rc", u); // LSTM: relevance at c_s
            java.util.Arrays.fill(rh, 0, u, 0);
            java.util.Arrays.fill(rc, 0, u, 0);
            // the bias-free candidate pre-activation
            double[] free = ignoreBias ? ws.doubleScratch(this, "free", u) : null;
            float[] sv = scratch(ws, "s", u);
            float[] sr = scratch(ws, "t", u);
            float[] ch = scratch(ws, "ch", u);
            // Each step's quotients for the input product; R(x_t) += x_t ⊙ (W s_t) then runs for all steps at once.
            float[] sAll = scratch(ws, "sAll", steps * u);
            java.util.Arrays.fill(sAll, 0, steps * u, 0f);
            // the relevance at the last state (return_sequences=False)
            if (!returnSequences) {
                for (int j = 0; j < u; j++) {
                    rh[j] = incoming(rOut, store, di, 0, j, eps);
                }
            }
            for (int s = steps - 1; s >= 0; s--) {
                int pos = position(s);
                if (returnSequences) {
                    int k = outputOfStep[s];
                    for (int j = 0; j < u; j++) {
                        rh[j] += incoming(rOut, store, di, k, j, eps);
                    }
                }
                if (maskedAt(ws, pos)) {
                    continue; // the state was carried over: so is its relevance
                }
                if (free != null) {
                    biasFree(ws, kernels, x, table, pos, store, s, free, 0);
                }
                quotients(store, s, rh, rc, 0, free, eps, sv, sr, 0);
                System.arraycopy(sv, 0, sAll, pos * u, u);
                // U s' as s'·Uᵀ: the register-blocked forward product instead of a reduction per row
                kernels.denseForward(recurrentQuotients(sv, sr), u, candidateRecurrentKernelT, u, null, ch);
                recurrentRelevance(store, s, rh, 0, ch, 0);
            }
            inputRelevance(ws, kernels, x, table, sAll);
        }

        /** {@code R(x_t) += x_t ⊙ (W s_t)} for all steps at once, from the quotients {@code sAll} of every step. */
        private void inputRelevance(Workspace ws, Kernels kernels, float[] x, float[] table, float[] sAll) {
            int u = units;
            if (table == null) {
                float[] cAll = scratch(ws, "cAll", steps * in);
                kernels.conv1dForward(sAll, steps, u, candidateKernelT, 1, in, null, 1, 1, 0, cAll, steps);
                kernels.multiplyAccumulate(x, cAll, ws.relevance[input().relevanceSlot], steps * in);
            } else {
                // Σ_c x_t[c] (W s_t)[c] = (x_t W) · s_t: the token's folded row, candidate block (kept by the forward
                // pass, see project), times the quotients. The kept rows are a width-1 folded table indexed by step,
                // so the folded Conv1D's kernel computes these dot products (in vectors: a serial scalar chain of
                // fma here took a sixth of the LSTM benchmark).
                float[] xw = ws.scratch(this, "xWg", steps * u);
                kernels.foldedConv1dTokenRelevance(sAll, steps, u, stepIds, steps, xw, steps, 1, 1, 1, 0,
                        ws.tokenRelevance);
            }
        }

        /**
         * Step {@code s}'s elementwise relevance for one member (the class comment's rules): from {@code R(h_s)} in
         * {@code rh} (LSTM: and {@code R(c_s)} in {@code rc}), both at {@code ro}, the candidate's quotients into
         * {@code sv} at {@code so} (a GRU whose reset gate applies after U_h: and r⊙ those into {@code sr}, what
         * U_h's input h_{t−1} gets), and in {@code rh} the part of {@code R(h_{s−1})} that bypasses the
         * recurrent product ({@link #recurrentRelevance} adds the rest).
         */
        private void quotients(float[] store, int s, double[] rh, double[] rc, int ro, double[] free, double eps,
                               float[] sv, float[] sr, int so) {
            switch (kind) {
                case LSTM -> lstmQuotients(store, s, rh, rc, ro, free, eps, sv, so);
                case GRU -> gruQuotients(store, s, rh, ro, free, eps, sv, sr, so);
                case SIMPLE_RNN -> {
                    int cand = candOffset + s * units;
                    for (int j = 0; j < units; j++) {
                        double z = free != null ? free[ro + j] : store[cand + j];
                        double r = rh[ro + j];
                        sv[so + j] = (float) (r == 0 ? 0 : r / (z + eps * sign(z)));
                        rh[ro + j] = 0;
                    }
                }
                default -> throw new IllegalStateException("unhandled cell " + kind);
            }
        }

        /** The quotients U_h's input gets: {@code sr} for a GRU whose reset gate applies after U_h, else {@code sv}. */
        private float[] recurrentQuotients(float[] sv, float[] sr) {
            return kind == Kind.GRU && resetAfter ? sr : sv;
        }

        /**
         * {@code R(h_{s−1}) += h'_{s−1} ⊙ (U s')} for one member, given {@code U s'} at {@code ch[co…]}; {@code h'} is
         * {@code r⊙h_{s−1}} for a GRU whose reset gate applies before U_h (all of that product's relevance goes to
         * h_{s−1}).
         */
        private void recurrentRelevance(float[] store, int s, double[] rh, int ro, float[] ch, int co) {
            int h0 = hOffset + s * units;
            int r = gateOffset + s * gates * units + units;
            boolean gated = kind == Kind.GRU && !resetAfter;
            for (int i = 0; i < units; i++) {
                double h = store[h0 + i];
                if (gated) {
                    h *= store[r + i];
                }
                rh[ro + i] += h * ch[co + i];
            }
        }

        /** The GRU step's quotients (see {@link #quotients}): h = z⊙h_{t−1} + (1−z)⊙ĥ, signal-take-all at z. */
        private void gruQuotients(float[] store, int s, double[] rh, int ro, double[] free, double eps, float[] sv,
                                  float[] sr, int so) {
            int u = units;
            int gate = gateOffset + s * 3 * u;
            int cand = candOffset + s * u;
            int h0 = hOffset + s * u;
            int h1 = h0 + u;
            for (int j = 0; j < u; j++) {
                double h = store[h1 + j];
                double q = rh[ro + j] == 0 ? 0 : rh[ro + j] / (h + eps * sign(h));
                double z = store[gate + j];
                double rhh = (1 - z) * store[gate + 2 * u + j] * q;
                rh[ro + j] = z * store[h0 + j] * q;
                double zc = free != null ? free[ro + j] : store[cand + j];
                sv[so + j] = (float) (rhh == 0 ? 0 : rhh / (zc + eps * sign(zc)));
            }
            if (resetAfter) {
                // h_{t−1}'s weights are r⊙U_h: scale the quotients by r for the recurrent product
                for (int j = 0; j < u; j++) {
                    sr[so + j] = (float) ((double) store[gate + u + j] * sv[so + j]);
                }
            }
        }

        /**
         * The LSTM step's elementwise relevance (the class comment's rules) for step {@code s} of one member: from
         * {@code R(h_s)} in {@code rh} and {@code R(c_s)} in {@code rc} (both at {@code ro}), {@code R(c_{s−1})}
         * into {@code rc}; {@code rh} cleared for {@link #recurrentRelevance} to fill with {@code R(h_{s−1})}; the
         * candidate's quotients into {@code sv} at {@code so}.
         */
        private void lstmQuotients(float[] store, int s, double[] rh, double[] rc, int ro, double[] free, double eps,
                                   float[] sv, int so) {
            int u = units;
            int gate = gateOffset + s * 4 * u;
            int cand = candOffset + s * u;
            int c0 = cOffset + s * u;
            int c1 = c0 + u;
            for (int j = 0; j < u; j++) {
                double r = rc[ro + j] + rh[ro + j];
                rh[ro + j] = 0;
                double c = store[c1 + j];
                double q = r == 0 ? 0 : r / (c + eps * sign(c));
                rc[ro + j] = store[gate + u + j] * (double) store[c0 + j] * q;
                double rg = store[gate + j] * (double) store[gate + 2 * u + j] * q;
                double zg = free != null ? free[ro + j] : store[cand + j];
                sv[so + j] = (float) (rg == 0 ? 0 : rg / (zg + eps * sign(zg)));
            }
        }

        /** The relevance pass of a group's members (see {@link RecurrentLayer#backwardGroup}). */
        void backwardGroup(WorkspaceGroup group, int count, Kernels kernels, double eps, boolean ignoreBias, int di,
                           float[] table) {
            int u = units;
            Workspace lead = group.members[0];
            // per member m at m·u: R(h_s), R(c_s), the bias-free candidate pre-activation
            double[] rh = lead.doubleScratch(this, "groupRh", count * u);
            double[] rc = lead.doubleScratch(this, "groupRc", count * u);
            java.util.Arrays.fill(rh, 0, count * u, 0);
            java.util.Arrays.fill(rc, 0, count * u, 0);
            double[] free = ignoreBias ? lead.doubleScratch(this, "groupFree", count * u) : null;
            // the quotients of the step's unmasked members, one row each, and their U_g s' rows
            float[] svs = lead.scratch(this, "groupS", count * u);
            float[] srs = lead.scratch(this, "groupSr", count * u);
            float[] chs = lead.scratch(this, "groupCh", count * u);
            int[] rows = group.rows;
            for (int m = 0; m < count; m++) {
                Workspace ws = group.members[m];
                float[] store = ws.preActivations[preSlot];
                float[] sAll = scratch(ws, "sAll", steps * u);
                java.util.Arrays.fill(sAll, 0, steps * u, 0f);
                group.inputSide[m] = sAll;
                group.outputSide[m] = store;
                if (!returnSequences) {
                    float[] rOut = ws.relevance[relevanceSlot];
                    for (int j = 0; j < u; j++) {
                        rh[m * u + j] = incoming(rOut, store, di, 0, j, eps);
                    }
                }
            }
            for (int s = steps - 1; s >= 0; s--) {
                int pos = position(s);
                int active = 0;
                for (int m = 0; m < count; m++) {
                    Workspace ws = group.members[m];
                    float[] store = group.outputSide[m];
                    if (returnSequences) {
                        float[] rOut = ws.relevance[relevanceSlot];
                        int k = outputOfStep[s];
                        for (int j = 0; j < u; j++) {
                            rh[m * u + j] += incoming(rOut, store, di, k, j, eps);
                        }
                    }
                    if (maskedAt(ws, pos)) {
                        continue; // the state was carried over: so is its relevance
                    }
                    if (free != null) {
                        biasFree(ws, kernels, table == null ? ws.values[input().valueSlot] : null, table, pos, store,
                                s, free, m * u);
                    }
                    quotients(store, s, rh, rc, m * u, free, eps, svs, srs, active * u);
                    System.arraycopy(svs, active * u, group.inputSide[m], pos * u, u);
                    rows[active++] = m;
                }
                if (active == 0) {
                    continue;
                }
                // U s' as s'·Uᵀ for every unmasked member at once
                kernels.denseForwardRows(recurrentQuotients(svs, srs), active, u, candidateRecurrentKernelT, u, null,
                        chs);
                for (int r = 0; r < active; r++) {
                    recurrentRelevance(group.outputSide[rows[r]], s, rh, rows[r] * u, chs, r * u);
                }
            }
            for (int m = 0; m < count; m++) {
                Workspace ws = group.members[m];
                inputRelevance(ws, kernels, table == null ? ws.values[input().valueSlot] : null, table,
                        group.inputSide[m]);
            }
        }
    }

    /** {@code out[o + i] = f(x[xo + i])} in float: the vector kernels for sigmoid and tanh, else the scalar form. */
    private static void activate(Activation f, Kernels kernels, float[] x, int xo, float[] out, int o, int n) {
        switch (f) {
            case SIGMOID -> kernels.sigmoid(x, xo, out, o, n);
            case TANH -> kernels.tanh(x, xo, out, o, n);
            default -> {
                for (int i = 0; i < n; i++) {
                    out[o + i] = (float) f.scalar(x[xo + i]);
                }
            }
        }
    }

    private static double sign(double v) {
        return v >= 0 ? 1 : -1;
    }

    /**
     * Scratch arrays of this layer, kept per workspace. (They live beside the workspace's buffers: the kernels take
     * whole arrays, not offsets into the pre-activation slot.)
     */
    private float[] scratch(Workspace ws, String key, int size) {
        return ws.scratch(this, key, size);
    }
}
