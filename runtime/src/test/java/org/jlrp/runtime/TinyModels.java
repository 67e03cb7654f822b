package org.jlrp.runtime;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.jlrp.runtime.internal.keras.KerasModel;
import org.jlrp.runtime.internal.keras.KerasLayer;
import org.jlrp.runtime.internal.keras.ModelFormat;
import org.jlrp.runtime.internal.keras.Tensor;

/**
 * Small Keras models built in memory, with random or given weights, for tests that need models not in
 * {@code ../shared}: a {@link KerasModel} of {@link KerasLayer}s with Keras 2 configs and {@link Tensor} weights.
 */
public final class TinyModels {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final int inputLength;
    private final Random random;
    private final long seed;
    private final List<KerasLayer> layers = new ArrayList<>();
    /** name → {steps, channels, sequence ? 1 : 0}. */
    private final Map<String, int[]> shapes = new HashMap<>();
    private double weightScale = 0.5;
    private double biasScale = 0.2;

    private TinyModels(int inputLength, long seed) {
        this.inputLength = inputLength;
        this.random = new Random(seed);
        this.seed = seed;
        ObjectNode c = JSON.createObjectNode();
        c.putArray("batch_input_shape").addNull().add(inputLength);
        add("input", "InputLayer", c, List.of(), List.of(), new int[]{1, inputLength, 0});
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

    private String add(String name, String cls, ObjectNode config, List<String> inbound, List<Tensor> weights,
                       int[] shape) {
        config.put("name", name);
        layers.add(new KerasLayer(name, cls, config, List.copyOf(inbound), List.copyOf(weights)));
        shapes.put(name, shape);
        return name;
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
        ObjectNode c = JSON.createObjectNode();
        c.put("input_dim", vocabulary);
        c.put("output_dim", dim);
        return add(name, "Embedding", c, List.of("input"),
                List.of(new Tensor(name + "/embeddings:0", new int[]{vocabulary, dim}, table)),
                new int[]{inputLength, dim, 1});
    }

    public String conv1d(String name, String input, int filters, int width, String padding, String activation,
                         boolean useBias) {
        int in = shapes.get(input)[1];
        return conv1d(name, input, filters, width, padding, activation, random(width * in * filters, weightScale),
                useBias ? random(filters, biasScale) : null);
    }

    /** A Conv1D with kernel {@code [width][in][filters]} and bias (null: use_bias false). */
    public String conv1d(String name, String input, int filters, int width, String padding, String activation,
                         float[] kernel, float[] bias) {
        int[] s = shapes.get(input);
        ObjectNode c = JSON.createObjectNode();
        c.put("filters", filters);
        c.putArray("kernel_size").add(width);
        c.putArray("strides").add(1);
        c.put("padding", padding);
        c.put("activation", activation);
        c.put("use_bias", bias != null);
        List<Tensor> w = new ArrayList<>();
        w.add(new Tensor(name + "/kernel:0", new int[]{width, s[1], filters}, kernel));
        if (bias != null) {
            w.add(new Tensor(name + "/bias:0", new int[]{filters}, bias));
        }
        int out = padding.equals("valid") ? s[0] - width + 1 : s[0];
        return add(name, "Conv1D", c, List.of(input), w, new int[]{out, filters, 1});
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
        ObjectNode c = JSON.createObjectNode();
        c.put("units", units);
        c.put("activation", activation);
        c.put("use_bias", bias != null);
        List<Tensor> w = new ArrayList<>();
        w.add(new Tensor(name + "/kernel:0", new int[]{in, units}, kernel));
        if (bias != null) {
            w.add(new Tensor(name + "/bias:0", new int[]{units}, bias));
        }
        int[] shape = s[2] == 1 ? new int[]{s[0], units, 1} : new int[]{1, units, 0};
        return add(name, "Dense", c, List.of(input), w, shape);
    }

    public String maxPool(String name, String input, int pool) {
        return pool(name, "MaxPooling1D", input, pool);
    }

    public String avgPool(String name, String input, int pool) {
        return pool(name, "AveragePooling1D", input, pool);
    }

    private String pool(String name, String cls, String input, int pool) {
        int[] s = shapes.get(input);
        ObjectNode c = JSON.createObjectNode();
        c.putArray("pool_size").add(pool);
        c.putArray("strides").add(pool);
        c.put("padding", "valid");
        return add(name, cls, c, List.of(input), List.of(), new int[]{(s[0] - pool) / pool + 1, s[1], 1});
    }

    public String globalMaxPool(String name, String input) {
        return add(name, "GlobalMaxPooling1D", JSON.createObjectNode(), List.of(input), List.of(),
                new int[]{1, shapes.get(input)[1], 0});
    }

    public String globalAvgPool(String name, String input) {
        return add(name, "GlobalAveragePooling1D", JSON.createObjectNode(), List.of(input), List.of(),
                new int[]{1, shapes.get(input)[1], 0});
    }

    public String flatten(String name, String input) {
        int[] s = shapes.get(input);
        return add(name, "Flatten", JSON.createObjectNode(), List.of(input), List.of(), new int[]{1, s[0] * s[1], 0});
    }

    public String dropout(String name, String input) {
        ObjectNode c = JSON.createObjectNode();
        c.put("rate", 0.5);
        return add(name, "Dropout", c, List.of(input), List.of(), shapes.get(input).clone());
    }

    public String relu(String name, String input) {
        ObjectNode c = JSON.createObjectNode();
        c.put("activation", "relu");
        return add(name, "Activation", c, List.of(input), List.of(), shapes.get(input).clone());
    }

    /** Concatenates vectors. */
    public String concatenate(String name, String... inputs) {
        ObjectNode c = JSON.createObjectNode();
        c.put("axis", -1);
        int total = 0;
        for (String in : inputs) {
            total += shapes.get(in)[1];
        }
        return add(name, "Concatenate", c, List.of(inputs), List.of(), new int[]{1, total, 0});
    }

    public KerasModel build(String output) {
        return new KerasModel("tiny-" + seed + ":" + layers.get(layers.size() - 1).className(), ModelFormat.FULL_H5, "2.4.0", "tensorflow", inputLength,
                List.copyOf(layers), output, List.of());
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
