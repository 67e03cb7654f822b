package org.jlrp.serve;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.io.StringWriter;
import java.nio.file.Path;
import org.jlrp.runtime.explain.ExplainOptions;
import org.jlrp.runtime.render.JsonReport;
import org.jlrp.runtime.render.ReportData;
import org.junit.jupiter.api.Test;

/**
 * A load generator on loopback, bounded in count and time: closed loop at 1, 8 and 64 clients, then open loop at 50 %,
 * 90 % and 200 % of the capacity measured at 64 clients, with one request in ten invalid. Every answer is checked
 * against the library's own: a valid text's body is byte for byte the report {@code JsonReport} writes for the
 * library's explanation of that text alone (so relevance is bit-identical at the float32 the report carries, and
 * nothing is mixed between requests), an invalid request's body is its one-line error, a refusal is a 503; and every
 * request is answered. No timing is asserted: speed is measured, not tested.
 *
 * <p>CI runs it short (about 1 s a phase). For docs/performance.md: {@code -Djlrp.load.seconds=10}, which prints
 * the table.
 */
class LoadTest {

    private static final double SECONDS = Double.parseDouble(System.getProperty("jlrp.load.seconds", "0.6"));
    private static final int TEXTS = 64;
    /** Open loop: requests in flight at most (connections); a request due while all are busy waits, and that counts. */
    private static final int CONNECTIONS = 128;
    private static final String PATH = "/v1/models/demo:explain";
    /** The server's batching, to measure other settings: -Djlrp.load.batch=64 -Djlrp.load.wait.us=0. */
    private static final ServeOptions OPTIONS = ServeOptions.DEFAULT
            .withMaxQueueMicros(Long.getLong("jlrp.load.max.queue.us", ServeOptions.DEFAULT.maxQueueMicros()))
            .withBatching(
            Integer.getInteger("jlrp.load.batch", ServeOptions.DEFAULT.maxBatch()),
            Long.getLong("jlrp.load.wait.us", ServeOptions.DEFAULT.maxWaitMicros()))
            .withLimits(Integer.getInteger("jlrp.load.queue", ServeOptions.DEFAULT.queueCapacity()),
                    ServeOptions.DEFAULT.maxBodyBytes(), ServeOptions.DEFAULT.maxInstances(),
                    ServeOptions.DEFAULT.deadlineMillis());

    /** A request and the one answer it may get besides a 503. */
    private record Probe(String body, int status, String expected) {
        byte[] bytes() {
            return body.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        }
    }

    /** One phase's counts and the latencies of the answered (non-503) requests. */
    private record Phase(String name, long sent, long answered, long refused, long wrong, double seconds,
                         long[] latencies, long[] serviceLatencies, String firstWrong) {
        double throughput() {
            return answered / seconds;
        }

        double percentileMillis(double p) {
            return percentileMillis(latencies, p);
        }

        static double percentileMillis(long[] latencies, double p) {
            if (latencies.length == 0) {
                return Double.NaN;
            }
            long[] sorted = latencies.clone();
            Arrays.sort(sorted);
            return sorted[Math.min(sorted.length - 1, (int) Math.ceil(p * sorted.length) - 1)] / 1e6;
        }
    }

    /**
     * The model under load: the demo with texts, or with {@code -Djlrp.load.model=FILE} that model with random
     * token-id sequences (for the measurements of docs/performance.md).
     */
    private static final String MODEL_FILE = System.getProperty("jlrp.load.model");

    private static ServedModel servedModel() {
        return MODEL_FILE == null ? Fixture.model()
                : new ServedModel("demo", MODEL_FILE, org.jlrp.runtime.explain.Explainer.load(Path.of(MODEL_FILE)),
                        null, null);
    }

    private static List<Probe> probes(ServedModel model) {
        List<Probe> probes = new ArrayList<>();
        if (MODEL_FILE == null) {
            for (String text : Fixture.texts(TEXTS, 42)) {
                probes.add(new Probe(Fixture.instances(List.of(text)), 200,
                        Fixture.explainReport(List.of(text), ExplainOptions.DEFAULT)));
            }
            return probes;
        }
        Random random = new Random(42);
        org.jlrp.runtime.explain.Explainer explainer = model.explainer();
        for (int i = 0; i < TEXTS; i++) {
            int[] ids = new int[explainer.inputLength()];
            for (int t = 0; t < ids.length; t++) {
                ids[t] = 1 + random.nextInt(explainer.vocabularySize() - 1);
            }
            ReportData report = new ReportData(MODEL_FILE, explainer.inputLength(), ExplainOptions.DEFAULT,
                    explainer.explainAll(List.of(ids), ExplainOptions.DEFAULT), null, null, null, false);
            StringWriter out = new StringWriter();
            try {
                JsonReport.write(out, report);
            } catch (java.io.IOException e) {
                throw new AssertionError(e);
            }
            probes.add(new Probe("{\"instances\": [" + Arrays.toString(ids) + "]}", 200, out.toString()));
        }
        return probes;
    }

