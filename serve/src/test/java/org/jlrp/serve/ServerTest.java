package org.jlrp.serve;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import org.jlrp.runtime.JlrpException;
import org.jlrp.runtime.explain.Composite;
import org.jlrp.runtime.explain.ExplainOptions;
import org.jlrp.runtime.explain.Rule;
import org.jlrp.runtime.explain.Target;
import org.jlrp.runtime.text.Sequences;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The endpoints against the library's own answers, bad input, the body limit, overload, deadlines and drain. */
class ServerTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String TEXT = "this film was not good at all";
    private static Server server;

    @BeforeAll
    static void start() {
        server = Fixture.start(Fixture.PATIENT);
    }

    @AfterAll
    static void stop() {
        server.shutdown();
    }

    @Test
    void explainIsTheLibrarysReportByteForByte() throws Exception {
        List<String> texts = List.of(TEXT, "a great and moving story", "zzqx");
        HttpResponse<String> r = Fixture.post(server, "/v1/models/demo:explain", Fixture.instances(texts));
        assertEquals(200, r.statusCode(), r.body());
        assertEquals(Fixture.explainReport(texts, ExplainOptions.DEFAULT), r.body());

        r = Fixture.post(server, "/v1/models/demo:explain", "{\"instances\": [\"" + TEXT + "\"], \"parameters\": "
                + "{\"target\": \"all\", \"rule\": \"epsilon-gamma-box\", \"eps\": 0.01, \"ignore_bias\": true}}");
        assertEquals(200, r.statusCode(), r.body());
        ExplainOptions options = ExplainOptions.DEFAULT.withTarget(Target.all())
                .withRules(Composite.parse("epsilon-gamma-box", 0.01).withIgnoreBias(true));
        assertEquals(Fixture.explainReport(List.of(TEXT), options), r.body());

        r = Fixture.post(server, "/v1/models/demo:explain", "{\"instances\": [\"" + TEXT + "\"], \"parameters\": "
                + "{\"method\": \"gradient-input\", \"target\": 1}}");
        assertEquals(200, r.statusCode(), r.body());
        options = ExplainOptions.DEFAULT.withTarget(Target.index(1))
                .withMethod(org.jlrp.runtime.explain.Method.GRADIENT_INPUT);
        assertEquals(Fixture.explainReport(List.of(TEXT), options), r.body());
    }

    @Test
    void nonAsciiWordsAndALoneSurrogateComeBackAsValidJson() throws Exception {
        // The answer is written as UTF-8 bytes: non-ASCII words as themselves, and a lone surrogate (a valid JSON
        // escape, but no character) escaped again rather than failing the answer or turning into '?'.
        String body = "{\"instances\": [\"caf\u00e9 \\ud800 film \\ud83d\\ude00 was good\"]}"; // JSON escapes
        HttpResponse<String> r = Fixture.post(server, "/v1/models/demo:explain", body);
        assertEquals(200, r.statusCode(), r.body());
        String decoded = "caf\u00e9 \ud800 film \ud83d\ude00 was good";
        String expected = Fixture.explainReport(List.of(decoded), ExplainOptions.DEFAULT);
        assertEquals(expected.replace("\ud800", "\\uD800"), r.body());
        assertTrue(r.body().contains("\"caf\u00e9\",\"\\uD800\",\"film\",\"\ud83d\ude00\""), r.body());
    }

    @Test
    void tokenIdInstancesArePaddedAsTheCliPadsThem() throws Exception {
        HttpResponse<String> r = Fixture.post(server, "/v1/models/demo:explain",
                "{\"instances\": [[5, 6, 8, 58, 83]]}");
        assertEquals(200, r.statusCode(), r.body());
        JsonNode result = JSON.readTree(r.body()).get("results").get(0);
        int[] padded = Sequences.pad(new int[]{5, 6, 8, 58, 83}, 50, Sequences.Side.PRE, Sequences.Side.PRE, 0);
        assertEquals(JSON.valueToTree(padded), result.get("tokens"));
        assertEquals("good", result.get("words").get(49).asText());
        double[] expected = Fixture.EXPLAINER.explain(padded).relevance();
        for (int t = 0; t < expected.length; t++) {
            assertEquals((float) expected[t], result.get("relevance").get(t).floatValue(), "position " + t);
        }
    }

    @Test
    void predictionsAreTheModelsLogits() throws Exception {
        HttpResponse<String> r = Fixture.post(server, "/v1/models/demo:predict",
                "{\"instances\": [\"" + TEXT + "\", \"a great film\"]}");
        assertEquals(200, r.statusCode(), r.body());
        JsonNode predictions = JSON.readTree(r.body()).get("predictions");
        List<int[]> seqs = org.jlrp.runtime.text.TextBatch.encode(Fixture.TOKENIZER, List.of(TEXT, "a great film"),
                50, Sequences.Side.PRE, Sequences.Side.PRE, 0).sequences();
        for (int i = 0; i < 2; i++) {
            float[] logits = Fixture.EXPLAINER.logits(seqs.get(i), null);
            JsonNode p = predictions.get(i);
            assertEquals(logits[0], p.get("logits").get(0).floatValue());
            assertEquals(logits[1], p.get("logits").get(1).floatValue());
            float[] probabilities = Fixture.EXPLAINER.explain(seqs.get(i)).probabilities(); // the explain path's
            assertEquals(probabilities[0], p.get("probabilities").get(0).floatValue());
            assertEquals(probabilities[1], p.get("probabilities").get(1).floatValue());
            int cls = logits[1] > logits[0] ? 1 : 0;
            assertEquals(cls, p.get("class").intValue());
            assertEquals(cls == 1 ? "positive" : "negative", p.get("label").asText());
        }

        StringBuilder data = new StringBuilder();
        for (int i = 0; i < 2; i++) {
            for (int id : seqs.get(i)) {
                data.append(data.length() == 0 ? "" : ",").append(id);
            }
        }
        r = Fixture.post(server, "/v2/models/demo/infer", "{\"id\": \"abc\", \"inputs\": [{\"name\": \"input_ids\", "
                + "\"shape\": [2, 50], \"datatype\": \"INT32\", \"data\": [" + data + "]}]}");
        assertEquals(200, r.statusCode(), r.body());
        JsonNode out = JSON.readTree(r.body());
        assertEquals("abc", out.get("id").asText());
        JsonNode logits = out.get("outputs").get(0);
        assertEquals("[2,2]", logits.get("shape").toString());
        for (int i = 0; i < 2; i++) {
            float[] expected = Fixture.EXPLAINER.logits(seqs.get(i), null);
            assertEquals(expected[0], logits.get("data").get(2 * i).floatValue());
            assertEquals(expected[1], logits.get("data").get(2 * i + 1).floatValue());
        }
    }

    @Test
    void healthAndMetadata() throws Exception {
        assertEquals("{\"live\":true}\n", Fixture.get(server, "/v2/health/live").body());
        assertEquals("{\"ready\":true}\n", Fixture.get(server, "/v2/health/ready").body());
        assertEquals("{\"ready\":true}\n", Fixture.get(server, "/v2/models/demo/ready").body());
        assertEquals("{\"name\":\"demo\",\"ready\":true}\n", Fixture.get(server, "/v1/models/demo").body());
        assertEquals("{\"models\":[\"demo\"]}\n", Fixture.get(server, "/v1/models").body());
        assertEquals("{\"name\":\"demo\",\"versions\":[],\"platform\":\"jlrp\",\"inputs\":[{\"name\":\"input_ids\","
                + "\"datatype\":\"INT64\",\"shape\":[-1,50]}],\"outputs\":[{\"name\":\"logits\",\"datatype\":\"FP32\","
                + "\"shape\":[-1,2]},{\"name\":\"probabilities\",\"datatype\":\"FP32\",\"shape\":[-1,2]}]}\n",
                Fixture.get(server, "/v2/models/demo").body());
    }

    /** Each bad request: its status and exactly its one-line message; the library's where the library has one. */
    @Test
    void badInputIsRefusedWithOneLine() throws Exception {
        int[] outOfRange = Sequences.pad(new int[]{1, 2, 999}, 50, Sequences.Side.PRE, Sequences.Side.PRE, 0);
        String rangeMessage = assertThrows(JlrpException.class, () -> Fixture.EXPLAINER.validate(0, outOfRange))
                .getMessage();
        String ruleMessage = assertThrows(JlrpException.class, () -> Composite.parse("nope", Rule.DEFAULT_EPS))
                .getMessage();
        int[] valid = Sequences.pad(new int[]{1, 2, 3}, 50, Sequences.Side.PRE, Sequences.Side.PRE, 0);
        String targetMessage = assertThrows(JlrpException.class, () -> Fixture.EXPLAINER.explain(
                valid, ExplainOptions.DEFAULT.withTarget(Target.index(7)))).getMessage();
        String many = Fixture.instances(Fixture.texts(65, 1));
        Object[][] cases = {
            {"/v1/models/demo:explain", "{\"instances\": [[1, 2, 999]]}", 400, rangeMessage},
            {"/v1/models/demo:explain", "{\"instances\": [[1, 2, -1]]}", 400,
                "sequence 0, position 49: token id -1 is out of range [0, 112)"},
            {"/v1/models/demo:explain", "[1]", 400, "the request body must be a JSON object"},
            {"/v1/models/demo:explain", "{\"instances\": 5}", 400,
                "the request needs \"instances\": an array of texts or of token-id arrays"},
            {"/v1/models/demo:explain", "{\"instances\": []}", 400, "the request has no instances"},
            {"/v1/models/demo:explain", many, 400, "the request has 65 instances; at most 64 are accepted per request"},
            {"/v1/models/demo:explain", "{\"instances\": [[1, \"a\"]]}", 400,
                "instance 0, position 1: a token id must be an integer, got \"a\""},
            {"/v1/models/demo:explain", "{\"instances\": [[1.5]]}", 400,
                "instance 0, position 0: a token id must be an integer, got 1.5"},
            {"/v1/models/demo:explain", "{\"instances\": [[3000000000]]}", 400,
                "instance 0, position 0: a token id must be an integer, got 3000000000"},
            {"/v1/models/demo:explain", "{\"instances\": [\"good\", [1]]}", 400,
                "instance 1 is not a text: instances are all texts or all token-id arrays"},
            {"/v1/models/demo:explain", "{\"instances\": [[1], \"good\"]}", 400,
                "instance 1 is not an array of token ids: instances are all texts or all token-id arrays"},
            {"/v1/models/demo:explain", "{\"instances\": [[1]], \"parameters\": {\"rule\": \"nope\"}}", 400,
                ruleMessage},
            {"/v1/models/demo:explain", "{\"instances\": [[1, 2, 3]], \"parameters\": {\"target\": 7}}", 400,
                targetMessage},
            {"/v1/models/demo:explain", "{\"instances\": [[1]], \"parameters\": {\"method\": \"gradient\", "
                + "\"rule\": \"epsilon\"}}", 400, "rule, eps and ignore_bias apply to method lrp only, not gradient"},
            {"/v1/models/demo:explain", "{\"instances\": [[1]], \"parameters\": {\"bogus\": 1}}", 400,
                "unknown parameter 'bogus' (expected one of [target, rule, method, eps, ignore_bias])"},
            {"/v2/models/demo/infer", "{\"inputs\": [{\"name\": \"input_ids\", \"shape\": [1, 50], \"datatype\": "
                + "\"FP32\", \"data\": [1]}]}", 400, "input datatype must be INT64 or INT32, got 'FP32'"},
            {"/v2/models/demo/infer", "{\"inputs\": [{\"name\": \"input_ids\", \"shape\": [1, 49], \"datatype\": "
                + "\"INT64\", \"data\": [1]}]}", 400, "input shape [1,49]: the model reads 50 tokens per sequence"},
            {"/v2/models/demo/infer", "{\"inputs\": [{\"name\": \"input_ids\", \"shape\": [1, 50], \"datatype\": "
                + "\"INT64\", \"data\": [1, 2]}]}", 400, "input data has 2 values; shape [1,50] needs 50"},
            {"/v2/models/demo/infer", "{\"inputs\": [{\"name\": \"input_ids\", \"shape\": [2], \"datatype\": "
                + "\"INT64\", \"data\": [1, 2]}]}", 400,
                "input shape must be [batch, length] with both at least 1, got [2]"},
            {"/v2/models/demo/infer", "{\"inputs\": []}", 400,
                "the request needs \"inputs\": an array with one tensor, \"input_ids\""},
            {"/v1/models/other:explain", "{\"instances\": [[1]]}", 404,
                "model 'other' is not served here (this server serves 'demo')"},
            {"/v1/models/demo:frobnicate", "{}", 404, "no such verb ':frobnicate'"},
            {"/nowhere", "{}", 404, "no such endpoint: /nowhere"},
            {"/v1/models/demo", "{}", 405, "use GET for /v1/models/demo"},
        };
        for (Object[] c : cases) {
            HttpResponse<String> r = Fixture.post(server, (String) c[0], (String) c[1]);
            assertEquals(c[2], r.statusCode(), c[1] + " -> " + r.body());
            assertEquals(JSON.writeValueAsString(java.util.Map.of("error", c[3])) + "\n", r.body(), (String) c[1]);
        }
        HttpResponse<String> malformed = Fixture.post(server, "/v1/models/demo:explain", "{\"instances\": [");
        assertEquals(400, malformed.statusCode());
        assertTrue(malformed.body().startsWith("{\"error\":\"malformed JSON: "), malformed.body());
        assertEquals(1, malformed.body().split("\n").length);
        // Still serving, and right.
        HttpResponse<String> r = Fixture.post(server, "/v1/models/demo:explain", Fixture.instances(List.of(TEXT)));
        assertEquals(Fixture.explainReport(List.of(TEXT), ExplainOptions.DEFAULT), r.body());
    }

    /** A body over the limit is refused from its headers: the client never sends it. */
    @Test
    void anOversizedBodyGets413BeforeItIsRead() throws Exception {
        try (Socket socket = new Socket("127.0.0.1", server.port())) {
            OutputStream out = socket.getOutputStream();
            out.write(("POST /v1/models/demo:explain HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                    + "Content-Length: " + (server.options().maxBodyBytes() + 1) + "\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            out.flush();
            InputStream in = socket.getInputStream();
            byte[] head = in.readNBytes(12);
            assertEquals("HTTP/1.1 413", new String(head, StandardCharsets.US_ASCII));
        }
    }

    /** Pipelined requests on one connection are answered in order, each with its own answer. */
    @Test
    void pipelinedRequestsAreAnsweredInOrder() throws Exception {
        List<String> texts = Fixture.texts(12, 3);
        try (RawClient client = new RawClient(server.port())) {
            for (String text : texts) {
                client.send("/v1/models/demo:explain", Fixture.instances(List.of(text))
                        .getBytes(StandardCharsets.UTF_8));
            }
            client.send("/v2/health/live", new byte[0]);
            for (String text : texts) {
                RawClient.Response r = client.read();
                assertEquals(200, r.status(), r.body());
                assertEquals(Fixture.explainReport(List.of(text), ExplainOptions.DEFAULT), r.body());
            }
            assertEquals(405, client.read().status(), "POST on a GET endpoint, answered last");
        }
    }

    @Test
    void aFullQueueIsA503WithRetryAfterAtOnce() throws Exception {
        try (Server small = Fixture.start(Fixture.PATIENT.withLimits(1, 1 << 20, 64, 60_000).withThreads(1))) {
            CountDownLatch hold = new CountDownLatch(1);
            small.batcher().hold(hold);
            // Held, the one lane keeps at most one request beside the queue's one place: of three, one is refused.
            List<CompletableFuture<HttpResponse<String>>> pending = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                pending.add(Fixture.CLIENT.sendAsync(Fixture.request(small, "/v1/models/demo:explain",
                        Fixture.instances(List.of(TEXT))), HttpResponse.BodyHandlers.ofString()));
            }
            HttpResponse<String> refused = CompletableFuture.anyOf(pending.toArray(CompletableFuture[]::new))
                    .thenApply(r -> (HttpResponse<String>) r).get();
            assertEquals(503, refused.statusCode(), refused.body());
            assertEquals("1", refused.headers().firstValue("Retry-After").orElse(null));
            assertEquals("{\"error\":\"the request queue is full (1 requests); retry later\"}\n", refused.body());
            hold.countDown();
            int ok = 0;
            for (CompletableFuture<HttpResponse<String>> f : pending) {
                HttpResponse<String> r = f.get();
                if (r.statusCode() == 200) {
                    ok++;
                    assertEquals(Fixture.explainReport(List.of(TEXT), ExplainOptions.DEFAULT), r.body());
                }
            }
            assertTrue(ok >= 1 && ok <= 2, ok + " answered");
            assertTrue(Fixture.get(small, "/metrics").body()
                    .contains("jlrp_serve_requests_total{endpoint=\"v1_explain\",status=\"503\"} "));
        }
    }

    /** More queued work than the time bound, at the rate measured so far: refused at once, whatever the count. */
    @Test
    void moreQueuedWorkThanTheTimeBoundIsA503AtOnce() throws Exception {
        try (Server bounded = Fixture.start(ServeOptions.DEFAULT.withMaxQueueMicros(1).withThreads(1))) {
            // One answered request gives the rate (well over 1 µs per sequence: a demo explanation takes microseconds).
            assertEquals(200, Fixture.post(bounded, "/v1/models/demo:explain", Fixture.instances(List.of(TEXT)))
                    .statusCode());
            CountDownLatch hold = new CountDownLatch(1);
            bounded.batcher().hold(hold);
            List<CompletableFuture<HttpResponse<String>>> pending = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                pending.add(Fixture.CLIENT.sendAsync(Fixture.request(bounded, "/v1/models/demo:explain",
                        Fixture.instances(List.of(TEXT))), HttpResponse.BodyHandlers.ofString()));
            }
            HttpResponse<String> refused = CompletableFuture.anyOf(pending.toArray(CompletableFuture[]::new))
                    .thenApply(r -> (HttpResponse<String>) r).get();
            assertEquals(503, refused.statusCode(), refused.body());
            assertEquals("1", refused.headers().firstValue("Retry-After").orElse(null));
            assertEquals("{\"error\":\"the server is overloaded (more than 1 us of work queued); retry later\"}\n",
                    refused.body());
            hold.countDown();
            for (CompletableFuture<HttpResponse<String>> f : pending) {
                HttpResponse<String> r = f.get();
                assertTrue(r.statusCode() == 503 || r.body().equals(
                        Fixture.explainReport(List.of(TEXT), ExplainOptions.DEFAULT)), r.body());
            }
        }
    }

    @Test
    void aRequestQueuedPastItsDeadlineIsA503() throws Exception {
        try (Server quick = Fixture.start(ServeOptions.DEFAULT.withLimits(8, 1 << 20, 64, 50))) {
            CountDownLatch hold = new CountDownLatch(1);
            quick.batcher().hold(hold);
            CompletableFuture<HttpResponse<String>> late = Fixture.CLIENT.sendAsync(Fixture.request(quick,
                    "/v1/models/demo:explain", Fixture.instances(List.of(TEXT))), HttpResponse.BodyHandlers.ofString());
            while (quick.inFlight().get() == 0) {
                Thread.sleep(5);
            }
            Thread.sleep(100);
            hold.countDown();
            HttpResponse<String> r = late.get();
            assertEquals(503, r.statusCode());
            assertEquals("{\"error\":\"the request waited past its deadline in the queue; retry later\"}\n", r.body());
        }
    }

    /** Shutdown answers what was accepted, refuses what comes after, and returns. */
    @Test
    void shutdownDrainsInFlightRequests() throws Exception {
        Server draining = Fixture.start(Fixture.PATIENT);
        CountDownLatch hold = new CountDownLatch(1);
        draining.batcher().hold(hold);
        CompletableFuture<HttpResponse<String>> accepted = Fixture.CLIENT.sendAsync(Fixture.request(draining,
                "/v1/models/demo:explain", Fixture.instances(List.of(TEXT))), HttpResponse.BodyHandlers.ofString());
        while (draining.inFlight().get() == 0) {
            Thread.sleep(5);
        }
        Thread stopper = new Thread(draining::shutdown);
        stopper.start();
        while (!draining.draining()) {
            Thread.sleep(5);
        }
        assertThrows(java.io.IOException.class, () -> Fixture.get(draining, "/v2/health/live"),
                "no new connections while draining");
        hold.countDown();
        HttpResponse<String> r = accepted.get();
        assertEquals(200, r.statusCode());
        assertEquals(Fixture.explainReport(List.of(TEXT), ExplainOptions.DEFAULT), r.body());
        stopper.join(30_000);
        assertTrue(!stopper.isAlive(), "shutdown returned");
    }

    @Test
    void metricsAreInPrometheusTextFormat() throws Exception {
        try (Server fresh = Fixture.start(Fixture.PATIENT)) {
            for (int i = 0; i < 3; i++) {
                Fixture.post(fresh, "/v1/models/demo:explain", Fixture.instances(List.of(TEXT)));
            }
            Fixture.post(fresh, "/v1/models/demo:explain", "{\"instances\": [[999]]}");
            HttpResponse<String> r = Fixture.get(fresh, "/metrics");
            assertEquals(200, r.statusCode());
            assertTrue(r.headers().firstValue("Content-Type").orElse("").startsWith("text/plain; version=0.0.4"));
            String text = r.body();
            assertTrue(text.contains("jlrp_serve_requests_total{endpoint=\"v1_explain\",status=\"200\"} 3.0\n"), text);
            assertTrue(text.contains("jlrp_serve_requests_total{endpoint=\"v1_explain\",status=\"400\"} 1.0\n"), text);
            assertTrue(text.contains("jlrp_serve_request_duration_seconds_count{endpoint=\"v1_explain\"} 4\n"), text);
            assertTrue(text.contains("jlrp_serve_batch_size_count 3\n"), text);
            assertTrue(text.contains("jlrp_serve_queue_depth 0.0\n"), text);
        }
    }
}
