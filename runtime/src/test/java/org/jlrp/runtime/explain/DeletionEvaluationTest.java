package org.jlrp.runtime.explain;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
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
import org.jlrp.runtime.JlrpException;
import org.jlrp.runtime.SharedFiles;
import org.jlrp.runtime.TinyModels;
import org.jlrp.runtime.internal.model.ModelSpec;
import org.jlrp.runtime.text.Sequences;
import org.junit.jupiter.api.Test;

/** Word deletion and AOPC, ERASER comprehensiveness and sufficiency. */
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
        DeletionEvaluation.Settings settings = DeletionEvaluation.Settings.defaults().withSteps(steps)
                .withPadding(Sequences.Side.POST);
        DeletionEvaluation.Result r = DeletionEvaluation.run(explainer, texts, null, List.of(
                new DeletionEvaluation.Contender("lrp", LRP), new DeletionEvaluation.Contender("random", null)),
                settings);
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
                List.of(new DeletionEvaluation.Contender("lrp", LRP)),
                settings.withRemoval(DeletionEvaluation.Removal.ZERO));
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
                DeletionEvaluation.Settings.defaults().withSteps(5).withPadding(Sequences.Side.POST));
        double lrp = r.curves().get(0).aopc();
        double random = r.curves().get(1).aopc();
        assertTrue(lrp > 2 * random, "AOPC lrp " + lrp + " vs random " + random);
        assertTrue(r.curves().get(0).accuracy()[5] < r.curves().get(1).accuracy()[5]);
        // ERASER: LRP's rationale matters more than a random one of the same size, and suffices better.
        DeletionEvaluation.Curve l = r.curves().get(0);
        DeletionEvaluation.Curve rnd = r.curves().get(1);
        assertTrue(l.comprehensivenessAopc() > rnd.comprehensivenessAopc(), l + " vs " + rnd);
        assertTrue(l.sufficiencyAopc() < rnd.sufficiencyAopc(), l + " vs " + rnd);
        int right = 0;
        for (int i = 0; i < n; i++) {
            float[] logits = explainer.logits(texts.get(i), null);
            int best = 0;
            for (int k = 1; k < logits.length; k++) {
                best = logits[k] > logits[best] ? k : best;
            }
            right += best == labels[i] ? 1 : 0;
        }
        assertEquals((double) right / n, r.accuracy(), 1e-12);
        assertEquals(r.accuracy(), l.accuracy()[0], 1e-12);
    }

    private static double sigma(double x) {
        return 1 / (1 + Math.exp(-x));
    }

    /**
     * A hand-computable model: length 4, one embedding value per token (id v → v, the pad id 0 → 0), Flatten, then a
     * linear Dense with class-0 weights (1, 1, 1, 1) and class-1 weights (1, 0, 0, 0): logit0 = Σ_t x_t,
     * logit1 = x_0. On [3, 1, 2, 0] (padded at the end) the prediction is class 0 with P = σ(6 − 3) and LRP ranks
     * positions 0, 2, 1. Bins 1 %, 50 %, 100 % hold ⌈3p/100⌉ = 1, 2, 3 tokens.
     */
    private static Explainer handModel(String activation, float[] kernel, int units) {
        TinyModels b = TinyModels.builder(4, 1);
        String e = b.embedding("emb", 5, 1, new float[]{0, 1, 2, 3, 4});
        String f = b.flatten("flat", e);
        return Explainer.of(b.build(b.dense("out", f, units, activation, kernel, null)), KernelProvider.get());
    }

    private static final int[] HAND_TEXT = {3, 1, 2, 0};

    @Test
    void comprehensivenessAndSufficiencyByHandForPadAndDelete() {
        Explainer explainer = handModel("softmax", new float[]{1, 1, 1, 0, 1, 0, 1, 0}, 2);
        DeletionEvaluation.Settings settings = DeletionEvaluation.Settings.defaults().withSteps(2)
                .withPercents(List.of(1, 50, 100)).withPadding(Sequences.Side.POST);
        List<DeletionEvaluation.Contender> lrp = List.of(new DeletionEvaluation.Contender("lrp", LRP));
        double p = sigma(3);
        // pad: removed tokens become 0 in place.
        //   1 %: r = {0}: without it [0 1 2 0] → logits (3, 0); only it [3 0 0 0] → (3, 3)
        //  50 %: r = {0, 2}: without [0 1 0 0] → (1, 0); only [3 0 2 0] → (5, 3)
        // 100 %: without: all pad → (0, 0); only: the text itself
        DeletionEvaluation.Curve pad = DeletionEvaluation.run(explainer, List.of(HAND_TEXT), null, lrp, settings)
                .curves().get(0);
        assertArrayEquals(new double[]{p - sigma(3), p - sigma(1), p - 0.5}, pad.comprehensiveness(), 1e-6);
        assertArrayEquals(new double[]{p - 0.5, p - sigma(2), 0}, pad.sufficiency(), 1e-6);
        assertEquals((p - sigma(3) + p - sigma(1) + p - 0.5) / 3, pad.comprehensivenessAopc(), 1e-6);
        assertEquals((p - 0.5 + p - sigma(2)) / 3, pad.sufficiencyAopc(), 1e-6);
        // deletion curve on logit0: 6 → 3 → 1
        assertArrayEquals(new double[]{0, 3, 5}, pad.meanLogitDrop(), 1e-5);
        assertEquals(8.0 / 3, pad.aopc(), 1e-5);
        // delete: removed tokens are cut out and the text re-padded at the end, so position 0 changes.
        //   1 %: without [1 2 0 0] → (3, 1); only [3 0 0 0] → (3, 3)
        //  50 %: without [1 0 0 0] → (1, 1); only [3 2 0 0] → (5, 3)
        DeletionEvaluation.Curve delete = DeletionEvaluation.run(explainer, List.of(HAND_TEXT), null, lrp,
                settings.withRemoval(DeletionEvaluation.Removal.DELETE)).curves().get(0);
        assertArrayEquals(new double[]{p - sigma(2), p - 0.5, p - 0.5}, delete.comprehensiveness(), 1e-6);
        assertArrayEquals(new double[]{p - 0.5, p - sigma(2), 0}, delete.sufficiency(), 1e-6);
        // Padded at the start, it re-pads at the start. With class-1 weights (0, 0, 0, 1), logit1 = x_3:
        // [0 3 1 2] → (6, 2); without the 3, [0 0 1 2] → (3, 2) (re-padding at the end would give [0 1 2 0] → (3, 0)).
        Explainer last = handModel("softmax", new float[]{1, 0, 1, 0, 1, 0, 1, 1}, 2);
        DeletionEvaluation.Curve pre = DeletionEvaluation.run(last, List.of(new int[]{0, 3, 1, 2}), null, lrp,
                settings.withRemoval(DeletionEvaluation.Removal.DELETE).withPadding(Sequences.Side.PRE))
                .curves().get(0);
        assertEquals(sigma(4) - sigma(1), pre.comprehensiveness()[0], 1e-6);
    }

    /** One sigmoid unit predicting the negative class: the class view ranks by the relevance of −z. */
    @Test
    void aSigmoidModelsNegativeClassIsRankedByItsOwnRelevance() {
        Explainer explainer = handModel("sigmoid", new float[]{-1, -1, -1, -1}, 1);
        DeletionEvaluation.Settings settings = DeletionEvaluation.Settings.defaults().withSteps(1)
                .withPercents(List.of(1)).withPadding(Sequences.Side.POST);
        for (Method method : List.of(Method.LRP, Method.GRADIENT_INPUT, Method.OCCLUSION)) {
            DeletionEvaluation.Result r = DeletionEvaluation.run(explainer, List.of(HAND_TEXT), new int[]{0},
                    List.of(new DeletionEvaluation.Contender("m", LRP.withMethod(method))), settings);
            // z = −6: class 0 with P = σ(6); its most relevant token is the 3; without it z = −3.
            assertEquals(1.0, r.accuracy());
            assertEquals(sigma(6) - sigma(3), r.curves().get(0).comprehensiveness()[0], 1e-6, method.cliName());
            assertEquals(sigma(6) - sigma(3), r.curves().get(0).sufficiency()[0], 1e-6, method.cliName());
            assertEquals(3, r.curves().get(0).meanLogitDrop()[1], 1e-5, method.cliName());
        }
    }

    @Test
    void rationaleSizesRoundUpWithoutFloatingPointError() {
        assertEquals(1, DeletionEvaluation.rationaleSize(3, 1));
        assertEquals(1, DeletionEvaluation.rationaleSize(20, 5));
        assertEquals(2, DeletionEvaluation.rationaleSize(22, 5));
        assertEquals(3, DeletionEvaluation.rationaleSize(30, 10)); // 0.1 * 30 is 3.0000000000000004 in doubles
        assertEquals(0, DeletionEvaluation.rationaleSize(0, 50));
        assertEquals(120, DeletionEvaluation.rationaleSize(120, 100));
    }

    @Test
    void deleteCutsOutAndRepadsOrShortensForAModelOfAnyLength() {
        boolean[] middle = {false, true, false, false};
        assertArrayEquals(new int[]{0, 0, 7, 8}, DeletionEvaluation.delete(new int[]{0, 6, 7, 8}, middle, 0,
                Sequences.Side.PRE, true));
        assertArrayEquals(new int[]{5, 7, 0, 0}, DeletionEvaluation.delete(new int[]{5, 6, 7, 0}, middle, 0,
                Sequences.Side.POST, true));
        assertArrayEquals(new int[]{5, 7, 9}, DeletionEvaluation.delete(new int[]{5, 6, 7, 9}, middle, 9,
                Sequences.Side.POST, false));
        assertArrayEquals(new int[]{9}, DeletionEvaluation.delete(new int[]{5}, new boolean[]{true}, 9,
                Sequences.Side.POST, false), "a model needs one step");
    }

    /** The random order depends on the seed and the text only, not on the other contenders. */
    @Test
    void theRandomFloorIsSeeded() {
        TinyModels b = TinyModels.builder(12, 5);
        String e = b.embedding("emb", 30, 3);
        ModelSpec model = b.build(b.dense("out", b.flatten("flat", e), 3, "softmax", true));
        Explainer explainer = Explainer.of(model, KernelProvider.get());
        Random random = new Random(9);
        List<int[]> texts = new ArrayList<>();
        for (int s = 0; s < 15; s++) {
            texts.add(TinyModels.tokens(random, 12, 30, s % 4));
        }
        DeletionEvaluation.Contender rnd = new DeletionEvaluation.Contender("random", null);
        DeletionEvaluation.Settings settings = DeletionEvaluation.Settings.defaults().withSteps(5)
                .withPadding(Sequences.Side.POST).withSeed(7);
        DeletionEvaluation.Curve a = DeletionEvaluation.run(explainer, texts, null, List.of(rnd), settings)
                .curves().get(0);
        DeletionEvaluation.Curve b2 = DeletionEvaluation.run(explainer, texts, null,
                List.of(new DeletionEvaluation.Contender("lrp", LRP), rnd), settings).curves().get(1);
        DeletionEvaluation.Curve c = DeletionEvaluation.run(explainer, texts, null, List.of(rnd),
                settings.withSeed(8)).curves().get(0);
        assertArrayEquals(a.meanLogitDrop(), b2.meanLogitDrop());
        assertArrayEquals(a.comprehensiveness(), b2.comprehensiveness());
        assertArrayEquals(a.sufficiency(), b2.sufficiency());
        assertNotEquals(a.aopc(), c.aopc());
    }

    @Test
    void badLabelsAndSettingsAreRefusedWithOneLine() {
        Explainer explainer = handModel("softmax", new float[]{1, 1, 1, 0, 1, 0, 1, 0}, 2);
        List<DeletionEvaluation.Contender> lrp = List.of(new DeletionEvaluation.Contender("lrp", LRP));
        JlrpException count = assertThrows(JlrpException.class, () -> DeletionEvaluation.run(explainer,
                List.of(HAND_TEXT), new int[]{0, 1}, lrp, DeletionEvaluation.Settings.defaults()));
        assertEquals("there are 2 labels for 1 sequences", count.getMessage());
        JlrpException range = assertThrows(JlrpException.class, () -> DeletionEvaluation.run(explainer,
                List.of(HAND_TEXT), new int[]{2}, lrp, DeletionEvaluation.Settings.defaults()));
        assertTrue(range.getMessage().contains("0 to 1"), range.getMessage());
        assertThrows(JlrpException.class, () -> DeletionEvaluation.Settings.defaults().withPercents(List.of(5, 5)));
        assertThrows(JlrpException.class, () -> DeletionEvaluation.Settings.defaults().withPercents(List.of(0)));
        assertThrows(JlrpException.class, () -> DeletionEvaluation.Removal.parse("cut"));
    }
}
