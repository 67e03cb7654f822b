package org.jlrp.serve;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.timeout.ReadTimeoutHandler;
import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.jlrp.runtime.JlrpException;

/**
 * {@code jlrp serve}: a model behind KServe V1 and Open Inference Protocol (V2) endpoints, on Netty (HTTP/1.1),
 * with micro-batching ({@link Batcher}) and Prometheus metrics. See docs/serve.md.
 *
 * <pre>{@code
 * Server server = Server.start(new ServedModel("sentiment", "model.h5", explainer, tokenizer, null),
 *         ServeOptions.DEFAULT);
 * // ...
 * server.shutdown(); // drains in-flight requests
 * }</pre>
 */
public final class Server implements AutoCloseable {

    /** The Open Inference Protocol input tensor: token ids, {@code [batch, length]}. */
    static final String V2_INPUT = "input_ids";
    /** Seconds a connection may send nothing before it is closed. */
    static final int IDLE_SECONDS = 60;

    private final ServedModel model;
    private final ServeOptions options;
    private final Metrics metrics = new Metrics();
    private final Batcher batcher;
    private final EventLoopGroup boss;
    private final EventLoopGroup workers;
    private final Channel channel;
    /** Requests accepted and not yet answered. */
    private final AtomicInteger inFlight = new AtomicInteger();
    private volatile boolean draining;
    /** Set until the warm-up has run: the ready endpoints say not ready meanwhile. */
    private volatile boolean warming = true;
    /** What the warm-up's requests got; none before it has run or when it is off. */
    private volatile Warmup.Outcome warmup = Warmup.Outcome.NONE;
    private volatile boolean closed;

    private Server(ServedModel model, ServeOptions options) {
        this.model = model;
        this.options = options;
        this.batcher = new Batcher(model.explainer(), options, metrics);
        this.boss = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
        // Parsing and rendering run here, beside the engine: one thread per core measured best (performance.md).
        this.workers = new MultiThreadIoEventLoopGroup(Integer.getInteger("jlrp.serve.io",
                Runtime.getRuntime().availableProcessors()), NioIoHandler.newFactory());
        try {
            ServerBootstrap b = new ServerBootstrap().group(boss, workers).channel(NioServerSocketChannel.class)
                    .option(ChannelOption.SO_BACKLOG, 1024)
                    .childOption(ChannelOption.TCP_NODELAY, true)
                    .childHandler(new ChannelInitializer<SocketChannel>() {
                        @Override
                        protected void initChannel(SocketChannel ch) {
                            // A connection that sends nothing for a minute is closed: idle or half-sent requests
                            // cannot hold the server's connections for ever.
                            ch.pipeline().addLast(new ReadTimeoutHandler(IDLE_SECONDS, TimeUnit.SECONDS),
                                    new HttpServerCodec(), new BodyLimit(options.maxBodyBytes()),
                                    new HttpHandler(Server.this));
                        }
                    });
            this.channel = b.bind(options.host(), options.port()).syncUninterruptibly().channel();
        } catch (RuntimeException e) {
            closeResources();
            String why = e.getMessage() != null ? e.getMessage() : e.getClass().getSimpleName();
            throw new JlrpException("cannot listen on " + options.host() + ":" + options.port() + ": "
                    + Request.oneLine(why));
        }
    }

    /**
     * Binds and starts serving; returns once the port is open and, unless {@link ServeOptions#warmupMillis()} is 0,
     * the warm-up has run.
     */
    public static Server start(ServedModel model, ServeOptions options) {
        Server server = new Server(model, options);
        try {
            server.warmUp();
        } catch (RuntimeException | Error e) {
            server.shutdown();
            throw e;
        }
        return server;
    }

    /**
     * Explains random sequences through the server's own {@code :explain} and {@code :predict} endpoints for
     * {@link ServeOptions#warmupMillis()}, from two connections per lane, so that C2 has compiled what every request
     * runs (the vector kernels, which run boxed and allocating until then, the batching, the JSON) before a
     * client's request comes: measured, a cold server's first request took 209–275 ms and its first 500 a p99 of
     * 31–37 ms. The metrics count nothing meanwhile (a client that did not wait for ready is not counted either).
     */
    private void warmUp() {
        long millis = options.warmupMillis();
        if (millis > 0) {
            metrics.paused = true;
            try {
                warmup = Warmup.run(this, millis, 2 * options.threads());
            } finally {
                metrics.paused = false;
            }
        }
        warming = false;
    }

    /** Whether the ready endpoints say ready: warmed up and not shutting down. */
    boolean ready() {
        return !warming && !draining;
    }

    Warmup.Outcome warmup() {
        return warmup;
    }

    /** The address and port the server listens on. */
    InetSocketAddress address() {
        return (InetSocketAddress) channel.localAddress();
    }

    /** The port the server listens on (the one picked when {@link ServeOptions#port()} was 0). */
    public int port() {
        return ((InetSocketAddress) channel.localAddress()).getPort();
    }

    public ServedModel model() {
        return model;
    }

    public ServeOptions options() {
        return options;
    }

    Metrics metrics() {
        return metrics;
    }

    Batcher batcher() {
        return batcher;
    }

    boolean draining() {
        return draining;
    }

    AtomicInteger inFlight() {
        return inFlight;
    }

    /**
     * Stops accepting connections and requests (new ones get 503), waits until every accepted request is answered
     * (at most {@link ServeOptions#drainMillis()}), then stops. Idempotent.
     */
    public synchronized void shutdown() {
        if (closed) {
            return;
        }
        channel.close().syncUninterruptibly(); // no new connections, then no new requests on open ones
        draining = true;
        long until = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(options.drainMillis());
        while ((inFlight.get() > 0) && System.nanoTime() - until < 0) {
            try {
                Thread.sleep(5);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        closeResources();
        closed = true;
        notifyAll();
    }

    /** Blocks until {@link #shutdown()} has finished. */
    public synchronized void awaitShutdown() throws InterruptedException {
        while (!closed) {
            wait();
        }
    }

    private void closeResources() {
        batcher.close();
        workers.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
        boss.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }

    @Override
    public void close() {
        shutdown();
    }

    /**
     * The body limit: a request whose declared length is over it gets 413 before its body is read (Netty's
     * aggregator answers from the headers, also to {@code Expect: 100-continue}); counted in the metrics.
     */
    private final class BodyLimit extends HttpObjectAggregator {
        BodyLimit(int maxBytes) {
            super(maxBytes);
        }

        @Override
        protected void handleOversizedMessage(ChannelHandlerContext ctx, io.netty.handler.codec.http.HttpMessage m)
                throws Exception {
            metrics.request("too_large", 413, 0);
            super.handleOversizedMessage(ctx, m);
        }
    }
}
