package org.jlrp.serve;

import java.io.IOException;
import java.io.StringWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import org.jlrp.runtime.explain.ExplainOptions;
import org.jlrp.runtime.explain.Explainer;
import org.jlrp.runtime.explain.Explanation;
import org.jlrp.runtime.internal.demo.DemoModel;
import org.jlrp.runtime.render.JsonReport;
import org.jlrp.runtime.render.ReportData;
import org.jlrp.runtime.text.KerasTokenizer;
import org.jlrp.runtime.text.Sequences;
import org.jlrp.runtime.text.TextBatch;

/** The built-in demo behind a server on a free loopback port, an HTTP client, and the library's own answers. */
final class Fixture {

    static final Explainer EXPLAINER = DemoModel.explainer();
    static final KerasTokenizer TOKENIZER = DemoModel.tokenizer();
    static final String DISPLAY = "demo model";

    static ServedModel model() {
        return new ServedModel("demo", DISPLAY, EXPLAINER, TOKENIZER, DemoModel.LABELS);
    }

    /**
     * The defaults without load shedding or deadlines, for tests of what a server answers rather than of what it
     * refuses: on a loaded CI machine the first batches run cold and slow, and the recent-rate bound would refuse
     * a request queued behind another (503).
     */
    static final ServeOptions PATIENT = ServeOptions.DEFAULT.withMaxQueueMicros(600_000_000L).withLimits(
            ServeOptions.DEFAULT.queueCapacity(), ServeOptions.DEFAULT.maxBodyBytes(),
            ServeOptions.DEFAULT.maxInstances(), 600_000);

    static Server start(ServeOptions options) {
        return Server.start(model(), options.withHost(ServeOptions.LOOPBACK).withPort(0).withWarmupMillis(0));
    }

    static final HttpClient CLIENT = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(10)).build();

    static HttpResponse<String> get(Server server, String path) throws IOException, InterruptedException {
        return CLIENT.send(HttpRequest.newBuilder(uri(server, path)).timeout(Duration.ofSeconds(30)).GET().build(),
                HttpResponse.BodyHandlers.ofString());
    }

    static HttpResponse<String> post(Server server, String path, String body) throws IOException,
            InterruptedException {
        return CLIENT.send(request(server, path, body), HttpResponse.BodyHandlers.ofString());
    }

    static HttpRequest request(Server server, String path, String body) {
        return HttpRequest.newBuilder(uri(server, path)).timeout(Duration.ofSeconds(30))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)).build();
    }

    static URI uri(Server server, String path) {
        return URI.create("http://127.0.0.1:" + server.port() + path);
    }

    /** What {@code jlrp explain --format json --text ...} writes for these texts, from the library directly. */
    static String explainReport(List<String> texts, ExplainOptions options) {
        TextBatch batch = TextBatch.encode(TOKENIZER, texts, EXPLAINER.inputLength(), Sequences.Side.PRE,
                Sequences.Side.PRE, 0);
        List<Explanation> results = EXPLAINER.explainAll(batch.sequences(), options);
        ReportData report = new ReportData(DISPLAY, EXPLAINER.inputLength(), options, results, batch.words(),
                DemoModel.LABELS, batch.unknownWords(), false);
        StringWriter out = new StringWriter();
        try {
            JsonReport.write(out, report);
        } catch (IOException e) {
            throw new AssertionError(e);
        }
        return out.toString();
    }

    /** Deterministic texts from the demo's vocabulary (with an unknown word now and then). */
    static List<String> texts(int n, long seed) {
        List<String> words = TOKENIZER.wordIndex().keySet().stream().filter(w -> !w.startsWith("<")).toList();
        Random random = new Random(seed);
        String[] out = new String[n];
        for (int i = 0; i < n; i++) {
            StringBuilder b = new StringBuilder();
            int len = 1 + random.nextInt(12);
            for (int k = 0; k < len; k++) {
                b.append(k == 0 ? "" : " ").append(random.nextInt(20) == 0 ? "zzqx" : words.get(
                        random.nextInt(words.size())));
            }
            out[i] = b.toString();
        }
        return List.of(out);
    }

    static String instances(List<String> texts) {
        StringBuilder b = new StringBuilder("{\"instances\": [");
        for (int i = 0; i < texts.size(); i++) {
            b.append(i == 0 ? "" : ", ").append('"').append(texts.get(i)).append('"');
        }
        return b.append("]}").toString();
    }

    private Fixture() {
    }
}
