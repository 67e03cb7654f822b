package org.jlrp.serve;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;
import org.jlrp.runtime.JlrpException;

/**
 * The server's warm-up client ({@link ServeOptions#warmupMillis()}): random valid token-id sequences, seeded, sent
 * to the server's own {@code :explain} (and one in eight to {@code :predict}) over loopback, from a few
 * connections at once so that batches of several sequences are compiled too.
 */
final class Warmup {

    /** Sequence length for models that read any length. */
    private static final int ANY_LENGTH_TOKENS = 100;

    private Warmup() {
    }

    /**
     * Warm-up requests answered with 200, and those that failed: another status than 200 or 503 (the queue's time
     * bound may refuse some while the engine is cold), or no answer.
     */
    record Outcome(int answered, int failed) {
        static final Outcome NONE = new Outcome(0, 0);
    }

    static Outcome run(Server server, long millis, int connections) {
        ServedModel model = server.model();
        int length = model.explainer().inputLength() > 0 ? model.explainer().inputLength() : ANY_LENGTH_TOKENS;
        int vocabulary = model.explainer().vocabularySize();
        InetSocketAddress bound = server.address();
        InetAddress host = bound.getAddress().isAnyLocalAddress() ? InetAddress.getLoopbackAddress()
                : bound.getAddress();
        URI explain = uri(host, bound.getPort(), "/v1/models/" + model.name() + ":explain");
        URI predict = uri(host, bound.getPort(), "/v1/models/" + model.name() + ":predict");
        HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(5)).build();
        long deadline = System.nanoTime() + millis * 1_000_000L;
        AtomicInteger answered = new AtomicInteger();
        AtomicInteger failed = new AtomicInteger();
        Thread[] threads = new Thread[connections];
        for (int i = 0; i < connections; i++) {
            Random random = new Random(i);
            threads[i] = new Thread(() -> {
                for (int n = 0; System.nanoTime() - deadline < 0; n++) {
                    HttpRequest request = HttpRequest.newBuilder(n % 8 == 7 ? predict : explain)
                            .timeout(Duration.ofSeconds(30)).header("Content-Type", "application/json")
                            .POST(HttpRequest.BodyPublishers.ofString(body(random, length, vocabulary))).build();
                    try {
                        int status = client.send(request, HttpResponse.BodyHandlers.discarding()).statusCode();
                        // 503: refused while the cold engine was slow (the queue's time bound), not a fault
                        if (status == 200) {
                            answered.incrementAndGet();
                        } else if (status != 503) {
                            failed.incrementAndGet();
                        }
                    } catch (IOException e) {
                        failed.incrementAndGet();
                        return;
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        return;
                    }
                }
            }, "jlrp-warmup-" + i);
            threads[i].setDaemon(true);
            threads[i].start();
        }
        for (Thread t : threads) {
            try {
                t.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new JlrpException("interrupted while warming up");
            }
        }
        return new Outcome(answered.get(), failed.get());
    }

    private static String body(Random random, int length, int vocabulary) {
        StringBuilder b = new StringBuilder(16 + 7 * length).append("{\"instances\": [[");
        for (int i = 0; i < length; i++) {
            b.append(i == 0 ? "" : ", ").append(vocabulary > 1 ? 1 + random.nextInt(vocabulary - 1) : 0);
        }
        return b.append("]]}").toString();
    }

    private static URI uri(InetAddress host, int port, String path) {
        try {
            return new URI("http", null, host.getHostAddress(), port, path, null, null);
        } catch (URISyntaxException e) {
            throw new JlrpException("cannot address the server for its warm-up: " + e.getMessage());
        }
    }
}
