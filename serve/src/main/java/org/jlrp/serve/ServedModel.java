package org.jlrp.serve;

import java.util.List;
import org.jlrp.runtime.JlrpException;
import org.jlrp.runtime.explain.Explainer;
import org.jlrp.runtime.render.ReportData;
import org.jlrp.runtime.text.KerasTokenizer;
import org.jlrp.runtime.text.Sequences;
import org.jlrp.runtime.text.TextEncoder;

/**
 * The model a server serves, and how requests are fitted to it: what {@code jlrp explain} is given on its command
 * line, so that the server's answers are the CLI's.
 *
 * @param name        the name in the URLs ({@code /v1/models/NAME}, {@code /v2/models/NAME})
 * @param displayName the {@code model} field of explain reports (the CLI's: the model's path, or the demo's name)
 * @param explainer   the model
 * @param encoder     for text instances and the words of token-id instances: a tokenizer (its padding becomes this
 *                    model's), or null for the model's own TextVectorization layer when it has one, else token
 *                    ids only
 * @param labels      class names in output order (for one sigmoid unit: negative,positive or the positive one); null
 * @param padding     where short sequences are padded
 * @param truncating  which end of long sequences is cut
 * @param padId       the padding token id
 */
public record ServedModel(String name, String displayName, Explainer explainer, TextEncoder encoder,
                          List<String> labels, Sequences.Side padding, Sequences.Side truncating, int padId) {

    public ServedModel {
        if (name == null || !name.matches("[A-Za-z0-9][A-Za-z0-9._-]*")) {
            throw new JlrpException("model name '" + name + "' must be letters, digits, '.', '_' or '-'");
        }
        // Texts are fitted as token-id instances are; a TextVectorization layer keeps its own padding (id 0 at the end).
        if (encoder instanceof KerasTokenizer tokenizer) {
            encoder = tokenizer.withPadding(padding, truncating, padId);
        } else if (encoder == null) {
            encoder = explainer.textVectorizer().orElse(null);
        }
    }

    /** Pads and truncates at the start, as Keras' {@code pad_sequences} and the CLI do by default; pad id 0. */
    public ServedModel(String name, String displayName, Explainer explainer, TextEncoder encoder,
                       List<String> labels) {
        this(name, displayName, explainer, encoder, labels, Sequences.Side.PRE, Sequences.Side.PRE, 0);
    }

    boolean singleSigmoid() {
        return explainer.singleSigmoidOutput();
    }

    /** The class name as the reports write it ({@code class N} without labels). */
    String label(int classIndex) {
        return new ReportData(displayName, List.of(), null, labels, padId).withSingleSigmoid(singleSigmoid())
                .label(classIndex);
    }
}
