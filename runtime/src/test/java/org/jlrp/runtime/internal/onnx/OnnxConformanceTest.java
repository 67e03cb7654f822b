package org.jlrp.runtime.internal.onnx;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.jlrp.kernels.KernelProvider;
import org.jlrp.runtime.JlrpException;
import org.jlrp.runtime.explain.Explainer;
import org.jlrp.runtime.internal.model.Activation;
import org.jlrp.runtime.internal.model.EmbeddingSpec;
import org.jlrp.runtime.internal.model.ModelSpec;
import org.jlrp.runtime.internal.onnx.OnnxImporter.Act;
import org.jlrp.runtime.internal.onnx.OnnxImporter.Bound;
import org.jlrp.runtime.internal.onnx.OnnxModel.ValueInfo;
import org.junit.jupiter.api.Test;

/**
 * ONNX's own backend tests (Debian's {@code libonnx-testdata}) of the ops jlrp maps, run through the importer and
 * jlrp's forward pass: the test's float input becomes the output of an Embedding (one table row per batch element
 * and time step, channels-first {@code [B,C,T]} for rank 3, a vector for rank 2), the other inputs are constants, and
 * the graph's output, put back into ONNX order from jlrp's channels-last buffer, must match {@code output_0.pb}
 * within rtol 1e-4, atol 1e-5. A test whose case jlrp refuses by design (2-D windows, groups, pads that are neither
 * valid nor same, a transpose that moves the batch axis, …) counts as refused, with its one-line reason; none may
 * compute a wrong result. Skips when the package is missing, except under {@code CI=true}.
 */
class OnnxConformanceTest {

    static final Path ROOT = Path.of("/usr/share/libonnx-testdata/data");

    /** The tests of the ops jlrp maps: the pytorch-converted 1-D modules and the node tests of those ops. */
    static final List<String> PREFIXES = List.of("pytorch-converted/test_Conv1d", "pytorch-converted/test_MaxPool1d",
            "pytorch-converted/test_AvgPool1d", "pytorch-converted/test_Embedding", "pytorch-converted/test_Linear",
            "node/test_relu", "node/test_sigmoid", "node/test_tanh", "node/test_softmax_", "node/test_gemm_",
            "node/test_matmul_", "node/test_flatten_", "node/test_transpose_", "node/test_maxpool_1d",
            "node/test_averagepool_1d", "node/test_globalmaxpool", "node/test_globalaveragepool",
            "node/test_reduce_max_", "node/test_reduce_mean_", "node/test_identity", "node/test_dropout_default",
            "node/test_concat_", "node/test_reshape_", "node/test_unsqueeze_", "node/test_squeeze",
            "node/test_basic_conv_", "node/test_conv_with_", "node/test_lstm_", "node/test_gru_",
            "node/test_simple_rnn_", "node/test_rnn_");

    /** The tests that must pass (the ops of PyTorch text CNN and recurrent exports). */
    static final List<String> REQUIRED = List.of("pytorch-converted/test_Conv1d", "pytorch-converted/test_Conv1d_pad1",
            "pytorch-converted/test_Conv1d_pad1size1", "pytorch-converted/test_Conv1d_stride",
            "pytorch-converted/test_Conv1d_dilated", "pytorch-converted/test_MaxPool1d",
            "pytorch-converted/test_MaxPool1d_stride",
            "pytorch-converted/test_Embedding", "pytorch-converted/test_Linear", "pytorch-converted/test_Linear_no_bias",
            "node/test_relu", "node/test_gemm_default_vector_bias", "node/test_gemm_transposeB",
            "node/test_gemm_alpha", "node/test_gemm_beta", "node/test_matmul_2d", 
            "node/test_maxpool_1d_default", "node/test_averagepool_1d_default", "node/test_softmax_example",
            "node/test_sigmoid", "node/test_dropout_default", "node/test_lstm_defaults",
            "node/test_lstm_with_initial_bias", "node/test_gru_defaults", "node/test_gru_seq_length",
            "node/test_gru_with_initial_bias", "node/test_simple_rnn_defaults",
            "node/test_simple_rnn_with_initial_bias", "node/test_rnn_seq_length");

    record Result(String test, String op, String outcome, String detail) {
    }

