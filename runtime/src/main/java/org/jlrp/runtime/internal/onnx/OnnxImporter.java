package org.jlrp.runtime.internal.onnx;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.BiFunction;
import java.util.function.Supplier;
import org.jlrp.runtime.JlrpException;
import org.jlrp.runtime.internal.model.Activation;
import org.jlrp.runtime.internal.model.ActivationSpec;
import org.jlrp.runtime.internal.model.BidirectionalSpec;
import org.jlrp.runtime.internal.model.ConcatenateSpec;
import org.jlrp.runtime.internal.model.Conv1DSpec;
import org.jlrp.runtime.internal.model.DenseSpec;
import org.jlrp.runtime.internal.model.EmbeddingSpec;
import org.jlrp.runtime.internal.model.FlattenSpec;
import org.jlrp.runtime.internal.model.IdentitySpec;
import org.jlrp.runtime.internal.model.InputSpec;
import org.jlrp.runtime.internal.model.LayerSpec;
import org.jlrp.runtime.internal.model.ModelSpec;
import org.jlrp.runtime.internal.model.ModelSpec.Fact;
import org.jlrp.runtime.internal.model.Padding;
import org.jlrp.runtime.internal.model.PoolingSpec;
import org.jlrp.runtime.internal.model.RecurrentSpec.Kind;
import org.jlrp.runtime.internal.model.ReshapeSpec;
import org.jlrp.runtime.internal.onnx.OnnxModel.Node;
import org.jlrp.runtime.internal.onnx.OnnxModel.ValueInfo;

/**
 * Imports an ONNX text classifier ({@code .onnx}, as {@code torch.onnx.export} or tf2onnx write it) into a
 * format-neutral {@link ModelSpec}. The graph is walked once in its (topological) node order; every value is either
 * a constant (initializers, {@code Constant} nodes and the shape computations exporters emit, folded here), the token
 * ids, or an activation that a jlrp layer computes. Activations carry their ONNX layout: a sequence is either
 * channels-last ({@code [B,T,C]}, jlrp's own), channels-first ({@code [B,C,T]}, after PyTorch's
 * {@code Transpose(0,2,1)}) or time-major ({@code [T,B,C]}, around the recurrent ops, whose outputs {@code Y} and
 * {@code Y_h} have layouts of their own); a vector carries the map from its ONNX index to jlrp's (a channel-major
 * {@code Flatten} of a channels-first sequence gives {@code c·T+t}, jlrp's Flatten {@code t·C+c}; a {@code Gather}
 * of one time step or direction reads a part of its layer's output). Transposes only change the layout; the weights
 * of the next Conv, Gemm or MatMul are permuted instead, so the spec computes the same function channels-last.
 * {@code LSTM}, {@code GRU} and {@code RNN} become recurrent layers ({@link RecurrentOps}). Anything else is refused
 * with one line naming the op and its node.
 */
public final class OnnxImporter {

    /** The ops jlrp maps (the default ONNX domain). */
    public static final Set<String> SUPPORTED = new TreeSet<>(List.of("Gather", "Transpose", "Conv", "Relu", "Sigmoid",
            "Tanh", "Softmax", "LogSoftmax", "MaxPool", "AveragePool", "GlobalMaxPool", "GlobalAveragePool",
            "ReduceMax", "ReduceMean", "Flatten", "Reshape", "Squeeze", "Unsqueeze", "Gemm", "MatMul", "Add",
            "Concat", "Identity", "Dropout", "Cast", "Constant", "Shape", "ConstantOfShape", "Slice", "Mul", "Sub",
            "Div", "LSTM", "GRU", "RNN"));

    /** Control flow: a recurrence written as a loop body, which jlrp cannot map onto a recurrent layer. */
    private static final Set<String> LOOPS = Set.of("Loop", "Scan");

    /** Ops that keep an all-zero tensor all zero (their first input; the others are indices or shapes). */
    private static final Set<String> ZERO_PRESERVING = Set.of("Slice", "Gather", "Squeeze", "Unsqueeze", "Reshape",
            "Identity", "Cast", "Transpose", "Expand");

    /** The dynamic batch dimension inside folded shape constants. */
    static final double BATCH = -7.0e15;

    /** What a value of the graph is. */
    private sealed interface Value permits Const, Tokens, Act, Deferred {
    }

    private record Const(Tensor tensor) implements Value {
    }

    private record Tokens() implements Value {
    }

    /**
     * A constant jlrp cannot materialize (its shape holds the dynamic batch): fine unless something reads it, but for
     * a recurrent op's initial state, which may be all zeros ({@code zeros}: a ConstantOfShape of 0).
     */
    private record Deferred(String why, boolean zeros) implements Value {

        Deferred(String why) {
            this(why, false);
        }
    }

    /** How an activation's ONNX tensor lies over jlrp's buffer. */
    enum Layout {
        /** ONNX {@code [B,T,C]}, jlrp {@code [T][C]}. */
        SEQ,
        /** ONNX {@code [B,C,T]}, jlrp {@code [T][C]}. */
        SEQ_CF,
        /** ONNX {@code [T,B,C]} (time-major, what LSTM/GRU/RNN read and, squeezed, write), jlrp {@code [T][C]}. */
        SEQ_TM,
        /** A recurrent op's {@code Y}: ONNX {@code [T,D,B,H]}, jlrp {@code [T][D·H]} (directions concatenated). */
        RNN_Y,
        /** A recurrent op's {@code Y_h}: ONNX {@code [D,B,H]}, jlrp the vector {@code [D·H]}. */
        STATES,
        /**
         * A recurrent op's {@code Y} after PyTorch's {@code Transpose(0,2,1,3)}: ONNX {@code [T,B,D,H]}, jlrp
         * {@code [T][D·H]}; the {@code Reshape} to {@code [T,B,D·H]} that follows makes it a time-major sequence.
         */
        RNN_YT,
        /** ONNX {@code [B,N]} (or {@code [B]} for N = 1), jlrp vector N, ONNX index k at jlrp index order[k]. */
        VEC
    }

    /**
     * An activation: the jlrp layer that computes it and how its ONNX tensor maps onto that layer's output.
     *
     * @param steps    sequences: T; STATES: the directions D
     * @param channels sequences: C (RNN_Y: D·H); STATES: H
     * @param order    VEC only: ONNX index → jlrp index, or null for the identity
     * @param rank     the ONNX rank, batch included
     * @param width    VEC only: the size of the jlrp layer's output, which is larger than {@code size} when the vector
     *                 is a part of it (a {@code Gather} of one direction's state or of one time step)
     */
    record Act(String layer, Layout layout, int steps, int channels, int size, int[] order, int rank, int width)
            implements Value {

        Act(String layer, Layout layout, int steps, int channels, int size, int[] order, int rank) {
            this(layer, layout, steps, channels, size, order, rank, size);
        }

        static Act seq(String layer, Layout layout, int steps, int channels) {
            return new Act(layer, layout, steps, channels, steps * channels, null,
                    layout == Layout.RNN_Y || layout == Layout.RNN_YT ? 4 : 3);
        }

        Act withLayer(String name) {
            return new Act(name, layout, steps, channels, size, order, rank, width);
        }

        static Act vec(String layer, int size, int[] order) {
            return new Act(layer, Layout.VEC, 0, 0, size, order, 2);
        }

        /** Whether this is a vector that is exactly its layer's output, in jlrp's order. */
        boolean whole() {
            return layout != Layout.VEC || order == null && width == size;
        }

        /** Whether the batch axis is not the first (the time-major layouts of recurrent ops). */
        boolean timeMajor() {
            return layout == Layout.SEQ_TM || layout == Layout.RNN_Y || layout == Layout.STATES
                    || layout == Layout.RNN_YT;
        }

        /** The ONNX dims without the batch (batch-first layouts). */
        long[] onnxDims() {
            return switch (layout) {
                case SEQ -> new long[] {steps, channels};
                case SEQ_CF -> new long[] {channels, steps};
                case VEC -> rank == 1 ? new long[0] : new long[] {size};
                case SEQ_TM, RNN_Y, STATES, RNN_YT -> throw new IllegalStateException("time-major " + layout);
            };
        }
    }

    /** The result of an import: the spec and how the ONNX output lies over the explained layer's output. */
    record Imported(ModelSpec spec, Act output) {
    }

