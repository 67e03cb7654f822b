package org.jlrp.serve;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.StreamWriteFeature;
import com.fasterxml.jackson.databind.JsonNode;
import io.netty.buffer.ByteBufInputStream;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.jlrp.runtime.JlrpException;
import org.jlrp.runtime.explain.Explanation;
import org.jlrp.runtime.render.JsonReport;
import org.jlrp.runtime.render.ReportData;
import org.jlrp.runtime.explain.SigmoidClasses;

/**
 * One connection's requests: routing, parsing on the event loop, explaining in the {@link Batcher}, answering on the
 * event loop. A connection has one request in flight at a time (reading pauses until it is answered), so answers can
 * never be reordered or mixed on a connection.
 *
 * <p>Protocols: KServe V1 (https://kserve.github.io/website/docs/concepts/architecture/data-plane/v1-protocol) and
 * the Open Inference Protocol, REST (https://github.com/kserve/open-inference-protocol, inference_rest.md).
 */
final class HttpHandler extends SimpleChannelInboundHandler<FullHttpRequest> {

    private static final JsonFactory JSON = JsonFactory.builder()
            .disable(StreamWriteFeature.AUTO_CLOSE_TARGET).build();
    private static final String JSON_TYPE = "application/json";

    private final Server server;
    private final ServedModel model;

    HttpHandler(Server server) {
        this.server = server;
        this.model = server.model();
    }

    /** A response body and how to label it in the metrics. */
    private record Answer(int status, String contentType, ByteBuf body) {
    }

    /**
     * A body written in place: its bytes are handed to Netty as they are, without {@code toByteArray}'s copy (an
     * explain answer is a few KB per request, and the copy was one of the largest allocations per request).
     */
    private static final class Body extends ByteArrayOutputStream {
        Body(int size) {
            super(size);
        }

        ByteBuf wrapped() {
            return Unpooled.wrappedBuffer(buf, 0, count);
        }
    }

