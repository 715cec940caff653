package dev.attnc.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.IntSummaryStatistics;
import org.junit.jupiter.api.Test;

/** The MiniLM batch benchmark's inputs and its setup, which checks attnc's packed batch against ONNX Runtime's padded one. */
class MiniLmBatchBenchTest {

    @Test
    void theBatchHoldsSixtyFourSentencesOfEightTo128Tokens() {
        int[][] sentences = MiniLmBatchBench.sentences(16);
        IntSummaryStatistics lengths = Arrays.stream(sentences).mapToInt(s -> s.length).summaryStatistics();
        assertEquals(64, sentences.length);
        assertTrue(lengths.getMin() >= 8 && lengths.getMax() == 128, lengths.toString());
        assertTrue(lengths.getMax() - lengths.getMin() > 100, "mixed lengths: " + lengths);
    }

    @Test
    void setUpFindsBothEnginesAgreeOnTheBatch() throws Exception {
        MiniLmBatchBench.Batch batch = new MiniLmBatchBench.Batch();
        batch.setUp(); // throws when attnc's packed outputs and ORT's padded ones differ by more than 1e-3
        try {
            assertEquals(64, new MiniLmBatchBench().attncBatched(batch).size());
        } finally {
            batch.tearDown();
        }
    }
}
