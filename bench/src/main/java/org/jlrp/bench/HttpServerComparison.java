package org.jlrp.bench;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBufInputStream;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.undertow.Undertow;
import io.undertow.UndertowOptions;
import io.undertow.server.HttpServerExchange;
import io.undertow.util.Headers;
import io.undertow.util.Methods;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.LongAdder;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpStatus;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.thread.QueuedThreadPool;

/**
 * The HTTP cost of {@code jlrp serve}'s transport, Netty, against Jetty 12 core and Undertow (issue #16): one
 * minimal HTTP/1.1 server per run, chosen by argument, that does a KServe {@code :explain} request's I/O and
 * nothing else. {@code POST /v1/models/demo:explain} reads the whole body, parses it with Jackson as serve/'s
 * Request does (counting the ids, so the parse cannot be skipped), and answers 200 {@code application/json} with
 * a fixed byte[] the size of a 150-token explanation, on a keep-alive connection. Each server uses its plain
 * non-blocking API and 2 I/O threads, with the handler on the I/O thread, as serve/ parses and renders there.
 * The explanation itself is left out on purpose: it costs the same on every server and would hide the
 * difference. {@code bench/http_compare.sh} drives it with wrk and reads the server's CPU time from /proc.
 *
 * <p>Usage: {@code java -cp bench/target/benchmarks.jar org.jlrp.bench.HttpServerComparison netty|jetty|undertow PORT}
 * (loopback only; runs until killed, then prints how many requests and ids it parsed).
 */
public final class HttpServerComparison {

