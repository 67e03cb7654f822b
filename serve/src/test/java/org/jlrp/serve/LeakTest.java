package org.jlrp.serve;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.util.ResourceLeakDetector;
import io.netty.util.ResourceLeakDetectorFactory;
import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * No request, valid or not, leaks a Netty buffer: every buffer allocated while serving every kind of request (valid,
 * malformed, oversized, pipelined, cut off mid-body, refused) is tracked by Netty's leak detector at its paranoid
 * level, and after the buffers that were dropped have been collected, none is reported. A buffer dropped on purpose
 * is reported, so the check can fail.
 *
 * <p>Its own JVM ({@code leak} group, serve/pom.xml): the detector must be installed before Netty creates its
 * allocators, which another test in the same JVM would already have done.
 */
@Tag("leak")
class LeakTest {

    private static final List<String> LEAKS = new CopyOnWriteArrayList<>();

    static {
        ResourceLeakDetector.setLevel(ResourceLeakDetector.Level.PARANOID);
        ResourceLeakDetectorFactory.setResourceLeakDetectorFactory(new ResourceLeakDetectorFactory() {
            @Override
            public <T> ResourceLeakDetector<T> newResourceLeakDetector(Class<T> resource, int samplingInterval,
                                                                       long maxActive) {
                return new Recording<>(resource, samplingInterval);
            }
        });
    }

    /** Netty's detector, recording what it would log. */
    private static final class Recording<T> extends ResourceLeakDetector<T> {
        Recording(Class<?> type, int samplingInterval) {
            super(type, samplingInterval);
        }

        @Override
        protected boolean needReport() {
            return true;
        }

        @Override
        protected void reportTracedLeak(String resourceType, String records) {
            LEAKS.add(resourceType + ": " + records);
        }

        @Override
        protected void reportUntracedLeak(String resourceType) {
            LEAKS.add(resourceType);
        }
    }

    private static final String PATH = "/v1/models/demo:explain";

    @Test
    void noRequestLeaksABuffer() throws Exception {
        assertTrue(ResourceLeakDetectorFactory.instance().newResourceLeakDetector(ByteBuf.class) instanceof Recording,
                "the recording detector is installed");
        try (Server server = Fixture.start(Fixture.PATIENT.withLimits(64, 4096, Fixture.PATIENT.maxInstances(),
                Fixture.PATIENT.deadlineMillis()))) {
            for (int round = 0; round < 20; round++) {
                everyKindOfRequest(server.port(), round);
            }
            collectAndPoll(server.port());
            assertEquals(List.of(), LEAKS, "buffers leaked by the server");
            long until = System.nanoTime() + 5_000_000_000L;
            while (server.inFlight().get() != 0 && System.nanoTime() - until < 0) {
                Thread.sleep(10);
            }
            assertEquals(0, server.inFlight().get(), "every accepted request was answered");

            // The control: a buffer from the same allocator, dropped unreleased, is reported.
            ByteBuf dropped = ByteBufAllocator.DEFAULT.buffer(64);
            dropped.writeInt(1);
            dropped = null;
            collectAndPoll(server.port());
            assertTrue(LEAKS.stream().anyMatch(l -> l.contains("ByteBuf")), "a dropped buffer is reported: " + LEAKS);
        }
    }

    private static void everyKindOfRequest(int port, int round) throws IOException {
        RawClient client = new RawClient(port);
        byte[] text = Fixture.instances(List.of("this film was not good at all " + round)).getBytes(
                StandardCharsets.UTF_8);
        expect(200, client.post(PATH, text));
        expect(200, client.post(PATH, "{\"instances\": [[5, 6, 8, 58]]}".getBytes(StandardCharsets.UTF_8)));
        expect(200, client.post("/v1/models/demo:predict", text));
        expect(200, client.post("/v2/models/demo/infer", ("{\"inputs\": [{\"name\": \"input_ids\", \"shape\": "
                + "[1, 50], \"datatype\": \"INT64\", \"data\": " + java.util.Arrays.toString(new int[50]) + "}]}")
                .getBytes(StandardCharsets.UTF_8)));
        expect(400, client.post(PATH, "{\"instances\": [[1, 2".getBytes(StandardCharsets.UTF_8)));
        expect(400, client.post(PATH, "{\"instances\": [[99999]]}".getBytes(StandardCharsets.UTF_8)));
        expect(404, client.post("/v1/models/other:explain", text));
        for (int i = 0; i < 4; i++) { // pipelined
            client.send(PATH, text);
        }
        for (int i = 0; i < 4; i++) {
            expect(200, client.read());
        }
        client.close();

        try (Socket big = new Socket("127.0.0.1", port)) { // over the 4096-byte body limit: 413 before the body
            OutputStream out = big.getOutputStream();
            out.write(("POST " + PATH + " HTTP/1.1\r\nHost: x\r\nContent-Length: 8192\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            out.flush();
            assertEquals("HTTP/1.1 413", new String(big.getInputStream().readNBytes(12), StandardCharsets.US_ASCII));
        }

        try (Socket cut = new Socket("127.0.0.1", port)) { // a body announced, half sent, then the connection dropped
            OutputStream out = cut.getOutputStream();
            out.write(("POST " + PATH + " HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n{\"instances\": [")
                    .getBytes(StandardCharsets.US_ASCII));
            out.flush();
        }
        try (Socket early = new Socket("127.0.0.1", port)) { // a whole request, closed before the answer
            OutputStream out = early.getOutputStream();
            out.write(("POST " + PATH + " HTTP/1.1\r\nHost: x\r\nContent-Length: " + text.length + "\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            out.write(text);
            out.flush();
        }
    }

    private static void expect(int status, RawClient.Response response) {
        assertEquals(status, response.status(), response.body());
    }

    /** Lets the collector find dropped buffers, then makes the detector look (it polls on each new tracked buffer). */
    private static void collectAndPoll(int port) throws Exception {
        for (int i = 0; i < 5; i++) {
            System.gc();
            Thread.sleep(50);
            RawClient client = new RawClient(port);
            client.post(PATH, "{\"instances\": [[5, 6]]}".getBytes(StandardCharsets.UTF_8));
            client.close();
            ByteBufAllocator.DEFAULT.buffer(8).release();
        }
    }
}