    private final OnnxModel model;
    private final String source;
    private final Map<String, Value> values = new HashMap<>();
    private final LinkedHashMap<String, LayerSpec> layers = new LinkedHashMap<>();
    private final Map<String, Integer> readers = new HashMap<>();
    private final List<String> mapping = new ArrayList<>();
    private final Map<String, Integer> mappedCounts = new LinkedHashMap<>();
    private int inputLength;
    private String tokenInput;

    private OnnxImporter(OnnxModel model, String source) {
        this.model = model;
        this.source = source;
    }

    /** Imports a {@code .onnx} file with the default {@link OnnxLimits}. */
    public static ModelSpec load(Path file) {
        return load(file, OnnxLimits.DEFAULT);
    }

    /**
     * Imports a {@code .onnx} file.
     *
     * @throws JlrpException with one line naming the file (and the node) for anything jlrp cannot read or explain
     */
    public static ModelSpec load(Path file, OnnxLimits limits) {
        OnnxModel model = OnnxReader.readModel(file, limits);
        return new OnnxImporter(model, file.toString()).convert(null).spec();
    }

    /** Imports a model already read (the conformance tests). */
    static Imported importModel(OnnxModel model, String source) {
        return new OnnxImporter(model, source).convert(null);
    }

    /**
     * Imports a graph whose first graph input is a float activation rather than token ids (ONNX's single-op tests):
     * that input becomes the output of an Embedding over {@code table} ({@code [vocabulary][dim]}), read as a
     * channels-first sequence {@code [B,C,T]} (rank 3; time-major {@code [T,B,C]} with {@code timeMajor}, the input
     * of the recurrent ops) or a vector (rank 2); the other inputs are the constants given.
     */
    static Imported importBound(OnnxModel model, String source, Bound bound) {
        return new OnnxImporter(model, source).convert(bound);
    }

    /**
     * The binding of a single-op test: the float input is the Embedding output over T = {@code steps} steps of
     * {@code dim} channels; {@code constants} are the other graph inputs.
     */
    record Bound(float[] table, int vocabulary, int dim, int steps, int rank, boolean timeMajor,
                 Map<String, Tensor> constants) {
    }

    // ---------------------------------------------------------------------------------------------- graph

    private Imported convert(Bound bound) {
        OnnxModel.Graph graph = model.graph();
        for (Tensor t : graph.initializers()) {
            values.put(t.name(), new Const(t));
        }
        for (Node node : graph.nodes()) {
            for (String in : node.inputs()) {
                readers.merge(in, 1, Integer::sum);
            }
        }
        for (ValueInfo out : graph.outputs()) {
            readers.merge(out.name(), 1, Integer::sum);
        }
        for (Node node : graph.nodes()) { // an unsupported op is named before any layout complaint it would cause
            checkSupported(node);
        }
        try {
            if (bound == null) {
                bindTokens(graph);
            } else {
                bindFloatInput(graph, bound);
            }
        } catch (IllegalArgumentException e) {
            throw error(e.getMessage());
        }
        for (Node node : graph.nodes()) {
            try {
                node(node);
            } catch (IllegalArgumentException e) {
                throw error(node.describe() + ": " + e.getMessage());
            }
        }
        if (graph.outputs().isEmpty()) {
            throw error("the graph has no output");
        }
        String outName = graph.outputs().get(0).name();
        Value out = values.get(outName);
        if (!(out instanceof Act act)) {
            throw error("the graph output '" + outName + "' is not computed from the token ids");
        }
        if (!act.whole()) {
            throw error("the graph output '" + outName + "' is a channel-major flatten of a sequence or a part of a "
                    + "layer's output; jlrp explains a whole layer's output in (time, channel) order");
        }
        pruneUnread(act.layer());
        Map<String, Fact> facts = new LinkedHashMap<>();
        facts.put("opset", Fact.text("opset", String.valueOf(model.opset())));
        String producer = (model.producerName() + " " + model.producerVersion()).trim();
        facts.put("producer", Fact.text("producer", producer.isEmpty() ? "unknown" : producer));
        facts.put("ir_version", Fact.text("ir version", String.valueOf(model.irVersion())));
        List<String> summary = new ArrayList<>();
        mappedCounts.forEach((k, v) -> summary.add(v == 1 ? k : k + " ×" + v));
        facts.put("onnx_ops", new Fact("ops", String.join(", ", summary), null, mapping));
        try {
            ModelSpec spec = new ModelSpec(source, "onnx", inputLength, new ArrayList<>(layers.values()), act.layer(),
                    facts, List.of());
            return new Imported(spec, act);
        } catch (IllegalArgumentException e) {
            throw error(e.getMessage());
        }
    }

    /**
     * Drops the layers the output does not read: a recurrent op's sequence layer when only its last step is read
     * (that pick reads the last-state layer instead), and branches of the graph that lead nowhere.
     */
    private void pruneUnread(String output) {
        Set<String> read = new HashSet<>();
        List<String> todo = new ArrayList<>(List.of(output));
        while (!todo.isEmpty()) {
            String name = todo.remove(todo.size() - 1);
            LayerSpec spec = layers.get(name);
            if (spec != null && read.add(name)) {
                todo.addAll(spec.inputs());
            }
        }
        layers.keySet().removeIf(name -> !read.contains(name) && !(layers.get(name) instanceof InputSpec));
    }

    private void bindTokens(OnnxModel.Graph graph) {
        ValueInfo input = null;
        for (ValueInfo in : graph.inputs()) {
            if (!values.containsKey(in.name())) {
                if (input != null) {
                    throw error("the graph has more than one input ('" + input.name() + "', '" + in.name()
                            + "'); jlrp explains models with one input of token ids");
                }
                input = in;
            }
        }
        if (input == null) {
            throw error("the graph has no input");
        }
        if (!Tensor.isInteger(input.elemType()) && !Tensor.isFloat(input.elemType())) {
            throw error("input '" + input.name() + "' has type " + Tensor.typeName(input.elemType())
                    + "; expected token ids (int64 or int32)");
        }
        long[] dims = input.dims();
        if (dims == null || dims.length != 2) {
            throw error("input '" + input.name() + "' has shape " + shapeText(input)
                    + "; expected token ids [batch, T]");
        }
        if (dims[1] < 1) {
            throw error("input '" + input.name() + "' does not state the input length (shape " + shapeText(input)
                    + "); jlrp needs a fixed T");
        }
        if (dims[1] > Integer.MAX_VALUE / 2) {
            throw error("input '" + input.name() + "' has length " + dims[1]);
        }
        inputLength = (int) dims[1];
        tokenInput = input.name();
        layers.put(uniqueName(input.name()), new InputSpec(input.name()));
        values.put(input.name(), new Tokens());
    }

    private void bindFloatInput(OnnxModel.Graph graph, Bound bound) {
        ValueInfo input = null;
        for (ValueInfo in : graph.inputs()) {
            if (values.containsKey(in.name())) {
                continue;
            }
            if (bound.constants().containsKey(in.name())) {
                values.put(in.name(), new Const(bound.constants().get(in.name())));
            } else if (input == null) {
                input = in;
            } else {
                throw error("more than one activation input");
            }
        }
        if (input == null) {
            throw error("the graph has no input");
        }
        String ids = "token_ids";
        layers.put(ids, new InputSpec(ids));
        inputLength = bound.steps();
        String emb = input.name() + "_embedding";
        layers.put(emb, new EmbeddingSpec(emb, List.of(ids), bound.table(), bound.vocabulary(), bound.dim()));
        if (bound.rank() == 3) {
            // An identity after the Embedding, so that a graph of one pass-through op still explains a layer.
            String seq = input.name();
            layers.put(seq, new IdentitySpec(seq, List.of(emb), "Input"));
            values.put(input.name(), Act.seq(seq, bound.timeMajor() ? Layout.SEQ_TM : Layout.SEQ_CF, bound.steps(),
                    bound.dim()));
        } else {
            String flat = input.name() + "_flatten";
            layers.put(flat, new FlattenSpec(flat, List.of(emb)));
            values.put(input.name(), Act.vec(flat, bound.steps() * bound.dim(), null));
        }
    }

    private static String shapeText(ValueInfo v) {
        if (v.dims() == null) {
            return "unknown";
        }
        List<String> parts = new ArrayList<>();
        for (int i = 0; i < v.dims().length; i++) {
            parts.add(v.dims()[i] >= 0 ? String.valueOf(v.dims()[i])
                    : v.dimParams()[i] != null ? v.dimParams()[i] : "?");
        }
        return "[" + String.join(", ", parts) + "]";
    }

