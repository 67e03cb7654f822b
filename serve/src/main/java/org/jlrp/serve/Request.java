package org.jlrp.serve;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import org.jlrp.runtime.JlrpException;
import org.jlrp.runtime.explain.Composite;
import org.jlrp.runtime.explain.ExplainOptions;
import org.jlrp.runtime.explain.Method;
import org.jlrp.runtime.explain.Rule;
import org.jlrp.runtime.explain.Target;
import org.jlrp.runtime.explain.SigmoidClasses;
import org.jlrp.runtime.text.TextBatch;
import org.jlrp.runtime.text.TextEncoder;
import org.jlrp.runtime.text.UnknownWords;

/**
 * One parsed, checked request: the sequences fitted to the model and validated, so that nothing a batch meets can
 * fail because of another request's input. Every refusal is a {@link JlrpException} with one line, the CLI's where
 * the CLI has one.
 *
 * @param sequences     token ids, fitted to the model's length and in range
 * @param words         per sequence, the word at each position (null at padding); null without a tokenizer
 * @param unknownWords  per text, the words the tokenizer dropped or mapped to OOV; null for token-id input
 * @param options       what the caller asked for (the report's options)
 * @param engineOptions what the engine runs (for one sigmoid unit, the unit itself; see {@link SigmoidClasses})
 * @param id            the Open Inference Protocol request id, echoed back; null when none
 */
