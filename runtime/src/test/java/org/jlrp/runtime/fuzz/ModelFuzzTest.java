package org.jlrp.runtime.fuzz;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.jlrp.kernels.KernelProvider;
import org.jlrp.runtime.JlrpException;
import org.jlrp.runtime.SharedFiles;
import org.jlrp.runtime.explain.Explainer;
import org.jlrp.runtime.internal.keras.KerasImporter;
import org.jlrp.runtime.internal.onnx.OnnxImporter;
import org.jlrp.runtime.internal.keras.Limits;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Seeded, reproducible fuzzing of the model loaders: mutants of every real Keras and ONNX model file (bit flips, truncations, config
 * edits, random bytes, zip damage) must either load and explain, or fail with {@link JlrpException}, within 2 s of CPU
 * time each. Anything else (another exception, an Error, a hang) is a failure. The budget is CPU time, not wall time,
 * so that a loaded machine does not fail cases; a 60 s wall-clock cap catches hangs that use no CPU
 * ({@link CaseGuard}).
 *
 * <p>Runs in its own surefire execution with {@code -Xmx512m} ({@code mvn test} runs it; tag {@code fuzz}).
 * {@code -Djlrp.fuzz.cases=N} sets the number of cases (default 3000), {@code -Djlrp.fuzz.seed=S} the base seed,
 * {@code -Djlrp.fuzz.cpu.ms} the CPU budget per case.
 * Every failure it ever found is listed in {@code fuzz-regressions.txt} and replayed on every run.
 */
@Tag("fuzz")
class ModelFuzzTest {

    private static final String[] SEEDS = {
        "models/dl4j_embedding_conv1d_theano_1.h5",
        "models/dl4j_embedding_conv1d_flatten_tensorflow_1.h5",
        "models/dl4j_embedding_conv1d_tensorflow_2.h5",
        "models/dl4j_embedding_lstm_tensorflow_2.h5",
        "models/v0idwalker_textcnn.h5",
        "models/darshbir19_movie_cnn.keras",
        "pairs/rithika204-phishing-url-charcnn/cnn_model.h5",
        "pairs/williampoch-hotel-sentiment-cnn/sentiment_model2.h5",
        "models/kim_textcnn.h5",
        "models/seed_textcnn.h5",
        "models/onnx/torch_lstm_textclf.opset13.onnx",
        "models/onnx/torch_bigru_textclf.opset13.onnx",
        "pairs/ycw666-phishguard-charcnn-onnx/cnn_model.onnx",
    };
    private static final String ARCHITECTURE = "pairs/williampoch-hotel-sentiment-cnn/sentiment_model2.json";
    /** About 4× the slowest case measured (0.55 s of CPU over the 3000 default cases, JDK 17). */
    private static final long CPU_BUDGET_MS = Long.getLong("jlrp.fuzz.cpu.ms", 2000);
    /** Only for hangs that use no CPU: far above any case, however loaded the machine. */
    private static final long WALL_CAP_MS = 60_000;

    enum Outcome { LOADED, REFUSED, FAILED }

    record Result(Outcome outcome, String detail) {
    }

