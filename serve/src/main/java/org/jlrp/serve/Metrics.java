package org.jlrp.serve;

import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.function.IntSupplier;

/**
 * The server's Prometheus metrics, in a registry of its own (several servers in one JVM do not mix): requests by
 * endpoint and status, request latency, batch sizes and queue depth.
 */
final class Metrics {

    private final PrometheusRegistry registry = new PrometheusRegistry();
    private final PrometheusTextFormatWriter writer = PrometheusTextFormatWriter.create();
    private final Counter requests = Counter.builder().name("jlrp_serve_requests_total")
            .help("HTTP requests by endpoint and status code").labelNames("endpoint", "status").register(registry);
    private final Histogram latency = Histogram.builder().name("jlrp_serve_request_duration_seconds")
            .help("time from a complete request to its response, by endpoint").labelNames("endpoint")
            .classicOnly()
            .classicUpperBounds(0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10)
            .register(registry);
    private final Histogram batchSize = Histogram.builder().name("jlrp_serve_batch_size")
            .help("sequences per batch given to the batch engine").classicOnly()
            .classicUpperBounds(1, 2, 4, 8, 16, 32, 64, 128, 256, 512).register(registry);

    void queueDepth(IntSupplier depth) {
        GaugeWithCallback.builder().name("jlrp_serve_queue_depth").help("requests waiting for a batch")
                .callback(cb -> cb.call(depth.getAsInt())).register(registry);
    }

    /** While set (the server's warm-up), nothing is counted: the metrics describe the requests of clients. */
    volatile boolean paused;

    void request(String endpoint, int status, long nanos) {
        if (paused) {
            return;
        }
        requests.labelValues(endpoint, Integer.toString(status)).inc();
        latency.labelValues(endpoint).observe(nanos / 1e9);
    }

    void batch(int sequences) {
        if (paused) {
            return;
        }
        batchSize.observe(sequences);
    }

    String contentType() {
        return writer.getContentType();
    }

    byte[] scrape() {
        ByteArrayOutputStream out = new ByteArrayOutputStream(4096);
        try {
            writer.write(out, registry.scrape());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }
}