    @Test
    void supportedOpsMatchOnnxReference() throws IOException {
        if (!Files.isDirectory(ROOT.resolve("node"))) {
            if ("true".equalsIgnoreCase(System.getenv("CI"))) {
                fail(ROOT + " is missing (CI=true: install libonnx-testdata)");
            }
            assumeTrue(false, ROOT + " not found; skipping the ONNX conformance tests");
        }
        List<Result> results = new ArrayList<>();
        for (String prefix : PREFIXES) {
            Path dir = ROOT.resolve(prefix).getParent();
            String start = ROOT.resolve(prefix).getFileName().toString();
            try (Stream<Path> tests = Files.list(dir)) {
                for (Path test : tests.filter(p -> p.getFileName().toString().startsWith(start)
                        && !p.getFileName().toString().endsWith("_expanded")).sorted().toList()) {
                    results.add(run(ROOT.relativize(test).toString(), test));
                }
            }
        }
        Map<String, int[]> perOp = new TreeMap<>();
        StringBuilder report = new StringBuilder();
        List<String> failures = new ArrayList<>();
        for (Result r : results) {
            int[] counts = perOp.computeIfAbsent(r.op(), k -> new int[4]);
            counts[0]++;
            if (r.outcome().equals("pass")) {
                counts[1]++;
            } else if (r.outcome().equals("refused")) {
                counts[2]++;
            } else if (r.outcome().equals("skipped")) {
                counts[3]++;
            } else {
                failures.add(r.test() + ": " + r.detail());
            }
            report.append(String.format("%-60s %-8s %s%n", r.test(), r.outcome(), r.detail()));
        }
        report.append(String.format("%n| op | tests | passed | refused | skipped |%n|---|---|---|---|---|%n"));
        perOp.forEach((op, c) -> report.append(String.format("| %s | %d | %d | %d | %d |%n", op, c[0], c[1], c[2],
                c[3])));
        System.out.print(report);
        assertTrue(failures.isEmpty(), "wrong results: " + failures);
        for (String required : REQUIRED) {
            Result r = results.stream().filter(x -> x.test().equals(required)).findFirst().orElse(null);
            assertTrue(r != null && r.outcome().equals("pass"), required + " must pass: " + r);
        }
    }

    private static Result run(String id, Path dir) throws IOException {
        OnnxModel model = OnnxReader.readModel(dir.resolve("model.onnx"), OnnxLimits.DEFAULT);
        String op = model.graph().nodes().size() == 1 ? model.graph().nodes().get(0).opType()
                : id.startsWith("pytorch-converted/") ? id.substring(id.indexOf("test_") + 5).replaceAll("_.*", "")
                : "graph";
        Path data = dir.resolve("test_data_set_0");
        List<String> inputNames = new ArrayList<>();
        java.util.Set<String> initializers = new java.util.HashSet<>();
        model.graph().initializers().forEach(t -> initializers.add(t.name()));
        for (ValueInfo in : model.graph().inputs()) {
            if (!initializers.contains(in.name())) {
                inputNames.add(in.name());
            }
        }
        List<Tensor> inputs = new ArrayList<>();
        for (int k = 0; k < inputNames.size(); k++) {
            Path pb = data.resolve("input_" + k + ".pb");
            if (!Files.exists(pb)) {
                break;
            }
            try {
                inputs.add(OnnxReader.readTensor(pb, OnnxLimits.DEFAULT));
            } catch (JlrpException e) {
                return new Result(id, op, "skipped", "input_" + k + ".pb is not a TensorProto (optional/sequence)");
            }
        }
        Tensor expected;
        try {
            expected = OnnxReader.readTensor(data.resolve("output_0.pb"), OnnxLimits.DEFAULT);
        } catch (JlrpException e) {
            return new Result(id, op, "skipped", "output_0.pb is not a TensorProto (optional/sequence)");
        }
        try {
            double[] got = evaluate(model, id, inputNames, inputs);
            if (got.length != expected.size()) {
                return new Result(id, op, "FAIL", got.length + " outputs, expected " + expected.size());
            }
            double worst = 0;
            for (int i = 0; i < got.length; i++) {
                double want = expected.values()[i];
                double err = Math.abs(got[i] - want);
                if (err > 1e-5 + 1e-4 * Math.abs(want)) {
                    return new Result(id, op, "FAIL", "output " + i + ": " + got[i] + ", expected " + want);
                }
                worst = Math.max(worst, err);
            }
            return new Result(id, op, "pass", String.format("max abs error %.2g", worst));
        } catch (JlrpException e) {
            String m = e.getMessage();
            return new Result(id, op, "refused", m.substring(m.indexOf("model.onnx: ") + 12));
        }
    }