    @Test
    void mutantsLoadOrFailWithTheTypedError(@TempDir Path dir) throws Exception {
        int cases = Integer.getInteger("jlrp.fuzz.cases", 3000);
        long baseSeed = Long.getLong("jlrp.fuzz.seed", 20261127L);
        List<byte[]> originals = new ArrayList<>();
        for (String seed : SEEDS) {
            originals.add(Files.readAllBytes(SharedFiles.require(seed)));
        }
        Path architecture = SharedFiles.require(ARCHITECTURE);

        List<long[]> plan = new ArrayList<>();
        for (String line : regressions()) {
            String[] parts = line.split("\\s+");
            plan.add(new long[]{indexOf(parts[0]), Long.parseLong(parts[1])});
        }
        for (int i = 0; i < cases; i++) {
            plan.add(new long[]{i % SEEDS.length, baseSeed + i});
        }

        CaseGuard guard = new CaseGuard(CPU_BUDGET_MS, WALL_CAP_MS);
        long maxCpuNanos = 0;
        int loaded = 0;
        int refused = 0;
        List<String> failures = new ArrayList<>();
        for (long[] c : plan) {
            int file = (int) c[0];
            long caseSeed = c[1];
            boolean zip = SEEDS[file].endsWith(".keras");
            ModelMutator.Mutant mutant = ModelMutator.mutate(originals.get(file), zip, caseSeed);
            // Half the Keras mutants get the other extension: the format is detected from the bytes, not the name.
            // An ONNX file is picked by its extension.
            boolean onnx = SEEDS[file].endsWith(".onnx");
            String extension = onnx ? ".onnx" : (caseSeed % 2 == 0) == zip ? ".keras" : ".h5";
            Path path = dir.resolve("case" + extension);
            Files.write(path, mutant.bytes());
            boolean weightsOnly = SEEDS[file].endsWith("sentiment_model2.h5");
            CaseGuard.Verdict<Result> verdict = guard.run(() -> attempt(path, weightsOnly ? architecture : null));
            Result result = verdict.hung() ? new Result(Outcome.FAILED, verdict.hang()) : verdict.value();
            maxCpuNanos = Math.max(maxCpuNanos, verdict.cpuNanos());
            switch (result.outcome()) {
                case LOADED -> loaded++;
                case REFUSED -> refused++;
                default -> failures.add(SEEDS[file] + " " + caseSeed + "  # " + mutant.description() + ": "
                        + result.detail());
            }
        }
        guard.close();
        System.out.printf("fuzz: %d cases, %d loaded, %d refused with typed error, %d failures; slowest case %s%n",
                plan.size(), loaded, refused, failures.size(), guard.measuresCpu()
                        ? maxCpuNanos / 1_000_000 + " ms of CPU (budget " + CPU_BUDGET_MS + " ms)"
                        : "not measured (no thread CPU time here: only the " + WALL_CAP_MS + " ms wall cap applies)");
        failures.stream().limit(20).forEach(f -> System.out.println("  FAILED " + f));
        assertEquals(plan.size(), loaded + refused + failures.size());
        assertTrue(refused > 0 && loaded > 0, "the mutants exercise both outcomes");
        assertTrue(failures.isEmpty(), () -> failures.size() + " mutants escaped the typed error; first: "
                + failures.get(0) + " (add the case to fuzz-regressions.txt after fixing it)");
    }

    private static Result attempt(Path path, Path architecture) {
        try {
            Explainer explainer = Explainer.of(path.toString().endsWith(".onnx") ? OnnxImporter.load(path)
                    : KerasImporter.load(path, architecture, Limits.DEFAULT), KernelProvider.get());
            explainer.explain(new int[explainer.network().inputLength()]);
            return new Result(Outcome.LOADED, "");
        } catch (JlrpException e) {
            if (e.getMessage() == null || e.getMessage().isBlank() || e.getMessage().contains("\n")) {
                return new Result(Outcome.FAILED, "typed error without a one-line message");
            }
            return new Result(Outcome.REFUSED, e.getMessage());
        } catch (Throwable e) {
            return new Result(Outcome.FAILED, e.toString());
        }
    }

    private static int indexOf(String seed) {
        for (int i = 0; i < SEEDS.length; i++) {
            if (SEEDS[i].equals(seed)) {
                return i;
            }
        }
        throw new IllegalArgumentException("fuzz-regressions.txt names an unknown seed file " + seed);
    }

    private static List<String> regressions() throws IOException {
        List<String> lines = new ArrayList<>();
        try (InputStream in = ModelFuzzTest.class.getResourceAsStream("/fuzz-regressions.txt")) {
            if (in == null) {
                return lines;
            }
            for (String line : new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\\R")) {
                String content = line.replaceAll("#.*", "").trim();
                if (!content.isEmpty()) {
                    lines.add(content);
                }
            }
        }
        return lines;
    }
}
