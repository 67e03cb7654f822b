package org.jlrp.runtime.explain;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import java.util.stream.Stream;
import org.jlrp.kernels.KernelProvider;
import org.jlrp.runtime.JlrpException;
import org.jlrp.runtime.ReferenceLrp;
import org.jlrp.runtime.ReferenceLrp.Rule;
import org.jlrp.runtime.TinyModels;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.jlrp.runtime.internal.model.ModelSpec;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every rule and preset, with and without {@code :ignore-bias}, against the independent double-precision implementation
 * of RULES.md in {@link ReferenceLrp}, on small random models that are not in {@code ../shared}. Tolerance: 1e-4
 * relative to the largest |R| of each text, on the {@code [steps][dim]} map at the Embedding output.
 */
class RulesReferenceTest {

    private static final double TOLERANCE = 1e-4;

    /** A model and, per rule string, the expected rule of each of its Conv1D/Dense layers. */
    record Case(String label, ModelSpec model, List<String> firstLayers, List<String> convLayers,
                List<String> denseLayers, int vocabulary, int length) {
        @Override
        public String toString() {
            return label; // the test names
        }
    }

    /** Embedding → Dropout → Conv1D(valid) → MaxPool → Flatten → Dense(relu) → Dense. */
    static Case chain(long seed) {
        TinyModels b = TinyModels.builder(12, seed);
        String e = b.embedding("emb", 20, 6);
        String d = b.dropout("drop", e);
        String c = b.conv1d("conv", d, 5, 3, "valid", "relu", true);
        String p = b.maxPool("pool", c, 2);
        String f = b.flatten("flat", p);
        String h = b.dense("hidden", f, 7, "relu", true);
        String o = b.dense("out", h, 3, "linear", true);
        return new Case("chain" + seed, b.build(o), List.of("conv"), List.of("conv"), List.of("hidden", "out"), 20,
                12);
    }

    /** Kim-style: two branches (same-padded + global max, valid + global average), Concatenate, Dense softmax. */
    static Case branches(long seed) {
        TinyModels b = TinyModels.builder(10, seed);
        String e = b.embedding("emb", 25, 5);
        String c1 = b.conv1d("conv_a", e, 4, 2, "same", "relu", true);
        String p1 = b.globalMaxPool("gmp", c1);
        String c2 = b.conv1d("conv_b", e, 3, 3, "valid", "relu", true);
        String p2 = b.globalAvgPool("gap", c2);
        String cat = b.concatenate("cat", p1, p2);
        String o = b.dense("out", cat, 3, "softmax", true);
        return new Case("branches" + seed, b.build(o), List.of("conv_a", "conv_b"), List.of("conv_a", "conv_b"),
                List.of("out"), 25, 10);
    }

    /** Two stacked convolutions (the second is not {@code first}), average pooling, Dense. */
    static Case stacked(long seed) {
        TinyModels b = TinyModels.builder(11, seed);
        String e = b.embedding("emb", 15, 4);
        String c1 = b.conv1d("conv1", e, 5, 3, "same", "relu", true);
        String c2 = b.conv1d("conv2", c1, 4, 2, "valid", "relu", true);
        String p = b.avgPool("avg", c2, 2);
        String f = b.flatten("flat", p);
        String o = b.dense("out", f, 2, "linear", true);
        return new Case("stacked" + seed, b.build(o), List.of("conv1"), List.of("conv1", "conv2"), List.of("out"), 15,
                11);
    }

    static Stream<Case> cases() {
        return Stream.of(chain(1), chain(2), branches(3), branches(4), stacked(5), stacked(6));
    }

