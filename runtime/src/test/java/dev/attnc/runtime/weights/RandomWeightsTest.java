package dev.attnc.runtime.weights;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class RandomWeightsTest {

    private static final int[] LINEAR = {64, 256};

    @Test
    void sameSeedSameValuesWhateverTheOrder() {
        RandomWeights first = new RandomWeights(42);
        float[] a1 = first.floats("a", LINEAR, Init.LINEAR);
        float[] b1 = first.floats("b", new int[] {100, 32}, Init.EMBEDDING);

        RandomWeights second = new RandomWeights(42);
        float[] b2 = second.floats("b", new int[] {100, 32}, Init.EMBEDDING);
        second.floats("unrelated", new int[] {7}, Init.BIAS);
        float[] a2 = second.floats("a", LINEAR, Init.LINEAR);

        assertArrayEquals(a1, a2);
        assertArrayEquals(b1, b2);
        assertArrayEquals(a1, first.floats("a", LINEAR, Init.LINEAR), "asking again gives the same values");
    }

    /** Pins the values, so a change of algorithm (which would change every model's random run) is seen. */
    @Test
    void valuesArePinned() {
        float[] v = new RandomWeights(42).floats("h.0.attn.c_attn.weight", new int[] {2, 4}, Init.LINEAR);
        assertEquals(PINNED, Arrays.toString(v));
    }

    private static final String PINNED =
            "[-0.18915154, -0.019473813, 0.16923825, -0.3728261, 0.433755, -0.02292677, 0.04726209, 0.2443607]";

    @Test
    void normalValuesArePinned() {
        float[] v = new RandomWeights(42).floats("wte.weight", new int[] {1, 5}, Init.EMBEDDING);
        assertEquals(PINNED_NORMAL, Arrays.toString(v));
    }

    private static final String PINNED_NORMAL = "[-0.28140175, -0.25698987, -0.18099421, 0.7300976, 0.5646015]";

    @Test
    void differentNamesAndSeedsDiffer() {
        RandomWeights r = new RandomWeights(42);
        float[] a = r.floats("a", LINEAR, Init.LINEAR);
        assertFalse(Arrays.equals(a, r.floats("b", LINEAR, Init.LINEAR)));
        assertFalse(Arrays.equals(a, new RandomWeights(43).floats("a", LINEAR, Init.LINEAR)));
        // "Aa" and "BB" have the same String.hashCode: the stream must not depend on it alone.
        assertEquals("Aa".hashCode(), "BB".hashCode());
        assertFalse(Arrays.equals(r.floats("Aa", LINEAR, Init.LINEAR), r.floats("BB", LINEAR, Init.LINEAR)));
    }

    private static double mean(float[] v) {
        double s = 0;
        for (float x : v) {
            s += x;
        }
        return s / v.length;
    }

    private static double std(float[] v) {
        double m = mean(v);
        double s = 0;
        for (float x : v) {
            s += (x - m) * (x - m);
        }
        return Math.sqrt(s / v.length);
    }

    private static float maxAbs(float[] v, double center) {
        float max = 0;
        for (float x : v) {
            max = (float) Math.max(max, Math.abs(x - center));
        }
        return max;
    }

    private static long distinct(float[] v) {
        return Arrays.stream(box(v)).distinct().count();
    }

    private static Float[] box(float[] v) {
        Float[] out = new Float[v.length];
        for (int i = 0; i < v.length; i++) {
            out[i] = v[i];
        }
        return out;
    }

    @Test
    void linearIsUniformWithinTheFanInBound() {
        float[] v = new RandomWeights(1).floats("w", LINEAR, Init.LINEAR);
        double bound = 1 / Math.sqrt(256);
        assertTrue(maxAbs(v, 0) <= bound, "within ±1/sqrt(in)");
        assertTrue(maxAbs(v, 0) > 0.95 * bound, "and reaching near it");
        assertEquals(0, mean(v), 0.01 * bound);
        assertEquals(bound / Math.sqrt(3), std(v), 0.03 * bound / Math.sqrt(3)); // uniform's std
        assertTrue(distinct(v) > v.length * 0.99, "not degenerate");
    }

    @Test
    void tensorUsesTheLastDimLikeLinear() {
        float[] v = new RandomWeights(1).floats("t", new int[] {3, 5, 16}, Init.TENSOR);
        assertTrue(maxAbs(v, 0) <= 0.25f);
        assertTrue(maxAbs(v, 0) > 0.2f);
    }

    @Test
    void embeddingIsNormalScaledByTheLastDim() {
        float[] v = new RandomWeights(1).floats("wte", new int[] {200, 64}, Init.EMBEDDING);
        assertEquals(0, mean(v), 0.01);
        assertEquals(1 / Math.sqrt(64), std(v), 0.03 / Math.sqrt(64));
        assertTrue(maxAbs(v, 0) > 2.5 / Math.sqrt(64), "has normal tails");
    }

    @Test
    void normScaleIsAroundOne() {
        float[] v = new RandomWeights(1).floats("ln.weight", new int[] {768}, Init.NORM_SCALE);
        assertTrue(maxAbs(v, 1) <= 0.1f + 1e-6f);
        assertEquals(1, mean(v), 0.01);
        assertTrue(distinct(v) > 700);
    }

    @Test
    void biasIsSmallButNotZero() {
        float[] v = new RandomWeights(1).floats("ln.bias", new int[] {768}, Init.BIAS);
        assertTrue(maxAbs(v, 0) <= 0.1f);
        assertTrue(maxAbs(v, 0) > 0.09f);
        assertEquals(0, mean(v), 0.01);
    }

    @Test
    void scalarAndEmptyShapes() {
        RandomWeights r = new RandomWeights(5);
        float[] scalar = r.floats("s", new int[0], Init.TENSOR);
        assertEquals(1, scalar.length);
        assertTrue(scalar[0] != 0 && Math.abs(scalar[0]) <= 1);
        assertEquals(0, r.floats("e", new int[] {0, 8}, Init.LINEAR).length);
        assertEquals(0, r.floats("e0", new int[] {8, 0}, Init.LINEAR).length);
    }

    @Test
    void everyNameIsThereAndHandedOutNamesAreListed() {
        RandomWeights r = new RandomWeights(42);
        assertTrue(r.contains("anything.at.all"));
        assertEquals("random weights (seed 42)", r.description());
        r.floats("b", new int[] {2}, Init.BIAS);
        r.floats("a", new int[] {2}, Init.BIAS);
        r.floats("b", new int[] {2}, Init.BIAS);
        assertEquals(List.of("b", "a"), List.copyOf(r.names()));
        r.close();
    }

    @Test
    void aNameKeepsItsShape() {
        RandomWeights r = new RandomWeights(42);
        r.floats("w", new int[] {2, 3}, Init.LINEAR);
        WeightException e = assertThrows(WeightException.class, () -> r.floats("w", new int[] {3, 2}, Init.LINEAR));
        assertEquals("w: asked for as [3, 2], but earlier as [2, 3] from random weights (seed 42)", e.getMessage());
    }

    @Test
    void negativeDimIsRejected() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new RandomWeights(0).floats("w", new int[] {2, -1}, Init.LINEAR));
        assertEquals("w: shape [2, -1] has a negative dim", e.getMessage());
    }
}
