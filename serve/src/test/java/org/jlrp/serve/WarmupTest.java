package org.jlrp.serve;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.http.HttpResponse;
import java.util.List;
import org.jlrp.runtime.explain.ExplainOptions;
import org.junit.jupiter.api.Test;

/** The warm-up runs real requests before start returns, answers them all, and leaves the metrics to clients. */
class WarmupTest {

    @Test
    void startReturnsWarmedUpReadyAndWithMetricsOfClientsOnly() throws Exception {
        long begin = System.nanoTime();
        try (Server warm = Server.start(Fixture.model(), ServeOptions.DEFAULT.withHost(ServeOptions.LOOPBACK)
                .withPort(0).withWarmupMillis(300))) {
            assertTrue(System.nanoTime() - begin >= 300_000_000L, "start returned before its warm-up ended");
            assertTrue(warm.warmup().answered() > 0, "no warm-up request was answered");
            assertEquals(0, warm.warmup().failed(), "warm-up requests failed");
            assertTrue(warm.ready());
            assertEquals(200, Fixture.get(warm, "/v2/health/ready").statusCode());

            String metrics = Fixture.get(warm, "/metrics").body();
            assertFalse(metrics.contains("endpoint=\"v1_explain\""), metrics);
            assertFalse(metrics.contains("endpoint=\"v1_predict\""), metrics);
            for (String line : metrics.split("\n")) { // the batch-size histogram, if shown, has counted nothing
                if (line.startsWith("jlrp_serve_batch_size_count")) {
                    assertEquals(0.0, Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1)), line);
                }
            }

            String text = "this film was not good at all";
            HttpResponse<String> r = Fixture.post(warm, "/v1/models/demo:explain", Fixture.instances(List.of(text)));
            assertEquals(Fixture.explainReport(List.of(text), ExplainOptions.DEFAULT), r.body());
            assertTrue(Fixture.get(warm, "/metrics").body()
                    .contains("jlrp_serve_requests_total{endpoint=\"v1_explain\",status=\"200\"} 1.0"));
        }
    }

    @Test
    void noWarmupIsReadyAtOnce() {
        try (Server cold = Fixture.start(ServeOptions.DEFAULT)) {
            assertEquals(0, cold.warmup().answered());
            assertTrue(cold.ready());
        }
    }
}
