package org.jlrp.cli;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;
import org.apache.commons.cli.CommandLine;
import org.apache.commons.cli.Options;
import org.apache.commons.cli.ParseException;
import org.jlrp.runtime.explain.Explainer;
import org.jlrp.runtime.internal.demo.DemoModel;
import org.jlrp.runtime.explain.SigmoidClasses;
import org.jlrp.runtime.text.TextEncoder;
import org.jlrp.serve.ServeOptions;
import org.jlrp.serve.ServedModel;
import org.jlrp.serve.Server;

/**
 * {@code jlrp serve}: the model behind KServe V1 and Open Inference Protocol endpoints (see docs/serve.md), until
 * SIGTERM or SIGINT, which drain the requests in flight and exit 0.
 */
final class ServeCommand {

    private static final String SYNTAX = "jlrp serve [--model FILE [--architecture FILE]] "
            + "[--tokenizer FILE | --vocab FILE] [--labels A,B,...] [--port 8080] [--host 127.0.0.1] [options]";

    private final PrintStream out;
    private final PrintStream err;

    ServeCommand(Streams io) {
        this.out = io.out();
        this.err = io.err();
    }

    private static Options options() {
        ServeOptions d = ServeOptions.DEFAULT;
        Options o = new Options();
        o.addOption(CommandLines.opt("model", "FILE", "Keras .h5 or .keras, or ONNX .onnx model file (default: the "
                + "built-in demo)"));
        o.addOption(CommandLines.opt("architecture", "FILE", "model.to_json() file for a weights-only .h5"));
        CommandLines.addTextOptions(o); // lets requests send texts
        o.addOption(CommandLines.opt("labels", "A,B,...", "class names in output order (one sigmoid unit: "
                + "negative,positive, or the positive class alone)"));
        o.addOption(CommandLines.opt("name", "NAME", "the model's name in the URLs (default: the model file's name "
                + "without extension; demo for the built-in demo)"));
        CommandLines.addFittingOptions(o);
        o.addOption(CommandLines.opt("host", "ADDRESS", "address to bind (default " + d.host() + ", loopback only; "
                + "0.0.0.0 exposes the server to the network)"));
        o.addOption(CommandLines.opt("port", "N", "TCP port (default " + d.port() + "; 0 picks a free one)"));
        o.addOption(CommandLines.opt("max-batch", "N", "a batch closes at N sequences (default " + d.maxBatch() + ")"));
        o.addOption(CommandLines.opt("max-wait-us", "N", "... or N microseconds after its first request (default "
                + d.maxWaitMicros() + ")"));
        o.addOption(CommandLines.opt("max-queue-us", "N", "refuse a request at once (503) when the queue holds "
                + "more than N microseconds of work at the recent rate (default " + d.maxQueueMicros() + ")"));
        o.addOption(CommandLines.opt("queue", "N", "requests waiting for a batch; beyond, 503 (default "
                + d.queueCapacity() + ")"));
        o.addOption(CommandLines.opt("max-body", "BYTES", "larger request bodies get 413 (default "
                + d.maxBodyBytes() + ")"));
        o.addOption(CommandLines.opt("max-instances", "N", "instances per request (default " + d.maxInstances()
                + ")"));
        o.addOption(CommandLines.opt("deadline-ms", "N", "a request still queued after N ms gets 503 (default "
                + d.deadlineMillis() + ")"));
        o.addOption(CommandLines.opt("threads", "N", "batching lanes, each with a one-thread batch engine "
                + "(default: the number of cores, " + d.threads() + ")"));
        o.addOption(CommandLines.opt("warmup-ms", "N", "before serving, explain random sequences for N ms so that "
                + "the first requests run compiled code; the ready endpoints say not ready meanwhile (default "
                + d.warmupMillis() + "; 0: none)"));
        return o;
    }

    /** What the command line asks to serve, and how. */
    record Setup(ServedModel model, ServeOptions options) {
    }

