package org.jlrp.serve;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.util.List;
import org.jlrp.runtime.text.KerasTokenizer;
import org.jlrp.runtime.text.Sequences;
import org.jlrp.runtime.text.TextBatch;
import org.junit.jupiter.api.Test;

/** The encoder a served model uses for texts: a tokenizer gets the model's padding; none, the model's own layer. */
class ServedModelTest {

    @Test
    void aTokenizerFitsTextsAsTokenIdInstancesAreFitted() {
        ServedModel model = new ServedModel("demo", Fixture.DISPLAY, Fixture.EXPLAINER, Fixture.TOKENIZER, null,
                Sequences.Side.POST, Sequences.Side.POST, 0);
        assertEquals(Sequences.Side.POST, model.encoder().padding());
        List<String> texts = List.of("this film was not good at all");
        TextBatch expected = TextBatch.encode(Fixture.TOKENIZER, texts, Fixture.EXPLAINER.inputLength(),
                Sequences.Side.POST, Sequences.Side.POST, 0);
        assertArrayEquals(expected.sequences().get(0),
                TextBatch.encode(model.encoder(), texts, Fixture.EXPLAINER.inputLength()).sequences().get(0));
        KerasTokenizer unchanged = Fixture.TOKENIZER;
        assertEquals(Sequences.Side.PRE, unchanged.padding(), "the caller's tokenizer is not changed");
        assertNull(new ServedModel("ids", "ids", Fixture.EXPLAINER, null, null).encoder(),
                "a model that reads ids, without a tokenizer: token ids only");
    }
}
