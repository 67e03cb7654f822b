package org.jlrp.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.jlrp.runtime.SharedFiles;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The recurrent PyTorch exports through {@code jlrp explain --format json} against their goldens (both settings), as
 * the golden checker compares them: same target, logits and per-token relevance (runs of equal ids merged) within
 * 1e-4 relative to the largest value. A one-sigmoid model's JSON is the binary class view: class 1 is the unit
 * (its logit and relevance), so the unit's golden (target 0) is checked against {@code --target 1}. And
 * {@code jlrp info} names the opset, the producer and the recurrent op's mapping.
 */
class OnnxCliTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    private record Run(int code, String out, String err) {
    }

    private static Run jlrp(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = Main.run(args, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        return new Run(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    @ParameterizedTest
    @ValueSource(strings = {"torch_lstm_textclf", "torch_bigru_textclf"})
    void recurrentExportsMatchTheirGoldensThroughTheCli(String name) throws Exception {
        Path model = SharedFiles.require("models/onnx/" + name + ".opset13.onnx");
        Path tokens = SharedFiles.require("golden/onnx/" + name + ".tokens.json");
        for (String file : List.of(name + ".lrp.json", name + ".lrp-target0-eps0.01.json")) {
            JsonNode golden = JSON.readTree(SharedFiles.require("golden/onnx/" + file).toFile());
            boolean unit = golden.get("output_activation").asText().equals("sigmoid");
            String target = golden.get("target").asText();
            List<String> args = new ArrayList<>(List.of("explain", "--model", model.toString(), "--tokens",
                    tokens.toString(), "--format", "json", "--eps", golden.get("eps").asText()));
            if (unit || !target.equals("pred")) {
                args.addAll(List.of("--target", unit ? "1" : target));
            }
            Run r = jlrp(args.toArray(String[]::new));
            assertEquals(0, r.code(), r.err());
            JsonNode results = JSON.readTree(r.out()).get("results");
            JsonNode samples = golden.get("samples");
            assertEquals(samples.size(), results.size(), file);
            double worst = 0;
            for (int n = 0; n < samples.size(); n++) {
                JsonNode want = samples.get(n);
                JsonNode got = results.get(n);
                String where = file + " sequence " + n;
                assertEquals(want.get("target").asInt(), got.get("target").asInt() - (unit ? 1 : 0), where);
                JsonNode wantLogits = want.get("logits");
                double scale = 0;
                for (JsonNode v : wantLogits) {
                    scale = Math.max(scale, Math.abs(v.asDouble()));
                }
                for (int i = 0; i < wantLogits.size(); i++) {
                    double g = got.get("logits").get(unit ? 1 : i).asDouble();
                    worst = Math.max(worst, Math.abs(g - wantLogits.get(i).asDouble()) / (scale == 0 ? 1 : scale));
                }
                double[] w = merged(golden.get("tokens").get(n), want.get("relevance_tokens"));
                double[] g = merged(golden.get("tokens").get(n), got.get("relevance"));
                assertEquals(w.length, g.length, where);
                double max = 0;
                for (double v : w) {
                    max = Math.max(max, Math.abs(v));
                }
                for (int i = 0; i < w.length; i++) {
                    worst = Math.max(worst, Math.abs(w[i] - g[i]) / (max == 0 ? 1 : max));
                }
            }
            assertTrue(worst <= 1e-4, file + ": worst relative error " + worst);
            System.out.printf("%s through the CLI: worst relative error %.3g%n", file, worst);
        }
    }

    /** Relevance summed over runs of equal consecutive ids (a max-pool tie may pick another position of a run). */
    private static double[] merged(JsonNode ids, JsonNode relevance) {
        List<Double> out = new ArrayList<>();
        for (int t = 0; t < relevance.size(); t++) {
            if (t > 0 && ids.get(t).asInt() == ids.get(t - 1).asInt()) {
                out.set(out.size() - 1, out.get(out.size() - 1) + relevance.get(t).asDouble());
            } else {
                out.add(relevance.get(t).asDouble());
            }
        }
        return out.stream().mapToDouble(Double::doubleValue).toArray();
    }

    @ParameterizedTest
    @ValueSource(strings = {"torch_lstm_textclf", "torch_bigru_textclf"})
    void infoNamesOpsetProducerAndTheRecurrentMapping(String name) throws Exception {
        Path model = SharedFiles.require("models/onnx/" + name + ".opset13.onnx");
        Run r = jlrp("info", "--model", model.toString(), "--format", "json");
        assertEquals(0, r.code(), r.err());
        JsonNode info = JSON.readTree(r.out());
        assertEquals("13", info.get("opset").asText());
        assertEquals("pytorch 1.13.0", info.get("producer").asText());
        String ops = info.get("onnx_ops").toString();
        assertTrue(name.contains("lstm") ? ops.contains("LSTM /rnn/LSTM -> LSTM")
                : ops.contains("GRU /rnn/GRU -> Bidirectional(GRU)"), ops);
        Run text = jlrp("info", "--model", model.toString());
        assertTrue(text.out().contains("opset          13") && text.out().contains("producer       pytorch 1.13.0"),
                text.out());
    }
}