    /** Single rules on every layer (zB only on the first layers, ε elsewhere), the presets, and composites. */
    private static final String[] SPECS = {"epsilon:1e-6", "epsilon:0", "epsilon:0.01", "zplus", "alphabeta:2:1",
            "alphabeta:1:0", "alphabeta:3:2", "gamma:0.25", "gamma:0", "gamma:1", "flat", "wsquare",
            "first=zbox;dense=epsilon:0.5", "epsilon", "lrp0", "epsilon-plus", "epsilon-alpha2-beta1",
            "epsilon-gamma-box", "first=flat;conv1d=wsquare;dense=gamma:0.5",
            "conv_b=zplus;first=gamma:0.1;out=alphabeta:2:1", "conv2=flat;conv1d=alphabeta:2:1;dense=zplus",
            "hidden=epsilon:0.1;conv1d=alphabeta:2:1;dense=zplus"};

    /** The layer-name keys of {@link #SPECS}, each naming a layer of one model only. */
    private static final List<String> NAME_KEYS = List.of("conv_b", "conv2", "hidden");

    /**
     * Every case with every spec whose layer-name keys name layers of that case's model, with and without
     * {@code :ignore-bias}: 6 models × (19 specs without a layer name + 1 of the 3 with one) × 2 = 240 invocations, each
     * of which is checked (the other pairings are {@link #aLayerNameOfAnotherModelIsRefused}).
     */
    static Stream<Arguments> rulesAndModels() {
        List<Arguments> out = new ArrayList<>();
        for (Case c : cases().toList()) {
            for (String spec : SPECS) {
                if (namesOnlyLayersOf(c, spec)) {
                    out.add(Arguments.of(c, spec, false));
                    out.add(Arguments.of(c, spec, true));
                }
            }
        }
        return out.stream();
    }

    /** The pairings {@link #rulesAndModels} leaves out: a spec with a layer name the case's model does not have. */
    static Stream<Arguments> specsNamingAnotherModelsLayer() {
        List<Arguments> out = new ArrayList<>();
        for (Case c : cases().toList()) {
            for (String spec : SPECS) {
                if (!namesOnlyLayersOf(c, spec)) {
                    out.add(Arguments.of(c, spec));
                }
            }
        }
        return out.stream();
    }

    private static final int INVOCATIONS = 240;
    /** Σ over the invocations of 3 texts × the model's outputs (chain 3, branches 3, stacked 2). */
    private static final int TARGETS = 40 * 3 * (3 + 3 + 3 + 3 + 2 + 2);

    @Test
    void everyPairingIsGeneratedOnce() {
        assertEquals(INVOCATIONS, rulesAndModels().count());
        assertEquals(3 * (6 - 2), specsNamingAnotherModelsLayer().count(), "each layer-name spec fits 2 of 6 cases");
        // every (case, spec) pairing is in exactly one of the two lists
        assertEquals(6 * SPECS.length, rulesAndModels().count() / 2 + specsNamingAnotherModelsLayer().count());
        int targets = 0;
        for (Arguments a : rulesAndModels().toList()) {
            Case c = (Case) a.get()[0];
            targets += 3 * Explainer.of(c.model(), KernelProvider.get()).network().outputSize();
        }
        assertEquals(TARGETS, targets);
    }

