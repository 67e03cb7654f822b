package org.jlrp.runtime.explain;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.function.IntConsumer;
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
        return explainAll(sequences, options, null);
    }

    /**
     * As {@link #explainAll(List, ExplainOptions)}, telling {@code progress} the number of sequences done after each
     * one (for progress reports on long batches); {@code progress} may be null.
     */
    public List<Explanation> explainAll(List<int[]> sequences, ExplainOptions options, IntConsumer progress) {
        List<Explanation> out = new ArrayList<>();
        for (int i = 0; i < sequences.size(); i++) {
            out.addAll(explainSequence(i, sequences.get(i), options));
            if (progress != null) {
                progress.accept(i + 1);
            }
        }
        return out;
    }

    private List<Explanation> explainSequence(int sequence, int[] tokens, ExplainOptions options) {
        validate(sequence, tokens);
        Workspace ws = pool.poll();
        if (ws == null) {
            ws = network.newWorkspace();
        }
        try {
            network.forward(ws, tokens);
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
        } finally {
            pool.offer(ws);
        }
    }

    private Explanation explainTarget(Workspace ws, int sequence, int[] tokens, float[] logits, float[] probabilities,
                                      int target, ExplainOptions options) {
        float logit = logits[target];
        network.backward(ws, target, logit, options.rule());
        float[] map = network.embeddingRelevance(ws);
        int dim = network.embeddingDim();
        double[] perToken = new double[tokens.length];
        double sum = 0;
        double padding = 0;
        for (int t = 0; t < tokens.length; t++) {
            double r = 0;
            for (int d = 0; d < dim; d++) {
                r += map[t * dim + d];
            }
            if (!Double.isFinite(r)) {
                throw new JlrpException("sequence " + sequence + ": relevance at position " + t + " is not finite ("
                        + r + "); try a larger --eps");
            }
            perToken[t] = r;
            sum += r;
            if (tokens[t] == options.padId()) {
                padding += r;
            }
        }
        return new Explanation(sequence, target, logits, probabilities, logit, tokens.clone(), perToken,
                options.embeddingRelevance() ? map.clone() : null, dim, padding, sum, logit - sum);
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

    private void validate(int sequence, int[] tokens) {
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
