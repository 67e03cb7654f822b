package org.jlrp.runtime.internal.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.jlrp.runtime.SharedFiles;
import org.jlrp.runtime.internal.keras.KerasImporter;
import org.jlrp.runtime.internal.keras.Limits;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every shared Keras model (each {@code models/*.h5|*.keras} and each pair's model, with its architecture JSON where it
 * has one; the golden files name them all) imports into a {@link ModelSpec} whose layers, types, parameter counts,
 * inputs and facts are what {@code jlrp info} reported before the specs existed ({@code info-before-specs.json},
 * recorded from {@code jlrp info --json} on the Keras-JSON graph builder). The recurrent models are refused with one
 * line, as before.
 */
class ImportedSpecsTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    /** The golden name → its model and architecture, for every golden. */
    record Golden(String name, Path model, Path architecture) {
        @Override
        public String toString() {
            return name;
        }
    }

    static Stream<Golden> goldens() throws IOException {
        Path dir = SharedFiles.require("golden/README.md").getParent();
        List<Golden> out = new ArrayList<>();
        try (Stream<Path> files = Files.list(dir)) {
            for (Path tokens : files.filter(p -> p.getFileName().toString().endsWith(".tokens.json")).sorted()
                    .toList()) {
                JsonNode facts = JSON.readTree(tokens.toFile());
                Path model = dir.resolve(facts.get("model").asText()).normalize();
                Path architecture = facts.path("architecture").isTextual()
                        ? dir.resolve(facts.get("architecture").asText()).normalize() : null;
                out.add(new Golden(tokens.getFileName().toString().replace(".tokens.json", ""), model, architecture));
            }
        }
        assertTrue(out.size() >= 10, "golden models: " + out);
        return out.stream();
    }

    private static JsonNode before() throws IOException {
        try (InputStream in = ImportedSpecsTest.class.getResourceAsStream("info-before-specs.json")) {
            assertNotNull(in, "info-before-specs.json on the test class path");
            return JSON.readTree(in);
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("goldens")
    void importsWhatInfoReportedBefore(Golden golden) throws IOException {
        if (SharedFiles.isRefusedGolden(golden.name())) {
            SharedFiles.assertRecurrentRefusal(golden.name(),
                    () -> KerasImporter.load(golden.model(), golden.architecture(), Limits.DEFAULT));
            return;
        }
        if (SharedFiles.isRecurrentGolden(golden.name())) {
            // Not in the record of before the specs (jlrp refused them then): one recurrent spec at least.
            ModelSpec spec = KerasImporter.load(golden.model(), golden.architecture(), Limits.DEFAULT);
            assertTrue(spec.layers().stream().anyMatch(l -> l instanceof RecurrentSpec || l instanceof BidirectionalSpec),
                    golden.name() + ": " + spec.layerNames());
            return;
        }
        JsonNode want = before().get(golden.name());
        assertNotNull(want, "a record of " + golden.name() + " in info-before-specs.json");
        ModelSpec spec = KerasImporter.load(golden.model(), golden.architecture(), Limits.DEFAULT);

        assertEquals(golden.model().toString(), spec.source());
        assertEquals(want.get("format").asText(), spec.format());
        assertEquals(want.get("input_length").asInt(), spec.inputLength());
        assertEquals(want.get("keras_version").asText(), spec.fact("keras_version").value());
        assertEquals(want.get("backend").asText(), spec.fact("backend").value());
        List<String> flipped = new ArrayList<>();
        want.get("theano_flipped").forEach(n -> flipped.add(n.asText()));
        assertEquals(flipped, spec.fact("theano_flipped").list());
        assertEquals(List.of("keras_version", "backend", "theano_flipped"), List.copyOf(spec.facts().keySet()));

        JsonNode layers = want.get("layers");
        assertEquals(layers.size(), spec.layers().size(), "layers: " + spec.layerNames());
        for (int i = 0; i < layers.size(); i++) {
            JsonNode row = layers.get(i);
            LayerSpec layer = spec.layers().get(i);
            String where = golden.name() + " layer " + i;
            assertEquals(row.get(0).asText(), layer.name(), where);
            assertEquals(row.get(1).asText(), layer.type(), where + " type");
            assertEquals(row.get(2).asLong(), layer.parameterCount(), where + " parameters");
            List<String> inputs = new ArrayList<>();
            row.get(3).forEach(n -> inputs.add(n.asText()));
            assertEquals(inputs, layer.inputs(), where + " inputs");
            assertRecordFits(layer, where);
        }
        assertEquals(want.get("parameters").asLong(), spec.parameterCount());
        // The output is the last layer in these files; the explained layer may be its input (a stripped activation).
        assertEquals(spec.layers().get(spec.layers().size() - 1).name(), spec.output());
    }

    /** The record kind agrees with the display type. */
    private static void assertRecordFits(LayerSpec layer, String where) {
        Map<Class<?>, Set<String>> types = Map.of(
                InputSpec.class, Set.of("InputLayer"),
                EmbeddingSpec.class, Set.of("Embedding"),
                Conv1DSpec.class, Set.of("Conv1D"),
                DenseSpec.class, Set.of("Dense"),
                PoolingSpec.class, Set.of("MaxPooling1D", "AveragePooling1D", "GlobalMaxPooling1D",
                        "GlobalAveragePooling1D"),
                ActivationSpec.class, Set.of("Activation", "ReLU"),
                FlattenSpec.class, Set.of("Flatten"),
                ReshapeSpec.class, Set.of("Reshape"),
                ConcatenateSpec.class, Set.of("Concatenate"));
        Set<String> allowed = types.get(layer.getClass());
        if (allowed == null) {
            assertTrue(layer instanceof IdentitySpec, where + ": " + layer.getClass());
            assertTrue(Set.of("Dropout", "SpatialDropout1D", "GaussianDropout", "GaussianNoise", "AlphaDropout",
                    "ActivityRegularization").contains(layer.type()), where + ": " + layer.type());
        } else {
            assertTrue(allowed.contains(layer.type()), where + ": " + layer.getClass().getSimpleName() + " shown as "
                    + layer.type());
        }
    }

    /** The goldens name every Keras model file of the shared folder, so that the test above sees them all. */
    @Test
    void theGoldensCoverEverySharedModelFile() throws IOException {
        Path root = SharedFiles.require("models").getParent();
        Set<Path> files = new TreeSet<>();
        for (String dir : List.of("models", "pairs")) {
            try (Stream<Path> walk = Files.walk(root.resolve(dir))) {
                walk.filter(Files::isRegularFile).map(Path::normalize)
                        .filter(p -> p.toString().endsWith(".h5") || p.toString().endsWith(".keras"))
                        .forEach(files::add);
            }
        }
        assertTrue(files.size() >= 10, "model files: " + files);
        Set<Path> named = new TreeSet<>();
        goldens().forEach(g -> named.add(g.model()));
        Set<Path> missing = new TreeSet<>(files);
        missing.removeAll(named);
        assertEquals(Set.of(), missing, "model files without a golden");
    }
}