    /** The graph's first output in ONNX order, computed by jlrp. */
    private static double[] evaluate(OnnxModel model, String id, List<String> names, List<Tensor> inputs) {
        if (inputs.isEmpty()) {
            throw new JlrpException("model.onnx: no test input");
        }
        Tensor x = inputs.get(0);
        if (Tensor.isInteger(x.dataType())) {
            return embedding(model, id, x);
        }
        if (!Tensor.isFloat(x.dataType())) {
            throw new JlrpException("model.onnx: input type " + Tensor.typeName(x.dataType()));
        }
        if (x.rank() != 2 && x.rank() != 3) {
            throw new JlrpException("model.onnx: a rank-" + x.rank() + " input; jlrp's activations are [batch, n] "
                    + "vectors and [batch, channels, time] sequences");
        }
        Map<String, Tensor> constants = new HashMap<>();
        for (int k = 1; k < inputs.size(); k++) {
            constants.put(names.get(k), inputs.get(k));
        }
        // The recurrent ops read a time-major [T, B, C] input; everything else [B, C, T] or [B, N].
        boolean timeMajor = x.rank() == 3 && model.graph().nodes().stream()
                .anyMatch(n -> RecurrentOps.OPS.contains(n.opType()));
        int batch = (int) x.dim(timeMajor ? 1 : 0);
        int channels = (int) x.dim(timeMajor ? 2 : 1);
        int steps = timeMajor ? (int) x.dim(0) : x.rank() == 3 ? (int) x.dim(2) : 1;
        float[] table = new float[batch * steps * channels];
        for (int b = 0; b < batch; b++) {
            for (int c = 0; c < channels; c++) {
                for (int t = 0; t < steps; t++) {
                    table[((b * steps) + t) * channels + c] = (float) x.values()[timeMajor
                            ? (t * batch + b) * channels + c : (b * channels + c) * steps + t];
                }
            }
        }
        OnnxImporter.Imported imported = OnnxImporter.importBound(model, "model.onnx",
                new Bound(table, batch * steps, channels, steps, x.rank(), timeMajor, constants));
        Explainer explainer = Explainer.of(imported.spec(), KernelProvider.get());
        Act out = imported.output();
        double[][] perSample = new double[batch][];
        for (int b = 0; b < batch; b++) {
            int[] tokens = new int[steps];
            for (int t = 0; t < steps; t++) {
                tokens[t] = b * steps + t;
            }
            float[] logits = explainer.logits(tokens, null);
            perSample[b] = squash(explainer.network().strippedActivation(), logits);
        }
        List<Double> values = new ArrayList<>();
        if (out.timeMajor()) { // [T or D, B, C]: the batch is the second axis
            int outer = out.steps();
            int inner = out.channels();
            for (int t = 0; t < outer; t++) {
                for (int b = 0; b < batch; b++) {
                    for (int c = 0; c < inner; c++) {
                        values.add(perSample[b][t * inner + c]);
                    }
                }
            }
            return values.stream().mapToDouble(Double::doubleValue).toArray();
        }
        for (int b = 0; b < batch; b++) {
            double[] y = perSample[b];
            for (int k = 0; k < out.size(); k++) {
                int j = switch (out.layout()) {
                    case SEQ -> k;
                    case SEQ_CF -> (k % out.steps()) * out.channels() + k / out.steps();
                    case VEC -> out.order() == null ? k : out.order()[k];
                    default -> throw new IllegalStateException(out.layout().toString());
                };
                values.add(y[j]);
            }
        }
        return values.stream().mapToDouble(Double::doubleValue).toArray();
    }

    private static double[] squash(Activation stripped, float[] logits) {
        double[] y = new double[logits.length];
        if (stripped == Activation.SOFTMAX) {
            double max = Double.NEGATIVE_INFINITY;
            for (float l : logits) {
                max = Math.max(max, l);
            }
            double sum = 0;
            for (int i = 0; i < y.length; i++) {
                y[i] = Math.exp(logits[i] - max);
                sum += y[i];
            }
            for (int i = 0; i < y.length; i++) {
                y[i] /= sum;
            }
            return y;
        }
        for (int i = 0; i < y.length; i++) {
            y[i] = stripped == Activation.SIGMOID ? 1 / (1 + Math.exp(-logits[i])) : logits[i];
        }
        return y;
    }

    /** An embedding-only graph (ONNX's Embedding test): its output is the table rows of the ids, as mapped. */
    private static double[] embedding(OnnxModel model, String id, Tensor ids) {
        ModelSpec spec = OnnxImporter.importModel(model, "model.onnx").spec();
        EmbeddingSpec emb = (EmbeddingSpec) spec.layers().stream().filter(l -> l instanceof EmbeddingSpec)
                .findFirst().orElseThrow(() -> new JlrpException("model.onnx: no Embedding"));
        float[] table = emb.table();
        long[] idx = ids.longs();
        double[] out = new double[idx.length * emb.dim()];
        for (int i = 0; i < idx.length; i++) {
            for (int d = 0; d < emb.dim(); d++) {
                out[i * emb.dim() + d] = table[(int) idx[i] * emb.dim() + d];
            }
        }
        assertEquals(spec.output(), emb.name(), id + ": the output is the Embedding");
        return out;
    }
}