    private void checkSupported(Node node) {
        String op = node.opType();
        if (!node.domain().isEmpty() && !node.domain().equals("ai.onnx")) {
            throw error(node.describe() + " is in domain '" + node.domain() + "', which jlrp does not support");
        }
        if (!SUPPORTED.contains(op)) {
            throw error(node.describe() + ": op " + op + " is not supported" + (LOOPS.contains(op)
                    ? " (a recurrence written as a loop; jlrp explains the LSTM, GRU and RNN ops)" : "")
                    + "; supported: "
                    + String.join(", ", SUPPORTED));
        }
    }

    private void node(Node node) {
        String op = node.opType();
        if (node.outputs().isEmpty()) {
            throw error(node.describe() + " has no output");
        }
        List<Value> in = new ArrayList<>();
        for (String name : node.inputs()) {
            if (name.isEmpty()) {
                in.add(null);
                continue;
            }
            Value v = values.get(name);
            if (v == null) {
                throw error(node.describe() + " reads '" + name + "', which no earlier node computes");
            }
            if (v instanceof Deferred d && d.zeros() && in.isEmpty() && ZERO_PRESERVING.contains(op)) {
                in.add(v); // a part or reshaping of the zero state (the per-layer Slice of a stacked LSTM's)
                continue;
            }
            if (v instanceof Deferred d && !op.equals("Shape") && !RecurrentOps.OPS.contains(op)) {
                throw error(node.describe() + " reads '" + name + "': " + d.why());
            }
            in.add(v);
        }
        boolean allConst = in.stream().allMatch(v -> v == null || v instanceof Const) && !op.equals("Shape");
        Value out;
        if (!in.isEmpty() && in.get(0) instanceof Deferred d && d.zeros() && ZERO_PRESERVING.contains(op)) {
            out = d;
            note(node, "zero state");
        } else if (op.equals("Constant")) {
            out = constant(node);
        } else if (allConst && !in.isEmpty()) {
            Tensor folded;
            try {
                folded = ConstFolding.fold(node, consts(in), model.opset());
            } catch (IndexOutOfBoundsException | NegativeArraySizeException | ArithmeticException e) {
                // a corrupt file: axes, indices or shapes that do not fit the constants they apply to
                throw error(node.describe() + ": cannot fold its constant inputs (" + e.getMessage() + ")");
            }
            out = folded == null ? new Deferred(node.describe() + " depends on the batch size", zeroFill(node))
                    : new Const(folded);
            note(node, "folded");
        } else {
            out = activation(node, in);
        }
        values.put(node.outputs().get(0), out);
    }

    /** Whether a ConstantOfShape fills with zeros (its {@code value} absent or 0). */
    private static boolean zeroFill(Node node) {
        if (!node.opType().equals("ConstantOfShape")) {
            return false;
        }
        var value = node.attribute("value");
        if (value == null || value.t() == null) {
            return true;
        }
        for (double v : value.t().values()) {
            if (v != 0) {
                return false;
            }
        }
        return true;
    }

    private static List<Tensor> consts(List<Value> in) {
        List<Tensor> out = new ArrayList<>();
        for (Value v : in) {
            out.add(v == null ? null : ((Const) v).tensor());
        }
        return out;
    }

    private Value constant(Node node) {
        var a = node.attribute("value");
        if (a != null && a.t() != null) {
            return new Const(a.t());
        }
        if ((a = node.attribute("value_float")) != null) {
            return new Const(new Tensor("", Tensor.FLOAT, new long[0], new double[] {a.f()}));
        }
        if ((a = node.attribute("value_int")) != null) {
            return new Const(Tensor.ofLongs("", new long[0], a.i()));
        }
        if ((a = node.attribute("value_ints")) != null) {
            return new Const(Tensor.vector("", a.ints()));
        }
        if ((a = node.attribute("value_floats")) != null) {
            double[] d = new double[a.floats().length];
            for (int i = 0; i < d.length; i++) {
                d[i] = a.floats()[i];
            }
            return new Const(new Tensor("", Tensor.FLOAT, new long[] {d.length}, d));
        }
        throw new IllegalArgumentException("a Constant without a tensor, float or int value");
    }

    // ---------------------------------------------------------------------------------------------- activations

    private Value activation(Node node, List<Value> in) {
        String op = node.opType();
        if (in.isEmpty()) {
            throw error(node.describe() + " has no input");
        }
        Value first = in.get(0);
        switch (op) {
            case "Shape":
                return shape(node, first);
            case "Gather":
                return gather(node, in);
            case "Cast":
            case "Identity":
            case "Dropout":
                if (first instanceof Tokens || first instanceof Act) {
                    note(node, "pass-through");
                    return first;
                }
                break;
            case "ConstantOfShape":
                return new Deferred(node.describe() + " depends on the batch size");
            case "LSTM", "GRU", "RNN":
                return recurrent(node, in);
            default:
                break;
        }
        if (first instanceof Tokens) {
            throw error(node.describe() + " reads the token ids directly; only the embedding Gather may");
        }
        if (!(first instanceof Act x)) {
            throw error(node.describe() + ": its first input is not an activation of the graph");
        }
        if (x.timeMajor() && !Set.of("Transpose", "Squeeze", "Gather", "Reshape", "Concat").contains(op)) {
            throw error(node.describe() + ": " + op + " of " + describe(x) + " is not supported; jlrp reads a "
                    + "recurrent op's outputs through Squeeze, Transpose and Gather");
        }
        return switch (op) {
            case "Transpose" -> transpose(node, x);
            case "Conv" -> conv(node, x, in);
            case "Relu" -> activationLayer(node, x, Activation.RELU);
            case "Sigmoid" -> activationLayer(node, x, Activation.SIGMOID);
            case "Tanh" -> activationLayer(node, x, Activation.TANH);
            case "Softmax", "LogSoftmax" -> softmax(node, x);
            case "MaxPool", "AveragePool" -> pool(node, x);
            case "GlobalMaxPool", "GlobalAveragePool" -> globalPool(node, x, op.equals("GlobalMaxPool"), true);
            case "ReduceMax", "ReduceMean" -> reduce(node, x, in);
            case "Flatten" -> flatten(node, x);
            case "Reshape" -> reshape(node, x, in);
            case "Squeeze" -> squeeze(node, x, in);
            case "Unsqueeze" -> unsqueeze(node, x, in);
            case "Gemm" -> gemm(node, x, in);
            case "MatMul" -> matmul(node, x, in);
            case "Add" -> add(node, x, in);
            case "Concat" -> concat(node, in);
            default -> throw error(node.describe() + ": " + op + " on an activation is not supported");
        };
    }

    private Value shape(Node node, Value v) {
        long[] dims;
        if (v instanceof Const c) {
            dims = c.tensor().dims();
        } else if (v instanceof Tokens) {
            dims = new long[] {-1, inputLength};
        } else if (v instanceof Act a) {
            if (a.timeMajor()) {
                throw error(node.describe() + ": Shape of " + describe(a) + " is not supported");
            }
            long[] rest = a.onnxDims();
            dims = new long[rest.length + 1];
            dims[0] = -1;
            System.arraycopy(rest, 0, dims, 1, rest.length);
        } else {
            throw error(node.describe() + " reads a value of unknown shape");
        }
        int rank = dims.length;
        long start = node.i("start", 0);
        long end = node.i("end", rank);
        start = Math.max(0, Math.min(rank, start < 0 ? start + rank : start));
        end = Math.max(0, Math.min(rank, end < 0 ? end + rank : end));
        double[] out = new double[(int) Math.max(0, end - start)];
        for (int i = 0; i < out.length; i++) {
            long d = dims[(int) start + i];
            out[i] = d < 0 ? BATCH : d;
        }
        note(node, "folded");
        return new Const(new Tensor("", Tensor.INT64, new long[] {out.length}, out));
    }

