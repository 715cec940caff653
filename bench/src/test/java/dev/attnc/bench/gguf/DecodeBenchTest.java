package dev.attnc.bench.gguf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.attnc.runtime.generate.TokenModel;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What DecodeBench relies on; no benchmark runs here. */
class DecodeBenchTest {
    @TempDir
    Path folder;

    /** TinyLlama's step, counted by hand from its sizes (d 2048, kv 256, FFN 5632, 22 layers, vocab 32000). */
    @Test
    void stepBytesCountEveryWeightOnceAndTheCache() {
        long perLayer = 2048L * 2048 + 2048L * 256 + 2048L * 256 + 2048L * 2048 + 3L * 2048 * 5632;
        assertEquals(44_040_192L, perLayer);
        long matrices = 22 * perLayer + 2048L * 32000;
        assertEquals(1_034_420_224L, matrices);
        long norms = 45L * 2048 * 4;
        // At 63 cached positions (the middle of tg128) the step reads 64 positions of K and V.
        long cache = 2L * 22 * 256 * 64 * 2;
        assertEquals(2 * matrices + 2 * 2048 + norms + cache,
                DecodeBench.stepBytes(RandomGguf.Shape.TINYLLAMA, GgufType.F16, 63, 2));
        assertEquals(matrices / 32 * 34 + 2048 / 32 * 34 + norms + cache,
                DecodeBench.stepBytes(RandomGguf.Shape.TINYLLAMA, GgufType.Q8_0, 63, 2));
    }

    @Test
    void aMissingFileIsNamedWithTheCommandThatWritesIt() {
        Path absent = folder.resolve("tinyllama-q8_0.gguf");
        AttncLlama.NotReady error = assertThrows(AttncLlama.NotReady.class, () -> AttncLlama.open(absent, 16));
        assertTrue(error.getMessage().contains(absent.toString()), error.getMessage());
        assertTrue(error.getMessage().contains("RandomGguf"), error.getMessage());
    }

    /**
     * The adapter the benchmark drives, on a small random file: a prompt then one step gives the
     * logits a longer prompt gives for its last token (the KV cache is reused correctly), and a
     * reset starts over. Skipped, saying what is missing, until attnc can run the sample on GGUF.
     */
    @Test
    void steppingAfterAPromptMatchesTheLongerPrompt() throws Exception {
        assumeTrue(AttncLlama.missing().isEmpty(), () -> "DecodeBench cannot run yet: " + AttncLlama.missing().orElse(""));
        Path file = folder.resolve("stories-f16.gguf");
        RandomGguf.write(file, RandomGguf.Shape.STORIES, GgufType.F16, 3);
        TokenModel model = AttncLlama.open(file, 64);
        assertEquals(512, model.vocabularySize());
        int[] tokens = DecodeBench.tokens(9, 512, 5);
        float[] whole = model.append(tokens);
        model.reset();
        model.append(Arrays.copyOf(tokens, 8));
        float[] stepped = model.append(new int[] {tokens[8]});
        double largest = 0;
        for (float value : whole) {
            assertTrue(Float.isFinite(value), "finite logits");
            largest = Math.max(largest, Math.abs(value));
        }
        assertTrue(largest > 0, "logits are not all zero");
        for (int i = 0; i < whole.length; i++) {
            // float32 sums in another order: relative to the largest logit.
            assertEquals(whole[i], stepped[i], 1e-4 * largest + 1e-6, "logit " + i);
        }
    }

    @Test
    void missingNamesWhatIsAbsent() {
        AttncLlama.missing().ifPresent(message -> assertTrue(
                message.contains(AttncLlama.SAMPLE) || message.contains(AttncLlama.READER), message));
    }
}
