package org.jlrp.serve;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.jlrp.runtime.SharedFiles;
import org.jlrp.runtime.explain.Explainer;
import org.junit.jupiter.api.Test;

/**
 * A model whose first layer is a Keras TextVectorization needs no tokenizer file: text instances are encoded by the
 * layer's own steps, giving the pair's golden ids and probabilities (as {@code jlrp explain --text} does).
 */
class TextVectorizationServeTest {

    @Test
    void textInstancesUseTheModelsOwnVectorization() throws Exception {
        Path dir = SharedFiles.require("pairs/ycw666-phishguard-textvec-bilstm");
        List<String> lines = Files.readAllLines(dir.resolve("golden_numpy.tsv"), StandardCharsets.UTF_8);
        List<String> texts = new ArrayList<>();
        List<String[]> golden = new ArrayList<>();
        for (String line : lines.subList(1, lines.size())) {
            if (!line.isBlank()) {
                String[] f = line.split("\t", -1);
                // the project's own cleaning before the model (NOTES: scheme dropped, lower-cased, ASCII only)
                texts.add(f[2].replaceFirst("^https?://", "").strip().toLowerCase(Locale.ROOT)
                        .replaceAll("[^\\x00-\\x7F]", ""));
                golden.add(f);
            }
        }
        Explainer explainer = Explainer.load(dir.resolve("0623_lstm_model.keras"));
        Server server = Server.start(new ServedModel("urls", "phishguard", explainer, null, null),
                Fixture.PATIENT.withHost(ServeOptions.LOOPBACK).withPort(0));
        try {
            // the warm-up's random id sequences went through this recurrent model too
            assertTrue(server.warmup().answered() > 0);
            assertEquals(0, server.warmup().failed());
            HttpResponse<String> r = Fixture.post(server, "/v1/models/urls:explain",
                    new ObjectMapper().writeValueAsString(java.util.Map.of("instances", texts)));
            assertEquals(200, r.statusCode(), r.body());
            JsonNode results = new ObjectMapper().readTree(r.body()).get("results");
            assertEquals(golden.size(), results.size());
            for (int i = 0; i < golden.size(); i++) {
                StringBuilder ids = new StringBuilder();
                results.get(i).get("tokens").forEach(t -> ids.append(ids.length() == 0 ? "" : " ").append(t.asInt()));
                assertEquals(golden.get(i)[4].trim(), ids.toString(), texts.get(i));
                assertEquals(Double.parseDouble(golden.get(i)[5]),
                        results.get(i).get("probabilities").get(1).asDouble(), 1e-5, texts.get(i));
            }
        } finally {
            server.shutdown();
        }
    }
}
