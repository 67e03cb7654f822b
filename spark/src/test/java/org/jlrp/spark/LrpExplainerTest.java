package org.jlrp.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Random;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.jlrp.runtime.JlrpException;
import org.jlrp.runtime.SharedFiles;
import org.jlrp.runtime.explain.Composite;
import org.jlrp.runtime.explain.ExplainOptions;
import org.jlrp.runtime.explain.Explainer;
import org.jlrp.runtime.explain.Explanation;
import org.jlrp.runtime.explain.Target;
import org.jlrp.runtime.text.Sequences;
import org.jlrp.runtime.text.TokenFile;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The transform and the SQL function on a shared {@code local[2]} session, against the plain engine. */
class LrpExplainerTest {

    private static Path model;
    private static Explainer engine;
    private static List<int[]> sequences;

    @BeforeAll
    static void load() {
        model = SharedFiles.require("models/seed_textcnn.h5");
        engine = Explainer.load(model);
        sequences = new ArrayList<>(TokenFile.read(SharedFiles.require("golden/seed_textcnn.tokens.json")));
        // Short and long sequences too, which the transform pads or truncates as jlrp explain does.
        Random random = new Random(8);
        int vocabulary = engine.network().vocabularySize();
        for (int i = 0; i < 20; i++) {
            int[] ids = new int[1 + random.nextInt(220)];
            for (int t = 0; t < ids.length; t++) {
                ids[t] = random.nextInt(vocabulary);
            }
            sequences.add(ids);
        }
        LocalSpark.warmUp(engine, sequences);
    }

    @Test
    void transformRelevanceEqualsThePlainEngineBitForBit() {
        List<Row> rows = byId(new LrpExplainer().setModel(model).setBatchSize(5)
                .transform(LocalSpark.tokens(sequences, 3)));
        assertEquals(sequences.size(), rows.size());
        for (Row row : rows) {
            int id = row.getInt(0);
            Explanation expected = engine.explain(padded(sequences.get(id)), ExplainOptions.DEFAULT).get(0);
            assertSameResult(expected, row.getStruct(row.fieldIndex("lrp")), "row " + id);
        }
    }

    @Test
    void aRecurrentModelExplainsLikeThePlainEngineBitForBit() {
        // A real Keras LSTM classifier (one sigmoid unit): the recurrent layer's batched passes on the executors.
        Path lstm = SharedFiles.require("models/anushree1001_imdb_lstm.h5");
        Explainer recurrent = Explainer.load(lstm);
        List<int[]> texts = TokenFile.read(SharedFiles.require("golden/anushree1001_imdb_lstm.tokens.json"));
        List<Row> rows = byId(new LrpExplainer().setModel(lstm).setBatchSize(3)
                .transform(LocalSpark.tokens(texts, 2)));
        assertEquals(texts.size(), rows.size());
        for (Row row : rows) {
            int id = row.getInt(0);
            int[] ids = Sequences.pad(texts.get(id), recurrent.inputLength(), Sequences.Side.PRE,
                    Sequences.Side.PRE, 0);
            // One sigmoid unit: the job reports it as jlrp explain does, as two classes.
            Explanation expected = org.jlrp.runtime.explain.SigmoidClasses.toClasses(recurrent.explain(ids,
                    org.jlrp.runtime.explain.SigmoidClasses.unitOptions(ExplainOptions.DEFAULT)), Target.pred(),
                    org.jlrp.runtime.explain.Method.LRP).get(0);
            assertSameResult(expected, row.getStruct(row.fieldIndex("lrp")), "LSTM row " + id);
        }
    }

    @Test
    void anOnnxModelExplainsLikeThePlainEngineBitForBit() {
        // The executors load the broadcast bytes from a temporary file that keeps the .onnx extension.
        Path onnx = SharedFiles.require("models/onnx/seed_textcnn.opset13.onnx");
        Explainer fromOnnx = Explainer.load(onnx);
        List<int[]> some = sequences.subList(0, 8);
        List<Row> rows = byId(new LrpExplainer().setModel(onnx).setBatchSize(3).transform(LocalSpark.tokens(some, 2)));
        assertEquals(some.size(), rows.size());
        for (Row row : rows) {
            int id = row.getInt(0);
            int[] ids = Sequences.pad(some.get(id), fromOnnx.inputLength(), Sequences.Side.PRE, Sequences.Side.PRE, 0);
            assertSameResult(fromOnnx.explain(ids, ExplainOptions.DEFAULT).get(0),
                    row.getStruct(row.fieldIndex("lrp")), "ONNX row " + id);
        }
    }

