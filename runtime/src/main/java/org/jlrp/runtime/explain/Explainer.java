package org.jlrp.runtime.explain;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.jlrp.kernels.KernelProvider;
import org.jlrp.kernels.Kernels;
import org.jlrp.runtime.JlrpException;
import org.jlrp.runtime.graph.Activation;
import org.jlrp.runtime.graph.Network;
import org.jlrp.runtime.graph.NetworkBuilder;
import org.jlrp.runtime.graph.Workspace;
import org.jlrp.runtime.keras.KerasModel;
import org.jlrp.runtime.keras.KerasModelLoader;
import org.jlrp.runtime.keras.Limits;

/**
 * Explains a Keras text model's predictions with ε-LRP: per-token relevance for the logit of a target class.
 *
 * <pre>{@code
 * Explainer explainer = Explainer.load(Path.of("model.h5"));
 * Explanation e = explainer.explain(tokenIds);
 * double[] perToken = e.relevance();
 * }</pre>
 *
 * <p><b>Thread safety.</b> An {@code Explainer} is immutable and may be shared by any number of threads. Each call
 * borrows a {@link Workspace} from an internal pool (creating one when none is free) and returns it afterwards, so
 * concurrent calls never share mutable state, and the result of a call does not depend on what runs beside it.
 */
public final class Explainer {

    private final Network network;
    private final ConcurrentLinkedQueue<Workspace> pool = new ConcurrentLinkedQueue<>();

    private Explainer(Network network) {
        this.network = network;
    }

    /** Loads a full-model {@code .h5} or {@code .keras} file, with the kernels this JVM provides. */
    public static Explainer load(Path model) {
        return load(model, null);
    }

    /**
     * Loads a model.
     *
     * @param architecture the architecture JSON for a weights-only {@code .h5}; null otherwise
     */
    public static Explainer load(Path model, Path architecture) {
        return of(KerasModelLoader.load(model, architecture, Limits.DEFAULT), KernelProvider.get());
    }

    /** An explainer for an already loaded model, on the given kernels. */
    public static Explainer of(KerasModel model, Kernels kernels) {
        return new Explainer(NetworkBuilder.build(model, kernels));
    }

    /**
     * An explainer whose plan folds the Embedding into the first Conv1D layers when the tables fit
     * {@code foldBudgetBytes} (0: never fold). See {@link Network#foldingPlanned()}.
     */
    public static Explainer of(KerasModel model, Kernels kernels, long foldBudgetBytes) {
        return new Explainer(NetworkBuilder.build(model, kernels, foldBudgetBytes));
    }

    public Network network() {
        return network;
    }

    /** Explains the predicted class with the default ε-rule. */
    public Explanation explain(int[] tokens) {
        return explain(tokens, ExplainOptions.DEFAULT).get(0);
    }

    /**
     * Explains one sequence: one explanation, or one per class for {@link Target#all()}.
     *
     * @param tokens exactly {@link Network#inputLength()} token ids, each in {@code [0, vocabulary)}
     * @throws JlrpException naming the position and value of a bad token id, or a non-finite result
     */
    public List<Explanation> explain(int[] tokens, ExplainOptions options) {
        return explainSequence(0, tokens, options);
    }

    /**
     * Explains each sequence of a batch; the results are ordered by sequence, then class. Sequences are explained one
     * after another on the calling thread.
     */
    public List<Explanation> explainAll(List<int[]> sequences, ExplainOptions options) {
        List<Explanation> out = new ArrayList<>();
        for (int i = 0; i < sequences.size(); i++) {
            out.addAll(explainSequence(i, sequences.get(i), options));
        }
        return out;
    }

    /**
     * Explains each sequence of a batch on {@code threads} threads; the results are those of
     * {@link #explainAll(List, ExplainOptions)}, bit for bit, whatever the thread count. For repeated batches keep a
     * {@link BatchEngine} instead: this starts and stops its threads on every call.
     */
    public List<Explanation> explainBatch(List<int[]> sequences, ExplainOptions options, int threads) {
        if (threads <= 1 || sequences.size() <= 1) {
            return explainAll(sequences, options);
        }
        try (BatchEngine engine = new BatchEngine(this, Math.min(threads, sequences.size()))) {
            return engine.explain(sequences, options);
        }
    }

    private List<Explanation> explainSequence(int sequence, int[] tokens, ExplainOptions options) {
        validate(sequence, tokens);
        Workspace ws = pool.poll();
        if (ws == null) {
            ws = network.newWorkspace();
        }
        try {
            return explainSequence(sequence, tokens, options, ws);
        } finally {
            pool.offer(ws);
        }
    }