record Request(List<int[]> sequences, List<String[]> words, List<UnknownWords> unknownWords, ExplainOptions options,
               ExplainOptions engineOptions, String id) {

    private static final ObjectMapper JSON = new ObjectMapper(JsonFactory.builder()
            .streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(64).build()).build());

    /** The parameters a KServe V1 request may carry, as the options of {@code jlrp explain} of the same names. */
    private static final List<String> PARAMETERS = List.of("target", "rule", "method", "eps", "ignore_bias");

    static JsonNode parse(InputStream body) {
        try {
            JsonNode root = JSON.readTree(body);
            if (root == null || !root.isObject()) {
                throw new JlrpException("the request body must be a JSON object");
            }
            return root;
        } catch (JsonProcessingException e) {
            throw new JlrpException("malformed JSON: " + oneLine(e.getOriginalMessage()));
        } catch (IOException e) {
            throw new JlrpException("could not read the request body: " + oneLine(e.getMessage()));
        }
    }

    /** KServe V1: {@code {"instances": [text, ...] | [[id, ...], ...], "parameters": {...}}}. */
    static Request v1(JsonNode root, ServedModel model, int maxInstances, boolean explain) {
        JsonNode instances = root.get("instances");
        if (instances == null || !instances.isArray()) {
            throw new JlrpException("the request needs \"instances\": an array of texts or of token-id arrays");
        }
        checkCount(instances.size(), maxInstances);
        ExplainOptions options = explain ? options(root.get("parameters"), model) : predictOptions(root, model);
        if (instances.get(0).isTextual()) {
            TextEncoder encoder = model.encoder();
            if (encoder == null) {
                throw new JlrpException("text instances need the model's tokenizer (start the server with "
                        + "--tokenizer FILE or --vocab FILE), or send token-id arrays");
            }
            List<String> texts = new ArrayList<>(instances.size());
            for (int i = 0; i < instances.size(); i++) {
                JsonNode text = instances.get(i);
                if (!text.isTextual()) {
                    throw new JlrpException("instance " + i + " is not a text: instances are all texts or all "
                            + "token-id arrays");
                }
                texts.add(text.textValue());
            }
            // As jlrp explain encodes texts: a tokenizer, or the model's own TextVectorization layer.
            TextBatch batch = TextBatch.encode(encoder, texts, model.explainer().inputLength());
            validate(batch.sequences(), model);
            return of(batch.sequences(), batch.words(), batch.unknownWords(), options.withPadId(encoder.padId()),
                    model, null);
        }
        List<int[]> sequences = new ArrayList<>(instances.size());
        for (int i = 0; i < instances.size(); i++) {
            JsonNode ids = instances.get(i);
            if (!ids.isArray()) {
                throw new JlrpException("instance " + i + " is not an array of token ids: instances are all texts or "
                        + "all token-id arrays");
            }
            int[] seq = new int[ids.size()];
            for (int t = 0; t < seq.length; t++) {
                seq[t] = tokenId(ids.get(t), i, t);
            }
            sequences.add(fit(seq, model));
        }
        validate(sequences, model);
        return of(sequences, wordsOf(sequences, model), null, options, model, null);
    }

    /**
     * Open Inference Protocol: {@code {"id": ..., "inputs": [{"name": "input_ids", "shape": [N, L], "datatype":
     * "INT64", "data": [...]}]}}, data flat in row-major order or nested.
     */
    static Request v2(JsonNode root, ServedModel model, int maxInstances) {
        JsonNode inputs = root.get("inputs");
        if (inputs == null || !inputs.isArray() || inputs.size() != 1) {
            throw new JlrpException("the request needs \"inputs\": an array with one tensor, \"" + Server.V2_INPUT
                    + "\"");
        }
        JsonNode tensor = inputs.get(0);
        JsonNode shape = tensor.get("shape");
        String datatype = tensor.path("datatype").asText("");
        if (!datatype.equals("INT64") && !datatype.equals("INT32")) {
            throw new JlrpException("input datatype must be INT64 or INT32, got '" + datatype + "'");
        }
        if (shape == null || !shape.isArray() || shape.size() != 2 || !shape.get(0).canConvertToInt()
                || !shape.get(1).canConvertToInt() || shape.get(0).intValue() < 1 || shape.get(1).intValue() < 1) {
            throw new JlrpException("input shape must be [batch, length] with both at least 1, got " + shape);
        }
        int n = shape.get(0).intValue();
        int length = shape.get(1).intValue();
        checkCount(n, maxInstances);
        int expected = model.explainer().inputLength();
        if (expected > 0 && length != expected) {
            throw new JlrpException("input shape " + shape + ": the model reads " + expected + " tokens per sequence");
        }
        List<Integer> flat = new ArrayList<>();
        flatten(tensor.get("data"), flat, (long) n * length, 0);
        if (flat.size() != (long) n * length) {
            throw new JlrpException("input data has " + flat.size() + " values; shape " + shape + " needs "
                    + (long) n * length);
        }
        List<int[]> sequences = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            int[] seq = new int[length];
            for (int t = 0; t < length; t++) {
                seq[t] = flat.get(i * length + t);
            }
            sequences.add(seq);
        }
        validate(sequences, model);
        JsonNode id = root.get("id");
        return of(sequences, null, null, predictOptions(root, model), model, id != null && id.isTextual()
                ? id.textValue() : null);
    }

    private static void flatten(JsonNode data, List<Integer> out, long limit, int depth) {
        if (data == null || !data.isArray()) {
            throw new JlrpException("input data must be an array of token ids");
        }
        for (JsonNode v : data) {
            if (v.isArray() && depth == 0) {
                flatten(v, out, limit, 1);
            } else {
                if (out.size() >= limit) {
                    out.add(0); // one past the shape: the caller reports the count
                    return;
                }
                out.add(tokenId(v, -1, out.size()));
            }
        }
    }

    /** A token id at {@code instance} (-1: the flat V2 data) and {@code position}; the message is built on failure only. */
    private static int tokenId(JsonNode v, int instance, int position) {
        if (v == null || !v.isIntegralNumber() || !v.canConvertToInt()) {
            String where = instance < 0 ? "input data value " + position
                    : "instance " + instance + ", position " + position;
            throw new JlrpException(where + ": a token id must be an integer, got " + v);
        }
        return v.intValue();
    }

    private static void checkCount(int n, int max) {
        if (n < 1) {
            throw new JlrpException("the request has no instances");
        }
        if (n > max) {
            throw new JlrpException("the request has " + n + " instances; at most " + max + " are accepted per "
                    + "request");
        }
    }

    private static int[] fit(int[] ids, ServedModel model) {
        return org.jlrp.runtime.text.Sequences.pad(ids, model.explainer().inputLength(), model.padding(),
                model.truncating(), model.padId());
    }

    /**
     * A model of any input length is built once per length it is asked for: the server bounds the length so that no
     * request can make it build networks too large for the heap.
     */
    static final int MAX_ANY_LENGTH = 4096;

    /** The explainer's own check, with the CLI's message; before batching, so a batch never fails for one request. */
    private static void validate(List<int[]> sequences, ServedModel model) {
        for (int i = 0; i < sequences.size(); i++) {
            if (sequences.get(i).length > MAX_ANY_LENGTH) {
                throw new JlrpException("sequence " + i + " has " + sequences.get(i).length + " tokens; the server "
                        + "explains at most " + MAX_ANY_LENGTH + " per sequence");
            }
            model.explainer().validate(i, sequences.get(i));
        }
    }

    private static List<String[]> wordsOf(List<int[]> sequences, ServedModel model) {
        if (model.encoder() == null) {
            return null;
        }
        List<String[]> words = new ArrayList<>(sequences.size());
        for (int[] ids : sequences) {
            words.add(model.encoder().words(ids));
        }
        return words;
    }

    private static Request of(List<int[]> sequences, List<String[]> words, List<UnknownWords> unknown,
                              ExplainOptions options, ServedModel model, String id) {
        ExplainOptions engine = model.singleSigmoid() ? SigmoidClasses.unitOptions(options) : options;
        return new Request(sequences, words, unknown, options, engine, id);
    }

    /** Predictions run the forward pass only; the options just carry the padding id. */
    private static ExplainOptions predictOptions(JsonNode root, ServedModel model) {
        return ExplainOptions.DEFAULT.withPadId(model.padId());
    }

    /** The {@code parameters} of an explain request, checked as {@code jlrp explain} checks its options. */
    static ExplainOptions options(JsonNode parameters, ServedModel model) {
        if (parameters == null || parameters.isNull()) {
            return ExplainOptions.DEFAULT.withPadId(model.padId());
        }
        if (!parameters.isObject()) {
            throw new JlrpException("\"parameters\" must be an object");
        }
        for (Iterator<Map.Entry<String, JsonNode>> it = parameters.fields(); it.hasNext(); ) {
            String key = it.next().getKey();
            if (!PARAMETERS.contains(key)) {
                throw new JlrpException("unknown parameter '" + key + "' (expected one of " + PARAMETERS + ")");
            }
        }
        Method method = Method.parse(text(parameters, "method", "lrp"));
        boolean ruleGiven = parameters.has("rule") || parameters.has("eps") || parameters.has("ignore_bias");
        if (method != Method.LRP && ruleGiven) {
            throw new JlrpException("rule, eps and ignore_bias apply to method lrp only, not " + method.cliName());
        }
        double eps = Rule.DEFAULT_EPS;
        JsonNode e = parameters.get("eps");
        if (e != null) {
            if (!e.isNumber() || !(e.doubleValue() >= 0) || Double.isInfinite(e.doubleValue())) {
                throw new JlrpException("eps must be a number >= 0, got " + e);
            }
            eps = e.doubleValue();
        }
        JsonNode ignore = parameters.get("ignore_bias");
        if (ignore != null && !ignore.isBoolean()) {
            throw new JlrpException("ignore_bias must be true or false, got " + ignore);
        }
        JsonNode target = parameters.get("target");
        String targetText = target == null ? "pred" : target.isIntegralNumber() || target.isTextual()
                ? target.asText() : null;
        if (targetText == null) {
            throw new JlrpException("target must be pred, all or a class index, got " + target);
        }
        Target t = Target.parse(targetText);
        return ExplainOptions.DEFAULT.withTarget(t)
                .withRules(Composite.parse(text(parameters, "rule", "epsilon"), eps)
                        .withIgnoreBias(ignore != null && ignore.booleanValue()))
                .withPadId(model.padId()).withMethod(method);
    }

    private static String text(JsonNode parameters, String key, String fallback) {
        JsonNode v = parameters.get(key);
        if (v == null) {
            return fallback;
        }
        if (!v.isTextual()) {
            throw new JlrpException(key + " must be a string, got " + v);
        }
        return v.textValue();
    }

    static String oneLine(String message) {
        return message == null ? "" : message.replaceAll("\\s*[\\r\\n]+\\s*", " ");
    }

    int size() {
        return sequences.size();
    }
}