    private Value gather(Node node, List<Value> in) {
        Value data = in.get(0);
        Value indices = in.size() > 1 ? in.get(1) : null;
        if (data instanceof Act x && indices instanceof Const index) {
            return pick(node, x, index.tensor());
        }
        if (data instanceof Const table && indices instanceof Tokens) {
            Tensor t = table.tensor();
            if (t.rank() != 2 || !Tensor.isFloat(t.dataType())) {
                throw error(node.describe() + ": the embedding table " + t + " is not a rank-2 float tensor");
            }
            if (node.i("axis", 0) != 0) {
                throw error(node.describe() + ": an embedding Gather has axis 0, got " + node.i("axis", 0));
            }
            if (t.dim(0) < 1 || t.dim(1) < 1 || t.dim(0) > Integer.MAX_VALUE || t.dim(1) > Integer.MAX_VALUE) {
                throw error(node.describe() + ": embedding table " + t + " is empty or too large");
            }
            String name = layerName(node);
            int vocab = (int) t.dim(0);
            int dim = (int) t.dim(1);
            layers.put(name, new EmbeddingSpec(name, List.of(tokenInput), t.floats(), vocab, dim));
            note(node, "Embedding");
            return Act.seq(name, Layout.SEQ, inputLength, dim);
        }
        throw error(node.describe() + ": Gather is supported as the embedding lookup (a rank-2 float initializer "
                + "indexed by the token ids) and on constants");
    }

    /**
     * {@code Gather} of one index of an activation: one direction's last state ({@code Y_h[d]}) or one time step of a
     * sequence ({@code output[:, -1]}). The result is a part of the layer's output (a vector whose {@code order}
     * points into it), which the next Dense reads with zero weights elsewhere; the last step of a forward recurrent
     * layer's sequence is its last state, so that pick reads the layer that returns it instead.
     */
    private Value pick(Node node, Act x, Tensor index) {
        if (index.rank() != 0 || !Tensor.isInteger(index.dataType())) {
            throw error(node.describe() + ": Gather of " + index + " from " + describe(x) + " is not supported; jlrp "
                    + "supports one scalar index (a time step or a direction)");
        }
        long axis = node.i("axis", 0);
        long k = index.longs()[0];
        if (x.layout() == Layout.STATES && (axis == 0 || axis == -3)) {
            int d = checkIndex(node, k, x.steps());
            note(node, "pick (direction " + d + ")");
            return part(x.layer(), x.channels(), d * x.channels(), x.size());
        }
        String axes = SEQ_AXES.get(x.layout());
        if (axes != null) {
            long time = axes.indexOf('t');
            if (axis == time || axis == time - 3) {
                int t = checkIndex(node, k, x.steps());
                Supplier<String> last = t == x.steps() - 1 ? lastState.get(x.layer()) : null;
                if (last != null) {
                    note(node, "last state (of " + x.layer() + ")");
                    return Act.vec(last.get(), x.channels(), null);
                }
                String flat = flattened.computeIfAbsent(x.layer(), layer -> {
                    String name = uniqueName(layer + "_flatten");
                    layers.put(name, new FlattenSpec(name, List.of(layer)));
                    return name;
                });
                note(node, "pick (step " + t + ")");
                return part(flat, x.channels(), t * x.channels(), x.size());
            }
        }
        throw error(node.describe() + ": Gather over axis " + axis + " of " + describe(x) + " is not supported; jlrp "
                + "supports picking a time step or a direction");
    }

    private int checkIndex(Node node, long k, int n) {
        long i = k < 0 ? k + n : k;
        if (i < 0 || i >= n) {
            throw error(node.describe() + ": index " + k + " is out of range for " + n);
        }
        return (int) i;
    }

    /** The {@code size} values from {@code offset} of a layer's output of {@code width} values, as a vector. */
    private static Act part(String layer, int size, int offset, int width) {
        int[] order = new int[size];
        for (int i = 0; i < size; i++) {
            order[i] = offset + i;
        }
        return size == width ? Act.vec(layer, size, null) : new Act(layer, Layout.VEC, 0, 0, size, order, 2, width);
    }

    /** The Flatten layer made for picks from a sequence layer, by that layer. */
    private final Map<String, String> flattened = new HashMap<>();

    /**
     * A forward recurrent layer returning its sequence → the layer (the same cell) returning its last state, made on
     * first use by a pick of the last step.
     */
    private final Map<String, Supplier<String>> lastState = new HashMap<>();

    private Value transpose(Node node, Act x) {
        long[] perm = node.ints("perm");
        int rank = x.rank();
        if (perm == null) {
            perm = new long[rank];
            for (int i = 0; i < rank; i++) {
                perm[i] = rank - 1 - i;
            }
        }
        if (perm.length != rank) {
            throw error(node.describe() + ": perm " + Arrays.toString(perm) + " does not fit rank " + rank);
        }
        boolean identity = true;
        for (int i = 0; i < perm.length; i++) {
            identity &= perm[i] == i;
        }
        if (identity) {
            note(node, "pass-through");
            return x;
        }
        if (x.layout() == Layout.RNN_Y && Arrays.equals(perm, new long[] {0, 2, 1, 3})) { // [T,B,D,H]
            note(node, "layout");
            return Act.seq(x.layer(), Layout.RNN_YT, x.steps(), x.channels());
        }
        String axes = SEQ_AXES.get(x.layout());
        if (rank == 3 && axes != null && isPermutation(perm)) {
            // The sequence layouts are orders of the axes batch, time, channel; a transpose picks another order.
            String moved = "" + axes.charAt((int) perm[0]) + axes.charAt((int) perm[1]) + axes.charAt((int) perm[2]);
            for (Map.Entry<Layout, String> e : SEQ_AXES.entrySet()) {
                if (e.getValue().equals(moved)) {
                    note(node, "layout");
                    return new Act(x.layer(), e.getKey(), x.steps(), x.channels(), x.size(), null, 3);
                }
            }
        }
        throw error(node.describe() + ": Transpose " + Arrays.toString(perm) + " of " + describe(x)
                + " is not supported; jlrp supports swapping the time and channel axes of a sequence, and the time "
                + "and batch axes around a recurrent op");
    }

    /**
     * An {@code LSTM}, {@code GRU} or {@code RNN} node on a time-major sequence: a {@link RecurrentSpec} (or a
     * {@link BidirectionalSpec} with the directions concatenated, as ONNX stacks them) for each output something
     * reads: {@code Y} [T, D, B, H] as a layer returning its sequence, {@code Y_h} [D, B, H] as one returning its
     * last state. A reverse direction's {@code Y} lies at the input positions, which a single jlrp layer reading
     * backwards does not return, so it is refused; the cell state {@code Y_c} is refused when read.
     */
    private Value recurrent(Node node, List<Value> in) {
        Kind kind = RecurrentOps.kind(node.opType());
        if (!(in.get(0) instanceof Act x) || x.layout() != Layout.SEQ_TM) {
            throw error(node.describe() + ": its input X is " + (in.get(0) instanceof Act a ? describe(a)
                    : "not an activation") + "; jlrp supports a time-major sequence [T, batch, channels] (the "
                    + "embedding after a Transpose(1, 0, 2))");
        }
        int dirs = RecurrentOps.directions(node, kind);
        Tensor w = constInput(node, in, 1, "weight W", true);
        Tensor r = constInput(node, in, 2, "recurrence weight R", true);
        Tensor b = constInput(node, in, 3, "bias B", false);
        int gates = kind.gates();
        long hidden = node.i("hidden_size", r.rank() == 3 ? r.dim(2) : -1);
        if (hidden < 1 || hidden > Integer.MAX_VALUE / 8) {
            throw error(node.describe() + ": hidden_size " + hidden);
        }
        int units = (int) hidden;
        requireDims(node, w, "W", dirs, (long) gates * units, x.channels());
        requireDims(node, r, "R", dirs, (long) gates * units, units);
        if (b != null) {
            requireDims(node, b, "B", dirs, 2L * gates * units);
        }
        if (in.size() > 4 && in.get(4) != null) {
            throw error(node.describe() + ": sequence_lens is not supported; jlrp runs every step of the sequence "
                    + "(padding steps are real steps)");
        }
        requireZero(node, in, 5, "initial_h");
        requireZero(node, in, 6, "initial_c");
        requireZero(node, in, 7, "peephole weights P");
        boolean reverse = node.s("direction", "forward").equals("reverse");
        String base = !node.name().isEmpty() ? node.name()
                : node.outputs().stream().filter(o -> !o.isEmpty()).findFirst().orElse(node.opType());
        String input = x.layer();
        BiFunction<String, Boolean, LayerSpec> make = (name, sequences) -> {
            double[] wv = w.values();
            double[] rv = r.values();
            double[] bv = b == null ? null : b.values();
            if (dirs == 1) {
                return RecurrentOps.cell(node, kind, name, input, wv, rv, bv, 0, x.channels(), units, reverse,
                        sequences);
            }
            return new BidirectionalSpec(name, List.of(input),
                    RecurrentOps.cell(node, kind, name + "_forward", input, wv, rv, bv, 0, x.channels(), units,
                            false, sequences),
                    RecurrentOps.cell(node, kind, name + "_backward", input, wv, rv, bv, 1, x.channels(), units,
                            true, sequences),
                    BidirectionalSpec.Merge.CONCAT);
        };
        String shown = dirs == 2 ? "Bidirectional(" + kind.displayName() + ")" : kind.displayName()
                + (reverse ? " (reverse)" : "");
        List<String> outs = node.outputs();
        boolean readsY = !outs.get(0).isEmpty() && readers.getOrDefault(outs.get(0), 0) > 0;
        String[] stateLayer = new String[1];
        Supplier<String> state = () -> {
            if (stateLayer[0] == null) {
                stateLayer[0] = uniqueName(readsY ? base + "_h" : base);
                layers.put(stateLayer[0], make.apply(stateLayer[0], false));
            }
            return stateLayer[0];
        };
        Value y = new Deferred(node.describe() + ": its output Y is not read");
        if (readsY && reverse) {
            y = new Deferred("the sequence output Y of a reverse-direction " + node.opType() + " is not supported "
                    + "(ONNX stores it at the input positions); its last state Y_h is");
        } else if (readsY) {
            String name = uniqueName(base);
            layers.put(name, make.apply(name, true));
            if (dirs == 1) {
                lastState.put(name, state);
            }
            y = Act.seq(name, Layout.RNN_Y, x.steps(), dirs * units);
        }
        if (outs.size() > 1 && !outs.get(1).isEmpty() && readers.getOrDefault(outs.get(1), 0) > 0) {
            values.put(outs.get(1), Act.seq(state.get(), Layout.STATES, dirs, units));
        }
        if (outs.size() > 2 && !outs.get(2).isEmpty()) {
            values.put(outs.get(2), new Deferred("the cell state Y_c of an LSTM is not supported"));
        }
        note(node, shown);
        return y;
    }

