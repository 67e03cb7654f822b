package org.jlrp.runtime;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.jlrp.runtime.internal.model.ActivationSpec;
import org.jlrp.runtime.internal.model.ConcatenateSpec;
import org.jlrp.runtime.internal.model.Conv1DSpec;
import org.jlrp.runtime.internal.model.DenseSpec;
import org.jlrp.runtime.internal.model.EmbeddingSpec;
import org.jlrp.runtime.internal.model.FlattenSpec;
import org.jlrp.runtime.internal.model.IdentitySpec;
import org.jlrp.runtime.internal.model.InputSpec;
import org.jlrp.runtime.internal.model.LayerSpec;
import org.jlrp.runtime.internal.model.ModelSpec;
import org.jlrp.runtime.internal.model.Padding;
import org.jlrp.runtime.internal.model.PoolingSpec;

/**
 * Small models built in memory, with random or given weights, for tests that need models not in {@code ../shared}:
 * a {@link ModelSpec} of layer specs, as an importer produces it.
 */
public final class TinyModels {

    private final int inputLength;
    private final Random random;
    private final long seed;
    private final List<LayerSpec> layers = new ArrayList<>();
    /** name → {steps, channels, sequence ? 1 : 0}. */
    private final Map<String, int[]> shapes = new HashMap<>();
    private double weightScale = 0.5;
    private double biasScale = 0.2;

    private TinyModels(int inputLength, long seed) {
        this.inputLength = inputLength;
        this.random = new Random(seed);
        this.seed = seed;
        add(new InputSpec("input"), new int[]{1, inputLength, 0});
    }

    /** A builder; its first layer is the token-id input, named {@code input}. */
    public static TinyModels builder(int inputLength, long seed) {
        return new TinyModels(inputLength, seed);
    }

    public TinyModels scales(double weights, double biases) {
        this.weightScale = weights;
        this.biasScale = biases;
        return this;
    }

    private String add(LayerSpec layer, int[] shape) {
        layers.add(layer);
        shapes.put(layer.name(), shape);
        return layer.name();
    }

    private float[] random(int n, double scale) {
        float[] out = new float[n];
        for (int i = 0; i < n; i++) {
            out[i] = (float) (random.nextGaussian() * scale);
        }
        return out;
    }

    public String embedding(String name, int vocabulary, int dim) {
        return embedding(name, vocabulary, dim, random(vocabulary * dim, 1.0));
    }

    /** An Embedding with the given table {@code [vocabulary][dim]}. */
    public String embedding(String name, int vocabulary, int dim, float[] table) {
        return add(new EmbeddingSpec(name, List.of("input"), table, vocabulary, dim), new int[]{inputLength, dim, 1});
    }

    public String conv1d(String name, String input, int filters, int width, String padding, String activation,
                         boolean useBias) {
        int in = shapes.get(input)[1];
        return conv1d(name, input, filters, width, padding, activation, random(width * in * filters, weightScale),
                useBias ? random(filters, biasScale) : null);
    }

    /** A Conv1D with random weights and a bias, striding or dilating (Keras allows one of the two above 1). */
    public String conv1d(String name, String input, int filters, int width, String padding, String activation,
                         int stride, int dilation) {
        int[] s = shapes.get(input);
        int span = dilation * (width - 1) + 1;
        int out = padding.equals("valid") ? (s[0] - span) / stride + 1 : (s[0] + stride - 1) / stride;
        return add(new Conv1DSpec(name, List.of(input), random(width * s[1] * filters, weightScale),
                        random(filters, biasScale), width, s[1], filters, stride, dilation,
                        Padding.valueOf(padding.toUpperCase(java.util.Locale.ROOT)), TestModels.activation(activation)),
                new int[]{out, filters, 1});
    }

    /** A Conv1D with kernel {@code [width][in][filters]} and bias (null: use_bias false). */
    public String conv1d(String name, String input, int filters, int width, String padding, String activation,
                         float[] kernel, float[] bias) {
        int[] s = shapes.get(input);
        int out = padding.equals("valid") ? s[0] - width + 1 : s[0];
        return add(new Conv1DSpec(name, List.of(input), kernel, bias, width, s[1], filters, 1, 1,
                Padding.valueOf(padding.toUpperCase(java.util.Locale.ROOT)), TestModels.activation(activation)),
                new int[]{out, filters, 1});
    }

    public String dense(String name, String input, int units, String activation, boolean useBias) {
        int[] s = shapes.get(input);
        int in = s[2] == 1 ? s[1] : s[1] * s[0];
        return dense(name, input, units, activation, random(in * units, weightScale),
                useBias ? random(units, biasScale) : null);
    }

    /** A Dense with kernel {@code [in][units]} and bias (null: use_bias false). */
    public String dense(String name, String input, int units, String activation, float[] kernel, float[] bias) {
        int[] s = shapes.get(input);
        int in = s[2] == 1 ? s[1] : s[0] * s[1];
        int[] shape = s[2] == 1 ? new int[]{s[0], units, 1} : new int[]{1, units, 0};
        return add(new DenseSpec(name, List.of(input), kernel, bias, in, units, TestModels.activation(activation)),
                shape);
    }

    public String maxPool(String name, String input, int pool) {
        return pool(name, "MaxPooling1D", input, pool);
    }

    public String avgPool(String name, String input, int pool) {
        return pool(name, "AveragePooling1D", input, pool);
    }

    private String pool(String name, String cls, String input, int pool) {
        int[] s = shapes.get(input);
        PoolingSpec.Kind kind = cls.startsWith("Max") ? PoolingSpec.Kind.MAX : PoolingSpec.Kind.AVERAGE;
        return add(PoolingSpec.window(name, List.of(input), kind, pool, pool, Padding.VALID),
                new int[]{(s[0] - pool) / pool + 1, s[1], 1});
    }

    public String globalMaxPool(String name, String input) {
        return add(PoolingSpec.global(name, List.of(input), PoolingSpec.Kind.MAX, false),
                new int[]{1, shapes.get(input)[1], 0});
    }

    public String globalAvgPool(String name, String input) {
        return add(PoolingSpec.global(name, List.of(input), PoolingSpec.Kind.AVERAGE, false),
                new int[]{1, shapes.get(input)[1], 0});
    }

    public String flatten(String name, String input) {
        int[] s = shapes.get(input);
        return add(new FlattenSpec(name, List.of(input)), new int[]{1, s[0] * s[1], 0});
    }

    public String dropout(String name, String input) {
        return add(new IdentitySpec(name, List.of(input), "Dropout"), shapes.get(input).clone());
    }

    public String relu(String name, String input) {
        return add(new ActivationSpec(name, List.of(input), org.jlrp.runtime.internal.model.Activation.RELU),
                shapes.get(input).clone());
    }

    /** Concatenates vectors. */
    public String concatenate(String name, String... inputs) {
        int total = 0;
        for (String in : inputs) {
            total += shapes.get(in)[1];
        }
        return add(new ConcatenateSpec(name, List.of(inputs), -1), new int[]{1, total, 0});
    }

    public ModelSpec build(String output) {
        return new ModelSpec("tiny-" + seed + ":" + layers.get(layers.size() - 1).type(), "in-memory", inputLength,
                layers, output);
    }

    /** Random token ids in {@code [0, vocabulary)}, with a run of padding id 0 at the end. */
    public static int[] tokens(Random random, int length, int vocabulary, int padding) {
        int[] ids = new int[length];
        for (int t = 0; t < length - padding; t++) {
            ids[t] = 1 + random.nextInt(vocabulary - 1);
        }
        return ids;
    }
}
