package org.jlrp.runtime.explain;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.jlrp.runtime.SharedFiles;

/** Reads the shared golden references ({@code ../shared/golden}) in place, and compares relevance as they specify. */
public final class GoldenFiles {

    private static final ObjectMapper JSON = new ObjectMapper();

    private GoldenFiles() {
    }

    /** One {@code NAME.lrp*.json} file with its model and token sequences. */
    record Golden(String file, Path model, Path architecture, double eps, Target target, List<int[]> tokens,
                  JsonNode samples) {
    }

    static List<Golden> all() throws IOException {
        Path dir = SharedFiles.require("golden/README.md").getParent();
        List<Golden> out = new ArrayList<>();
        try (var files = Files.list(dir)) {
            for (Path file : files.filter(p -> p.getFileName().toString().contains(".lrp")).sorted().toList()) {
                out.add(read(file));
            }
        }
        return out;
    }

    static Golden read(Path file) throws IOException {
        JsonNode root = JSON.readTree(file.toFile());
        Path dir = file.getParent();
        Path model = dir.resolve(root.get("model").asText()).normalize();
        Path architecture = root.get("architecture").isNull() ? null
                : dir.resolve(root.get("architecture").asText()).normalize();
        List<int[]> tokens = new ArrayList<>();
        for (JsonNode seq : root.get("tokens")) {
            int[] ids = new int[seq.size()];
            for (int i = 0; i < ids.length; i++) {
                ids[i] = seq.get(i).asInt();
            }
            tokens.add(ids);
        }
        return new Golden(file.getFileName().toString(), model, architecture, root.get("eps").asDouble(),
                Target.parse(root.get("target").asText()), tokens, root.get("samples"));
    }

    /**
     * The golden criterion: {@code max_t |a[t] − b[t]| / max_t |reference[t]|} after merging runs of equal
     * consecutive token ids (max-pool ties inside such runs may pick another position of the run).
     */
    public static double relativeError(int[] tokens, double[] reference, double[] actual) {
        double scale = 0;
        for (double r : reference) {
            scale = Math.max(scale, Math.abs(r));
        }
        double[] a = runs(tokens, reference);
        double[] b = runs(tokens, actual);
        double worst = 0;
        for (int i = 0; i < a.length; i++) {
            worst = Math.max(worst, Math.abs(a[i] - b[i]));
        }
        return worst / (scale == 0 ? 1 : scale);
    }

    private static double[] runs(int[] tokens, double[] relevance) {
        double[] out = new double[tokens.length];
        int n = -1;
        for (int t = 0; t < tokens.length; t++) {
            if (n >= 0 && tokens[t] == tokens[t - 1]) {
                out[n] += relevance[t];
            } else {
                out[++n] = relevance[t];
            }
        }
        return java.util.Arrays.copyOf(out, n + 1);
    }

    static double[] doubles(JsonNode array) {
        double[] out = new double[array.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = array.get(i).asDouble();
        }
        return out;
    }
}