    /** Pipelined requests that arrived while one is in flight; answered in order, one at a time. */
    private final java.util.ArrayDeque<FullHttpRequest> pipelined = new java.util.ArrayDeque<>();
    /** At most this many requests wait behind the one in flight; beyond, the connection is closed. */
    private static final int MAX_PIPELINED = 16;
    private boolean busy;

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest req) {
        // Reading pauses while a request is in flight, but the decoder may already hold more pipelined requests.
        if (busy) {
            if (pipelined.size() >= MAX_PIPELINED) {
                ctx.close();
                return;
            }
            pipelined.add(req.retain());
            return;
        }
        busy = true;
        handle(ctx, req);
    }

    /** After an answer is written: the next pipelined request, or reading again. */
    private void next(ChannelHandlerContext ctx) {
        busy = false;
        FullHttpRequest req = pipelined.poll();
        if (req == null) {
            ctx.channel().config().setAutoRead(true);
            return;
        }
        busy = true;
        try {
            handle(ctx, req);
        } finally {
            req.release();
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        for (FullHttpRequest req = pipelined.poll(); req != null; req = pipelined.poll()) {
            req.release();
        }
        super.channelInactive(ctx);
    }

    private void handle(ChannelHandlerContext ctx, FullHttpRequest req) {
        long start = System.nanoTime();
        boolean keepAlive = HttpUtil.isKeepAlive(req);
        if (!req.decoderResult().isSuccess()) {
            respond(ctx, false, "bad_request", start, error(400, "malformed HTTP request"));
            return;
        }
        String path = req.uri();
        int query = path.indexOf('?');
        if (query >= 0) {
            path = path.substring(0, query);
        }
        ctx.channel().config().setAutoRead(false); // one request in flight per connection
        String endpoint = "not_found";
        try {
            Route route = Route.of(req.method(), path, model.name());
            endpoint = route.endpoint;
            if (route.refusal != null) {
                respond(ctx, keepAlive, endpoint, start, route.refusal);
                return;
            }
            switch (route.endpoint) {
                case "v1_models" -> respond(ctx, keepAlive, endpoint, start, json(200, g -> {
                    g.writeArrayFieldStart("models");
                    g.writeString(model.name());
                    g.writeEndArray();
                }));
                case "v1_model_ready" -> respond(ctx, keepAlive, endpoint, start, json(200, g -> {
                    g.writeStringField("name", model.name());
                    g.writeBooleanField("ready", server.ready());
                }));
                case "v2_live" -> respond(ctx, keepAlive, endpoint, start, json(200, g -> g.writeBooleanField("live",
                        true)));
                case "v2_ready", "v2_model_ready" -> respond(ctx, keepAlive, endpoint, start,
                        json(server.ready() ? 200 : 503, g -> g.writeBooleanField("ready", server.ready())));
                case "v2_server" -> respond(ctx, keepAlive, endpoint, start, json(200, g -> {
                    g.writeStringField("name", "jlrp");
                    g.writeStringField("version", version());
                    g.writeArrayFieldStart("extensions");
                    g.writeEndArray();
                }));
                case "v2_model_metadata" -> respond(ctx, keepAlive, endpoint, start, json(200, this::metadata));
                case "metrics" -> respond(ctx, keepAlive, endpoint, start,
                        new Answer(200, server.metrics().contentType(),
                                Unpooled.wrappedBuffer(server.metrics().scrape())));
                case "v1_predict", "v1_explain", "v2_infer" -> submit(ctx, req, keepAlive, endpoint, start);
                default -> respond(ctx, keepAlive, endpoint, start, error(404, "no such endpoint: " + path));
            }
        } catch (JlrpException e) {
            respond(ctx, keepAlive, endpoint, start, error(400, Request.oneLine(e.getMessage())));
        } catch (RuntimeException e) {
            respond(ctx, keepAlive, endpoint, start, error(500, "internal error: " + e.getClass().getSimpleName()));
        }
    }

    /** Parses and checks on the event loop, then queues for a batch; a full queue is a 503 at once. */
    private void submit(ChannelHandlerContext ctx, FullHttpRequest req, boolean keepAlive, String endpoint,
                        long start) {
        if (server.draining()) {
            respond(ctx, false, endpoint, start, retryLater("the server is shutting down"));
            return;
        }
        if (server.batcher().overloaded()) { // before parsing: shedding load must cost next to nothing
            respond(ctx, keepAlive, endpoint, start, retryLater(overloadedMessage()));
            return;
        }
        JsonNode root = Request.parse(new ByteBufInputStream(req.content()));
        boolean explain = endpoint.equals("v1_explain");
        boolean v2 = endpoint.equals("v2_infer");
        int max = server.options().maxInstances();
        Request request = v2 ? Request.v2(root, model, max) : Request.v1(root, model, max, explain);
        server.inFlight().incrementAndGet();
        long deadline = start + TimeUnit.MILLISECONDS.toNanos(server.options().deadlineMillis());
        Batcher.Work work = new Batcher.Work(request, explain, deadline, outcome ->
                ctx.executor().execute(() -> {
                    Answer answer;
                    try {
                        answer = answer(request, outcome, endpoint);
                    } catch (RuntimeException e) {
                        answer = error(500, "internal error: " + e.getClass().getSimpleName());
                    }
                    respond(ctx, keepAlive, endpoint, start, answer);
                    server.inFlight().decrementAndGet();
                }));
        Batcher.Refusal refusal = server.batcher().offer(work);
        if (refusal != Batcher.Refusal.NONE) {
            server.inFlight().decrementAndGet();
            respond(ctx, keepAlive, endpoint, start, retryLater(switch (refusal) {
                case FULL -> "the request queue is full (" + server.options().queueCapacity() + " requests); retry "
                        + "later";
                case OVERLOADED -> overloadedMessage();
                default -> "the server is shutting down";
            }));
        }
    }

    private String overloadedMessage() {
        return "the server is overloaded (more than " + server.options().maxQueueMicros() + " us of work queued); "
                + "retry later";
    }

    private Answer answer(Request request, Batcher.Outcome outcome, String endpoint) {
        if (outcome.error() != null) {
            return outcome.status() == 503 ? retryLater(outcome.error()) : error(outcome.status(), outcome.error());
        }
        return switch (endpoint) {
            case "v1_explain" -> explainReport(request, outcome.explanations());
            case "v1_predict" -> json(200, g -> {
                g.writeArrayFieldStart("predictions");
                for (float[] logits : outcome.logits()) {
                    g.writeStartObject();
                    writePrediction(g, logits);
                    g.writeEndObject();
                }
                g.writeEndArray();
            });
            default -> json(200, g -> {
                g.writeStringField("model_name", model.name());
                if (request.id() != null) {
                    g.writeStringField("id", request.id());
                }
                g.writeArrayFieldStart("outputs");
                writeTensor(g, "logits", outcome.logits(), false);
                if (model.explainer().probabilities(outcome.logits().get(0)) != null) {
                    writeTensor(g, "probabilities", outcome.logits(), true);
                }
                g.writeEndArray();
            });
        };
    }

    /** The {@code jlrp explain --format json} document for the request's sequences, byte for byte. */
    private Answer explainReport(Request request, List<Explanation> results) {
        boolean single = model.singleSigmoid();
        List<Explanation> shown = single ? SigmoidClasses.toClasses(results, request.options().target(),
                request.options().method()) : results;
        ReportData report = new ReportData(model.displayName(), model.explainer().inputLength(), request.options(),
                shown, request.words(), model.labels(), request.unknownWords(), single);
        // Sized for the usual answer (about 20 bytes per token: id, relevance, word), so that it is written once.
        int perResult = 512 + 32 * Math.max(1, model.explainer().inputLength());
        Body out = new Body(1024 + perResult * shown.size());
        try {
            JsonReport.write(out, report); // UTF-8 bytes directly: no character encoder and its buffers per answer
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return new Answer(200, JSON_TYPE, out.wrapped());
    }

    /** One prediction: the predicted class (and its label), the logits and, where the model has them, probabilities. */
    private void writePrediction(JsonGenerator g, float[] logits) throws IOException {
        int predicted = model.singleSigmoid() ? SigmoidClasses.predictedClass(logits[0]) : argmax(logits);
        g.writeNumberField("class", predicted);
        if (model.labels() != null) {
            g.writeStringField("label", model.label(predicted));
        }
        writeFloats(g, "logits", logits);
        float[] p = model.explainer().probabilities(logits);
        if (p != null) {
            writeFloats(g, "probabilities", p);
        }
    }

    private void writeTensor(JsonGenerator g, String name, List<float[]> rows, boolean probabilities)
            throws IOException {
        g.writeStartObject();
        g.writeStringField("name", name);
        g.writeStringField("datatype", "FP32");
        g.writeArrayFieldStart("shape");
        g.writeNumber(rows.size());
        g.writeNumber(model.explainer().outputSize());
        g.writeEndArray();
        g.writeArrayFieldStart("data");
        for (float[] logits : rows) {
            for (float v : probabilities ? model.explainer().probabilities(logits) : logits) {
                g.writeNumber(v);
            }
        }
        g.writeEndArray();
        g.writeEndObject();
    }

    private void metadata(JsonGenerator g) throws IOException {
        g.writeStringField("name", model.name());
        g.writeArrayFieldStart("versions");
        g.writeEndArray();
        g.writeStringField("platform", "jlrp");
        g.writeArrayFieldStart("inputs");
        tensorMetadata(g, Server.V2_INPUT, "INT64", model.explainer().inputLength());
        g.writeEndArray();
        g.writeArrayFieldStart("outputs");
        tensorMetadata(g, "logits", "FP32", model.explainer().outputSize());
        if (model.explainer().probabilities(new float[model.explainer().outputSize()]) != null) {
            tensorMetadata(g, "probabilities", "FP32", model.explainer().outputSize());
        }
        g.writeEndArray();
    }

    private static void tensorMetadata(JsonGenerator g, String name, String datatype, int width) throws IOException {
        g.writeStartObject();
        g.writeStringField("name", name);
        g.writeStringField("datatype", datatype);
        g.writeArrayFieldStart("shape");
        g.writeNumber(-1);
        g.writeNumber(width); // -1 for a model that reads any length
        g.writeEndArray();
        g.writeEndObject();
    }

    private static int argmax(float[] v) {
        int best = 0;
        for (int i = 1; i < v.length; i++) {
            if (v[i] > v[best]) {
                best = i;
            }
        }
        return best;
    }

    private static void writeFloats(JsonGenerator g, String field, float[] values) throws IOException {
        g.writeArrayFieldStart(field);
        for (float v : values) {
            g.writeNumber(v);
        }
        g.writeEndArray();
    }

    private interface Fields {
        void write(JsonGenerator g) throws IOException;
    }

    private static Answer json(int status, Fields fields) {
        Body out = new Body(256);
        try (JsonGenerator g = JSON.createGenerator(out)) {
            g.writeStartObject();
            fields.write(g);
            g.writeEndObject();
            g.writeRaw('\n');
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return new Answer(status, JSON_TYPE, out.wrapped());
    }

    /** Both protocols answer an error as {@code {"error": "one line"}}. */
    static Answer error(int status, String message) {
        return json(status, g -> g.writeStringField("error", message));
    }

    private static Answer retryLater(String message) {
        return error(503, message);
    }

    private void respond(ChannelHandlerContext ctx, boolean keepAlive, String endpoint, long start, Answer answer) {
        FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1,
                HttpResponseStatus.valueOf(answer.status()), answer.body());
        response.headers().set(HttpHeaderNames.CONTENT_TYPE, answer.contentType());
        response.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, answer.body().readableBytes());
        if (answer.status() == 503) {
            response.headers().set(HttpHeaderNames.RETRY_AFTER, "1");
        }
        boolean keep = keepAlive && !server.draining();
        if (keep) {
            response.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.KEEP_ALIVE);
        } else {
            response.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        }
        server.metrics().request(endpoint, answer.status(), System.nanoTime() - start);
        ctx.writeAndFlush(response).addListener((ChannelFutureListener) f -> {
            if (!keep || !f.isSuccess()) {
                f.channel().close();
            } else {
                next(ctx);
            }
        });
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        ctx.close(); // a reset connection; its queued request, if any, is answered into the void
    }

    private static String version() {
        String v = HttpHandler.class.getPackage().getImplementationVersion();
        return v == null ? "unknown" : v;
    }

    /** The endpoints: which one a method and path name, or the 404/405 to answer. */
    private record Route(String endpoint, Answer refusal) {

        static Route of(HttpMethod method, String path, String name) {
            String endpoint;
            boolean post = false;
            String model = null;
            if (path.equals("/metrics")) {
                endpoint = "metrics";
            } else if (path.equals("/v1/models")) {
                endpoint = "v1_models";
            } else if (path.startsWith("/v1/models/")) {
                String rest = path.substring("/v1/models/".length());
                int colon = rest.lastIndexOf(':');
                model = colon < 0 ? rest : rest.substring(0, colon);
                String verb = colon < 0 ? "" : rest.substring(colon + 1);
                switch (verb) {
                    case "" -> endpoint = "v1_model_ready";
                    case "predict" -> { endpoint = "v1_predict"; post = true; }
                    case "explain" -> { endpoint = "v1_explain"; post = true; }
                    default -> { return new Route("not_found", error(404, "no such verb ':" + verb + "'")); }
                }
            } else if (path.equals("/v2/health/live")) {
                endpoint = "v2_live";
            } else if (path.equals("/v2/health/ready")) {
                endpoint = "v2_ready";
            } else if (path.equals("/v2")) {
                endpoint = "v2_server";
            } else if (path.startsWith("/v2/models/")) {
                String rest = path.substring("/v2/models/".length());
                int slash = rest.indexOf('/');
                model = slash < 0 ? rest : rest.substring(0, slash);
                String tail = slash < 0 ? "" : rest.substring(slash);
                switch (tail) {
                    case "" -> endpoint = "v2_model_metadata";
                    case "/ready" -> endpoint = "v2_model_ready";
                    case "/infer" -> { endpoint = "v2_infer"; post = true; }
                    default -> { return new Route("not_found", error(404, "no such endpoint: " + path)); }
                }
            } else {
                return new Route("not_found", error(404, "no such endpoint: " + path));
            }
            if (model != null && !model.equals(name)) {
                return new Route(endpoint, error(404, "model '" + model + "' is not served here (this server "
                        + "serves '" + name + "')"));
            }
            HttpMethod expected = post ? HttpMethod.POST : HttpMethod.GET;
            if (!method.equals(expected)) {
                return new Route(endpoint, error(405, "use " + expected + " for " + path));
            }
            return new Route(endpoint, null);
        }
    }
}