    private void requireDims(Node node, Tensor t, String what, long... dims) {
        if (!Arrays.equals(t.dims(), dims)) {
            throw error(node.describe() + ": " + what + " " + t + " does not have the shape "
                    + Arrays.toString(dims));
        }
    }

    /** An initial state (or peephole weights) must be absent or zero: jlrp's cells start from zero. */
    private void requireZero(Node node, List<Value> in, int i, String what) {
        Value v = i < in.size() ? in.get(i) : null;
        if (v == null || v instanceof Deferred d && d.zeros()) {
            return;
        }
        if (v instanceof Const c) {
            boolean zero = true;
            for (double d : c.tensor().values()) {
                zero &= d == 0;
            }
            if (zero) {
                return;
            }
        }
        throw error(node.describe() + ": a non-zero " + what + " is not supported; jlrp's recurrent layers start "
                + "from a zero state" + (what.startsWith("peephole") ? " and have no peepholes" : ""));
    }

    /** The sequence layouts as orders of the ONNX axes: b(atch), t(ime), c(hannel). */
    private static final Map<Layout, String> SEQ_AXES = Map.of(Layout.SEQ, "btc", Layout.SEQ_CF, "bct",
            Layout.SEQ_TM, "tbc");

    private static boolean isPermutation(long[] perm) {
        boolean[] seen = new boolean[perm.length];
        for (long p : perm) {
            if (p < 0 || p >= perm.length || seen[(int) p]) {
                return false;
            }
            seen[(int) p] = true;
        }
        return true;
    }

    private String describe(Act x) {
        return switch (x.layout()) {
            case SEQ -> "a sequence [batch, " + x.steps() + ", " + x.channels() + "]";
            case SEQ_CF -> "a sequence [batch, " + x.channels() + ", " + x.steps() + "]";
            case SEQ_TM -> "a time-major sequence [" + x.steps() + ", batch, " + x.channels() + "]";
            case RNN_Y -> "a recurrent output Y [" + x.steps() + ", " + directions(x) + ", batch, "
                    + x.channels() / directions(x) + "]";
            case STATES -> "a recurrent state [" + x.steps() + ", batch, " + x.channels() + "]";
            case RNN_YT -> "a recurrent output [" + x.steps() + ", batch, " + directions(x) + ", "
                    + x.channels() / directions(x) + "]";
            case VEC -> x.rank() == 1 ? "a vector [batch]" : "a vector [batch, " + x.size() + "]";
        };
    }

    /** The directions of the recurrent layer whose Y this is (2 for a Bidirectional layer). */
    private int directions(Act x) {
        return layers.get(x.layer()) instanceof BidirectionalSpec ? 2 : 1;
    }

    private Tensor constInput(Node node, List<Value> in, int i, String what, boolean required) {
        Value v = i < in.size() ? in.get(i) : null;
        if (v == null) {
            if (required) {
                throw error(node.describe() + " has no " + what);
            }
            return null;
        }
        if (!(v instanceof Const c)) {
            throw error(node.describe() + ": its " + what + " '" + node.input(i) + "' is not a constant; jlrp needs "
                    + "weights in initializers or Constant nodes");
        }
        return c.tensor();
    }

    private Value conv(Node node, Act x, List<Value> in) {
        if (x.layout() != Layout.SEQ_CF) {
            throw error(node.describe() + ": Conv reads " + describe(x) + "; jlrp supports 1-D Conv on a "
                    + "channels-first sequence [batch, channels, time]");
        }
        Tensor w = constInput(node, in, 1, "weight", true);
        Tensor b = constInput(node, in, 2, "bias", false);
        if (w.rank() != 3) {
            throw error(node.describe() + ": weight " + w + " is not 1-D ([filters, channels, width]); jlrp supports "
                    + "1-D convolutions only");
        }
        long group = node.i("group", 1);
        if (group != 1) {
            throw error(node.describe() + ": group " + group + " is not supported; jlrp supports group 1");
        }
        int filters = (int) w.dim(0);
        int channels = (int) w.dim(1);
        int width = (int) w.dim(2);
        if (channels != x.channels()) {
            throw error(node.describe() + ": weight " + w + " expects " + channels + " channels; its input has "
                    + x.channels());
        }
        long[] ks = node.ints("kernel_shape");
        if (ks != null && (ks.length != 1 || ks[0] != width)) {
            throw error(node.describe() + ": kernel_shape " + Arrays.toString(ks) + " does not match weight " + w);
        }
        int stride = single(node, "strides", 1);
        int dilation = single(node, "dilations", 1);
        int span = dilation * (width - 1) + 1;
        Window window = window(node, x.steps(), span, stride, true);
        float[] weights = w.floats();
        float[] kernel = new float[weights.length];
        for (int f = 0; f < filters; f++) {
            for (int c = 0; c < channels; c++) {
                for (int k = 0; k < width; k++) {
                    kernel[(k * channels + c) * filters + f] = weights[(f * channels + c) * width + k];
                }
            }
        }
        float[] bias = null;
        if (b != null) {
            if (b.size() != filters) {
                throw error(node.describe() + ": bias " + b + " does not have " + filters + " values");
            }
            bias = b.floats();
        }
        String name = layerName(node);
        layers.put(name, new Conv1DSpec(name, List.of(x.layer()), kernel, bias, width, channels, filters, stride,
                dilation, window.padding(), Activation.LINEAR, window.explicitLeft(), window.explicitRight()));
        note(node, "Conv1D");
        return Act.seq(name, Layout.SEQ_CF, window.outSteps(), filters);
    }

    /** A window's padding; {@code explicitLeft/Right}: the zeros of {@link Padding#EXPLICIT}, else 0. */
    private record Window(Padding padding, int outSteps, int explicitLeft, int explicitRight) {

        Window(Padding padding, int outSteps) {
            this(padding, outSteps, 0, 0);
        }
    }

