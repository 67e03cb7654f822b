package org.jlrp.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.jlrp.runtime.SharedFiles;
import org.jlrp.serve.Server;
import org.junit.jupiter.api.Test;

/**
 * {@code :explain} answers with exactly the bytes {@code jlrp explain --format json} prints for the same input and
 * options: the server is set up from the same command line (less the input) as the CLI run it is compared with.
 */
class ServeCommandTest {

    private static final HttpClient CLIENT = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    private static final ObjectMapper JSON = new ObjectMapper();

    private static String explain(Server server, String body) throws Exception {
        HttpResponse<String> r = CLIENT.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port()
                + "/v1/models/" + server.model().name() + ":explain")).POST(HttpRequest.BodyPublishers.ofString(body))
                .build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, r.statusCode(), r.body());
        return r.body();
    }

    private static Server serve(String... args) throws Exception {
        ServeCommand.Setup setup = ServeCommand.setup(args);
        return Server.start(setup.model(), setup.options().withPort(0));
    }

    private static String[] concat(String[] a, String... b) {
        List<String> all = new ArrayList<>(List.of(a));
        all.addAll(List.of(b));
        return all.toArray(String[]::new);
    }

    @Test
    void theDemoExplainsTextsAsTheCliDoes() throws Exception {
        String[] texts = {"this film was not good at all", "a great and moving story", "qqq"};
        try (Server server = serve()) {
            assertEquals("demo", server.model().name());
            List<String> cli = new ArrayList<>(List.of("explain", "--format", "json"));
            for (String t : texts) {
                cli.addAll(List.of("--text", t));
            }
            CliRun.Run run = CliRun.run(cli.toArray(String[]::new));
            assertEquals(0, run.code(), run.err());
            String body = "{\"instances\": " + JSON.writeValueAsString(texts) + "}";
            assertEquals(run.out(), explain(server, body));

            CliRun.Run all = CliRun.run(concat(cli.toArray(String[]::new), "--target", "all", "--rule",
                    "conv1d=zplus;dense=epsilon", "--eps", "0.001"));
            assertEquals(0, all.code(), all.err());
            String withParameters = "{\"instances\": " + JSON.writeValueAsString(texts) + ", \"parameters\": "
                    + "{\"target\": \"all\", \"rule\": \"conv1d=zplus;dense=epsilon\", \"eps\": 0.001}}";
            assertEquals(all.out(), explain(server, withParameters));
        }
    }

    /** A real model, token-id input with the golden file's sequences (padding, all-padding and repeated ones). */
    @Test
    void aRealModelExplainsTokenIdsAsTheCliDoes() throws Exception {
        Path model = SharedFiles.require("models/seed_textcnn.h5");
        Path tokens = SharedFiles.require("golden/seed_textcnn.tokens.json");
        CliRun.Run run = CliRun.run("explain", "--model", model.toString(), "--tokens", tokens.toString(),
                "--format", "json");
        assertEquals(0, run.code(), run.err());
        JsonNode doc = JSON.readTree(Files.readString(tokens));
        try (Server server = serve("--model", model.toString())) {
            assertEquals("seed_textcnn", server.model().name());
            String body = "{\"instances\": " + doc.get("tokens") + "}";
            assertEquals(run.out(), explain(server, body));
        }
    }

    /** One sigmoid unit: the class view (labels, single_sigmoid, class 0 = minus the logit) as the CLI shows it. */
    @Test
    void aSigmoidModelExplainsInTheClassViewAsTheCliDoes() throws Exception {
        Path dir = SharedFiles.require("pairs/rithika204-phishing-url-charcnn");
        String[] common = {"--model", dir.resolve("cnn_model.h5").toString(), "--tokenizer",
            dir.resolve("tokenizer.json").toString(), "--labels", "phishing,legitimate"};
        CliRun.Run run = CliRun.run(concat(concat(new String[]{"explain"}, common), "--text",
                "http://192.168.10.5/bank/login.html", "--text", "https://www.google.com", "--target", "all",
                "--format", "json"));
        assertEquals(0, run.code(), run.err());
        try (Server server = serve(common)) {
            String body = "{\"instances\": [\"http://192.168.10.5/bank/login.html\", \"https://www.google.com\"], "
                    + "\"parameters\": {\"target\": \"all\"}}";
            assertEquals(run.out(), explain(server, body));
        }
    }

    /** --vocab, and a model's own TextVectorization layer: texts are encoded as jlrp explain encodes them. */
    @Test
    void aVocabularyAndAModelsOwnTextVectorizationEncodeTextsAsTheCliDoes() throws Exception {
        Path onnx = SharedFiles.require("pairs/ycw666-phishguard-charcnn-onnx");
        String[] vocab = {"--model", onnx.resolve("cnn_model.onnx").toString(), "--vocab",
            onnx.resolve("char2idx.json").toString(), "--split", "char", "--unknown-id", "0", "--padding", "post",
            "--truncating", "post"};
        String[] texts = {"Mail.Example.COM/Inbox", "login-verify.examp1e.top/§"};
        CliRun.Run run = CliRun.run(concat(concat(new String[]{"explain"}, vocab), "--text", texts[0], "--text",
                texts[1], "--format", "json"));
        assertEquals(0, run.code(), run.err());
        // golden_numpy.tsv: m a i l . e ...
        assertEquals("[51,39,47,50,15,43,62,39,51,54,50,43,15,41,53,51,16,47,52,40,53,62,0]",
                JSON.readTree(run.out()).get("results").get(0).get("tokens").toString().substring(0, 68) + "]");
        try (Server server = serve(vocab)) {
            assertEquals(run.out(), explain(server, "{\"instances\": " + JSON.writeValueAsString(texts) + "}"));
        }

        Path tv = SharedFiles.require("pairs/ycw666-phishguard-textvec-bilstm/0623_lstm_model.keras");
        CliRun.Run own = CliRun.run("explain", "--model", tv.toString(), "--text", "www.google.com/search?q=lstm",
                "--format", "json");
        assertEquals(0, own.code(), own.err());
        JsonNode tokens = JSON.readTree(own.out()).get("results").get(0).get("tokens");
        Path ids = Files.writeString(Files.createTempFile("jlrp-serve-ids", ".json"), "[" + tokens + "]");
        try (Server server = serve("--model", tv.toString())) {
            assertEquals(own.out(), explain(server, "{\"instances\": [\"www.google.com/search?q=lstm\"]}"));
            // token-id instances get the layer's words, as explain --tokens shows them
            CliRun.Run byIds = CliRun.run("explain", "--model", tv.toString(), "--tokens", ids.toString(),
                    "--format", "json");
            assertEquals(0, byIds.code(), byIds.err());
            assertEquals("w", JSON.readTree(byIds.out()).get("results").get(0).get("words").get(0).asText());
            assertEquals(byIds.out(), explain(server, "{\"instances\": [" + tokens + "]}"));
        } finally {
            Files.deleteIfExists(ids);
        }
    }
}
