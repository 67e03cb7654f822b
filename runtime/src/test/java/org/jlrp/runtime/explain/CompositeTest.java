package org.jlrp.runtime.explain;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.LinkedHashMap;
import java.util.Map;
import org.jlrp.kernels.KernelProvider;
import org.jlrp.runtime.JlrpException;
import org.jlrp.runtime.TinyModels;
import org.jlrp.runtime.internal.graph.Network;
import org.jlrp.runtime.internal.model.ModelSpec;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Rule strings: grammar, presets, precedence of keys, errors. */
class CompositeTest {

    /**
     * Kim-style model whose layer names are Keras 2's defaults: two convolutions reading the Embedding (one through
     * Dropout), a third stacked on one of them, and Dense layers named {@code dense} and {@code dense_1}.
     */
    private static Network network() {
        TinyModels b = TinyModels.builder(8, 1);
        String e = b.embedding("embedding", 10, 3);
        String d = b.dropout("dropout", e);
        String c1 = b.conv1d("conv1d", d, 2, 2, "valid", "relu", true);
        String c2 = b.conv1d("conv1d_1", e, 2, 3, "same", "relu", true);
        String c3 = b.conv1d("conv1d_2", c2, 2, 2, "valid", "relu", true);
        String p1 = b.globalMaxPool("gmp", c1);
        String p2 = b.globalMaxPool("gmp_1", c3);
        String cat = b.concatenate("concatenate", p1, p2);
        String h = b.dense("dense", cat, 3, "relu", true);
        ModelSpec model = b.build(b.dense("dense_1", h, 2, "softmax", true));
        return Explainer.of(model, KernelProvider.get()).network();
    }

    private static Map<String, String> assignment(String spec) {
        Map<String, String> out = new LinkedHashMap<>();
        network().rulePlan(Composite.parse(spec, 1e-6)).assignments().forEach((k, v) -> out.put(k, v.spec()));
        return out;
    }

    @Test
    void presetsAssignAsRulesMdSays() {
        assertEquals(Map.of("conv1d", "epsilon:1.0E-6", "conv1d_1", "epsilon:1.0E-6", "conv1d_2", "epsilon:1.0E-6",
                "dense", "epsilon:1.0E-6", "dense_1", "epsilon:1.0E-6"), assignment("epsilon"));
        assertEquals(Map.of("conv1d", "epsilon:0", "conv1d_1", "epsilon:0", "conv1d_2", "epsilon:0",
                "dense", "epsilon:0", "dense_1", "epsilon:0"), assignment("lrp0"));
        assertEquals(Map.of("conv1d", "zplus", "conv1d_1", "zplus", "conv1d_2", "zplus",
                "dense", "epsilon:1.0E-6", "dense_1", "epsilon:1.0E-6"), assignment("epsilon-plus"));
        assertEquals(Map.of("conv1d", "alphabeta:2:1", "conv1d_1", "alphabeta:2:1", "conv1d_2", "alphabeta:2:1",
                "dense", "epsilon:1.0E-6", "dense_1", "epsilon:1.0E-6"), assignment("epsilon-alpha2-beta1"));
        // first = both convolutions reading the Embedding (one through Dropout); the stacked one is a conv1d
        assertEquals(Map.of("conv1d", "zbox", "conv1d_1", "zbox", "conv1d_2", "gamma:0.25",
                "dense", "epsilon:1.0E-6", "dense_1", "epsilon:1.0E-6"), assignment("epsilon-gamma-box"));
    }

    @Test
    void mostSpecificKeyWins() {
        // name beats first beats class; a layer named like a class key is addressed by its class only
        assertEquals(Map.of("conv1d", "flat", "conv1d_1", "wsquare", "conv1d_2", "zplus",
                        "dense", "gamma:0.5", "dense_1", "epsilon:0.1:ignore-bias"),
                assignment("dense_1=epsilon:0.1:ignore-bias;conv1d=zplus;first=flat;conv1d_1=wsquare;dense=gamma:0.5"));
        // uncovered layers get the default ε; a bare rule means conv1d and dense
        assertEquals("epsilon:0.001", Composite.parse("first=zbox", 1e-3).ruleFor("x", true, false).spec());
        assertEquals(Map.of("conv1d", "gamma:0.25", "conv1d_1", "gamma:0.25", "conv1d_2", "gamma:0.25",
                "dense", "gamma:0.25", "dense_1", "gamma:0.25"), assignment("gamma:0.25"));
    }

    @Test
    void epsilonWithoutValueTakesTheDefaultEpsAndNoBiasAppliesEverywhere() {
        Composite c = Composite.parse("epsilon-plus", 0.01);
        assertEquals("conv1d=zplus;dense=epsilon:0.01", c.spec());
        assertEquals("epsilon-plus", c.name());
        Composite ignoreBias = c.withIgnoreBias(true);
        assertEquals("conv1d=zplus:ignore-bias;dense=epsilon:0.01:ignore-bias", ignoreBias.spec());
        assertTrue(ignoreBias.ruleFor("unassigned", false, false).ignoreBias(), "the default ε also loses its bias");
        assertEquals(Rule.parse(Rule.alphaBeta(3, 2).withIgnoreBias(true).spec(), 1),
                Rule.alphaBeta(3, 2).withIgnoreBias(true));
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "zplsu|unknown rule 'zplsu'",
            "conv1d=gama:1|unknown rule 'gama:1'",
            "gamma|gamma takes 1 parameter",
            "zplus:1|zplus takes 0 parameters",
            "gamma:abc|gamma must be a number, got 'abc'",
            "gamma:-1|gamma must be a finite number >= 0",
            "alphabeta:2:2|alpha - beta = 1",
            "alphabeta:2|alphabeta takes 2 parameters",
            "epsilon:-0.1|epsilon must be a finite number >= 0",
            "conv1d=zplus;conv1d=flat|gives key 'conv1d' twice",
            "conv1d zplus;dense=flat|is not KEY=RULE",
            "=zplus|has no key",
    })
    void badRuleStringsFailWithOneLineNamingThePart(String spec, String message) {
        JlrpException e = assertThrows(JlrpException.class, () -> Composite.parse(spec, 1e-6));
        assertTrue(e.getMessage().contains(message), e.getMessage());
        assertFalse(e.getMessage().contains("\n"));
    }

    @Test
    void keysAreCheckedAgainstTheModel() {
        Network network = network();
        JlrpException unknown = assertThrows(JlrpException.class,
                () -> network.rulePlan(Composite.parse("conv2d=zplus", 1e-6)));
        assertTrue(unknown.getMessage().contains("unknown key 'conv2d'"), unknown.getMessage());
        assertTrue(unknown.getMessage().contains("conv1d_1"), "lists the layers: " + unknown.getMessage());
        JlrpException notLinear = assertThrows(JlrpException.class,
                () -> network.rulePlan(Composite.parse("gmp=zplus", 1e-6)));
        assertTrue(notLinear.getMessage().contains("GlobalMaxPooling1D"), notLinear.getMessage());
        JlrpException box = assertThrows(JlrpException.class,
                () -> network.rulePlan(Composite.parse("conv1d=zbox", 1e-6)));
        assertTrue(box.getMessage().contains("conv1d_2") && box.getMessage().contains("first=zbox"),
                box.getMessage());
    }
}
