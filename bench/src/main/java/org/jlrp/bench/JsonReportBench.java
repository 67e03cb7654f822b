package org.jlrp.bench;

import java.io.IOException;
import java.io.OutputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.jlrp.runtime.explain.ExplainOptions;
import org.jlrp.runtime.explain.Explanation;
import org.jlrp.runtime.render.JsonReport;
import org.jlrp.runtime.render.ReportData;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * One {@code jlrp serve} explain answer: the JSON report of one 150-token text of a two-class model (150 relevance
 * values, logits, probabilities and the per-result numbers), as UTF-8 bytes to a null stream. Public API only, so
 * that the same class measures older builds.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"-Xms1g", "-Xmx1g", "-XX:+AlwaysPreTouch"})
@State(Scope.Thread)
public class JsonReportBench {

    static final int TOKENS = 150;

    ReportData report;

    @Setup(Level.Trial)
    public void setup() {
        Random random = new Random(1);
        int[] tokens = new int[TOKENS];
        double[] relevance = new double[TOKENS];
        String[] words = new String[TOKENS];
        double sum = 0;
        for (int t = 0; t < TOKENS; t++) {
            tokens[t] = 1 + random.nextInt(20000);
            words[t] = "word" + tokens[t];
            relevance[t] = (float) (random.nextGaussian() * Math.pow(10, random.nextInt(6) - 5));
            sum += relevance[t];
        }
        List<Explanation> results = new ArrayList<>();
        results.add(new Explanation(0, 1, new float[]{-1.2345678f, 2.3456789f}, new float[]{0.02765f, 0.97235f},
                2.3456789, tokens, relevance, null, 0, 0.0, sum, 2.3456789 - sum));
        List<String[]> wordList = new ArrayList<>();
        wordList.add(words);
        report = new ReportData("model", TOKENS, ExplainOptions.DEFAULT, results, wordList,
                List.of("negative", "positive"), null, false);
    }

    @Benchmark
    public void report() throws IOException {
        JsonReport.write(OutputStream.nullOutputStream(), report);
    }
}
