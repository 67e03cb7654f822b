package org.jlrp.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.jlrp.runtime.SharedFiles;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** {@code jlrp info} through {@link Main#run} on real files of each format, and the refusals' exit code and message. */
class InfoAndRefusalTest {

    /** What one {@link Main#run} printed and returned. */
    record Run(int exit, String out, String err) {
        List<String> errLines() {
            return err.lines().toList();
        }
    }

    static Run run(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int exit = Main.run(args, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        return new Run(exit, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    @Test
    void theLstmModelIsExplainedAndInfoShowsItsRecurrentLayer(@TempDir Path dir) throws IOException {
        Path model = SharedFiles.require("models/dl4j_embedding_lstm_tensorflow_2.h5");
        Path tokens = Files.writeString(dir.resolve("tokens.json"), "[[1, 2, 3, 1, 2, 3, 1, 2, 3, 1]]");
        Run info = run("info", "--model", model.toString());
        assertEquals(0, info.exit(), info.err());
        assertTrue(info.out().contains("recurrent      lstm_1: LSTM 6 units"), info.out());
        Run explain = run("explain", "--model", model.toString(), "--tokens", tokens.toString(), "--format", "json");
        assertEquals(0, explain.exit(), explain.err());
        assertTrue(explain.out().contains("\"relevance\""), explain.out());
    }

    @Test
    void aTextVectorizationModelIsExplainedFromItsIdsAndInfoShowsItsTextInput(@TempDir Path dir) throws IOException {
        Path model = SharedFiles.require("pairs/ycw666-phishguard-textvec-bilstm/0623_lstm_model.keras");
        Path tokens = Files.writeString(dir.resolve("tokens.json"), "[[20, 20, 20, 5, 18, 3, 3, 18, 14, 2]]");
        Run info = run("info", "--model", model.toString());
        assertEquals(0, info.exit(), info.err());
        assertTrue(info.out().contains("text input     text_vectorization: TextVectorization, standardize none, "
                + "split character, 71 tokens, 200 ids"), info.out());
        Run json = run("info", "--model", model.toString(), "--format", "json");
        assertTrue(json.out().contains("\"text_input\":\"standardize none, split character"), json.out());
        Run explain = run("explain", "--model", model.toString(), "--tokens", tokens.toString(), "--padding",
                "post", "--format", "table");
        assertEquals(0, explain.exit(), explain.err());
        assertTrue(explain.out().matches("(?s).*\\n\\s+3\\s+\\.\\s+5\\s.*"), "ids shown as the layer's tokens: "
                + explain.out());
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', nullValues = "-", textBlock = """
            models/v0idwalker_textcnn.h5                          | -                                                      | full-h5         | 2.1.1  | tensorflow | 64
            models/darshbir19_movie_cnn.keras                     | -                                                      | keras3-zip      | 3.13.1 | unknown    | 200
            models/dl4j_embedding_conv1d_theano_1.h5              | -                                                      | full-h5         | 1.2.2  | theano     | 10
            models/dl4j_embedding_conv1d_flatten_tensorflow_1.h5  | -                                                      | full-h5         | 1.2.2  | tensorflow | 10
            pairs/rithika204-phishing-url-charcnn/cnn_model.h5    | -                                                      | full-h5         | 3.11.3 | tensorflow | 100
            pairs/swswy-isear-emotion-cnn/cnn_model.h5            | -                                                      | full-h5         | 2.5.0  | tensorflow | 120
            pairs/williampoch-hotel-sentiment-cnn/sentiment_model2.h5 | pairs/williampoch-hotel-sentiment-cnn/sentiment_model2.json | weights-h5+json | 2.3.1 | tensorflow | 100
            """)
    void infoInTextAndJson(String modelPath, String architecturePath, String format, String version, String backend,
                           int inputLength) throws IOException {
        Path model = SharedFiles.require(modelPath);
        List<String> args = new java.util.ArrayList<>(List.of("info", "--model", model.toString()));
        if (architecturePath != null) {
            args.addAll(List.of("--architecture", SharedFiles.require(architecturePath).toString()));
        }
        Run text = run(args.toArray(String[]::new));
        assertEquals(0, text.exit(), text.err());
        assertTrue(text.out().contains("format         " + format + "\n"), text.out());
        assertTrue(text.out().contains("keras version  " + version + "\n"), text.out());
        assertTrue(text.out().contains("backend        " + backend), text.out());
        assertTrue(text.out().contains("input length   " + inputLength + " tokens"), text.out());
        assertTrue(text.out().contains("Total params: "), text.out());

        args.addAll(List.of("--format", "json"));
        Run json = run(args.toArray(String[]::new));
        assertEquals(0, json.exit(), json.err());
        JsonNode report = new ObjectMapper().readTree(json.out());
        assertEquals(format, report.get("format").asText());
        assertEquals(version, report.get("keras_version").asText());
        assertEquals(backend, report.get("backend").asText());
        assertEquals(inputLength, report.get("input_length").asInt());
        assertTrue(report.get("vocabulary").asInt() > 1, report.toString());
        assertTrue(report.get("layers").size() >= 3, report.toString());
    }

    @Test
    void aWeightsOnlyFileWithoutArchitectureIsRefusedWithAHint() {
        Path weights = SharedFiles.require("pairs/williampoch-hotel-sentiment-cnn/sentiment_model2.h5");
        Run run = run("info", "--model", weights.toString());
        assertEquals(2, run.exit());
        assertEquals(1, run.errLines().size(), run.err());
        assertTrue(run.err().contains("weights-only") && run.err().contains("--architecture"), run.err());
    }

    @Test
    void aFileThatIsNoModelIsRefusedWithOneLine(@TempDir Path dir) throws IOException {
        Path notes = Files.writeString(dir.resolve("model.keras"), "just text");
        Run run = run("info", "--model", notes.toString());
        assertEquals(2, run.exit());
        assertEquals(1, run.errLines().size(), run.err());
        assertTrue(run.err().contains(notes.toString()) && run.err().contains("not a Keras model file"), run.err());
    }
}
