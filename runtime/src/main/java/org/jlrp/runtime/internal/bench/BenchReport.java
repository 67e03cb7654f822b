package org.jlrp.runtime.internal.bench;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.StreamWriteFeature;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.Writer;
import java.util.Locale;

/** The {@code bench} output of the CLI contract, as JSON or as text. */
public final class BenchReport {

    /** Configured as the renderers' JSON (render/Output): the same digits on every JDK, the writer left open. */
    private static final JsonFactory JSON = JsonFactory.builder()
            .enable(StreamWriteFeature.USE_FAST_DOUBLE_WRITER)
            .disable(StreamWriteFeature.AUTO_CLOSE_TARGET)
            .build();

    private BenchReport() {
    }

    /**
     * The JSON document: the contract's fields, then {@code calls}, {@code warmup}, {@code seed}, {@code folded},
     * where the JVM reports it {@code cpu_seconds} and {@code explanations_per_cpu_second}, then {@code cpu}, the
     * {@code work} measured, {@code forward_mflop} per explanation, then on the unfolded path
     * {@code forward_gflop_per_s} and, with {@code --peak}, {@code peak_gflop_per_s} and {@code fraction_of_peak} (of
     * the forward products alone: a lower bound).
     */
    public static void writeJson(Writer out, Benchmark.Result r) throws IOException {
        try (JsonGenerator g = JSON.createGenerator(out)) {
            g.writeStartObject();
            g.writeStringField("model", r.model());
            g.writeStringField("jdk", r.jdk());
            g.writeStringField("simd", r.simd());
            g.writeNumberField("threads", r.threads());
            g.writeNumberField("batch", r.batch());
            g.writeNumberField("input_length", r.inputLength());
            g.writeNumberField("seconds", round(r.seconds(), 3));
            g.writeNumberField("explanations", r.explanations());
            g.writeNumberField("explanations_per_second", round(r.explanationsPerSecond(), 1));
            g.writeObjectFieldStart("latency_ms");
            g.writeNumberField("p50", round(r.p50(), 4));
            g.writeNumberField("p90", round(r.p90(), 4));
            g.writeNumberField("p99", round(r.p99(), 4));
            g.writeNumberField("max", round(r.max(), 4));
            g.writeEndObject();
            g.writeNumberField("calls", r.calls());
            g.writeNumberField("warmup", r.warmupSeconds());
            g.writeNumberField("seed", r.seed());
            g.writeBooleanField("folded", r.folded());
            if (r.cpuSeconds() > 0) {
                g.writeNumberField("cpu_seconds", round(r.cpuSeconds(), 3));
                g.writeNumberField("explanations_per_cpu_second", round(r.explanations() / r.cpuSeconds(), 1));
            }
            g.writeStringField("cpu", r.cpu());
            Benchmark.Work w = r.work();
            g.writeObjectFieldStart("work");
            g.writeStringField("method", w.method());
            g.writeStringField("rule", w.rules());
            g.writeStringField("target", w.target());
            g.writeBooleanField("embedding_relevance", w.embeddingMap());
            g.writeStringField("inputs", w.inputs());
            g.writeStringField("path", w.path());
            g.writeEndObject();
            g.writeNumberField("forward_mflop", round(r.forwardFlops() / 1e6, 3));
            if (!Double.isNaN(r.gflops())) {
                g.writeNumberField("forward_gflop_per_s", round(r.gflops(), 2));
            }
            if (!Double.isNaN(r.peakGflops())) {
                g.writeNumberField("peak_gflop_per_s", round(r.peakGflops(), 2));
                if (!Double.isNaN(r.gflops())) {
                    g.writeNumberField("fraction_of_peak", round(r.gflops() / r.peakGflops(), 4));
                }
            }
            g.writeEndObject();
            g.writeRaw('\n');
        }
    }

    public static void writeText(Writer writer, Benchmark.Result r) throws IOException {
        PrintWriter out = writer instanceof PrintWriter p ? p : new PrintWriter(writer);
        Benchmark.Work w = r.work();
        out.printf(Locale.ROOT, "model         %s%n", r.model());
        out.printf(Locale.ROOT, "cpu           %s%n", r.cpu());
        out.printf(Locale.ROOT, "jdk           %s, kernels %s, %s%n", r.jdk(), r.simd(),
                r.folded() ? "Embedding folded into Conv1D" : "unfolded");
        out.printf(Locale.ROOT, "work          method %s, rule %s, target %s%s, inputs %s%n", w.method(), w.rules(),
                w.target(), w.embeddingMap() ? ", [T][D] map" : "", w.inputs());
        out.printf(Locale.ROOT, "threads       %d, batch %d, input length %d%n", r.threads(), r.batch(),
                r.inputLength());
        out.printf(Locale.ROOT, "measured      %.2f s after %.2f s warm-up: %d calls, %d explanations%n",
                r.seconds(), r.warmupSeconds(), r.calls(), r.explanations());
        out.printf(Locale.ROOT, "throughput    %.1f explanations/s%s%n", r.explanationsPerSecond(),
                r.cpuSeconds() > 0 ? String.format(Locale.ROOT, " (%.1f per CPU-second, %.2f CPU-s)",
                        r.explanations() / r.cpuSeconds(), r.cpuSeconds()) : "");
        out.printf(Locale.ROOT, "latency/call  p50 %.4f ms, p90 %.4f ms, p99 %.4f ms, max %.4f ms%n",
                r.p50(), r.p90(), r.p99(), r.max());
        String peak = Double.isNaN(r.peakGflops()) ? "" : String.format(Locale.ROOT,
                "; matrix-multiply peak %.1f GFLOP/s on %d thread%s", r.peakGflops(), r.threads(),
                r.threads() == 1 ? "" : "s");
        if (r.folded()) {
            out.printf(Locale.ROOT, "arithmetic    folded: table lookups replace the first convolution's products%s%n",
                    peak);
        } else {
            out.printf(Locale.ROOT, "arithmetic    %.1f GFLOP/s in the forward products alone (%.2f MFLOP per "
                    + "explanation)%s%s%n", r.gflops(), r.forwardFlops() / 1e6, peak, Double.isNaN(r.peakGflops())
                    ? "" : String.format(Locale.ROOT, ": at least %.1f %% of it", 100 * r.gflops() / r.peakGflops()));
        }
        out.flush();
        if (out.checkError()) {
            throw new IOException("could not write the report");
        }
    }

    private static double round(double v, int digits) {
        double scale = Math.pow(10, digits);
        return Math.round(v * scale) / scale;
    }
}
