package org.jlrp.examples;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.jlrp.runtime.JlrpException;
import org.jlrp.runtime.internal.demo.DemoModel;
import org.jlrp.runtime.explain.ExplainOptions;
import org.jlrp.runtime.explain.Explainer;
import org.jlrp.runtime.explain.Explanation;
import org.jlrp.runtime.text.KerasTokenizer;
import org.jlrp.runtime.text.Sequences;
import org.jlrp.runtime.text.TextBatch;

/**
 * A small explanation service: the model and its tokenizer are loaded once, and texts are explained on a fixed pool
 * of threads that all share that one {@link Explainer}.
 *
 * <p>Sharing is safe because an {@code Explainer} is immutable: each {@code explain} call borrows a workspace from
 * the explainer's own pool and gives it back, so concurrent calls never touch the same buffers, and a result is the
 * same bits whichever thread computed it and whatever ran beside it. There is nothing to lock.
 *
 * <pre>{@code
 * try (ExplainService service = ExplainService.demo(8)) {
 *     List<ExplainService.Result> results = service.explainAll(texts);
 * }
 * }</pre>
 *
 * <p>Run {@link #main} with texts as arguments (the built-in demo model), or with
 * {@code --model FILE --tokenizer FILE [--labels A,B,...]} first for your own model; {@code --threads N} sets the
 * pool size (default 8).
 */
public final class ExplainService implements AutoCloseable {

    /** One word of a text and its relevance for the explained class. */
    public record TokenScore(int position, String word, double relevance) {
    }

    /**
     * The explanation of one text.
     *
     * @param text        the text as given
     * @param label       the explained (by default the predicted) class, named by the labels when there are any
     * @param probability the model's probability for that class, or NaN for a model without a final softmax/sigmoid
     * @param words       the word at each input position, null at padding
     * @param explanation everything the runtime computed: logits, per-position relevance, padding and bias parts
     */
    public record Result(String text, String label, double probability, String[] words, Explanation explanation) {

        /** The {@code n} words with the largest |relevance|, largest first. */
        public List<TokenScore> topWords(int n) {
            List<TokenScore> scores = new ArrayList<>();
            double[] relevance = explanation.relevance();
            for (int t = 0; t < relevance.length; t++) {
                if (words[t] != null) {
                    scores.add(new TokenScore(t, words[t], relevance[t]));
                }
            }
            scores.sort(Comparator.comparingDouble((TokenScore s) -> -Math.abs(s.relevance()))
                    .thenComparingInt(TokenScore::position));
            return scores.subList(0, Math.min(n, scores.size()));
        }
    }

    private final Explainer explainer;
    private final KerasTokenizer tokenizer;
    private final List<String> labels;
    private final ExplainOptions options;
    private final ExecutorService pool;

    /**
     * A service over an explainer that is already loaded.
     *
     * @param labels  class names in output order, or null to name classes by index
     * @param options how to explain (rule, target, padding id); {@link ExplainOptions#DEFAULT} is the ε-rule on the
     *                predicted class with padding id 0
     * @param threads the size of the thread pool
     */
    public ExplainService(Explainer explainer, KerasTokenizer tokenizer, List<String> labels, ExplainOptions options,
                          int threads) {
        if (labels != null && labels.size() != explainer.outputSize()) {
            throw new IllegalArgumentException(labels.size() + " labels for a model with " + explainer.outputSize()
                    + " outputs");
        }
        this.explainer = explainer;
        this.tokenizer = tokenizer;
        this.labels = labels == null ? null : List.copyOf(labels);
        this.options = options;
        this.pool = Executors.newFixedThreadPool(threads, runnable -> {
            Thread thread = new Thread(runnable, "explain-service");
            thread.setDaemon(true);
            return thread;
        });
    }

    /** The built-in demo model, its tokenizer and its labels, with the default options. */
    public static ExplainService demo(int threads) {
        return new ExplainService(DemoModel.explainer(), DemoModel.tokenizer(), DemoModel.LABELS,
                ExplainOptions.DEFAULT, threads);
    }