    private static final Probe[] INVALID = {
        new Probe("{\"instances\": [[1, 2, -5]]}", 400, null),
        new Probe("{\"instances\": [[1, 2, 3]", 400, null), // malformed: Jackson's words, checked by prefix
        new Probe("{\"instances\": [\"good\"], \"parameters\": {\"rule\": 3}}", 400,
                "{\"error\":\"rule must be a string, got 3\"}\n"),
    };

    @Test
    void closedAndOpenLoopAnswersAreTheLibrarys() throws Exception {
        ServedModel model = servedModel();
        List<Probe> valid = probes(model);
        List<Phase> phases = new ArrayList<>();
        if (PEER != null) { // the Python peer, already listening: same requests, valid ones only
            peer(valid, phases);
            return;
        }
        if (EXTERNAL != null) { // a jlrp serve process of its own: the generator no longer shares its JVM
            external(valid, phases);
            return;
        }
        // Closed loop: a client waits for its answer, so the queue never holds more than one request per client;
        // no time bound on the queue there (it would refuse on a machine slower than the bound assumes).
        try (Server server = Server.start(model, OPTIONS.withHost(ServeOptions.LOOPBACK).withPort(0)
                .withMaxQueueMicros(60_000_000))) {
            closedLoop(server.port(), valid, 8, SECONDS / 2); // warm-up, not reported
            for (int clients : new int[]{1, 8, 64}) {
                phases.add(closedLoop(server.port(), valid, clients, SECONDS));
            }
        }
        double capacity = phases.get(2).throughput();
        try (Server server = Server.start(model, OPTIONS.withHost(ServeOptions.LOOPBACK).withPort(0))) {
            closedLoop(server.port(), valid, 8, SECONDS / 2); // warm-up, not reported
            for (double load : new double[]{0.5, 0.9, 2.0}) {
                phases.add(openLoop(server.port(), valid, load, capacity, SECONDS));
            }
        }
        if (System.getProperty("jlrp.load.seconds") != null) {
            System.out.printf(Locale.ROOT, "%s: batch %d, wait %d us, queue %d requests / %d us%n%s%n",
                    model.displayName(), OPTIONS.maxBatch(), OPTIONS.maxWaitMicros(), OPTIONS.queueCapacity(),
                    OPTIONS.maxQueueMicros(), table(phases));
        }
        for (Phase p : phases) {
            assertEquals(0, p.wrong(), p.name() + ": wrong answers, first: " + p.firstWrong());
            assertEquals(p.sent(), p.answered() + p.refused(), p.name() + ": every request answered");
            assertTrue(p.answered() > 0, p.name() + ": some requests answered");
        }
        for (int i = 0; i < 3; i++) {
            assertEquals(0, phases.get(i).refused(), phases.get(i).name() + ": no refusal in a closed loop");
        }
    }

    /**
     * {@code -Djlrp.load.server=PORT}: drive a {@code jlrp serve --model MODEL --name demo} already listening on that
     * loopback port, in its own JVM with its own settings (the model path as given to both, so that the reports'
     * {@code model} field matches). Every answer is still checked against the library's report.
     */
    private static final Integer EXTERNAL = Integer.getInteger("jlrp.load.server");

    private static void external(List<Probe> valid, List<Phase> phases) throws InterruptedException {
        // The launcher runs the server on the SIMD kernels; the expected answers must come from the same kernels.
        org.junit.jupiter.api.Assumptions.assumeTrue(ModuleLayer.boot().findModule("jdk.incubator.vector").isPresent(),
                "-Djlrp.load.server: the run with the Vector API module checks the answers; this one is skipped");
        closedLoop(EXTERNAL, valid, 8, SECONDS / 2); // warm-up, not reported
        closedLoop(EXTERNAL, valid, 64, SECONDS / 2);
        for (int clients : new int[]{1, 8, 64}) {
            phases.add(closedLoop(EXTERNAL, valid, clients, SECONDS));
        }
        double capacity = phases.get(2).throughput();
        for (double load : new double[]{0.5, 0.9, 2.0}) {
            phases.add(openLoop(EXTERNAL, valid, load, capacity, SECONDS));
        }
        System.out.printf(Locale.ROOT, "jlrp serve on port %d%n%s%n", EXTERNAL, table(phases));
        for (Phase p : phases) {
            assertEquals(0, p.wrong(), p.name() + ": wrong answers, first: " + p.firstWrong());
            assertEquals(p.sent(), p.answered() + p.refused(), p.name() + ": every request answered");
        }
    }

