package dev.attnc.runtime.kernels;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.attnc.runtime.TableIndexException;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The kernels behind reductions, {@code where}, powers, comparisons and whole-number
 * arithmetic, on strided views, against float64 references written here. Sums and means of
 * float32 inputs within 1e-6 relative; max, min, where and whole numbers exactly.
 */
class TensorMathKernelsTest {
    private static final SplittableRandom RANDOM = new SplittableRandom(7);

    @Test
    void maskedMeanMaxAndSumOverTheRowsOfATransposedView() {
        // in is [cols = 5][rows = 11] in memory; the view reduces its 11 "rows" (step 1) per column (stride 11).
        int count = 11;
        int cols = 5;
        float[] in = new float[count * cols + 3];
        for (int i = 0; i < in.length; i++) {
            in[i] = (float) RANDOM.nextDouble(-3, 3);
        }
        int[] mask = new int[2 * count];
        for (int k = 0; k < count; k++) {
            mask[2 * k] = k % 3 == 1 ? 0 : 1; // every other int: a mask read with step 2
        }
        for (ReduceOp op : ReduceOp.values()) {
            float[] out = new float[cols];
            Kernels.reduce(op, 1, cols, count, in, 3, 0, count, 1, mask, 0, 2, out, 0, 0, 1);
            for (int c = 0; c < cols; c++) {
                double sum = 0;
                double best = op == ReduceOp.MAX ? Double.NEGATIVE_INFINITY : Double.POSITIVE_INFINITY;
                int seen = 0;
                for (int k = 0; k < count; k++) {
                    if (mask[2 * k] == 0) {
                        continue;
                    }
                    double x = in[3 + c * count + k];
                    sum += x;
                    best = op == ReduceOp.MAX ? Math.max(best, x) : Math.min(best, x);
                    seen++;
                }
                double want = switch (op) {
                    case SUM -> sum;
                    case MEAN -> sum / seen;
                    case MAX, MIN -> best;
                };
                assertEquals(want, out[c], 1e-6 * Math.max(1, Math.abs(want)), op + " of column " + c);
            }
        }
    }

    @Test
    void aReductionOverNoPositionIsZero() {
        float[] in = {1, 2, 3};
        for (ReduceOp op : ReduceOp.values()) {
            float[] out = {Float.NaN};
            Kernels.reduce(op, 1, 1, 3, in, 0, 0, 0, 1, new int[3], 0, 1, out, 0, 0, 0);
            assertEquals(0f, out[0], op.toString());
        }
    }

    @Test
    void whereTakesTensorsOrNumbers() {
        float[] cond = {1, 0, 0, 1};
        float[] a = {10, 11, 12, 13};
        float[] b = {20, 21, 22, 23};
        float[] out = new float[4];
        Kernels.where(2, 2, cond, 0, 2, 1, a, 0, 2, 1, 0, b, 0, 2, 1, 0, out, 0, 2, 1);
        assertArrayEquals(new float[] {10, 21, 22, 13}, out);
        Kernels.where(2, 2, cond, 0, 2, 1, null, 0, 0, 0, -1, b, 0, 0, 1, 0, out, 0, 2, 1); // b broadcast along rows
        assertArrayEquals(new float[] {-1, 21, 20, -1}, out);
    }

    @Test
    void powersMinMaxAndComparisons() {
        assertEquals(2.25f, BinaryOp.POW.apply(-1.5f, 2));
        assertEquals((float) Math.pow(2.5, 0.5), BinaryOp.POW.apply(2.5f, 0.5f));
        assertEquals(-1f, BinaryOp.MIN.apply(-1f, 3f));
        assertEquals(3f, BinaryOp.MAX.apply(-1f, 3f));
        assertEquals(1f, BinaryOp.LT.apply(1f, 2f));
        assertEquals(0f, BinaryOp.LT.apply(2f, 2f));
        assertEquals(1f, BinaryOp.LE.apply(2f, 2f));
        assertEquals(0f, BinaryOp.NE.apply(2f, 2f));
        assertEquals(-3, BinaryOp.MIN.apply(-3, 2));
    }

    @Test
    void wholeNumbersShiftAndScalePositions() {
        int[] positions = new int[6];
        Kernels.arange(6, 0, positions, 0);
        int[] out = new int[6];
        Kernels.scalar(BinaryOp.ADD, 2, false, 1, 6, positions, 0, 0, 1, out, 0, 0, 1);
        assertArrayEquals(new int[] {2, 3, 4, 5, 6, 7}, out);
        Kernels.scalar(BinaryOp.SUB, 10, true, 1, 6, positions, 0, 0, 1, out, 0, 0, 1);
        assertArrayEquals(new int[] {10, 9, 8, 7, 6, 5}, out);
        Kernels.binary(BinaryOp.MUL, 1, 6, positions, 0, 0, 1, positions, 0, 0, 1, out, 0, 0, 1);
        assertArrayEquals(new int[] {0, 1, 4, 9, 16, 25}, out);
    }

    @Test
    void computedIdsOutsideTheirTableNameTheLookup() {
        int[] ids = {0, 3, 4};
        TableIndexException.checkIds(ids, 0, 1, 2, 4, "pos(arange(T) + 2)", "embedding at m.attn:3:7");
        TableIndexException e = assertThrows(TableIndexException.class,
                () -> TableIndexException.checkIds(ids, 0, 1, 3, 4, "pos(ids + 2)", "embedding at m.attn:3:7"));
        assertEquals("pos(ids + 2): id 4 at position 2 is outside [0, 4), the rows of the table (embedding at m.attn:3:7)", e.getMessage());
    }
}
