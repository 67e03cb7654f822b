package org.jlrp.runtime.explain;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Random;
import org.jlrp.kernels.KernelProvider;
import org.jlrp.runtime.JlrpException;
import org.jlrp.runtime.SharedFiles;
import org.jlrp.runtime.TestModels;

import org.jlrp.runtime.internal.graph.Network;
import org.jlrp.runtime.internal.graph.Workspace;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@link BatchEngine#relevance} runs consecutive sequences as groups, layer by layer together (the Dense layers on
 * the group kernels); every sequence must still get exactly the bits {@link Explainer#explainInto} gives it alone,
 * whatever the batch size, the thread count and so the group it lands in. The real models' Dense kernels are too
 * small for the engine to group by default, so these tests ask for groups.
 */
class GroupRelevanceTest {

    /**
     * Models with a Dense after a Flatten (seed), after a Concatenate of branches (kim), and stacked Dense layers;
     * an LSTM (return_sequences), whose group passes run the members' h·U and, backwards in time, s'·U_gᵀ as one
     * product per step (masked and Bidirectional LSTMs: RecurrentReferenceTest).
     */
    @ParameterizedTest
    @ValueSource(strings = {"seed_textcnn.h5", "kim_textcnn.h5", "v0idwalker_textcnn.h5",
            "darshbir19_movie_cnn.keras", "dl4j_embedding_lstm_tensorflow_2.h5"})
    void groupsGiveEverySequenceTheBitsItGetsAlone(String model) {
        Explainer explainer = Explainer.load(SharedFiles.require("models/" + model));
        int[][] sequences = randomSequences(explainer.network(), 67, model.length());
        List<ExplainOptions> optionsList = List.of(
                ExplainOptions.DEFAULT, // folded where the plan folds
                ExplainOptions.DEFAULT.withEmbeddingRelevance(true), // unfolded
                ExplainOptions.DEFAULT.withEps(0.01).withIgnoreBias(true).withTarget(Target.index(0)),
                ExplainOptions.DEFAULT.withRules(Composite.parse("epsilon-plus", 1e-6))); // sequence by sequence
        for (ExplainOptions options : optionsList) {
            int[] expectedTargets = new int[sequences.length];
            double[][] expected = new double[sequences.length][];
            Workspace ws = explainer.network().newWorkspace();
            for (int i = 0; i < sequences.length; i++) {
                expected[i] = new double[sequences[i].length];
                expectedTargets[i] = explainer.explainInto(ws, i, sequences[i], options, expected[i]);
            }
            for (int threads : new int[]{1, 2}) {
                try (BatchEngine engine = new BatchEngine(explainer, threads, BatchEngine.GROUP)) {
                    for (int batch : new int[]{1, 3, 7, 64}) {
                        int[] targets = new int[batch];
                        double[][] relevance = new double[batch][sequences[0].length];
                        // from = 1: groups do not start at multiples of the group size
                        for (int from = 1; from + batch <= sequences.length; from += batch) {
                            engine.relevance(sequences, from, batch, options, targets, relevance);
                            for (int i = 0; i < batch; i++) {
                                String what = model + ", " + options + ", " + threads + " threads, batch " + batch
                                        + ", sequence " + (from + i);
                                assertEquals(expectedTargets[from + i], targets[i], what);
                                assertArrayEquals(expected[from + i], relevance[i], what); // exact bits
                            }
                        }
                    }
                }
            }
        }
    }

    @Test
    void theFirstBadSequenceOfABatchIsNamedWhateverItsGroup() {
        Explainer explainer = Explainer.load(SharedFiles.require("models/seed_textcnn.h5"));
        int[][] sequences = randomSequences(explainer.network(), 37, 5);
        int[][] withBad = sequences.clone();
        withBad[9] = sequences[9].clone();
        withBad[9][5] = -1; // the second member of its group
        withBad[22] = new int[3];
        int[] targets = new int[37];
        double[][] relevance = new double[37][sequences[0].length];
        for (int threads : new int[]{1, 2, 3}) {
            try (BatchEngine engine = new BatchEngine(explainer, threads, BatchEngine.GROUP)) {
                JlrpException e = assertThrows(JlrpException.class,
                        () -> engine.relevance(withBad, 0, 37, ExplainOptions.DEFAULT, targets, relevance));
                assertTrue(e.getMessage().startsWith("sequence 9, position 5"), e.getMessage());
                e = assertThrows(JlrpException.class,
                        () -> engine.relevance(withBad, 10, 27, ExplainOptions.DEFAULT, targets, relevance));
                assertTrue(e.getMessage().startsWith("sequence 22 has 3 tokens"), e.getMessage());
                // the engine and its groups survive a failed call
                engine.relevance(sequences, 0, 37, ExplainOptions.DEFAULT, targets, relevance);
                Workspace ws = explainer.network().newWorkspace();
                double[] expected = new double[sequences[0].length];
                for (int i = 0; i < 37; i++) {
                    assertEquals(explainer.explainInto(ws, i, sequences[i], ExplainOptions.DEFAULT, expected),
                            targets[i]);
                    assertArrayEquals(expected, relevance[i], "sequence " + i + " after a failed call");
                }
            }
        }
    }

    /**
     * The engine groups by default only where a Dense kernel is large (the reference model's 580 KB is not); there,
     * too, every sequence gets its bits alone.
     */
    @Test
    void theEngineGroupsByDefaultOnlyForALargeDenseKernel() {
        Explainer reference = Explainer.load(SharedFiles.require("models/seed_textcnn.h5"));
        assertEquals(1, BatchEngine.groupSizeFor(reference.network()));
        // no pooling: Flatten 148 × 100 → Dense 50, a 2.96 MB kernel
        Explainer large = Explainer.of(TestModels.chain(11, 150).embedding(300, 50, true)
                .conv1d("conv", 50, 100, 3, "valid", 1, 1, "relu").layer("flatten", "Flatten")
                .dense("dense1", 148 * 100, 50, "relu").dense("dense2", 50, 4, "linear").build(), KernelProvider.get());
        assertEquals(BatchEngine.GROUP, BatchEngine.groupSizeFor(large.network()));
        int[][] sequences = randomSequences(large.network(), 23, 17);
        int[] targets = new int[sequences.length];
        double[][] relevance = new double[sequences.length][sequences[0].length];
        Workspace ws = large.network().newWorkspace();
        double[] expected = new double[sequences[0].length];
        for (int threads : new int[]{1, 2}) {
            try (BatchEngine engine = new BatchEngine(large, threads)) {
                engine.relevance(sequences, 0, sequences.length, ExplainOptions.DEFAULT, targets, relevance);
            }
            for (int i = 0; i < sequences.length; i++) {
                assertEquals(large.explainInto(ws, i, sequences[i], ExplainOptions.DEFAULT, expected), targets[i]);
                assertArrayEquals(expected, relevance[i], threads + " threads, sequence " + i);
            }
        }
    }

    /** Random ids with some padding in front, as pad_sequences makes it (padding rows change which units are zero). */
    private static int[][] randomSequences(Network network, int count, long seed) {
        Random random = new Random(seed);
        int length = network.inputLength();
        int[][] out = new int[count][length];
        for (int[] tokens : out) {
            int padded = random.nextInt(length / 2);
            for (int t = padded; t < length; t++) {
                tokens[t] = 1 + random.nextInt(network.vocabularySize() - 1);
            }
        }
        return out;
    }
}
