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
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.jlrp.kernels.KernelProvider;
import org.jlrp.runtime.JlrpException;
import org.jlrp.runtime.SharedFiles;
import org.jlrp.runtime.explain.Explainer;
import org.jlrp.runtime.internal.keras.KerasImporter;
import org.jlrp.runtime.internal.keras.Limits;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Seeded, reproducible fuzzing of the model loader: mutants of every real model file (bit flips, truncations, config
 * edits, random bytes, zip damage) must either load and explain, or fail with {@link JlrpException}, within 2 s each.
 * Anything else (another exception, an Error, a hang) is a failure.
 *
 * <p>Runs in its own surefire execution with {@code -Xmx512m} ({@code mvn test} runs it; tag {@code fuzz}).
 * {@code -Djlrp.fuzz.cases=N} sets the number of cases (default 3000), {@code -Djlrp.fuzz.seed=S} the base seed.
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
    };
    private static final String ARCHITECTURE = "pairs/williampoch-hotel-sentiment-cnn/sentiment_model2.json";
    private static final long TIME_LIMIT_MS = 2000;

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

        ExecutorService executor = newExecutor();
        int loaded = 0;
        int refused = 0;
        List<String> failures = new ArrayList<>();
        for (long[] c : plan) {
            int file = (int) c[0];
            long caseSeed = c[1];
            boolean zip = SEEDS[file].endsWith(".keras");
            ModelMutator.Mutant mutant = ModelMutator.mutate(originals.get(file), zip, caseSeed);
            // Half the mutants get the other extension: the format is detected from the bytes, not the name.
            String extension = (caseSeed % 2 == 0) == zip ? ".keras" : ".h5";
            Path path = dir.resolve("case" + extension);
            Files.write(path, mutant.bytes());
            boolean weightsOnly = SEEDS[file].endsWith("sentiment_model2.h5");
            Future<Result> future = executor.submit(() -> attempt(path, weightsOnly ? architecture : null));
            Result result;
            try {
                result = future.get(TIME_LIMIT_MS, TimeUnit.MILLISECONDS);
            } catch (TimeoutException e) {
                future.cancel(true);
                executor.shutdownNow();
                executor = newExecutor();
                result = new Result(Outcome.FAILED, "no answer within " + TIME_LIMIT_MS + " ms");
            }
            switch (result.outcome()) {
                case LOADED -> loaded++;
                case REFUSED -> refused++;
                default -> failures.add(SEEDS[file] + " " + caseSeed + "  # " + mutant.description() + ": "
                        + result.detail());
            }
        }
        executor.shutdownNow();
        System.out.printf("fuzz: %d cases, %d loaded, %d refused with typed error, %d failures%n", plan.size(),
                loaded, refused, failures.size());
        failures.stream().limit(20).forEach(f -> System.out.println("  FAILED " + f));
        assertEquals(plan.size(), loaded + refused + failures.size());
        assertTrue(refused > 0 && loaded > 0, "the mutants exercise both outcomes");
        assertTrue(failures.isEmpty(), () -> failures.size() + " mutants escaped the typed error; first: "
                + failures.get(0) + " (add the case to fuzz-regressions.txt after fixing it)");
    }

    private static Result attempt(Path path, Path architecture) {
        try {
            Explainer explainer = Explainer.of(KerasImporter.load(path, architecture, Limits.DEFAULT),
                    KernelProvider.get());
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

    private static ExecutorService newExecutor() {
        return Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "fuzz-case");
            t.setDaemon(true);
            return t;
        });
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