    /** The expected assignment, written out from RULES.md's key precedence (name, then first, then class). */
    private static Map<String, Rule> expected(Case c, String spec, boolean ignoreBias) {
        Map<String, String> bySpec = new LinkedHashMap<>();
        String body = switch (spec) {
            case "epsilon" -> "conv1d=epsilon:1e-6;dense=epsilon:1e-6";
            case "lrp0" -> "conv1d=epsilon:0;dense=epsilon:0";
            case "epsilon-plus" -> "conv1d=zplus;dense=epsilon:1e-6";
            case "epsilon-alpha2-beta1" -> "conv1d=alphabeta:2:1;dense=epsilon:1e-6";
            case "epsilon-gamma-box" -> "first=zbox;conv1d=gamma:0.25;dense=epsilon:1e-6";
            default -> spec.contains("=") ? spec : "conv1d=" + spec + ";dense=" + spec;
        };
        for (String part : body.split(";")) {
            String[] kv = part.split("=");
            bySpec.put(kv[0], kv[1]);
        }
        Function<String, Rule> parse = text -> {
            String[] p = text.split(":");
            Rule r = switch (p[0]) {
                case "epsilon" -> Rule.epsilon(Double.parseDouble(p[1]));
                case "alphabeta" -> Rule.alphaBeta(Double.parseDouble(p[1]), Double.parseDouble(p[2]));
                case "gamma" -> Rule.gamma(Double.parseDouble(p[1]));
                default -> Rule.of(p[0]);
            };
            return ignoreBias ? r.withNobias() : r;
        };
        Map<String, Rule> rules = new LinkedHashMap<>();
        List<String> all = new ArrayList<>(c.convLayers());
        all.addAll(c.denseLayers());
        for (String layer : all) {
            String text = bySpec.get(layer);
            if (text == null && c.firstLayers().contains(layer)) {
                text = bySpec.get("first");
            }
            if (text == null) {
                text = bySpec.get(c.denseLayers().contains(layer) ? "dense" : "conv1d");
            }
            if (text == null) {
                text = "epsilon:1e-6";
            }
            rules.put(layer, parse.apply(text));
        }
        return rules;
    }

    /** Targets compared with the reference, and targets whose reference is not finite, over all invocations. */
    private static final AtomicInteger COMPARED = new AtomicInteger();
    private static final Set<String> REFUSED = Collections.synchronizedSet(new TreeSet<>());
    private static final AtomicInteger INVOKED = new AtomicInteger();

    /** Per invocation: how many targets it must check, and how many it did (see {@link #everyTargetWasChecked}). */
    private int expectedTargets = -1;
    private int checkedTargets;

    @ParameterizedTest(name = "{0} {1} ignoreBias={2}")
    @MethodSource("rulesAndModels")
    void matchesTheIndependentImplementation(Case c, String spec, boolean ignoreBias) {
        Explainer explainer = Explainer.of(c.model(), KernelProvider.get());
        ExplainOptions options = ExplainOptions.DEFAULT.withTarget(Target.all()).withEmbeddingRelevance(true)
                .withRules(Composite.parse(spec, 1e-6).withIgnoreBias(ignoreBias));
        ReferenceLrp reference = new ReferenceLrp(c.model());
        Map<String, Rule> rules = expected(c, spec, ignoreBias);
        Random random = new Random(c.label().hashCode() + spec.hashCode());
        int outputs = explainer.network().outputSize();
        expectedTargets = 3 * outputs;
        for (int text = 0; text < 3; text++) {
            int[] tokens = TinyModels.tokens(random, c.length(), c.vocabulary(), text);
            for (int target = 0; target < outputs; target++) {
                String what = c.label() + " " + spec + " ignoreBias=" + ignoreBias + " text " + text + " target " + target;
                double[] expected = reference.relevance(tokens, target, rules, 1e-6);
                ExplainOptions one = options.withTarget(Target.index(target));
                if (!allFinite(expected)) {
                    // LRP-0 without bias on a unit that only its bias keeps active: 0/0 in the formula itself.
                    JlrpException error = assertThrows(JlrpException.class, () -> explainer.explain(tokens, one),
                            what);
                    assertTrue(error.getMessage().contains("not finite"), error.getMessage());
                    REFUSED.add(what);
                    checkedTargets++;
                    continue;
                }
                assertClose(expected, explainer.explain(tokens, one).get(0).embeddingRelevance(),
                        tolerance(reference.conditioning()), what);
                COMPARED.incrementAndGet();
                checkedTargets++;
            }
        }
        INVOKED.incrementAndGet();
    }

    /** Outside the test body, so that a {@code return} or {@code continue} added there cannot skip it. */
    @AfterEach
    void everyTargetWasChecked(TestInfo info) {
        if (info.getTestMethod().map(m -> m.getName().equals("matchesTheIndependentImplementation")).orElse(false)) {
            assertTrue(expectedTargets > 0, info.getDisplayName() + ": the invocation did not reach its targets");
            assertEquals(expectedTargets, checkedTargets, info.getDisplayName() + ": targets checked");
        }
    }

