package org.jlrp.runtime.render;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.util.JsonGeneratorDelegate;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.StringWriter;
import java.io.Writer;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.jlrp.runtime.explain.ExplainOptions;
import org.jlrp.runtime.explain.Explainer;
import org.jlrp.runtime.explain.Explanation;
import org.jlrp.runtime.explain.Method;
import org.jlrp.runtime.explain.Target;
import org.jlrp.runtime.internal.demo.DemoModel;
import org.jlrp.runtime.text.KerasTokenizer;
import org.jlrp.runtime.text.Sequences.Side;
import org.jlrp.runtime.text.TextBatch;
import org.junit.jupiter.api.Test;

/**
 * The JSON reports' numbers, formatted by FloatText into a reused buffer: the same bytes as Jackson's
 * {@code writeNumber(float)} wrote, and no allocation per number.
 */
class JsonNumbersTest {

    private static final Explainer explainer = DemoModel.explainer();
    private static final KerasTokenizer tokenizer = DemoModel.tokenizer();

    /**
     * The old path: every number the new one writes as characters goes back through Jackson's
     * {@code writeNumber(float)} (what {@code Output.number} called before), from the float those characters parse to.
     */
    static final class ViaJackson extends JsonGeneratorDelegate {
        int numbers;

        ViaJackson(JsonGenerator g) {
            super(g, false);
        }

        @Override
        public void writeNumber(char[] text, int offset, int len) throws IOException {
            numbers++;
            delegate.writeNumber(Float.parseFloat(new String(text, offset, len)));
        }
    }

    private static void assertSameAsJackson(ReportData data) throws IOException {
        StringWriter chars = new StringWriter();
        JsonReport.write(chars, data);
        StringWriter old = new StringWriter();
        ViaJackson g = new ViaJackson(Output.json(old));
        try (g) {
            JsonReport.write(g, data);
        }
        assertTrue(g.numbers > 0, "no number went through the new path");
        assertSameText(old.toString(), chars.toString());

        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        JsonReport.write(bytes, data); // the generator jlrp serve uses
        ByteArrayOutputStream oldBytes = new ByteArrayOutputStream();
        try (JsonGenerator u = new ViaJackson(Output.json(oldBytes))) {
            JsonReport.write(u, data);
        }
        assertArrayEquals(oldBytes.toByteArray(), bytes.toByteArray());
        assertEquals(chars.toString(), bytes.toString(StandardCharsets.UTF_8));
    }

    /** Equal, or a failure that shows where they part (the documents are long). */
    private static void assertSameText(String expected, String actual) {
        int i = 0;
        while (i < Math.min(expected.length(), actual.length()) && expected.charAt(i) == actual.charAt(i)) {
            i++;
        }
        if (i < expected.length() || i < actual.length()) {
            int from = Math.max(0, i - 60);
            assertEquals(expected.substring(from, Math.min(expected.length(), i + 40)),
                    actual.substring(from, Math.min(actual.length(), i + 40)), "the documents part at char " + i);
        }
    }

    private static ReportData demoReport(ExplainOptions options) {
        List<String> texts = List.of("this film was not good at all", "a wonderful cast, but the plot was thin",
                "caf\u00e9 \u00fcber film", "not good");
        TextBatch batch = TextBatch.encode(tokenizer, texts, explainer.network().inputLength(), Side.PRE, Side.PRE, 0);
        List<Explanation> results = explainer.explainAll(batch.sequences(), options);
        return new ReportData("demo", explainer.network().inputLength(), options, results, batch.words(),
                DemoModel.LABELS, batch.unknownWords(), false);
    }

    @Test
    void demoReportsAreByteIdenticalToJacksons() throws IOException {
        assertSameAsJackson(demoReport(ExplainOptions.DEFAULT.withTarget(Target.all())));
        assertSameAsJackson(demoReport(ExplainOptions.DEFAULT.withEmbeddingRelevance(true)));
        for (Method method : Method.values()) {
            assertSameAsJackson(demoReport(ExplainOptions.DEFAULT.withMethod(method)));
        }
    }

