package org.jlrp.runtime.internal.model;

import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * A recurrent layer over a sequence: LSTM, GRU or SimpleRNN, with Keras's formulas. The weights are in one normalised
 * gate order, Keras 2/3's: LSTM {@code i, f, c(=g), o}, GRU {@code z, r, h}, SimpleRNN one block. Importers bring
 * other layouts (Keras 1 per-gate matrices, CuDNN biases) to it.
 *
 * @param kind                the cell
 * @param kernel              {@code [inputSize][gates·units]}, row-major; copied in, {@link #kernel()} returns a copy
 * @param recurrentKernel     {@code [units][gates·units]}, likewise
 * @param bias                {@code [gates·units]} (for a GRU with {@code resetAfter}: the input bias), or null
 * @param recurrentBias       a GRU with {@code resetAfter}: the recurrent bias {@code [gates·units]}, applied inside
 *                            the reset product for the candidate; null otherwise
 * @param inputSize           channels per step
 * @param units               state size
 * @param activation          the candidate/output activation ({@code tanh} by default)
 * @param recurrentActivation the gates' activation (LSTM, GRU); {@link Activation#LINEAR} for a SimpleRNN
 * @param returnSequences     whether the output is every step's state {@code [T][units]} or the last one
 * @param goBackwards         whether the layer reads the sequence from its end
 * @param resetAfter          GRU only: the reset gate applies after the recurrent product (Keras 2's CuDNN variant,
 *                            Keras 3's default)
 */
public record RecurrentSpec(String name, List<String> inputs, Kind kind, float[] kernel, float[] recurrentKernel,
                            float[] bias, float[] recurrentBias, int inputSize, int units, Activation activation,
                            Activation recurrentActivation, boolean returnSequences, boolean goBackwards,
                            boolean resetAfter) implements LayerSpec {

    /** The cell kinds, with their gate count and Keras class name. */
    public enum Kind {
        LSTM(4, "LSTM"), GRU(3, "GRU"), SIMPLE_RNN(1, "SimpleRNN");

        private final int gates;
        private final String kerasName;

        Kind(int gates, String kerasName) {
            this.gates = gates;
            this.kerasName = kerasName;
        }

        /** Weight blocks per unit (4 for LSTM, 3 for GRU, 1 for SimpleRNN). */
        public int gates() {
            return gates;
        }

        /** The class name as {@code jlrp info} shows it. */
        public String displayName() {
            return kerasName;
        }

        /** The {@code --rule} type key of the linear maps inside the cell ({@code lstm}, {@code gru}, {@code rnn}). */
        public String ruleKey() {
            return this == SIMPLE_RNN ? "rnn" : name().toLowerCase(Locale.ROOT);
        }
    }

    public RecurrentSpec {
        Specs.name(name);
        inputs = Specs.inputs(name, inputs);
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(activation, "activation");
        Objects.requireNonNull(recurrentActivation, "recurrentActivation");
        Specs.positive(name, "input size", inputSize);
        Specs.positive(name, "units", units);
        int width = kind.gates() * units;
        kernel = Specs.weights(name, "kernel", kernel, (long) inputSize * width);
        recurrentKernel = Specs.weights(name, "recurrent kernel", recurrentKernel, (long) units * width);
        bias = Specs.bias(name, bias, width);
        recurrentBias = Specs.bias(name, recurrentBias, width);
        if (resetAfter && kind != Kind.GRU) {
            throw new IllegalArgumentException("layer '" + name + "': reset_after applies to a GRU only");
        }
        if (recurrentBias != null && !resetAfter) {
            throw new IllegalArgumentException("layer '" + name + "': a recurrent bias needs a GRU with reset_after");
        }
        if (activation == Activation.SOFTMAX || recurrentActivation == Activation.SOFTMAX) {
            throw new IllegalArgumentException("layer '" + name + "': softmax is not an elementwise activation");
        }
    }

    @Override
    public float[] kernel() {
        return kernel.clone();
    }

    @Override
    public float[] recurrentKernel() {
        return recurrentKernel.clone();
    }

    @Override
    public float[] bias() {
        return Specs.copy(bias);
    }

    @Override
    public float[] recurrentBias() {
        return Specs.copy(recurrentBias);
    }

    @Override
    public String type() {
        return kind.displayName();
    }

    @Override
    public long parameterCount() {
        return (long) kernel.length + recurrentKernel.length + (bias == null ? 0 : bias.length)
                + (recurrentBias == null ? 0 : recurrentBias.length);
    }

    /** The same layer under another name and reading direction (the halves of a Bidirectional layer). */
    public RecurrentSpec renamed(String newName, boolean backwards) {
        return new RecurrentSpec(newName, inputs, kind, kernel, recurrentKernel, bias, recurrentBias, inputSize, units,
                activation, recurrentActivation, returnSequences, backwards, resetAfter);
    }
}
