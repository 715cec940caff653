package dev.attnc.runtime.generate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** Sampling checked against probabilities computed here in double from the definitions. */
class SamplerTest {
    private static final int DRAWS = 200_000;

    @Test
    void greedyTakesTheLargestLogitAndTheLowestIdOnTies() {
        assertEquals(2, Sampler.greedy().next(new float[] {0.5f, 1f, 3f, 3f, -2f}));
        assertEquals(1, Sampler.of(0, 0, 1, 9).next(new float[] {Float.NaN, 1f, 1f}));
        assertEquals(0, Sampler.argmax(new float[] {Float.NEGATIVE_INFINITY, Float.NEGATIVE_INFINITY}));
    }

    @Test
    void drawsFollowTheTemperedSoftmax() {
        float[] logits = randomLogits(6, 1);
        for (double temperature : new double[] {0.7, 1.0, 1.6}) {
            double[] expected = softmax(logits, temperature, 6);
            assertFrequencies(expected, counts(Sampler.of(temperature, 0, 1, 42), logits), "temperature " + temperature);
        }
    }

    @Test
    void topKKeepsTheKMostLikely() {
        float[] logits = {0.1f, 2.0f, -1.0f, 1.5f, 0.3f};
        // The two most likely are ids 1 and 3: renormalised over them.
        double[] expected = new double[5];
        double a = Math.exp(2.0);
        double b = Math.exp(1.5);
        expected[1] = a / (a + b);
        expected[3] = b / (a + b);
        assertFrequencies(expected, counts(Sampler.of(1, 2, 1, 7), logits), "top-k 2");
    }

    @Test
    void topPKeepsTheSmallestSetReachingP() {
        // Probabilities 0.5, 0.3, 0.15, 0.05 exactly (logits are their logs).
        float[] logits = {(float) Math.log(0.5), (float) Math.log(0.3), (float) Math.log(0.15), (float) Math.log(0.05)};
        long[] eighty = counts(Sampler.of(1, 0, 0.79, 3), logits);
        assertEquals(0, eighty[2] + eighty[3], "0.5 + 0.3 reaches 0.79: ids 2 and 3 are cut");
        assertFrequencies(new double[] {0.625, 0.375, 0, 0}, eighty, "top-p 0.79");
        long[] more = counts(Sampler.of(1, 0, 0.81, 3), logits);
        assertEquals(0, more[3], "0.5 + 0.3 + 0.15 reaches 0.81: id 3 is cut");
        assertTrue(more[2] > 0);
    }

    @Test
    void sameSeedSameDraws() {
        float[] logits = randomLogits(50, 5);
        Sampler first = Sampler.of(0.9, 40, 0.95, 123);
        Sampler second = Sampler.of(0.9, 40, 0.95, 123);
        for (int i = 0; i < 1000; i++) {
            assertEquals(first.next(logits), second.next(logits));
        }
    }

    @Test
    void badSettingsAreNamed() {
        assertEquals("temperature must be 0 (greedy) or above, not -1.0",
                assertThrows(IllegalArgumentException.class, () -> Sampler.of(-1, 0, 1, 0)).getMessage());
        assertEquals("temperature must be 0 (greedy) or above, not NaN",
                assertThrows(IllegalArgumentException.class, () -> Sampler.of(Double.NaN, 0, 1, 0)).getMessage());
        assertEquals("top-k must be 0 (all tokens) or above, not -3",
                assertThrows(IllegalArgumentException.class, () -> Sampler.of(1, -3, 1, 0)).getMessage());
        assertEquals("top-p must be above 0 and at most 1, not 1.5",
                assertThrows(IllegalArgumentException.class, () -> Sampler.of(1, 0, 1.5, 0)).getMessage());
    }

    private static long[] counts(Sampler sampler, float[] logits) {
        long[] counts = new long[logits.length];
        for (int i = 0; i < DRAWS; i++) {
            counts[sampler.next(logits)]++;
        }
        return counts;
    }

    /** Each frequency within 5 standard deviations of its binomial expectation (false alarm odds below 1e-5). */
    private static void assertFrequencies(double[] expected, long[] counts, String what) {
        for (int i = 0; i < expected.length; i++) {
            double mean = expected[i] * DRAWS;
            double sigma = Math.sqrt(DRAWS * expected[i] * (1 - expected[i]));
            assertEquals(mean, counts[i], 5 * sigma + 1e-9, what + ", token " + i);
        }
    }

    private static double[] softmax(float[] logits, double temperature, int n) {
        double[] p = new double[n];
        double sum = 0;
        for (int i = 0; i < n; i++) {
            p[i] = Math.exp(logits[i] / temperature);
            sum += p[i];
        }
        for (int i = 0; i < n; i++) {
            p[i] /= sum;
        }
        return p;
    }

    private static float[] randomLogits(int n, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        float[] logits = new float[n];
        for (int i = 0; i < n; i++) {
            logits[i] = (float) (random.nextDouble() * 4 - 2);
        }
        return logits;
    }
}
