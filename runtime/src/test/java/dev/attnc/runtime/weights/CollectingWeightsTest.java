package dev.attnc.runtime.weights;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.attnc.runtime.Tensor;
import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A broken checkpoint reports every missing and mismatched tensor at once, capped with a count. */
class CollectingWeightsTest {
    @TempDir
    Path dir;

    private Path checkpoint(int layers) {
        SplittableRandom random = new SplittableRandom(9);
        Map<String, Tensor> tensors = new LinkedHashMap<>();
        for (int layer = 0; layer < layers; layer++) {
            float[] w = new float[4 * 2];
            for (int i = 0; i < w.length; i++) {
                w[i] = (float) random.nextGaussian();
            }
            tensors.put("h." + layer + ".w", Tensor.floats(w, 4, 2));
        }
        Path file = dir.resolve("c.safetensors");
        Safetensors.write(file, tensors);
        return file;
    }

    @Test
    void everyMissingAndMismatchedTensorInOneReport() throws IOException {
        try (CollectingWeights weights = new CollectingWeights(Safetensors.open(checkpoint(2)))) {
            float[] good = weights.floats("h.0.w", new int[] {4, 2}, Init.LINEAR);
            assertEquals(8, good.length);
            assertArrayEquals(new float[3], weights.floats("h.0.b", new int[] {3}, Init.BIAS), "missing: zeros of the shape");
            weights.floats("h.1.w", new int[] {2, 4}, Init.LINEAR);
            weights.floats("h.1.b", new int[] {3}, Init.BIAS);
            WeightException report = assertThrows(WeightException.class, () -> weights.throwIfProblems("model M"));
            assertEquals("""
                    c.safetensors does not fit model M: 2 of the 4 tensors it reads are missing, 1 has another shape or cannot be read
                      h.0.b: not found in c.safetensors (did you mean "h.0.w"?)
                      h.1.w: expected [2, 4], found [4, 2] in c.safetensors
                      h.1.b: not found in c.safetensors (did you mean "h.1.w"?)""", report.getMessage());
        }
    }

    @Test
    void aLongReportShowsTwentyLinesAndCountsTheRest() throws IOException {
        try (CollectingWeights weights = new CollectingWeights(Safetensors.open(checkpoint(1)))) {
            for (int layer = 0; layer < 30; layer++) {
                weights.floats("blocks." + layer + ".w", new int[] {4, 2}, Init.LINEAR);
            }
            String message = assertThrows(WeightException.class, () -> weights.throwIfProblems("model M")).getMessage();
            String[] lines = message.split("\n");
            assertEquals(1 + CollectingWeights.SHOWN + 1, lines.length, message);
            assertEquals("c.safetensors does not fit model M: 30 of the 30 tensors it reads are missing", lines[0]);
            assertEquals("  blocks.0.w: not found in c.safetensors", lines[1]);
            assertEquals("  and 10 more", lines[lines.length - 1]);
        }
    }

    @Test
    void oneProblemIsTheSourcesOwnMessage() throws IOException {
        try (CollectingWeights weights = new CollectingWeights(Safetensors.open(checkpoint(1)))) {
            weights.floats("h.0.w", new int[] {2, 4}, Init.LINEAR);
            assertEquals("h.0.w: expected [2, 4], found [4, 2] in c.safetensors",
                    assertThrows(WeightException.class, () -> weights.throwIfProblems("model M")).getMessage());
        }
    }

    @Test
    void aGoodCheckpointReportsNothing() throws IOException {
        try (CollectingWeights weights = new CollectingWeights(Safetensors.open(checkpoint(1)))) {
            weights.floats("h.0.w", new int[] {4, 2}, Init.LINEAR);
            assertDoesNotThrow(() -> weights.throwIfProblems("model M"));
        }
    }
}
