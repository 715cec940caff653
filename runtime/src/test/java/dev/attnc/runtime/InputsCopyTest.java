package dev.attnc.runtime;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** Copies into and out of an arena: dense layouts in one block (split across workers when large), strided ones by runs. */
class InputsCopyTest {
    private static float[] counting(int n) {
        float[] data = new float[n];
        for (int i = 0; i < n; i++) {
            data[i] = i * 0.5f + 1;
        }
        return data;
    }

    @Test
    void denseCopiesOfEverySizeLandWhereTheStridesSay() {
        // Below, at and far above the size at which the copy is split across the workers.
        for (int rows : new int[] {1, 3, 90, 700}) {
            int cols = 700;
            Tensor input = Tensor.floats(counting(rows * cols), rows, cols);
            float[] arena = new float[rows * cols + 20];
            Inputs.copy(input, arena, 7, cols, 1);
            for (int i = 0; i < rows * cols; i++) {
                assertEquals(input.floatData()[i], arena[7 + i], rows + " rows: element " + i);
            }
            assertEquals(0f, arena[6]);
            assertEquals(0f, arena[7 + rows * cols]);
            Tensor output = Inputs.output(arena, 7, new int[] {cols, 1}, rows, cols);
            assertArrayEquals(input.floatData(), output.floatData(), rows + " rows back out");
        }
    }

    @Test
    void stridedCopiesGoRowByRow() {
        int rows = 400;
        int cols = 300;
        Tensor input = Tensor.floats(counting(rows * cols), rows, cols);
        // Rows 310 floats apart: a padded layout, not one block.
        float[] arena = new float[rows * 310];
        Inputs.copy(input, arena, 0, 310, 1);
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < cols; c++) {
                assertEquals(input.floatData()[r * cols + c], arena[r * 310 + c], "row " + r + " col " + c);
            }
        }
        Tensor output = Inputs.output(arena, 0, new int[] {310, 1}, rows, cols);
        assertArrayEquals(input.floatData(), output.floatData());
        // Transposed: columns become rows.
        float[] transposed = new float[rows * cols];
        Inputs.copy(input, transposed, 0, 1, rows);
        assertEquals(input.floatData()[1 * cols + 2], transposed[2 * rows + 1]);
        assertArrayEquals(input.floatData(), Inputs.output(transposed, 0, new int[] {1, rows}, rows, cols).floatData());
    }
}