    /**
     * When the whole parameterized test ran: every invocation completed, and the number of targets compared with the
     * reference is exactly the expected one. The targets checked for a refusal instead are exactly those whose
     * reference relevance is not finite (LRP-0 without bias, see above), listed in {@link #NOT_FINITE}.
     */
    @AfterAll
    static void theExpectedNumberOfTargetsWasCompared() {
        if (INVOKED.get() < INVOCATIONS) {
            return; // a filtered run (one invocation from an IDE); each invocation still checked all its targets
        }
        assertEquals(INVOCATIONS, INVOKED.get(), "invocations");
        assertEquals(NOT_FINITE, Set.copyOf(REFUSED), "targets with a non-finite reference");
        assertEquals(TARGETS - NOT_FINITE.size(), COMPARED.get(), "targets compared with the reference");
    }

    /** The targets whose float64 reference relevance is not finite (0/0 of LRP-0 without bias). */
    private static final Set<String> NOT_FINITE = Set.of("stacked6 lrp0 ignoreBias=true text 0 target 0",
            "stacked6 lrp0 ignoreBias=true text 0 target 1");

    /** A layer-name key is checked against the model: one naming a layer of another case's model is refused. */
    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("specsNamingAnotherModelsLayer")
    void aLayerNameOfAnotherModelIsRefused(Case c, String spec) {
        Explainer explainer = Explainer.of(c.model(), KernelProvider.get());
        ExplainOptions options = ExplainOptions.DEFAULT.withTarget(Target.index(0)).withPadId(0).withEmbeddingRelevance(true)
                .withRules(Composite.parse(spec, 1e-6));
        int[] tokens = TinyModels.tokens(new Random(1), c.length(), c.vocabulary(), 1);
        JlrpException error = assertThrows(JlrpException.class, () -> explainer.explain(tokens, options));
        String key = NAME_KEYS.stream().filter(k -> spec.startsWith(k + "=") || spec.contains(";" + k + "="))
                .findFirst().orElseThrow();
        assertTrue(error.getMessage().contains("unknown key '" + key + "'"), error.getMessage());
    }

    private static boolean allFinite(double[] values) {
        for (double v : values) {
            if (!Double.isFinite(v)) {
                return false;
            }
        }
        return true;
    }

    /** Whether every layer-name key of {@code spec} names a Conv1D/Dense layer of the case's model. */
    private static boolean namesOnlyLayersOf(Case c, String spec) {
        for (String name : NAME_KEYS) {
            if (spec.contains(name + "=") && !c.convLayers().contains(name) && !c.denseLayers().contains(name)) {
                return false;
            }
        }
        return true;
    }

    /**
     * 1e-4, widened in proportion where an ε or γ denominator cancels more than 100-fold: float32 sums lose digits
     * there whatever the rule's implementation (one case in these tests, gamma:0:ignore-bias on stacked5, cancels ~500×).
     */
    private static double tolerance(double conditioning) {
        return TOLERANCE * Math.max(1, conditioning / 100);
    }

    static void assertClose(double[] expected, float[] actual, String what) {
        assertClose(expected, actual, TOLERANCE, what);
    }

    static void assertClose(double[] expected, float[] actual, double tolerance, String what) {
        double max = 0;
        for (double v : expected) {
            max = Math.max(max, Math.abs(v));
        }
        // An all-zero reference (every unit feeding the target dead) is checked like any other: all zero.
        for (int i = 0; i < expected.length; i++) {
            double diff = Math.abs(expected[i] - actual[i]);
            if (diff > tolerance * max || Double.isNaN(actual[i])) {
                throw new AssertionError(what + ": at " + i + " expected " + expected[i] + " got " + actual[i]
                        + " (|diff| " + diff + " > " + tolerance + " × max|R| " + max + ")");
            }
        }
    }
}
