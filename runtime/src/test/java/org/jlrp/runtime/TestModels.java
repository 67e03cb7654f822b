package org.jlrp.runtime;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import org.jlrp.runtime.internal.model.Activation;
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
 * Small random text CNNs built in memory as {@link ModelSpec}s (the same description an importer produces), for
 * tests that need many models with known structure: gradient identities, conservation, padding patterns.
 */
public final class TestModels {

    private final Random random;
    private final List<LayerSpec> layers = new ArrayList<>();
    private final int inputLength;
    private String last;

    private TestModels(long seed, int inputLength) {
        this.random = new Random(seed);
        this.inputLength = inputLength;
        layers.add(new InputSpec("input"));
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
        return add(new EmbeddingSpec("embedding", List.of(last), table, vocabulary, dim));
    }

    public TestModels conv1d(String name, int inChannels, int filters, int width, String padding, int stride,
                             int dilation, String activation) {
        float[] kernel = gaussian(width * inChannels * filters, 1.0 / Math.sqrt(width * inChannels));
        float[] bias = gaussian(filters, 0.3);
        return add(new Conv1DSpec(name, List.of(last), kernel, bias, width, inChannels, filters, stride, dilation,
                Padding.valueOf(padding.toUpperCase(Locale.ROOT)), activation(activation)));
    }

    public TestModels pooling(String name, String className, int pool, int stride) {
        PoolingSpec.Kind kind = className.startsWith("Max") ? PoolingSpec.Kind.MAX : PoolingSpec.Kind.AVERAGE;
        return add(PoolingSpec.window(name, List.of(last), kind, pool, stride, Padding.VALID));
    }

    /** A layer without weights or parameters: a global pool, Flatten, or an inference identity such as Dropout. */
    public TestModels layer(String name, String className) {
        List<String> in = List.of(last);
        return add(switch (className) {
            case "GlobalMaxPooling1D" -> PoolingSpec.global(name, in, PoolingSpec.Kind.MAX, false);
            case "GlobalAveragePooling1D" -> PoolingSpec.global(name, in, PoolingSpec.Kind.AVERAGE, false);
            case "Flatten" -> new FlattenSpec(name, in);
            default -> new IdentitySpec(name, in, className);
        });
    }

    public TestModels dense(String name, int in, int units, String activation) {
        float[] kernel = gaussian(in * units, 1.0 / Math.sqrt(in));
        float[] bias = gaussian(units, 0.3);
        return add(new DenseSpec(name, List.of(last), kernel, bias, in, units, activation(activation)));
    }

    public ModelSpec build() {
        return new ModelSpec("test-model", "in-memory", inputLength, layers, last);
    }

    /** Random token ids in {@code [1, vocabulary)}, then {@code padding} zeros at the end. */
    public static int[] tokens(Random random, int length, int vocabulary, int padding) {
        int[] ids = new int[length];
        for (int t = 0; t < length - padding; t++) {
            ids[t] = 1 + random.nextInt(vocabulary - 1);
        }
        return ids;
    }

    private TestModels add(LayerSpec layer) {
        layers.add(layer);
        last = layer.name();
        return this;
    }

    /** An activation by its lower-case name ({@code relu}, {@code softmax}, …). */
    static Activation activation(String name) {
        return Activation.valueOf(name.toUpperCase(Locale.ROOT));
    }

    private float[] gaussian(int n, double scale) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) {
            a[i] = (float) (random.nextGaussian() * scale);
        }
        return a;
    }
}