    /**
     * The jlrp padding that computes exactly the windows of an ONNX Conv or pool: its output length and left padding
     * agree (values beyond the input are zero, or ignored by a pool, either way).
     */
    private Window window(Node node, int steps, int span, int stride, boolean conv) {
        String autoPad = node.s("auto_pad", "NOTSET");
        long[] pads = node.ints("pads");
        long ceil = node.i("ceil_mode", 0);
        int left;
        int right;
        switch (autoPad) {
            case "NOTSET" -> {
                if (pads == null) {
                    pads = new long[] {0, 0};
                }
                if (pads.length != 2) {
                    throw error(node.describe() + ": pads " + Arrays.toString(pads) + " are not 1-D");
                }
                left = (int) pads[0];
                right = (int) pads[1];
            }
            case "VALID" -> {
                left = 0;
                right = 0;
            }
            case "SAME_UPPER", "SAME_LOWER" -> {
                int out = (steps + stride - 1) / stride;
                int total = Math.max((out - 1) * stride + span - steps, 0);
                left = autoPad.equals("SAME_UPPER") ? total / 2 : total - total / 2;
                right = total - left;
            }
            default -> throw error(node.describe() + ": auto_pad " + autoPad + " is not supported");
        }
        if (left < 0 || right < 0) {
            throw error(node.describe() + ": negative pads");
        }
        long padded = (long) steps + left + right - span;
        if (padded < 0) {
            throw error(node.describe() + ": its input of " + steps + " steps is shorter than its window " + span);
        }
        int out = (int) (ceil == 1 ? (padded + stride - 1) / stride + 1 : padded / stride + 1);
        if (ceil == 1 && (long) (out - 1) * stride >= steps + left) {
            out--; // ONNX: the last window must start inside the input or its left padding
        }
        // jlrp's paddings
        int validOut = steps >= span ? (steps - span) / stride + 1 : 0;
        if (left == 0 && out == validOut) {
            return new Window(Padding.VALID, out);
        }
        int sameOut = (steps + stride - 1) / stride;
        int sameLeft = Math.max((sameOut - 1) * stride + span - steps, 0) / 2;
        if (left == sameLeft && out == sameOut) {
            return new Window(Padding.SAME, out);
        }
        if (conv && left == span - 1 && out == sameOut) {
            return new Window(Padding.CAUSAL, out);
        }
        if (conv && ceil == 0) { // zeros on each side, as given; a pool's padding has no such meaning in jlrp
            return new Window(Padding.EXPLICIT, out, left, right);
        }
        throw error(node.describe() + ": pads [" + left + ", " + right + "]" + (ceil == 1 ? " with ceil_mode" : "")
                + " over " + steps + " steps (window " + span + ", stride " + stride + ") match neither valid nor "
                + "same padding; jlrp supports those for pooling");
    }

    private int single(Node node, String attribute, int fallback) {
        long[] v = node.ints(attribute);
        if (v == null) {
            return fallback;
        }
        if (v.length != 1 || v[0] < 1 || v[0] > Integer.MAX_VALUE) {
            throw error(node.describe() + ": " + attribute + " " + Arrays.toString(v) + "; jlrp supports 1-D "
                    + "windows");
        }
        return (int) v[0];
    }

    private Value activationLayer(Node node, Act x, Activation activation) {
        String name = layerName(node);
        layers.put(name, new ActivationSpec(name, List.of(x.layer()), activation, node.opType()));
        note(node, "Activation " + activation.displayName());
        return x.withLayer(name);
    }

    private Value softmax(Node node, Act x) {
        if (x.layout() != Layout.VEC) {
            throw error(node.describe() + ": " + node.opType() + " over " + describe(x) + " is not supported; jlrp "
                    + "supports it as the final activation of a vector");
        }
        long axis = node.i("axis", model.opset() >= 13 ? -1 : 1);
        if (axis != -1 && axis != 1) {
            throw error(node.describe() + ": " + node.opType() + " over axis " + axis + " is not supported");
        }
        return activationLayer(node, x, Activation.SOFTMAX);
    }

    private Value pool(Node node, Act x) {
        if (x.layout() != Layout.SEQ_CF) {
            throw error(node.describe() + ": " + node.opType() + " reads " + describe(x) + "; jlrp supports 1-D "
                    + "pooling over a channels-first sequence [batch, channels, time]");
        }
        if (node.outputs().size() > 1 && !node.outputs().get(1).isEmpty()) {
            throw error(node.describe() + ": the Indices output of MaxPool is not supported");
        }
        boolean max = node.opType().equals("MaxPool");
        int pool = single(node, "kernel_shape", -1);
        if (pool < 1) {
            throw error(node.describe() + " has no kernel_shape");
        }
        int stride = single(node, "strides", 1);
        if (single(node, "dilations", 1) != 1) {
            throw error(node.describe() + ": dilated pooling is not supported");
        }
        if (node.i("storage_order", 0) != 0) {
            throw error(node.describe() + ": storage_order 1 is not supported");
        }
        Window window = window(node, x.steps(), pool, stride, false);
        if (!max && node.i("count_include_pad", 0) != 0 && window.padding() != Padding.VALID) {
            throw error(node.describe() + ": count_include_pad 1 with padding is not supported");
        }
        String name = layerName(node);
        layers.put(name, PoolingSpec.window(name, List.of(x.layer()), max ? PoolingSpec.Kind.MAX
                : PoolingSpec.Kind.AVERAGE, pool, stride, window.padding()));
        note(node, max ? "MaxPooling1D" : "AveragePooling1D");
        return Act.seq(name, Layout.SEQ_CF, window.outSteps(), x.channels());
    }

    private Value globalPool(Node node, Act x, boolean max, boolean keepdims) {
        if (x.layout() == Layout.VEC) {
            throw error(node.describe() + ": " + node.opType() + " over " + describe(x) + " is not supported");
        }
        String name = layerName(node);
        layers.put(name, PoolingSpec.global(name, List.of(x.layer()), max ? PoolingSpec.Kind.MAX
                : PoolingSpec.Kind.AVERAGE, keepdims));
        note(node, max ? "GlobalMaxPooling1D" : "GlobalAveragePooling1D");
        return keepdims ? Act.seq(name, x.layout(), 1, x.channels()) : Act.vec(name, x.channels(), null);
    }

    private Value reduce(Node node, Act x, List<Value> in) {
        long[] axes = node.ints("axes");
        if (axes == null && in.size() > 1 && in.get(1) != null) {
            axes = constInput(node, in, 1, "axes", true).longs();
        }
        if (x.layout() == Layout.VEC || axes == null || axes.length != 1) {
            throw error(node.describe() + ": " + node.opType() + " over axes " + Arrays.toString(axes) + " of "
                    + describe(x) + " is not supported; jlrp supports it over the time axis of a sequence");
        }
        long axis = axes[0] < 0 ? axes[0] + 3 : axes[0];
        long time = x.layout() == Layout.SEQ_CF ? 2 : 1;
        if (axis != time) {
            throw error(node.describe() + ": " + node.opType() + " over axis " + axes[0] + " of " + describe(x)
                    + " is not supported; jlrp supports it over the time axis");
        }
        return globalPool(node, x, node.opType().equals("ReduceMax"), node.i("keepdims", 1) != 0);
    }

    private Value flatten(Node node, Act x) {
        long axis = node.i("axis", 1);
        if (axis < 0) {
            axis += x.rank();
        }
        if (axis != 1) {
            throw error(node.describe() + ": Flatten with axis " + node.i("axis", 1) + " is not supported; jlrp "
                    + "flattens each sample (axis 1)");
        }
        return toVector(node, x);
    }

    /** The activation as an ONNX {@code [B, N]} vector in ONNX's row-major order. */
    private Act toVector(Node node, Act x) {
        if (x.layout() == Layout.VEC) {
            note(node, "pass-through");
            return new Act(x.layer(), Layout.VEC, 0, 0, x.size(), x.order(), 2, x.width());
        }
        String name = layerName(node);
        layers.put(name, new FlattenSpec(name, List.of(x.layer())));
        note(node, "Flatten");
        int[] order = null;
        if (x.layout() == Layout.SEQ_CF && x.steps() > 1 && x.channels() > 1) {
            int steps = x.steps();
            int channels = x.channels();
            order = new int[steps * channels];
            for (int c = 0; c < channels; c++) {
                for (int t = 0; t < steps; t++) {
                    order[c * steps + t] = t * channels + c;
                }
            }
        }
        return Act.vec(name, x.size(), order);
    }