    /**
     * Loads a Keras model and its tokenizer once.
     *
     * @param tokenizer a Keras {@code Tokenizer.to_json()} file or a word-to-index JSON
     * @throws JlrpException with one line naming the file and the problem when either file cannot be used
     */
    public static ExplainService load(Path model, Path tokenizer, List<String> labels, int threads) {
        return new ExplainService(Explainer.load(model), KerasTokenizer.load(tokenizer), labels,
                ExplainOptions.DEFAULT, threads);
    }

    public Explainer explainer() {
        return explainer;
    }

    /**
     * Explains one text on the calling thread. Safe to call from any number of threads at once.
     *
     * @throws JlrpException when the text cannot be explained (a non-finite result)
     */
    public Result explain(String text) {
        // Keras semantics: texts_to_sequences, then pad_sequences(padding="pre", truncating="pre").
        TextBatch encoded = TextBatch.encode(tokenizer, List.of(text), explainer.inputLength(), Sequences.Side.PRE,
                Sequences.Side.PRE, options.padId());
        Explanation e = explainer.explain(encoded.sequences().get(0), options).get(0);
        int target = e.target();
        String label = labels != null ? labels.get(target) : "class " + target;
        double probability = e.probabilities() != null ? e.probabilities()[target] : Double.NaN;
        return new Result(text, label, probability, encoded.words().get(0), e);
    }

    /** Explains one text on the service's pool. */
    public CompletableFuture<Result> submit(String text) {
        return CompletableFuture.supplyAsync(() -> explain(text), pool);
    }

    /**
     * Explains every text on the pool; the results are in input order and equal, bit for bit, what
     * {@link #explain(String)} gives for each text on its own.
     *
     * @throws JlrpException the error of the first text that failed
     */
    public List<Result> explainAll(List<String> texts) {
        List<CompletableFuture<Result>> futures = new ArrayList<>(texts.size());
        for (String text : texts) {
            futures.add(submit(text));
        }
        List<Result> results = new ArrayList<>(texts.size());
        for (CompletableFuture<Result> future : futures) {
            try {
                results.add(future.join());
            } catch (java.util.concurrent.CompletionException failed) {
                if (failed.getCause() instanceof RuntimeException cause) {
                    throw cause;
                }
                throw failed;
            }
        }
        return results;
    }

    /** Stops the pool, letting running explanations finish. */
    @Override
    public void close() {
        pool.shutdown();
        try {
            if (!pool.awaitTermination(1, TimeUnit.MINUTES)) {
                pool.shutdownNow();
            }
        } catch (InterruptedException e) {
            pool.shutdownNow();
            Thread.currentThread().interrupt();
        }
    }

    /**
     * {@code ExplainService [--model FILE --tokenizer FILE [--labels A,B,...]] [--threads N] TEXT...}: explains the
     * texts (a few sample reviews when none are given) and prints each one's class and its three most relevant words.
     */
    public static void main(String[] args) {
        Path model = null;
        Path tokenizer = null;
        List<String> labels = null;
        int threads = 8;
        List<String> texts = new ArrayList<>();
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--model" -> model = Path.of(value(args, ++i));
                case "--tokenizer" -> tokenizer = Path.of(value(args, ++i));
                case "--labels" -> labels = Arrays.asList(value(args, ++i).split(","));
                case "--threads" -> threads = Integer.parseInt(value(args, ++i));
                default -> texts.add(args[i]);
            }
        }
        if ((model == null) != (tokenizer == null)) {
            throw new IllegalArgumentException("--model and --tokenizer go together");
        }
        if (texts.isEmpty()) {
            texts = List.of("this film was not good at all", "a wonderful cast, but the plot was boring",
                    "not bad, i enjoyed it", "the worst script and terrible acting");
        }
        try (ExplainService service = model == null ? demo(threads) : load(model, tokenizer, labels, threads)) {
            for (Result r : service.explainAll(texts)) {
                StringBuilder line = new StringBuilder(String.format(Locale.ROOT, "%-10s p=%.4f  ", r.label(),
                        r.probability()));
                for (TokenScore s : r.topWords(3)) {
                    line.append(String.format(Locale.ROOT, " %s %+.3f", s.word(), s.relevance()));
                }
                System.out.println(line.append("   | ").append(r.text()));
            }
        }
    }

    private static String value(String[] args, int i) {
        if (i >= args.length) {
            throw new IllegalArgumentException(args[i - 1] + " needs a value");
        }
        return args[i];
    }
}
