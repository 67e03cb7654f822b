package org.jlrp.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.jlrp.runtime.explain.Explainer;
import org.jlrp.runtime.explain.Explanation;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The forward pass of each shared pair's model reproduces the {@code output} column of its {@code golden_numpy.tsv}
 * (the pair author's numpy softmax/sigmoid outputs for the {@code input_ids} row) within 1e-5.
 */
class PairsForwardTest {

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', nullValues = "-", textBlock = """
            rithika204-phishing-url-charcnn | cnn_model.h5          | -
            swswy-isear-emotion-cnn         | cnn_model.h5          | -
            williampoch-hotel-sentiment-cnn | sentiment_model2.h5   | sentiment_model2.json
            """)
    void reproducesThePairsNumpyOutputs(String pair, String modelFile, String architectureFile) throws IOException {
        Path model = SharedFiles.require("pairs/" + pair + "/" + modelFile);
        Path architecture = architectureFile == null ? null
                : SharedFiles.require("pairs/" + pair + "/" + architectureFile);
        Path tsv = SharedFiles.require("pairs/" + pair + "/golden_numpy.tsv");
        Explainer explainer = Explainer.load(model, architecture);

        List<String> lines = Files.readAllLines(tsv, StandardCharsets.UTF_8);
        List<String> header = Arrays.asList(lines.get(0).split("\t", -1));
        int ids = header.indexOf("input_ids");
        int output = header.indexOf("output");
        assertTrue(ids >= 0 && output >= 0, "columns input_ids and output in " + tsv + ": " + header);
        int rows = 0;
        for (String line : lines.subList(1, lines.size())) {
            if (line.isBlank()) {
                continue;
            }
            String[] cells = line.split("\t", -1);
            int[] tokens = Arrays.stream(cells[ids].trim().split("\\s+")).mapToInt(Integer::parseInt).toArray();
            double[] expected = Arrays.stream(cells[output].trim().split("\\s+")).mapToDouble(Double::parseDouble)
                    .toArray();
            Explanation e = explainer.explain(tokens);
            assertNotNull(e.probabilities(), pair + ": the model has a final softmax or sigmoid");
            assertEquals(expected.length, e.probabilities().length, pair + " row " + (rows + 1) + ": outputs");
            for (int i = 0; i < expected.length; i++) {
                assertEquals(expected[i], e.probabilities()[i], 1e-5, pair + " row " + (rows + 1) + ", output " + i);
            }
            rows++;
        }
        assertTrue(rows > 0, "no rows in " + tsv);
    }
}