    /** {@code -Djlrp.load.peer=PORT}: drive a peer service on that loopback port instead (bench/torch_serve.py). */
    private static final Integer PEER = Integer.getInteger("jlrp.load.peer");

    /** The peer's answers are its own JSON: a 200 with results is right; the phases are those of jlrp serve. */
    private static void peer(List<Probe> valid, List<Phase> phases) throws InterruptedException {
        List<Probe> peerProbes = valid.stream().map(p -> new Probe(p.body(), 200, PEER_ANSWER)).toList();
        closedLoop(PEER, peerProbes, 8, SECONDS / 2);
        for (int clients : new int[]{1, 8, 64}) {
            phases.add(closedLoop(PEER, peerProbes, clients, SECONDS));
        }
        double capacity = phases.get(2).throughput();
        for (double load : new double[]{0.5, 0.9, 2.0}) {
            phases.add(openLoop(PEER, peerProbes, load, capacity, SECONDS));
        }
        System.out.printf(Locale.ROOT, "peer on port %d%n%s%n", PEER, table(phases));
    }

    private static final String PEER_ANSWER = "{\"results\":[{\"sequence\":0,";

    /** The request for the n-th send of a client: one in ten invalid, the rest valid texts, from a seeded stream. */
    private static Probe pick(Random random, List<Probe> valid) {
        return random.nextInt(10) == 0 && PEER == null ? INVALID[random.nextInt(INVALID.length)]
                : valid.get(random.nextInt(valid.size()));
    }

    /** Whether an answer is right for its probe; 503 (refused) is counted apart. */
    private static boolean right(Probe probe, RawClient.Response r) {
        if (r.status() != probe.status()) {
            return false;
        }
        if (probe.expected() == null) { // the message names the model's length and vocabulary
            String body = r.body();
            return body.startsWith("{\"error\":\"malformed JSON: ")
                    || body.startsWith("{\"error\":\"sequence 0, position ")
                    && body.contains("token id -5 is out of range [0, ");
        }
        return probe.expected() == PEER_ANSWER ? r.body().startsWith(PEER_ANSWER) : probe.expected().equals(r.body());
    }

    private static Phase closedLoop(int port, List<Probe> valid, int clients, double seconds)
            throws InterruptedException {
        long end = System.nanoTime() + (long) (seconds * 1e9);
        AtomicLong sent = new AtomicLong();
        AtomicLong answered = new AtomicLong();
        AtomicLong refused = new AtomicLong();
        AtomicLong wrong = new AtomicLong();
        ConcurrentLinkedQueue<String> firstWrong = new ConcurrentLinkedQueue<>();
        ConcurrentLinkedQueue<long[]> latencies = new ConcurrentLinkedQueue<>();
        List<Thread> threads = new ArrayList<>();
        long start = System.nanoTime();
        for (int c = 0; c < clients; c++) {
            Random random = new Random(1000 + c);
            Thread t = new Thread(() -> {
                long[] mine = new long[1 << 16];
                int n = 0;
                try (RawClient client = new RawClient(port)) {
                    while (System.nanoTime() < end && n < mine.length) {
                        Probe probe = pick(random, valid);
                        long t0 = System.nanoTime();
                        sent.incrementAndGet();
                        try {
                            RawClient.Response r = client.post(PATH, probe.bytes());
                            if (r.status() == 503) {
                                refused.incrementAndGet();
                                continue;
                            }
                            mine[n++] = System.nanoTime() - t0;
                            answered.incrementAndGet();
                            if (!right(probe, r)) {
                                wrong.incrementAndGet();
                                firstWrong.add(r.status() + " " + r.body());
                            }
                        } catch (Exception e) {
                            wrong.incrementAndGet();
                            firstWrong.add(e.toString());
                            client.close();
                        }
                    }
                } catch (java.io.IOException e) {
                    firstWrong.add(e.toString());
                }
                latencies.add(Arrays.copyOf(mine, n));
            });
            t.start();
            threads.add(t);
        }
        for (Thread t : threads) {
            t.join();
        }
        double elapsed = (System.nanoTime() - start) / 1e9;
        return new Phase("closed loop, " + clients + " client" + (clients == 1 ? "" : "s"), sent.get(),
                answered.get(), refused.get(), wrong.get(), elapsed, concat(latencies), concat(latencies),
                firstWrong.peek());
    }