    /**
     * Allocation-free core of the batch engine and the benchmark: forward, the relevance pass for one target (the
     * predicted class or a fixed index; not {@code all}), per-token relevance into {@code relevance}.
     *
     * @return the explained class
     */
    int explainInto(Workspace ws, int sequence, int[] tokens, ExplainOptions options, double[] relevance) {
        validate(sequence, tokens);
        network.forward(ws, tokens, !options.embeddingRelevance());
        float[] logits = network.logits(ws);
        int target;
        if (options.target().isPred()) {
            target = 0;
            for (int i = 1; i < logits.length; i++) {
                if (logits[i] > logits[target]) {
                    target = i;
                }
            }
        } else if (options.target().isAll()) {
            throw new IllegalArgumentException("explainInto explains one target; use explain for target all");
        } else {
            target = options.target().index();
            if (target >= logits.length) {
                targets(options.target(), logits); // throws the one-line range error
            }
        }
        network.backward(ws, target, logits[target], options.rule());
        network.tokenRelevance(ws, relevance);
        return target;
    }

    /** One sequence on a workspace the caller owns (validated already). */
    List<Explanation> explainSequence(int sequence, int[] tokens, ExplainOptions options, Workspace ws) {
        network.forward(ws, tokens, !options.embeddingRelevance());
        float[] logits = network.logits(ws).clone();
        for (int i = 0; i < logits.length; i++) {
            if (!Float.isFinite(logits[i])) {
                throw new JlrpException("sequence " + sequence + ": logit " + i + " is not finite (" + logits[i]
                        + ")");
            }
        }
        float[] probabilities = probabilities(logits);
        List<Explanation> out = new ArrayList<>();
        for (int target : targets(options.target(), logits)) {
            out.add(explainTarget(ws, sequence, tokens, logits, probabilities, target, options));
        }
        return out;
    }

    private Explanation explainTarget(Workspace ws, int sequence, int[] tokens, float[] logits, float[] probabilities,
                                      int target, ExplainOptions options) {
        float logit = logits[target];
        network.backward(ws, target, logit, options.rule());
        int dim = network.embeddingDim();
        double[] perToken = new double[tokens.length];
        network.tokenRelevance(ws, perToken);
        double sum = 0;
        double padding = 0;
        for (int t = 0; t < tokens.length; t++) {
            double r = perToken[t];
            if (!Double.isFinite(r)) {
                throw new JlrpException("sequence " + sequence + ": relevance at position " + t + " is not finite ("
                        + r + "); try a larger --eps");
            }
            sum += r;
            if (tokens[t] == options.padId()) {
                padding += r;
            }
        }
        return new Explanation(sequence, target, logits, probabilities, logit, tokens.clone(), perToken,
                options.embeddingRelevance() ? network.embeddingRelevance(ws).clone() : null, dim, padding, sum, logit - sum);
    }

    private int[] targets(Target target, float[] logits) {
        if (target.isAll()) {
            int[] all = new int[logits.length];
            for (int i = 0; i < all.length; i++) {
                all[i] = i;
            }
            return all;
        }
        if (target.isPred()) {
            int best = 0;
            for (int i = 1; i < logits.length; i++) {
                if (logits[i] > logits[best]) {
                    best = i;
                }
            }
            return new int[]{best};
        }
        if (target.index() >= logits.length) {
            throw new JlrpException("target class " + target.index() + " is out of range: the model has "
                    + logits.length + " output" + (logits.length == 1 ? "" : "s"));
        }
        return new int[]{target.index()};
    }

    private float[] probabilities(float[] logits) {
        Activation stripped = network.strippedActivation();
        if (stripped == Activation.SIGMOID) {
            float[] p = new float[logits.length];
            for (int i = 0; i < p.length; i++) {
                p[i] = (float) (1 / (1 + Math.exp(-(double) logits[i])));
            }
            return p;
        }
        if (stripped == Activation.SOFTMAX) {
            double max = Double.NEGATIVE_INFINITY;
            for (float l : logits) {
                max = Math.max(max, l);
            }
            double total = 0;
            double[] e = new double[logits.length];
            for (int i = 0; i < e.length; i++) {
                e[i] = Math.exp(logits[i] - max);
                total += e[i];
            }
            float[] p = new float[logits.length];
            for (int i = 0; i < p.length; i++) {
                p[i] = (float) (e[i] / total);
            }
            return p;
        }
        return null;
    }

    void validate(int sequence, int[] tokens) {
        if (tokens == null || tokens.length == 0) {
            throw new JlrpException("sequence " + sequence + " is empty");
        }
        if (tokens.length != network.inputLength()) {
            throw new JlrpException("sequence " + sequence + " has " + tokens.length + " tokens; the model reads "
                    + network.inputLength() + " (pad or truncate it first)");
        }
        int vocabulary = network.vocabularySize();
        for (int t = 0; t < tokens.length; t++) {
            if (tokens[t] < 0 || tokens[t] >= vocabulary) {
                throw new JlrpException("sequence " + sequence + ", position " + t + ": token id " + tokens[t]
                        + " is out of range [0, " + vocabulary + ")");
            }
        }
    }
}