    @Test
    void targetAllGivesOneStructPerClassAndEpsIsApplied() {
        List<Row> rows = byId(new LrpExplainer().setModel(model).setTarget("all").setEps(0.01)
                .setOutputCol("explained").transform(LocalSpark.tokens(sequences.subList(0, 6), 2)));
        ExplainOptions options = ExplainOptions.DEFAULT.withTarget(Target.all()).withEps(0.01);
        for (Row row : rows) {
            int id = row.getInt(0);
            List<Explanation> expected = engine.explain(padded(sequences.get(id)), options);
            List<Row> actual = row.getList(row.fieldIndex("explained"));
            assertEquals(expected.size(), actual.size());
            for (int c = 0; c < expected.size(); c++) {
                assertSameResult(expected.get(c), actual.get(c), "row " + id + " class " + c);
            }
        }
    }

    @Test
    void aRuleStringMeansWhatItMeansToTheLibraryAndTheCli() {
        List<Row> rows = byId(new LrpExplainer().setModel(model).setRule("epsilon-plus").setIgnoreBias(true)
                .transform(LocalSpark.tokens(sequences.subList(0, 6), 2)));
        ExplainOptions options = ExplainOptions.DEFAULT.withRules(Composite.parse("epsilon-plus").withIgnoreBias(true));
        ExplainOptions plain = ExplainOptions.DEFAULT;
        assertEquals(6, rows.size());
        for (Row row : rows) {
            int id = row.getInt(0);
            Explanation expected = engine.explain(padded(sequences.get(id)), options).get(0);
            assertSameResult(expected, row.getStruct(row.fieldIndex("lrp")), "row " + id);
            // The rules changed the result: the check above is not the default path twice.
            Explanation epsilon = engine.explain(padded(sequences.get(id)), plain).get(0);
            assertFalse(java.util.Arrays.equals(epsilon.relevance(), expected.relevance()), "row " + id);
        }
        assertThrows(JlrpException.class, () -> new LrpExplainer().setRule("conv1d=zpuls"));
    }

    @Test
    void modelIsLoadedOncePerExecutorJvm() {
        LrpExplainer explainer = new LrpExplainer().setModel(model);
        int before = ExplainerCache.loads();
        // The driver loads the model to check it and, in local mode, its executor reuses that very explainer.
        assertEquals(sequences.size(), explainer.transform(LocalSpark.tokens(sequences, 6)).count());
        assertEquals(before, ExplainerCache.loads(), "local mode: the executor reuses the driver's explainer");

        // An executor that has not seen the broadcast loads it once, however many tasks (6, two at a time) want it.
        ExplainerCache.clear();
        assertEquals(sequences.size(), explainer.transform(LocalSpark.tokens(sequences, 6)).collectAsList().size());
        assertEquals(before + 1, ExplainerCache.loads());
        assertEquals(sequences.size(), explainer.transform(LocalSpark.tokens(sequences, 4)).collectAsList().size());
        assertEquals(before + 1, ExplainerCache.loads(), "a second transform reuses the broadcast and the explainer");
    }

    @Test
    void badRowFailsTheJobOrIsSkippedAsConfigured() {
        List<int[]> withBad = new ArrayList<>(sequences.subList(0, 8));
        int[] outOfVocabulary = sequences.get(1).clone();
        outOfVocabulary[149] = 99_999;
        withBad.set(3, outOfVocabulary);
        withBad.set(5, null);
        Dataset<Row> data = LocalSpark.tokens(withBad, 2);

        Exception failed = assertThrows(Exception.class,
                () -> new LrpExplainer().setModel(model).transform(data).collectAsList());
        String message = rootMessage(failed);
        assertTrue(message.contains("column 'tokens'") && message.contains("token id 99999 is out of range")
                || message.contains("the token ids are null"), message);

        List<Row> kept = byId(new LrpExplainer().setModel(model).setOnError("skip").transform(data));
        assertEquals(List.of(0, 1, 2, 4, 6, 7), kept.stream().map(r -> r.getInt(0)).toList());
    }