    private Value reshape(Node node, Act x, List<Value> in) {
        long[] target = constInput(node, in, 1, "shape", true).longs();
        if (x.timeMajor()) {
            // [T,B,D,H] → [T,B,D·H] (PyTorch's bidirectional output): the directions side by side, as jlrp holds them.
            if (x.layout() == Layout.RNN_YT && target.length == 3 && (target[0] == 0 || target[0] == x.steps())
                    && (target[1] == 0 || target[1] == -1 || target[1] == (long) BATCH)
                    && (target[2] == -1 || target[2] == x.channels()) && !(target[1] == -1 && target[2] == -1)) {
                note(node, "layout");
                return Act.seq(x.layer(), Layout.SEQ_TM, x.steps(), x.channels());
            }
            throw error(node.describe() + ": Reshape of " + describe(x) + " to " + Arrays.toString(target)
                    + " is not supported");
        }
        long[] dims = new long[target.length];
        int unknown = -1;
        long known = 1;
        for (int i = 0; i < target.length; i++) {
            long d = target[i];
            if (i == 0) {
                if (d == (long) BATCH || d == 0 || d == -1) {
                    dims[0] = -1;
                    continue;
                }
                throw error(node.describe() + ": Reshape to " + Arrays.toString(target) + " changes the batch axis");
            }
            if (d == 0) {
                long[] current = x.onnxDims();
                if (i - 1 >= current.length) {
                    throw error(node.describe() + ": Reshape copies a dimension its input lacks");
                }
                d = current[i - 1];
            }
            if (d == -1) {
                if (unknown >= 0 || target[0] == -1) {
                    throw error(node.describe() + ": Reshape to " + Arrays.toString(target) + " has two -1");
                }
                unknown = i;
            } else if (d < 1) {
                throw error(node.describe() + ": Reshape to " + Arrays.toString(target) + " is not supported");
            } else {
                known *= d;
            }
            dims[i] = d;
        }
        if (unknown >= 0) {
            if (x.size() % known != 0) {
                throw error(node.describe() + ": cannot reshape " + describe(x) + " to " + Arrays.toString(target));
            }
            dims[unknown] = x.size() / known;
            known = x.size();
        }
        if (target[0] == -1 && dims.length > 1) {
            known = x.size(); // -1 in the batch position: the other dims are the sample
        }
        if (known != x.size() && dims.length > 1) {
            throw error(node.describe() + ": cannot reshape " + describe(x) + " to " + Arrays.toString(target));
        }
        if (dims.length == 2) {
            return toVector(node, x);
        }
        if (dims.length == 3) {
            long[] current = x.onnxDims();
            if (current.length == 2 && current[0] == dims[1] && current[1] == dims[2]) {
                note(node, "pass-through");
                return x;
            }
            Act v = x.layout() == Layout.VEC ? x : toVector(node, x);
            if (v.order() != null) {
                throw error(node.describe() + ": Reshape of a channel-major flatten to a sequence is not supported");
            }
            // ONNX [B, d1, d2] in row-major order is jlrp's [T = d1][C = d2], channels-last.
            return reshapeTo(node, v, (int) dims[1], (int) dims[2]);
        }
        throw error(node.describe() + ": Reshape to " + Arrays.toString(target) + " is not supported; jlrp supports "
                + "rank 2 and 3 targets");
    }

    /** A vector in ONNX row-major order as an ONNX {@code [B, d1, d2]}: jlrp {@code [T=d1][C=d2]}, channels-last. */
    private Act reshapeTo(Node node, Act v, int d1, int d2) {
        String name = layerName(node) + (layers.containsKey(layerName(node)) ? "_reshape" : "");
        layers.put(name, new ReshapeSpec(name, List.of(v.layer()), new int[] {d1, d2}));
        note(node, "Reshape");
        return Act.seq(name, Layout.SEQ, d1, d2);
    }

    private long[] axesOf(Node node, List<Value> in) {
        long[] axes = node.ints("axes");
        if (axes == null && in.size() > 1 && in.get(1) != null) {
            axes = constInput(node, in, 1, "axes", true).longs();
        }
        return axes;
    }

    private Value squeeze(Node node, Act x, List<Value> in) {
        long[] axes = axesOf(node, in);
        int rank = x.rank();
        if (axes == null || axes.length != 1) {
            throw error(node.describe() + ": Squeeze needs one axis (got " + Arrays.toString(axes) + ")");
        }
        long axis = axes[0] < 0 ? axes[0] + rank : axes[0];
        if (x.layout() == Layout.VEC && rank == 2 && axis == 1 && x.size() == 1) {
            note(node, "pass-through");
            return new Act(x.layer(), Layout.VEC, 0, 0, 1, x.order(), 1, x.width());
        }
        if (x.layout() == Layout.RNN_Y && axis == 1 && directions(x) == 1) { // [T,1,B,H] → [T,B,H]
            note(node, "layout");
            return Act.seq(x.layer(), Layout.SEQ_TM, x.steps(), x.channels());
        }
        if (x.layout() == Layout.STATES && axis == 0 && x.steps() == 1) { // [1,B,H] → [B,H]
            note(node, "pass-through");
            return Act.vec(x.layer(), x.channels(), null);
        }
        if (x.timeMajor()) {
            throw error(node.describe() + ": Squeeze of axis " + axes[0] + " of " + describe(x) + " is not supported");
        }
        if (x.layout() != Layout.VEC && rank == 3) {
            long time = x.layout() == Layout.SEQ_CF ? 2 : 1;
            if (axis == time && x.steps() == 1 || axis == 3 - time && x.channels() == 1) {
                return toVector(node, x);
            }
        }
        throw error(node.describe() + ": Squeeze of axis " + axes[0] + " of " + describe(x) + " is not supported");
    }

    private Value unsqueeze(Node node, Act x, List<Value> in) {
        long[] axes = axesOf(node, in);
        if (axes == null || axes.length != 1 || x.layout() != Layout.VEC || x.rank() != 2) {
            throw error(node.describe() + ": Unsqueeze of axes " + Arrays.toString(axes) + " of " + describe(x)
                    + " is not supported");
        }
        long axis = axes[0] < 0 ? axes[0] + 3 : axes[0];
        if (x.order() != null) {
            throw error(node.describe() + ": Unsqueeze of a channel-major flatten is not supported");
        }
        String name = layerName(node);
        layers.put(name, new ReshapeSpec(name, List.of(x.layer()), new int[] {1, x.size()}));
        note(node, "Reshape");
        if (axis == 2) { // [B, C, 1]: a channels-first sequence of one step
            return Act.seq(name, Layout.SEQ_CF, 1, x.size());
        }
        if (axis == 1) { // [B, 1, N]: a channels-last sequence of one step
            return Act.seq(name, Layout.SEQ, 1, x.size());
        }
        throw error(node.describe() + ": Unsqueeze of axis " + axes[0] + " is not supported");
    }

    private Value gemm(Node node, Act x, List<Value> in) {
        if (x.layout() != Layout.VEC || x.rank() != 2) {
            throw error(node.describe() + ": Gemm reads " + describe(x) + "; expected a vector [batch, n]");
        }
        if (node.i("transA", 0) != 0) {
            throw error(node.describe() + ": transA 1 is not supported (the batch axis must come first)");
        }
        Tensor b = constInput(node, in, 1, "weight B", true);
        Tensor c = constInput(node, in, 2, "bias C", false);
        boolean transB = node.i("transB", 0) != 0;
        float alpha = node.f("alpha", 1f);
        float beta = node.f("beta", 1f);
        if (b.rank() != 2) {
            throw error(node.describe() + ": weight " + b + " is not a matrix");
        }
        int inSize = (int) (transB ? b.dim(1) : b.dim(0));
        int units = (int) (transB ? b.dim(0) : b.dim(1));
        return dense(node, x, b.values(), transB, inSize, units, alpha, c, beta);
    }

    private Value matmul(Node node, Act x, List<Value> in) {
        Tensor b = constInput(node, in, 1, "weight", true);
        if (b.rank() != 2) {
            throw error(node.describe() + ": MatMul by " + b + " is not supported; jlrp supports an activation "
                    + "times a constant matrix");
        }
        int inSize = (int) b.dim(0);
        int units = (int) b.dim(1);
        if (x.layout() == Layout.SEQ) { // per step over the channels: a Dense on a sequence
            if (inSize != x.channels()) {
                throw error(node.describe() + ": weight " + b + " does not fit " + describe(x));
            }
            String name = layerName(node);
            layers.put(name, new DenseSpec(name, List.of(x.layer()), b.floats(), null, inSize, units,
                    Activation.LINEAR));
            note(node, "Dense");
            return Act.seq(name, Layout.SEQ, x.steps(), units);
        }
        if (x.layout() != Layout.VEC || x.rank() != 2) {
            throw error(node.describe() + ": MatMul reads " + describe(x) + "; expected a vector [batch, n] or a "
                    + "channels-last sequence");
        }
        return dense(node, x, b.values(), false, inSize, units, 1f, null, 1f);
    }

