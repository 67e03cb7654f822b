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

/** {@code jlrp info} names the opset, the producer and the recurrent op's mapping (goldens: GoldenCliTest). */
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
