package org.jlrp.runtime;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.jlrp.runtime.internal.keras.KerasModel;
import org.jlrp.runtime.internal.keras.KerasLayer;
import org.jlrp.runtime.internal.keras.ModelFormat;
import org.jlrp.runtime.internal.keras.Tensor;

/**
 * Small random text CNNs built in memory as {@link KerasModel}s (the same description the loader produces), for
 * tests that need many models with known structure: gradient identities, conservation, padding patterns.
 */
public final class TestModels {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final Random random;
    private final List<KerasLayer> layers = new ArrayList<>();
    private final int inputLength;
    private String last;

    private TestModels(long seed, int inputLength) {
        this.random = new Random(seed);
        this.inputLength = inputLength;
        ObjectNode c = JSON.createObjectNode().put("name", "input");
        layers.add(new KerasLayer("input", "InputLayer", c, List.of(), List.of()));
        last = "input";
    }

    /** Starts a Sequential-style chain with an input of {@code inputLength} token ids. */
    public static TestModels chain(long seed, int inputLength) {
        return new TestModels(seed, inputLength);
    }

    /** An Embedding whose row 0 (padding) is zero when {@code zeroPadding}. */
    public TestModels embedding(int vocabulary, int dim, boolean zeroPadding) {
        float[] table = gaussian(vocabulary * dim, 1.0);
        if (zeroPadding) {
            for (int d = 0; d < dim; d++) {
                table[d] = 0f;
            }
        }
        ObjectNode c = config("embedding").put("input_dim", vocabulary).put("output_dim", dim);
        return add("embedding", "Embedding", c, List.of(new Tensor("embeddings", new int[]{vocabulary, dim}, table)));
    }

    public TestModels conv1d(String name, int inChannels, int filters, int width, String padding, int stride,
                             int dilation, String activation) {
        ObjectNode c = config(name).put("filters", filters).put("padding", padding).put("activation", activation)
                .put("use_bias", true);
        c.putArray("kernel_size").add(width);
        c.putArray("strides").add(stride);
        c.putArray("dilation_rate").add(dilation);
        return add(name, "Conv1D", c, List.of(
                new Tensor("kernel", new int[]{width, inChannels, filters},
                        gaussian(width * inChannels * filters, 1.0 / Math.sqrt(width * inChannels))),
                new Tensor("bias", new int[]{filters}, gaussian(filters, 0.3))));
    }

    public TestModels pooling(String name, String className, int pool, int stride) {
        ObjectNode c = config(name).put("padding", "valid");
        c.putArray("pool_size").add(pool);
        c.putArray("strides").add(stride);
        return add(name, className, c, List.of());
    }

    public TestModels layer(String name, String className) {
        return add(name, className, config(name), List.of());
    }

    public TestModels dense(String name, int in, int units, String activation) {
        ObjectNode c = config(name).put("units", units).put("activation", activation).put("use_bias", true);
        return add(name, "Dense", c, List.of(
                new Tensor("kernel", new int[]{in, units}, gaussian(in * units, 1.0 / Math.sqrt(in))),
                new Tensor("bias", new int[]{units}, gaussian(units, 0.3))));
    }

    public KerasModel build() {
        return new KerasModel("test-model", ModelFormat.FULL_H5, "2.2.4", "tensorflow", inputLength,
                List.copyOf(layers), last, List.of());
    }

    /** Random token ids in {@code [1, vocabulary)}, then {@code padding} zeros at the end. */
    public static int[] tokens(Random random, int length, int vocabulary, int padding) {
        int[] ids = new int[length];
        for (int t = 0; t < length - padding; t++) {
            ids[t] = 1 + random.nextInt(vocabulary - 1);
        }
        return ids;
    }

    private TestModels add(String name, String className, ObjectNode config, List<Tensor> weights) {
        layers.add(new KerasLayer(name, className, config, List.of(last), weights));
        last = name;
        return this;
    }

    private static ObjectNode config(String name) {
        return JSON.createObjectNode().put("name", name);
    }

    private float[] gaussian(int n, double scale) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) {
            a[i] = (float) (random.nextGaussian() * scale);
        }
        return a;
    }
}
