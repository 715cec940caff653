package dev.attnc.bench;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

/** The one-sentence MiniLM benchmark's inputs, and its setup, which checks attnc against ONNX Runtime on them. */
class MiniLmBenchTest {

    @Test
    void aSentenceIsClsWordsSepAndTheSameForTheSameSeed() {
        int[] ids = MiniLmBench.sentence(8, 17);
        assertEquals(8, ids.length);
        assertEquals(101, ids[0]);
        assertEquals(102, ids[7]);
        for (int i = 1; i < 7; i++) {
            assertEquals(true, ids[i] >= 1996 && ids[i] < 1996 + 28000, "word piece " + ids[i]);
        }
        assertArrayEquals(ids, MiniLmBench.sentence(8, 17));
        assertThrows(IllegalArgumentException.class, () -> MiniLmBench.sentence(1, 17));
    }

    @Test
    void setUpFindsBothEnginesAgreeAtEightTokens() throws Exception {
        MiniLmBench.Sentence sentence = new MiniLmBench.Sentence();
        sentence.tokens = 8;
        sentence.setUp(); // throws when attnc's and ORT's last hidden states differ by more than 1e-3
        try {
            assertEquals(8 * 384, new MiniLmBench().attnc(sentence).get("x").floatData().length);
        } finally {
            sentence.tearDown();
        }
    }
}