    static final String PATH = "/v1/models/demo:explain";
    static final int IO_THREADS = 2;
    static final int MAX_BODY = 1 << 20;
    /** The same Jackson setup as serve/'s Request. */
    static final ObjectMapper JSON = new ObjectMapper(JsonFactory.builder()
            .streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(64).build()).build());
    /** What an explanation of one 150-token sequence renders to, about 3.5 KB; built once. */
    static final byte[] ANSWER = answer(150);
    static final byte[] BAD_REQUEST = "{\"error\":\"expected {\\\"instances\\\": [[ids]]}\"}"
            .getBytes(StandardCharsets.UTF_8);
    static final LongAdder REQUESTS = new LongAdder();
    static final LongAdder IDS = new LongAdder();

    private HttpServerComparison() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length != 2 || !args[0].matches("netty|jetty|undertow")) {
            System.err.println("usage: HttpServerComparison netty|jetty|undertow PORT");
            System.exit(2);
        }
        String server = args[0];
        int port = Integer.parseInt(args[1]);
        Runnable stop = switch (server) {
            case "netty" -> netty(port);
            case "jetty" -> jetty(port);
            default -> undertow(port);
        };
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            stop.run();
            // ids == 150 x requests says every request was parsed whole.
            System.out.println(server + ": " + REQUESTS.sum() + " requests, " + IDS.sum() + " ids parsed");
            stopped.countDown();
        }));
        System.out.println(server + " listening on 127.0.0.1:" + port + ", " + PATH + " answers "
                + ANSWER.length + " bytes");
        stopped.await();
    }

    /**
     * What every server does with a request body: parse it and count the ids; false if it is not
     * {@code {"instances": [[id, ...], ...]}}.
     */
    static boolean explain(InputStream body) {
        JsonNode root;
        try {
            root = JSON.readTree(body);
        } catch (IOException e) {
            return false;
        }
        JsonNode instances = root == null ? null : root.get("instances");
        if (instances == null || !instances.isArray()) {
            return false;
        }
        long ids = 0;
        for (JsonNode row : instances) {
            for (JsonNode id : row) {
                if (!id.canConvertToInt()) {
                    return false;
                }
                ids++;
            }
        }
        REQUESTS.increment();
        IDS.add(ids);
        return true;
    }

    /** serve/'s setup: one boss, IO_THREADS workers, HttpServerCodec + HttpObjectAggregator, handler on the loop. */
    static Runnable netty(int port) {
        EventLoopGroup boss = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
        EventLoopGroup workers = new MultiThreadIoEventLoopGroup(IO_THREADS, NioIoHandler.newFactory());
        new ServerBootstrap().group(boss, workers).channel(NioServerSocketChannel.class)
                .option(ChannelOption.SO_BACKLOG, 1024)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        ch.pipeline().addLast(new HttpServerCodec(), new HttpObjectAggregator(MAX_BODY),
                                new NettyHandler());
                    }
                })
                .bind("127.0.0.1", port).syncUninterruptibly();
        return () -> {
            boss.shutdownGracefully().syncUninterruptibly();
            workers.shutdownGracefully().syncUninterruptibly();
        };
    }

    static final class NettyHandler extends SimpleChannelInboundHandler<FullHttpRequest> {
        @Override
        protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest req) {
            boolean keepAlive = HttpUtil.isKeepAlive(req);
            HttpResponseStatus status;
            byte[] body;
            if (!req.method().equals(HttpMethod.POST) || !req.uri().equals(PATH)) {
                status = HttpResponseStatus.NOT_FOUND;
                body = new byte[0];
            } else if (explain(new ByteBufInputStream(req.content()))) {
                status = HttpResponseStatus.OK;
                body = ANSWER;
            } else {
                status = HttpResponseStatus.BAD_REQUEST;
                body = BAD_REQUEST;
            }
            FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status,
                    Unpooled.wrappedBuffer(body));
            response.headers().set(HttpHeaderNames.CONTENT_TYPE, HttpHeaderValues.APPLICATION_JSON);
            HttpUtil.setContentLength(response, body.length);
            if (keepAlive) {
                HttpUtil.setKeepAlive(response, true);
                ctx.writeAndFlush(response);
            } else {
                ctx.writeAndFlush(response).addListener(ChannelFutureListener.CLOSE);
            }
        }
    }

    /**
     * Jetty 12 core, no servlets: a non-blocking Handler reads the body asynchronously, so Jetty may run it on the
     * selector thread. Jetty's selectors take their threads from its pool, which also runs what it cannot run
     * there; the pool is kept small (its minimum for 1 acceptor and 2 selectors plus a few).
     */
    static Runnable jetty(int port) {
        QueuedThreadPool pool = new QueuedThreadPool(8, 4);
        pool.setName("jetty");
        Server server = new Server(pool);
        ServerConnector connector = new ServerConnector(server, 1, IO_THREADS);
        connector.setHost("127.0.0.1");
        connector.setPort(port);
        connector.setAcceptQueueSize(1024);
        server.addConnector(connector);
        server.setHandler(new Handler.Abstract.NonBlocking() {
            @Override
            public boolean handle(Request request, Response response, Callback callback) {
                if (!"POST".equals(request.getMethod()) || !PATH.equals(request.getHttpURI().getPathQuery())) {
                    return false; // Jetty answers 404
                }
                Content.Source.asByteArrayAsync(request, MAX_BODY).whenComplete((bytes, failure) -> {
                    if (failure != null) {
                        callback.failed(failure);
                        return;
                    }
                    boolean ok = explain(new ByteArrayInputStream(bytes));
                    byte[] body = ok ? ANSWER : BAD_REQUEST;
                    response.setStatus(ok ? HttpStatus.OK_200 : HttpStatus.BAD_REQUEST_400);
                    response.getHeaders().put(HttpHeader.CONTENT_TYPE, "application/json");
                    response.getHeaders().put(HttpHeader.CONTENT_LENGTH, body.length);
                    response.write(true, ByteBuffer.wrap(body), callback);
                });
                return true;
            }
        });
        try {
            server.start();
        } catch (Exception e) {
            throw new IllegalStateException("jetty did not start on port " + port, e);
        }
        return () -> {
            try {
                server.stop();
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        };
    }

    /**
     * Undertow: IO_THREADS XNIO I/O threads; the handler is not dispatched to the worker pool, and the body is
     * read with the non-blocking receiver, whose callback runs on the I/O thread.
     */
    static Runnable undertow(int port) {
        Undertow server = Undertow.builder()
                .addHttpListener(port, "127.0.0.1")
                .setIoThreads(IO_THREADS)
                .setWorkerThreads(IO_THREADS) // unused: nothing is dispatched, but XNIO makes the pool
                .setServerOption(UndertowOptions.MAX_ENTITY_SIZE, (long) MAX_BODY)
                .setHandler(HttpServerComparison::undertowHandle)
                .build();
        server.start();
        return server::stop;
    }

    static void undertowHandle(HttpServerExchange exchange) {
        if (!exchange.getRequestMethod().equals(Methods.POST) || !PATH.equals(exchange.getRequestURI())) {
            exchange.setStatusCode(404);
            exchange.endExchange();
            return;
        }
        exchange.getRequestReceiver().receiveFullBytes((ex, bytes) -> {
            boolean ok = explain(new ByteArrayInputStream(bytes));
            ex.setStatusCode(ok ? 200 : 400);
            ex.getResponseHeaders().put(Headers.CONTENT_TYPE, "application/json");
            ex.getResponseSender().send(ByteBuffer.wrap(ok ? ANSWER : BAD_REQUEST));
        });
    }

    /** {"predictions":[{"label":1,"score":..,"relevance":[150 floats]}]}, deterministic. */
    static byte[] answer(int tokens) {
        SplittableRandom random = new SplittableRandom(16);
        StringBuilder json = new StringBuilder("{\"predictions\":[{\"label\":1,\"score\":0.9731,\"relevance\":[");
        for (int i = 0; i < tokens; i++) {
            json.append(i == 0 ? "" : ",").append(String.format(Locale.ROOT, "%.15e", random.nextDouble(-1, 1)));
        }
        return json.append("]}]}").toString().getBytes(StandardCharsets.UTF_8);
    }
}
