package org.jlrp.runtime.explain;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.jlrp.kernels.KernelProvider;
import org.jlrp.runtime.SharedFiles;
import org.jlrp.runtime.TinyModels;
import org.jlrp.runtime.internal.model.ModelSpec;
import org.jlrp.runtime.text.Sequences;
import org.junit.jupiter.api.Test;

/** Word deletion and AOPC. */
class DeletionEvaluationTest {

    private static final ExplainOptions LRP = ExplainOptions.DEFAULT.withTarget(Target.pred()).withPadId(0).withEmbeddingRelevance(false);

    /**
     * A linear model with a zero padding embedding: the logit is a sum of per-token contributions that LRP recovers
     * exactly, and deleting a token removes exactly its contribution. So LRP's order gives the largest possible drop
     * at every k: the sum of the k largest contributions.
     */
    @Test
    void onALinearModelLrpOrderGivesTheLargestDrops() {
        TinyModels b = TinyModels.builder(8, 3);
        Random random = new Random(3);
        float[] table = new float[12 * 2];
        for (int i = 2; i < table.length; i++) {
            table[i] = (float) random.nextGaussian();
        }
        String e = b.embedding("emb", 12, 2, table);
        String f = b.flatten("flat", e);
        ModelSpec model = b.build(b.dense("out", f, 2, "linear", false));
        Explainer explainer = Explainer.of(model, KernelProvider.get());
        List<int[]> texts = new ArrayList<>();
        for (int s = 0; s < 20; s++) {
            texts.add(TinyModels.tokens(random, 8, 12, s % 3));
        }
        int steps = 4;
        DeletionEvaluation.Result r = DeletionEvaluation.run(explainer, texts, null, List.of(
                new DeletionEvaluation.Contender("lrp", LRP), new DeletionEvaluation.Contender("random", null)),
                steps, DeletionEvaluation.Deletion.PAD, 0, 1);
        DeletionEvaluation.Curve lrp = r.curves().get(0);
        DeletionEvaluation.Curve rnd = r.curves().get(1);
        assertEquals(0, lrp.meanLogitDrop()[0]);
        assertEquals(1, lrp.accuracy()[0]);
        double[] expected = new double[steps + 1];
        for (int[] tokens : texts) {
            Explanation x = explainer.explain(tokens);
            double[] contributions = new double[tokens.length];
            for (int t = 0; t < tokens.length; t++) {
                contributions[t] = tokens[t] == 0 ? Double.NEGATIVE_INFINITY : x.relevance()[t];
            }
            Arrays.sort(contributions);
            double sum = 0;
            for (int k = 1; k <= steps; k++) {
                double c = contributions[contributions.length - k];
                sum += Double.isInfinite(c) ? 0 : c;
                expected[k] += sum / texts.size();
            }
        }
        for (int k = 0; k <= steps; k++) {
            assertEquals(expected[k], lrp.meanLogitDrop()[k], 1e-4, "k = " + k);
            assertTrue(lrp.meanLogitDrop()[k] >= rnd.meanLogitDrop()[k] - 1e-6, "k = " + k);
        }
        assertTrue(lrp.aopc() > rnd.aopc());
        // Zeroing the embedding of a token equals replacing it by the (zero) padding row here.
        DeletionEvaluation.Result zero = DeletionEvaluation.run(explainer, texts, null,
                List.of(new DeletionEvaluation.Contender("lrp", LRP)), steps, DeletionEvaluation.Deletion.ZERO, 0, 1);
        assertEquals(lrp.aopc(), zero.curves().get(0).aopc(), 1e-5);
    }

    /** On a real model with real test texts (ISEAR emotion CNN), LRP's deletion order beats a random one. */
    @Test
    void onARealModelLrpBeatsRandom() throws Exception {
        Path dir = SharedFiles.require("pairs/swswy-isear-emotion-cnn/cnn_model.h5").getParent();
        JsonNode dict = new ObjectMapper().readTree(dir.resolve("dict.json").toFile());
        List<String> lines = Files.readAllLines(dir.resolve("x_test"), StandardCharsets.UTF_8);
        String[] labelText = Files.readString(dir.resolve("y_test")).trim().split("\\s+");
        Explainer explainer = Explainer.load(dir.resolve("cnn_model.h5"));
        List<int[]> texts = new ArrayList<>();
        int n = 40;
        int[] labels = new int[n];
        for (int i = 0; i < n; i++) {
            // NOTES.txt: split on ' ', drop empties, unknown -> 0, pad post to 120 (truncating pre)
            int[] ids = Arrays.stream(lines.get(i).split(" ")).filter(w -> !w.isEmpty())
                    .mapToInt(w -> dict.path(w).asInt(0)).toArray();
            texts.add(Sequences.pad(ids, 120, Sequences.Side.POST, Sequences.Side.PRE, 0));
            labels[i] = Integer.parseInt(labelText[i]);
        }
        DeletionEvaluation.Result r = DeletionEvaluation.run(explainer, texts, labels, List.of(
                new DeletionEvaluation.Contender("lrp", LRP), new DeletionEvaluation.Contender("random", null)),
                5, DeletionEvaluation.Deletion.PAD, 0, 1);
        double lrp = r.curves().get(0).aopc();
        double random = r.curves().get(1).aopc();
        assertTrue(lrp > 2 * random, "AOPC lrp " + lrp + " vs random " + random);
        assertTrue(r.curves().get(0).accuracy()[5] < r.curves().get(1).accuracy()[5]);
    }
}