    int run(String[] args) throws ParseException, InterruptedException {
        Options options = options();
        CommandLine line = CommandLines.parse(options, args);
        if (line.hasOption("help")) {
            CommandLines.help(out, SYNTAX, options);
            return Main.OK;
        }
        Setup setup = setup(line);
        String name = setup.model().name();
        if (setup.options().warmupMillis() > 0) {
            err.println("jlrp: warming up for " + setup.options().warmupMillis() + " ms (--warmup-ms 0 skips it)...");
            err.flush();
        }
        Server server = Server.start(setup.model(), setup.options());
        // SIGTERM (and Ctrl-C) drain the requests in flight; then run() returns and the process exits 0.
        Thread drain = new Thread(server::shutdown, "jlrp-drain");
        for (String signal : new String[]{"TERM", "INT"}) {
            try {
                sun.misc.Signal.handle(new sun.misc.Signal(signal), s -> startOnce(drain));
            } catch (IllegalArgumentException ignoredBySpawner) {
                // SIGINT is ignored in background jobs of a non-interactive shell; SIGTERM still drains.
            }
        }
        err.println("jlrp: serving '" + name + "' on http://" + setup.options().host() + ":" + server.port()
                + " (KServe V1 /v1/models/" + name + ", Open Inference Protocol /v2/models/" + name
                + ", /metrics); SIGTERM stops it");
        err.flush();
        server.awaitShutdown();
        err.println("jlrp: stopped");
        return Main.OK;
    }

    /** The model and options of a {@code jlrp serve} command line (for the tests: without serving). */
    static Setup setup(String... args) throws ParseException {
        return setup(CommandLines.parse(options(), args));
    }

    private static Setup setup(CommandLine line) throws ParseException {
        Path modelPath = CommandLines.path(line, "model");
        if (modelPath == null && line.hasOption("architecture")) {
            throw new ParseException("--architecture needs --model");
        }
        CommandLines.checkTextOptions(line);
        CommandLines.Fitting fitting = CommandLines.fitting(line);
        ServeOptions d = ServeOptions.DEFAULT;
        ServeOptions serveOptions = d.withHost(line.getOptionValue("host", d.host()))
                .withPort(CommandLines.intValue(line, "port", d.port(), 0, 65535))
                .withBatching(CommandLines.intValue(line, "max-batch", d.maxBatch(), 1, 1 << 16),
                        CommandLines.intValue(line, "max-wait-us", (int) d.maxWaitMicros(), 0, 10_000_000))
                .withLimits(CommandLines.intValue(line, "queue", d.queueCapacity(), 1, 1 << 20),
                        CommandLines.intValue(line, "max-body", d.maxBodyBytes(), 64, 1 << 30),
                        CommandLines.intValue(line, "max-instances", d.maxInstances(), 1, 1 << 16),
                        CommandLines.intValue(line, "deadline-ms", (int) d.deadlineMillis(), 1, 3_600_000))
                .withMaxQueueMicros(CommandLines.intValue(line, "max-queue-us", (int) d.maxQueueMicros(), 1,
                        Integer.MAX_VALUE))
                .withThreads(CommandLines.intValue(line, "threads", d.threads(), 1, 1024))
                .withWarmupMillis(CommandLines.intValue(line, "warmup-ms", (int) d.warmupMillis(), 0, 600_000));

        boolean demo = modelPath == null;
        Explainer explainer = demo ? DemoModel.explainer()
                : Explainer.load(modelPath, CommandLines.path(line, "architecture"));
        // The explain report's "model" field, as jlrp explain writes it.
        String displayName = demo ? "built-in demo (" + DemoModel.files().model() + ")" : modelPath.toString();
        // As jlrp explain: --tokenizer or --vocab, else the demo's tokenizer, else the model's TextVectorization.
        TextEncoder encoder = CommandLines.textEncoder(line, explainer, demo ? DemoModel.tokenizer() : null, fitting);
        List<String> labels = line.hasOption("labels") ? ExplainCommand.labels(line.getOptionValue("labels"))
                : demo ? DemoModel.LABELS : null;
        ExplainCommand.checkLabels(labels, explainer.outputSize(), SigmoidClasses.applies(explainer));
        String name = line.getOptionValue("name", demo ? "demo" : baseName(modelPath));
        ServedModel model = new ServedModel(name, displayName, explainer, encoder, labels, fitting.padding(),
                fitting.truncating(), fitting.padId());
        return new Setup(model, serveOptions);
    }

    private static synchronized void startOnce(Thread drain) {
        if (drain.getState() == Thread.State.NEW) {
            drain.start();
        }
    }

    private static String baseName(Path model) {
        String file = model.getFileName().toString();
        int dot = file.lastIndexOf('.');
        String base = dot > 0 ? file.substring(0, dot) : file;
        return base.replaceAll("[^A-Za-z0-9._-]", "_");
    }
}