    /**
     * Sends at a fixed rate whatever the answers (each request's latency counts from when it was due, so a slow
     * answer cannot hide the ones queued behind it), then waits for every answer.
     */
    private static Phase openLoop(int port, List<Probe> valid, double load, double capacity, double seconds)
            throws InterruptedException {
        double rate = Math.max(1, load * capacity);
        long interval = (long) (1e9 / rate);
        int total = (int) Math.max(1, rate * seconds);
        AtomicLong answered = new AtomicLong();
        AtomicLong refused = new AtomicLong();
        AtomicLong wrong = new AtomicLong();
        ConcurrentLinkedQueue<String> firstWrong = new ConcurrentLinkedQueue<>();
        long[] latencies = new long[total];
        long[] service = new long[total];
        CountDownLatch done = new CountDownLatch(total);
        // Due requests wait here for a free connection; each connection's thread sends them one after another.
        java.util.concurrent.BlockingQueue<long[]> due = new java.util.concurrent.LinkedBlockingQueue<>();
        Probe[] probes = new Probe[total];
        Random random = new Random(7);
        for (int i = 0; i < total; i++) {
            probes[i] = pick(random, valid);
        }
        List<Thread> senders = new ArrayList<>();
        for (int c = 0; c < CONNECTIONS; c++) {
            Thread t = new Thread(() -> {
                try (RawClient client = new RawClient(port)) {
                    for (long[] task = due.take(); task[0] >= 0; task = due.take()) {
                        int index = (int) task[0];
                        Probe probe = probes[index];
                        try {
                            long sentAt = System.nanoTime();
                            RawClient.Response r = client.post(PATH, probe.bytes());
                            service[index] = System.nanoTime() - sentAt;
                            if (r.status() == 503) {
                                refused.incrementAndGet();
                                latencies[index] = -1;
                            } else {
                                latencies[index] = System.nanoTime() - task[1];
                                answered.incrementAndGet();
                                if (!right(probe, r)) {
                                    wrong.incrementAndGet();
                                    firstWrong.add(r.status() + " " + r.body());
                                }
                            }
                        } catch (Exception e) {
                            wrong.incrementAndGet();
                            firstWrong.add(e.toString());
                            latencies[index] = -1;
                            client.close();
                        } finally {
                            done.countDown();
                        }
                    }
                } catch (Exception e) {
                    firstWrong.add(e.toString());
                }
            });
            t.start();
            senders.add(t);
        }
        long start = System.nanoTime();
        for (int i = 0; i < total; i++) {
            long when = start + i * interval;
            long wait = when - System.nanoTime();
            if (wait > 0) {
                LockSupport.parkNanos(wait);
            }
            due.add(new long[]{i, when});
        }
        assertTrue(done.await(60, TimeUnit.SECONDS), "every request answered within 60 s");
        for (int c = 0; c < CONNECTIONS; c++) {
            due.add(new long[]{-1, 0});
        }
        for (Thread t : senders) {
            t.join();
        }
        double elapsed = (System.nanoTime() - start) / 1e9;
        long[] accepted = Arrays.stream(latencies).filter(l -> l >= 0).toArray();
        long[] acceptedService = java.util.stream.IntStream.range(0, total).filter(i -> latencies[i] >= 0)
                .mapToLong(i -> service[i]).toArray();
        return new Phase(String.format(Locale.ROOT, "open loop, %.0f %% (%.0f req/s)", load * 100, rate), total,
                answered.get(), refused.get(), wrong.get(), elapsed, accepted, acceptedService, firstWrong.peek());
    }

    private static long[] concat(ConcurrentLinkedQueue<long[]> parts) {
        return parts.stream().flatMapToLong(Arrays::stream).toArray();
    }

    private static String table(List<Phase> phases) {
        StringBuilder b = new StringBuilder("| phase | requests | answered/s | 503 | p50 ms | p99 ms "
                + "| p99 ms from send | wrong |\n|---|---:|---:|---:|---:|---:|---:|---:|\n");
        for (Phase p : phases) {
            b.append(String.format(Locale.ROOT, "| %s | %d | %.0f | %d | %.2f | %.2f | %.2f | %d |%n", p.name(),
                    p.sent(), p.throughput(), p.refused(), p.percentileMillis(0.5), p.percentileMillis(0.99),
                    Phase.percentileMillis(p.serviceLatencies(), 0.99), p.wrong()));
        }
        return b.toString();
    }
}
