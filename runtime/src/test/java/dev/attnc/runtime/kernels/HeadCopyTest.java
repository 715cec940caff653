package dev.attnc.runtime.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The per-worker copy of a head's keys and values: what it holds after each kind of call. */
class HeadCopyTest {
    private static final int HEADS = 3;
    private static final int WIDTH = 5;
    private static final int ROW = HEADS * WIDTH + 2; // rows of keys and values apart in the source

    private final SplittableRandom random = new SplittableRandom(5);

    private float[] source(int keys) {
        float[] s = new float[keys * ROW];
        for (int i = 0; i < s.length; i++) {
            s[i] = (float) random.nextDouble();
        }
        return s;
    }

    private static void assertHolds(HeadCopy copy, float[] keys, float[] values, int head, int upTo) {
        for (int j = 0; j < upTo; j++) {
            for (int d = 0; d < WIDTH; d++) {
                assertEquals(keys[j * ROW + head * WIDTH + d], copy.keys()[j * WIDTH + d], "key " + j + "," + d);
                assertEquals(values[j * ROW + head * WIDTH + d], copy.values()[j * WIDTH + d], "value " + j + "," + d);
            }
        }
    }

    @Test
    void copiesAsFarAsTheTilesReachAndFollowsTheHead() {
        float[] keys = source(300);
        float[] values = source(300);
        HeadCopy copy = new HeadCopy();
        copy.forget();
        assertTrue(copy.cover(64, 64, keys, 0, ROW, WIDTH, values, 0, ROW, WIDTH));
        assertHolds(copy, keys, values, 0, 64);
        // A later tile reaches further: the copy grows, keeping what it holds.
        assertTrue(copy.cover(64, 300, keys, 0, ROW, WIDTH, values, 0, ROW, WIDTH));
        assertHolds(copy, keys, values, 0, 300);
        // The next head replaces it.
        assertTrue(copy.cover(64, 200, keys, WIDTH, ROW, WIDTH, values, WIDTH, ROW, WIDTH));
        assertHolds(copy, keys, values, 1, 200);
    }

    @Test
    void aShortTileReadsInPlace() {
        float[] keys = source(40);
        HeadCopy copy = new HeadCopy();
        assertFalse(copy.cover(HeadCopy.MIN_QUERIES - 1, 40, keys, 0, ROW, WIDTH, keys, 0, ROW, WIDTH));
        assertTrue(copy.cover(HeadCopy.MIN_QUERIES, 40, keys, 0, ROW, WIDTH, keys, 0, ROW, WIDTH));
    }

    @Test
    void forgetMakesTheNextCallCopyNewValues() {
        float[] keys = source(100);
        float[] values = source(100);
        HeadCopy copy = new HeadCopy();
        copy.cover(64, 100, keys, 2 * WIDTH, ROW, WIDTH, values, 2 * WIDTH, ROW, WIDTH);
        // The next call of the model: same arrays and offsets, new contents.
        for (int i = 0; i < keys.length; i++) {
            keys[i] += 1;
            values[i] -= 1;
        }
        copy.forget();
        copy.cover(64, 100, keys, 2 * WIDTH, ROW, WIDTH, values, 2 * WIDTH, ROW, WIDTH);
        assertHolds(copy, keys, values, 2, 100);
    }

    @Test
    void wideHeadsAreCopiedWholeWhateverTheRowCount() {
        // Heads of 64 floats take the SIMD path (whole vectors, four rows at a time); 61 and then
        // 131 rows leave partial groups of four at both ends of the second copy.
        int width = 64;
        int row = 3 * width + 7;
        float[] keys = new float[140 * row];
        float[] values = new float[140 * row];
        for (int i = 0; i < keys.length; i++) {
            keys[i] = (float) random.nextDouble();
            values[i] = (float) -random.nextDouble();
        }
        HeadCopy copy = new HeadCopy();
        for (int upTo : new int[] {61, 131}) {
            assertTrue(copy.cover(64, upTo, keys, 2 * width, row, width, values, 2 * width, row, width));
            for (int j = 0; j < upTo; j++) {
                for (int d = 0; d < width; d++) {
                    assertEquals(keys[j * row + 2 * width + d], copy.keys()[j * width + d], "key " + j + "," + d);
                    assertEquals(values[j * row + 2 * width + d], copy.values()[j * width + d], "value " + j + "," + d);
                }
            }
        }
    }
}
