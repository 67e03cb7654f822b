package org.jlrp.runtime.render;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;
import org.jlrp.kernels.KernelProvider;
import org.jlrp.runtime.SharedFiles;
import org.jlrp.runtime.explain.Explainer;
import org.jlrp.runtime.internal.graph.Network;
import org.jlrp.runtime.internal.keras.KerasImporter;
import org.jlrp.runtime.internal.keras.Limits;
import org.jlrp.runtime.internal.model.BidirectionalSpec;
import org.jlrp.runtime.internal.model.LayerSpec;
import org.jlrp.runtime.internal.model.RecurrentSpec;
import org.jlrp.runtime.internal.model.ModelSpec;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * {@code jlrp info} on every real model file of {@code ../shared} (one per golden name), text and JSON, checked
 * against the facts the golden reference states about the file and against the weights the importer read.
 */
class ModelReportTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    static Stream<String> goldenNames() throws IOException {
        Path golden = SharedFiles.require("golden/README.md").getParent();
        try (Stream<Path> files = Files.list(golden)) {
            List<String> names = files.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".tokens.json"))
                    .map(n -> n.replace(".tokens.json", "")).sorted().toList();
            assertFalse(names.isEmpty());
            return names.stream();
        }
    }

    private static Explainer load(JsonNode facts, Path golden) {
        Path model = golden.resolveSibling(facts.get("model").asText()).normalize();
        Path architecture = facts.path("architecture").isTextual()
                ? golden.resolveSibling(facts.get("architecture").asText()).normalize() : null;
        return Explainer.load(model, architecture);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("goldenNames")
    void textReport(String name) throws IOException {
        Path tokens = SharedFiles.require("golden/" + name + ".tokens.json");
        JsonNode facts = JSON.readTree(tokens.toFile());
        if (SharedFiles.isRefusedGolden(name)) {
            SharedFiles.assertRecurrentRefusal(name, () -> load(facts, tokens));
            return;
        }
        Explainer explainer = load(facts, tokens);
        Network network = explainer.network();
        java.io.StringWriter bytes = new java.io.StringWriter();
        ModelReport.writeText(bytes, explainer);
        String text = bytes.toString();

        assertLine(text, "format", facts.get("format").asText());
        assertLine(text, "keras version", facts.get("keras_version").asText());
        String backend = facts.path("backend").isTextual() ? facts.get("backend").asText() : "unknown";
        assertLine(text, "backend", backend);
        assertLine(text, "input length", network.model().fixedLength() ? facts.get("seq_len").asInt() + " tokens"
                : "any");
        for (LayerSpec layer : network.model().layers()) {
            if (layer instanceof RecurrentSpec || layer instanceof BidirectionalSpec) {
                String cell = layer instanceof RecurrentSpec r ? r.type() : ((BidirectionalSpec) layer).forward().type();
                assertTrue(text.lines().anyMatch(l -> l.startsWith("recurrent      " + layer.name() + ": " + cell + " ")),
                        "a recurrent line for " + layer.name() + ":\n" + text);
            }
        }
        assertEquals(SharedFiles.isRecurrentGolden(name), text.contains("\nrecurrent "), text);
        assertLine(text, "vocabulary", facts.get("vocab").asInt() + " ids");
        String activation = facts.path("output_activation").asText("");
        assertLine(text, "output", activation.isEmpty() ? "no final softmax/sigmoid" : activation + " over ");
        String explained = "output of layer '" + network.explainedLayer().name() + "'";
        assertTrue(text.lines().anyMatch(l -> l.startsWith("explained ") && l.contains(explained)), text);
        if (facts.get("theano_flipped").size() > 0) {
            assertTrue(text.contains("Theano-trained: Conv1D kernels reversed"), text);
            assertTrue(text.contains(facts.get("theano_flipped").get(0).asText()), text);
        }
        if (facts.path("architecture").isTextual()) {
            assertTrue(text.contains("note           weights-only file; architecture from "), text);
        }
        ModelSpec model = network.model();
        for (LayerSpec layer : model.layers()) {
            long params = layer.parameterCount();
            assertTrue(text.lines().anyMatch(l -> l.startsWith(layer.name() + " ") && l.contains(layer.type())
                            && l.trim().endsWith(" " + params)),
                    "table row for " + layer.name() + " with " + params + " parameters:\n" + text);
        }
        assertTrue(text.contains(String.format(Locale.ROOT, "Total params: %,d", model.parameterCount())), text);
        if (network.foldingPlanned()) {
            assertLine(text, "folding", "Embedding folded into " + String.join(", ", network.foldedLayerNames()));
            for (String pool : network.fusedPoolNames()) {
                assertTrue(text.lines().anyMatch(l -> l.startsWith("folding ") && l.contains(pool)), text);
            }
        } else {
            assertLine(text, "folding", "none");
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("goldenNames")
    void jsonReport(String name) throws IOException {
        Path tokens = SharedFiles.require("golden/" + name + ".tokens.json");
        JsonNode facts = JSON.readTree(tokens.toFile());
        if (SharedFiles.isRefusedGolden(name)) {
            SharedFiles.assertRecurrentRefusal(name, () -> load(facts, tokens));
            return;
        }
        Explainer explainer = load(facts, tokens);
        Network network = explainer.network();
        java.io.StringWriter bytes = new java.io.StringWriter();
        ModelReport.writeJson(bytes, explainer);
        assertEquals(1, bytes.toString().lines().count(), "one JSON object on one line, like explain's");
        JsonNode report = JSON.readTree(bytes.toString());

        assertEquals(facts.get("format").asText(), report.get("format").asText());
        assertEquals(facts.get("keras_version").asText(), report.get("keras_version").asText());
        assertEquals(facts.path("backend").isTextual() ? facts.get("backend").asText() : "unknown",
                report.get("backend").asText());
        assertEquals(facts.get("theano_flipped"), report.get("theano_flipped"));
        assertEquals(facts.get("output_activation"), report.get("output_activation"));
        if (network.model().fixedLength()) {
            assertEquals(facts.get("seq_len").asInt(), report.get("input_length").asInt());
        } else {
            assertTrue(report.get("input_length").isNull(), "a model of any length: " + report);
        }
        boolean recurrent = false;
        for (JsonNode layer : report.get("layers")) {
            if (layer.has("recurrent")) {
                recurrent = true;
                assertTrue(layer.get("recurrent").get("units").asInt() > 0, layer.toString());
            }
        }
        assertEquals(SharedFiles.isRecurrentGolden(name), recurrent, report.toString());
        assertEquals(facts.get("vocab").asInt(), report.get("vocabulary").asInt());
        assertEquals(network.explainedLayer().name(), report.get("explained_layer").asText());
        assertTrue(report.get("explained").asText().contains("logit"), report.toString());
        assertTrue(report.get("notes").isArray());
        ModelSpec model = network.model();
        assertEquals(model.parameterCount(), report.get("parameters").asLong());
        List<String> names = new ArrayList<>();
        for (JsonNode layer : report.get("layers")) {
            names.add(layer.get("name").asText());
            LayerSpec spec = model.layer(layer.get("name").asText());
            assertEquals(spec.type(), layer.get("class").asText());
            assertEquals(spec.parameterCount(), layer.get("parameters").asLong(), spec.name());
            assertEquals(spec.inputs(), JSON.convertValue(layer.get("inbound"), List.class), spec.name());
            assertTrue(layer.get("output_shape").asText().startsWith("(None, "), layer.toString());
        }
        assertEquals(model.layerNames(), names);
        JsonNode folding = report.get("folding");
        List<String> folded = new ArrayList<>();
        folding.get("folded_layers").forEach(n -> folded.add(n.asText()));
        List<String> pools = new ArrayList<>();
        folding.get("fused_pools").forEach(n -> pools.add(n.asText()));
        assertEquals(network.foldedLayerNames(), folded);
        assertEquals(network.fusedPoolNames(), pools);
        assertEquals(network.foldedTableBytes(), folding.get("table_bytes").asLong());
        for (String layer : folded) {
            // a Conv1D, or a recurrent layer whose input product folds (LSTM, GRU, SimpleRNN, Bidirectional)
            assertTrue(List.of("Conv1D", "LSTM", "GRU", "SimpleRNN", "Bidirectional")
                    .contains(model.layer(layer).type()), layer + ": " + model.layer(layer).type());
        }
        for (String pool : pools) {
            assertTrue(model.layer(pool).type().endsWith("MaxPooling1D"), pool);
        }
    }

    @Test
    void foldingLineNamesTheFastPathOrItsAbsence() throws IOException {
        ModelSpec model = KerasImporter.load(SharedFiles.require("models/seed_textcnn.h5"), null, Limits.DEFAULT);
        String folded = text(Explainer.of(model, KernelProvider.get(), 256L << 20));
        assertLine(folded, "folding", "Embedding folded into conv1d_1 (24.0 MB of tables); max_pooling1d_1 computed in "
                + "the same pass");
        String unfolded = text(Explainer.of(model, KernelProvider.get(), 0));
        assertLine(unfolded, "folding", "none: every pass runs the Embedding and the first Conv1D unfolded");
        java.io.StringWriter bytes = new java.io.StringWriter();
        ModelReport.writeJson(bytes, Explainer.of(model, KernelProvider.get(), 0));
        JsonNode folding = JSON.readTree(bytes.toString()).get("folding");
        assertEquals(0, folding.get("folded_layers").size());
        assertEquals(0, folding.get("table_bytes").asLong());
        assertEquals(0, folding.get("fused_pools").size());
    }

    private static String text(Explainer explainer) throws IOException {
        java.io.StringWriter bytes = new java.io.StringWriter();
        ModelReport.writeText(bytes, explainer);
        return bytes.toString();
    }

    private static void assertLine(String text, String label, String expectedStart) {
        String prefix = String.format(Locale.ROOT, "%-15s", label);
        assertTrue(text.lines().anyMatch(l -> l.startsWith(prefix) && l.substring(prefix.length())
                .startsWith(expectedStart)), "a line '" + prefix + expectedStart + "…' in:\n" + text);
    }
}
