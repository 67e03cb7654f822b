package org.jlrp.runtime.text;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The three encoders behind one interface: a tokenizer with its padding, a vocabulary's, a TextVectorization layer. */
class TextEncoderTest {

    private static final KerasTokenizer TOKENIZER = KerasTokenizer.ofWordIndex(Map.of("good", 2, "film", 3, "bad", 4));

    @Test
    void aTokenizerPadsAsPadSequencesDefaultsUntilToldOtherwise() {
        TextEncoder plain = TOKENIZER;
        assertEquals(Sequences.Side.PRE, plain.padding());
        assertEquals(Sequences.Side.PRE, plain.truncating());
        assertEquals(0, plain.padId());
        assertArrayEquals(new int[]{0, 0, 2, 3}, plain.fit(plain.encode("Good film").ids(), 4));
        assertArrayEquals(new String[]{null, null, "good", "film"}, plain.fitWords(plain.encode("Good film").words(), 4));

        TextEncoder post = TOKENIZER.withUnknownId(1).withPadding(Sequences.Side.POST, Sequences.Side.POST, 9);
        KerasTokenizer.Encoded e = post.encode("good, unseen film bad");
        assertArrayEquals(new int[]{2, 1, 3}, post.fit(e.ids(), 3), "post truncation keeps the first ids");
        assertArrayEquals(new int[]{2, 1, 3, 4, 9}, post.fit(e.ids(), 5));
        assertArrayEquals(new String[]{"good", "unseen", "film", "bad", null}, post.fitWords(e.words(), 5));
        assertEquals(List.of("unseen"), e.oov(), "withPadding keeps the unknown id");
        assertArrayEquals(new String[]{"good", null, "bad", null}, post.words(new int[]{2, 9, 4, 7}));
        assertArrayEquals(new int[]{9}, post.fit(new int[0], -1), "any length: at least one id");
        assertEquals(9, TOKENIZER.withPadding(Sequences.Side.POST, Sequences.Side.PRE, 9).withUnknownId(0).padId(),
                "withUnknownId keeps the padding");
    }

    @Test
    void textBatchWithExplicitPaddingIsTheEncoderWithThatPadding() {
        List<String> texts = List.of("good film", "bad bad bad good film film", "nothing known");
        TextBatch a = TextBatch.encode(TOKENIZER, texts, 4, Sequences.Side.POST, Sequences.Side.PRE, 5);
        TextBatch b = TextBatch.encode(TOKENIZER.withPadding(Sequences.Side.POST, Sequences.Side.PRE, 5), texts, 4);
        for (int i = 0; i < texts.size(); i++) {
            assertArrayEquals(a.sequences().get(i), b.sequences().get(i));
            assertArrayEquals(a.words().get(i), b.words().get(i));
            assertEquals(a.unknownWords().get(i), b.unknownWords().get(i));
        }
        assertArrayEquals(new int[]{4, 2, 3, 3}, a.sequences().get(1), "pre truncation keeps the last ids");
        assertArrayEquals(new int[]{5, 5, 5, 5}, a.sequences().get(2));
    }

    @Test
    void aVocabularysTokenizerAndATextVectorizationLayerAreEncodersToo() {
        TextEncoder chars = Vocabulary.tokenizer(Map.of("a", 1, "b", 2), Vocabulary.Split.CHARACTER, true, 0)
                .withPadding(Sequences.Side.POST, Sequences.Side.POST, 0);
        assertArrayEquals(new int[]{1, 0, 2, 0, 0}, chars.fit(chars.encode("AxB").ids(), 5));

        TextEncoder layer = new TextVectorizer(List.of("", "[UNK]", "good", "film"), "lower_and_strip_punctuation",
                "whitespace", -1);
        assertEquals(Sequences.Side.POST, layer.padding());
        assertEquals(0, layer.padId());
        TextBatch batch = TextBatch.encode(layer, List.of("A good film!"), 6);
        assertArrayEquals(new int[]{1, 2, 3, 0, 0, 0}, batch.sequences().get(0));
        assertArrayEquals(new String[]{"a", "good", "film", null, null, null}, batch.words().get(0));
        assertArrayEquals(new int[]{2}, layer.fit(layer.encode("good film").ids(), 1), "the first ids are kept");
        assertArrayEquals(new String[]{null, "[UNK]", "film"}, layer.words(new int[]{0, 1, 3}));
    }
}
