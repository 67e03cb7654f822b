package org.jlrp.bench;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.StreamWriteFeature;
import java.io.IOException;
import java.io.OutputStream;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.jlrp.runtime.internal.render.FloatText;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;

/**
 * One float of a JSON report, Jackson's {@code writeNumber(float)} (a Schubfach formatter, a byte[] and a String per
 * number) against FloatText into a reused buffer and {@code writeNumber(char[], int, int)}, which the reports use.
 * Both write the UTF-8 bytes of {@code jlrp serve}'s answers to a null stream. The {@code format*} pair times the
 * formatting alone. Times and {@code -prof gc}'s allocation are per float (150 relevance-like values per call).
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"-Xms1g", "-Xmx1g", "-XX:+AlwaysPreTouch"})
@State(Scope.Thread)
public class JsonNumbersBench {

    static final int FLOATS = 150;

    float[] values = new float[FLOATS];
    char[] chars = new char[FloatText.MAX_CHARS];
    JsonGenerator g;

    @Setup(Level.Trial)
    public void setup() throws IOException {
        Random random = new Random(1);
        for (int i = 0; i < FLOATS; i++) { // relevance: signed, magnitudes from 1e-5 to 10
            values[i] = (float) (random.nextGaussian() * Math.pow(10, random.nextInt(6) - 5));
        }
        // The reports' factory (render.Output): Jackson's Schubfach for writeNumber(float).
        g = JsonFactory.builder().enable(StreamWriteFeature.USE_FAST_DOUBLE_WRITER).build()
                .createGenerator(OutputStream.nullOutputStream());
        g.writeStartArray();
    }

    @TearDown(Level.Trial)
    public void close() throws IOException {
        g.close();
    }

    @Benchmark
    @OperationsPerInvocation(FLOATS)
    public void jackson() throws IOException {
        for (float v : values) {
            g.writeNumber(v);
        }
    }

    @Benchmark
    @OperationsPerInvocation(FLOATS)
    public void floatText() throws IOException {
        for (float v : values) {
            g.writeNumber(chars, 0, FloatText.write(v, chars, 0));
        }
    }

    @Benchmark
    @OperationsPerInvocation(FLOATS)
    public void formatJackson(Blackhole bh) {
        for (float v : values) {
            bh.consume(com.fasterxml.jackson.core.io.schubfach.FloatToDecimal.toString(v));
        }
    }

    @Benchmark
    @OperationsPerInvocation(FLOATS)
    public void formatFloatText(Blackhole bh) {
        for (float v : values) {
            bh.consume(FloatText.write(v, chars, 0));
        }
        bh.consume(chars);
    }
}