    private Value dense(Node node, Act x, double[] w, boolean transposed, int inSize, int units, float alpha,
                        Tensor c, float beta) {
        if (inSize != x.size()) {
            throw error(node.describe() + ": weight [" + (transposed ? units + ", " + inSize : inSize + ", " + units)
                    + "] does not fit " + describe(x));
        }
        int[] order = x.order();
        // A part of a layer's output: the rows of the values it leaves out stay zero; an index read twice adds up.
        float[] kernel = new float[x.width() * units];
        for (int k = 0; k < inSize; k++) {
            int row = order == null ? k : order[k];
            for (int u = 0; u < units; u++) {
                double v = transposed ? w[u * inSize + k] : w[k * units + u];
                kernel[row * units + u] += (float) (alpha * v);
            }
        }
        float[] bias = null;
        if (c != null) {
            bias = broadcastBias(node, c, units, beta);
        }
        String name = layerName(node);
        layers.put(name, new DenseSpec(name, List.of(x.layer()), kernel, bias, x.width(), units,
                Activation.LINEAR));
        note(node, "Dense");
        return Act.vec(name, units, null);
    }

    private float[] broadcastBias(Node node, Tensor c, int units, float beta) {
        long n = c.size();
        boolean vector = n == units && (c.rank() == 1 || c.rank() == 2 && c.dim(0) == 1);
        boolean scalar = n == 1;
        if (!vector && !scalar) {
            throw error(node.describe() + ": bias " + c + " is not a per-unit bias of " + units + " values");
        }
        float[] bias = new float[units];
        for (int u = 0; u < units; u++) {
            bias[u] = (float) (beta * c.values()[scalar ? 0 : u]);
        }
        return bias;
    }

    /** Add of a constant right after a MatMul, Gemm or Conv: the constant joins that layer's bias. */
    private Value add(Node node, Act x, List<Value> in) {
        Value other = in.size() > 1 ? in.get(1) : null;
        if (!(other instanceof Const c)) {
            throw error(node.describe() + ": Add of two activations is not supported (no residual connections)");
        }
        LayerSpec producer = layers.get(x.layer());
        boolean soleReader = readers.getOrDefault(outputOfLayer(x.layer()), 0) <= 1;
        if (producer instanceof DenseSpec d && d.activation() == Activation.LINEAR && soleReader) {
            float[] bias = addBias(node, d.bias(), c.tensor(), d.units(), x);
            layers.put(d.name(), new DenseSpec(d.name(), d.inputs(), d.kernel(), bias, d.inputSize(), d.units(),
                    Activation.LINEAR));
            note(node, "bias of " + d.name());
            return x;
        }
        if (producer instanceof Conv1DSpec cv && cv.activation() == Activation.LINEAR && soleReader) {
            float[] bias = addBias(node, cv.bias(), c.tensor(), cv.filters(), x);
            layers.put(cv.name(), cv.withBias(bias));
            note(node, "bias of " + cv.name());
            return x;
        }
        throw error(node.describe() + ": Add of a constant is supported only as the bias of the MatMul, Gemm or Conv "
                + "right before it");
    }

    private float[] addBias(Node node, float[] existing, Tensor c, int units, Act x) {
        // The constant broadcasts over the batch (and time); it must be one value per unit (or one value).
        long n = c.size();
        long[] dims = c.dims();
        boolean perUnit = n == units && dims.length >= 1 && dims[dims.length - 1] == units;
        if (x.layout() == Layout.SEQ_CF) {
            perUnit = n == units && dims.length >= 2 && dims[dims.length - 2] == units && dims[dims.length - 1] == 1;
        }
        if (!perUnit && n != 1) {
            throw error(node.describe() + ": Add of " + c + " is not a per-unit bias of " + describe(x));
        }
        float[] bias = existing == null ? new float[units] : existing;
        for (int u = 0; u < units; u++) {
            bias[u] += (float) c.values()[n == 1 ? 0 : u];
        }
        return bias;
    }

    /** The ONNX value name whose producer created this layer (the layer name is its node's name). */
    private String outputOfLayer(String layer) {
        return layerOutputs.getOrDefault(layer, "");
    }

    private final Map<String, String> layerOutputs = new HashMap<>();

    private Value concat(Node node, List<Value> in) {
        long axis = node.i("axis", 1);
        List<Act> acts = new ArrayList<>();
        for (Value v : in) {
            if (!(v instanceof Act a)) {
                throw error(node.describe() + ": Concat of an activation and a constant is not supported");
            }
            acts.add(a);
        }
        Act first = acts.get(0);
        for (Act a : acts) {
            if (a.layout() != first.layout() || a.rank() != first.rank()) {
                throw error(node.describe() + ": Concat of inputs with different layouts");
            }
        }
        int rank = first.rank();
        if (axis < 0) {
            axis += rank;
        }
        List<String> names = acts.stream().map(Act::layer).toList();
        String name = layerName(node);
        if (first.layout() == Layout.STATES && axis == 0) {
            // PyTorch's h_n of a stacked recurrent net: the layers' last states one after the other.
            int dirs = 0;
            for (Act a : acts) {
                if (a.channels() != first.channels()) {
                    throw error(node.describe() + ": Concat of states of different sizes");
                }
                dirs += a.steps();
            }
            layers.put(name, new ConcatenateSpec(name, names, 1));
            note(node, "Concatenate");
            return Act.seq(name, Layout.STATES, dirs, first.channels());
        }
        if (first.timeMajor()) {
            throw error(node.describe() + ": Concat over axis " + axis + " of " + describe(first) + " is not "
                    + "supported");
        }
        if (first.layout() == Layout.VEC && axis == 1) {
            // Each distinct layer once (parts of one layer, such as the two directions' states, concatenate to a
            // view of that layer); the ONNX order maps into the concatenation of those layers.
            Map<String, Integer> offsets = new LinkedHashMap<>();
            int width = 0;
            int total = 0;
            for (Act a : acts) {
                if (!offsets.containsKey(a.layer())) {
                    offsets.put(a.layer(), width);
                    width += a.width();
                }
                total += a.size();
            }
            int[] order = new int[total];
            boolean identity = total == width;
            int k = 0;
            for (Act a : acts) {
                int offset = offsets.get(a.layer());
                for (int i = 0; i < a.size(); i++, k++) {
                    order[k] = offset + (a.order() == null ? i : a.order()[i]);
                    identity &= order[k] == k;
                }
            }
            String layer = first.layer();
            if (offsets.size() > 1) {
                layers.put(name, new ConcatenateSpec(name, List.copyOf(offsets.keySet()), 1));
                note(node, "Concatenate");
                layer = name;
            } else {
                note(node, "pass-through");
            }
            return new Act(layer, Layout.VEC, 0, 0, total, identity ? null : order, 2, width);
        }
        if (first.layout() != Layout.VEC && rank == 3 && (axis == 1 || axis == 2)) {
            boolean channels = first.layout() == Layout.SEQ_CF ? axis == 1 : axis == 2;
            int steps = 0;
            int chans = 0;
            for (Act a : acts) {
                steps = channels ? a.steps() : steps + a.steps();
                chans = channels ? chans + a.channels() : a.channels();
            }
            layers.put(name, new ConcatenateSpec(name, names, channels ? 2 : 1));
            note(node, "Concatenate");
            return Act.seq(name, first.layout(), steps, chans);
        }
        throw error(node.describe() + ": Concat over axis " + node.i("axis", 1) + " of " + describe(first)
                + " is not supported");
    }

    // ---------------------------------------------------------------------------------------------- helpers

    /** A unique, non-empty layer name for a node; the node's first output maps to it (for the Add bias check). */
    private String layerName(Node node) {
        String base = !node.name().isEmpty() ? node.name()
                : node.outputs().stream().filter(o -> !o.isEmpty()).findFirst().orElse(node.opType());
        String name = uniqueName(base.isEmpty() ? node.opType() : base);
        layerOutputs.put(name, node.outputs().get(0));
        return name;
    }

    private String uniqueName(String base) {
        String name = base;
        for (int i = 1; layers.containsKey(name); i++) {
            name = base + "_" + i;
        }
        return name;
    }

    private void note(Node node, String what) {
        mapping.add(node.opType() + " " + (node.name().isEmpty() ? node.outputs().get(0) : node.name()) + " -> "
                + what);
        String key = node.opType() + "→" + (what.startsWith("bias of") ? "bias" : what.replaceAll(" \\(.*", ""));
        mappedCounts.merge(key, 1, Integer::sum);
    }

    JlrpException error(String message) {
        return new JlrpException(source + ": " + message);
    }
}