    @Test
    void sqlFunctionExplainsLikeTheTransform() {
        var spark = LocalSpark.session();
        LrpFunctions.register(spark, "lrp_explain", new LrpExplainer().setModel(model));
        LocalSpark.tokens(sequences, 3).createOrReplaceTempView("jlrp_sql_test");
        List<Row> rows = byId(spark.sql("SELECT id, lrp_explain(tokens) AS lrp FROM jlrp_sql_test"));
        assertEquals(sequences.size(), rows.size());
        for (Row row : rows) {
            Explanation expected = engine.explain(padded(sequences.get(row.getInt(0))), ExplainOptions.DEFAULT).get(0);
            assertSameResult(expected, row.getStruct(1), "row " + row.getInt(0));
        }
        List<Row> targets = spark.sql("SELECT lrp_explain(tokens).target FROM jlrp_sql_test WHERE id = 0")
                .collectAsList();
        assertEquals(engine.explain(padded(sequences.get(0))).target(), targets.get(0).getInt(0));

        LrpFunctions.register(spark, "lrp_explain_or_null", new LrpExplainer().setModel(model).setOnError("skip"));
        Row bad = spark.sql("SELECT lrp_explain_or_null(array(1, 2, 99999)) AS lrp").first();
        assertNull(bad.get(0));
        assertNotNull(spark.sql("SELECT lrp_explain_or_null(array(1, 2, 3)) AS lrp").first().get(0));
    }

    @Test
    void wrongColumnsAreRefusedOnTheDriver() {
        Dataset<Row> data = LocalSpark.tokens(sequences.subList(0, 2), 1);
        assertThrows(JlrpException.class, () -> new LrpExplainer().setModel(model).setInputCol("text").transform(data));
        assertThrows(JlrpException.class, () -> new LrpExplainer().setModel(model).setInputCol("id").transform(data));
        assertThrows(JlrpException.class, () -> new LrpExplainer().setModel(model).setOutputCol("id").transform(data));
        assertThrows(JlrpException.class, () -> new LrpExplainer().transform(data));
        assertThrows(JlrpException.class, () -> new LrpExplainer().setTarget("best"));
        assertThrows(JlrpException.class, () -> new LrpExplainer().setOnError("ignore"));
    }

    private static void assertSameResult(Explanation expected, Row actual, String where) {
        assertEquals(expected.target(), actual.getInt(actual.fieldIndex("target")), where + ": target");
        List<Float> logits = actual.getList(actual.fieldIndex("logits"));
        assertEquals(expected.logits().length, logits.size(), where + ": logits");
        for (int i = 0; i < logits.size(); i++) {
            assertEquals(Float.floatToRawIntBits(expected.logits()[i]), Float.floatToRawIntBits(logits.get(i)),
                    where + ": logit " + i);
        }
        List<Float> relevance = actual.getList(actual.fieldIndex("relevance"));
        assertEquals(expected.relevance().length, relevance.size(), where + ": relevance length");
        for (int t = 0; t < relevance.size(); t++) {
            assertEquals(Float.floatToRawIntBits((float) expected.relevance()[t]),
                    Float.floatToRawIntBits(relevance.get(t)), where + ": relevance at " + t);
        }
        assertEquals(Double.doubleToRawLongBits(expected.relevancePadding()),
                Double.doubleToRawLongBits(actual.getDouble(actual.fieldIndex("relevance_padding"))), where);
        assertEquals(Double.doubleToRawLongBits(expected.relevanceBias()),
                Double.doubleToRawLongBits(actual.getDouble(actual.fieldIndex("relevance_bias"))), where);
    }

    private static int[] padded(int[] ids) {
        return Sequences.pad(ids, engine.network().inputLength(), Sequences.Side.PRE, Sequences.Side.PRE, 0);
    }

    private static List<Row> byId(Dataset<Row> data) {
        List<Row> rows = new ArrayList<>(data.collectAsList());
        rows.sort(Comparator.comparingInt(r -> r.getInt(0)));
        return rows;
    }

    static String rootMessage(Throwable t) {
        StringBuilder all = new StringBuilder();
        for (Throwable c = t; c != null; c = c.getCause()) {
            all.append(c.getMessage()).append(" | ");
        }
        return all.toString();
    }
}