    @Test
    void awkwardValuesAreByteIdenticalToJacksons() throws IOException {
        Random random = new Random(42);
        List<Explanation> results = new ArrayList<>();
        for (int sequence = 0; sequence < 20; sequence++) {
            int n = 150;
            int[] tokens = new int[n];
            double[] relevance = new double[n];
            float[] embedding = new float[n * 3];
            for (int t = 0; t < n; t++) {
                tokens[t] = t;
                relevance[t] = sequence == 0 ? special(t) : random.nextGaussian() * Math.pow(10, random.nextInt(20) - 10);
            }
            for (int i = 0; i < embedding.length; i++) {
                embedding[i] = Float.intBitsToFloat(random.nextInt()); // NaN and the infinities among them
            }
            float[] logits = {Float.NaN, Float.NEGATIVE_INFINITY, -0f, Float.MIN_VALUE, (float) random.nextGaussian()};
            results.add(new Explanation(sequence, 4, logits, null, random.nextDouble(), tokens, relevance, embedding,
                    3, Double.NaN, Double.POSITIVE_INFINITY, -1e-300, 1e300));
        }
        assertSameAsJackson(new ReportData("m", 150, ExplainOptions.DEFAULT, results, null, null, null, false));
    }

    private static double special(int t) {
        double[] values = {0.0, -0.0, Double.NaN, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY, Double.MIN_VALUE,
                Float.MIN_VALUE, Float.MAX_VALUE, 1e39, -1e39, 1e-7, 0.1, 1.6, 9999999.0, 1e7, 0.001};
        return values[t % values.length];
    }

    /**
     * Writing 100 000 floats allocates nothing per float (Jackson's path: a formatter, bytes and a String each). The
     * bound, under a byte per float after a warm-up, leaves room for a stray allocation of the JIT or the JVM.
     */
    @Test
    void writingNumbersAllocatesNothingPerNumber() throws IOException {
        assumeTrue(ManagementFactory.getThreadMXBean() instanceof com.sun.management.ThreadMXBean);
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        assumeTrue(threads.isThreadAllocatedMemorySupported() && threads.isThreadAllocatedMemoryEnabled());
        Random random = new Random(7);
        float[] values = new float[100_000];
        for (int i = 0; i < values.length; i++) {
            values[i] = Float.intBitsToFloat(random.nextInt() & 0x7f7fffff | (random.nextBoolean() ? 0x80000000 : 0));
        }
        Output.Numbers numbers = new Output.Numbers();
        try (JsonGenerator chars = Output.json(Writer.nullWriter());
             JsonGenerator bytes = Output.json(OutputStream.nullOutputStream())) {
            for (JsonGenerator g : List.of(chars, bytes)) {
                g.writeStartArray();
                double perFloat = Double.MAX_VALUE;
                for (int round = 0; round < 30; round++) { // warm-up; the least of the later rounds counts
                    long before = threads.getThreadAllocatedBytes(Thread.currentThread().getId());
                    for (float v : values) {
                        numbers.number(g, v);
                    }
                    long allocated = threads.getThreadAllocatedBytes(Thread.currentThread().getId()) - before;
                    if (round >= 20) {
                        perFloat = Math.min(perFloat, (double) allocated / values.length);
                    }
                }
                assertTrue(perFloat < 1.0, perFloat + " bytes allocated per float");

                // The meter sees allocation: Jackson's own path, measured the same way.
                double jackson = Double.MAX_VALUE;
                for (int round = 0; round < 5; round++) {
                    long before = threads.getThreadAllocatedBytes(Thread.currentThread().getId());
                    for (float v : values) {
                        g.writeNumber(v);
                    }
                    jackson = Math.min(jackson,
                            (double) (threads.getThreadAllocatedBytes(Thread.currentThread().getId()) - before)
                                    / values.length);
                }
                assertTrue(jackson > 16, jackson + " bytes per float on Jackson's path");
                g.writeEndArray();
            }
        }
    }
}
