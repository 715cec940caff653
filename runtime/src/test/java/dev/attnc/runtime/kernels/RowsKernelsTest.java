package dev.attnc.runtime.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The {@link Kernels} overloads over named rows, as generated models call them, on views laid
 * out as the arena lays out values: parts of one wider value (a split's q, k, v: rows 3 * width
 * apart), and views that share memory. Each result against a float64 reference written here:
 * sums of two floats exactly, dot products and norms within 1e-5 relative; and nothing outside
 * the output's rows is written.
 */
class RowsKernelsTest {
    private static final SplittableRandom RANDOM = new SplittableRandom(11);
    private static final float UNTOUCHED = -777f;

    private static float[] random(int n) {
        float[] values = new float[n];
        for (int i = 0; i < n; i++) {
            values[i] = (float) RANDOM.nextDouble(-2, 2);
        }
        return values;
    }

    /** An arena of sentinels: whatever a kernel does not write keeps its mark. */
    private static float[] sentinels(int n) {
        float[] values = new float[n];
        java.util.Arrays.fill(values, UNTOUCHED);
        return values;
    }

    @Test
    void addReadsTwoPartsOfASplitAndWritesOnlyItsOwnRows() {
        int rows = 5;
        int width = 6;
        float[] qkv = random(7 + rows * 3 * width);
        Rows q = new Rows(qkv, 7, 3 * width, width);
        Rows k = new Rows(qkv, q.at() + width, 3 * width, width);
        float[] arena = sentinels(3 + rows * 2 * width);
        Rows out = new Rows(arena, 3, 2 * width, width); // every other row-sized gap stays untouched

        Kernels.add(rows, q, k, out);

        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < width; c++) {
                double want = (double) qkv[7 + r * 3 * width + c] + qkv[7 + r * 3 * width + width + c];
                assertEquals((float) want, arena[3 + r * 2 * width + c], "row " + r + ", column " + c);
                assertEquals(UNTOUCHED, arena[3 + r * 2 * width + width + c], "gap after row " + r);
            }
        }
        assertEquals(UNTOUCHED, arena[2]);
    }

    @Test
    void subMulDivAndSwigluMatchTheirFormulas() {
        int rows = 3;
        int width = 5;
        float[] arena = random(3 * rows * width);
        Rows a = new Rows(arena, 0, width, width);
        Rows b = new Rows(arena, rows * width, width, width);
        for (String op : new String[] {"sub", "mul", "div", "swiglu"}) {
            float[] outArray = sentinels(rows * width);
            Rows out = new Rows(outArray, 0, width, width);
            switch (op) {
                case "sub" -> Kernels.sub(rows, a, b, out);
                case "mul" -> Kernels.mul(rows, a, b, out);
                case "div" -> Kernels.div(rows, a, b, out);
                default -> Kernels.swiglu(rows, a, b, out);
            }
            for (int i = 0; i < rows * width; i++) {
                double x = arena[i];
                double y = arena[rows * width + i];
                double want = switch (op) {
                    case "sub" -> x - y;
                    case "mul" -> x * y;
                    case "div" -> x / y;
                    default -> x / (1 + Math.exp(-x)) * y;
                };
                assertEquals(want, outArray[i], 1e-6 * Math.max(1, Math.abs(want)), op + " at " + i);
            }
        }
    }

    @Test
    void anOutputMayBeAnInput() {
        // x = x + y written over x: views of the same region, as the arena reuses memory.
        int rows = 4;
        int width = 3;
        float[] arena = random(2 * rows * width);
        float[] before = arena.clone();
        Rows x = new Rows(arena, 0, width, width);
        Rows y = new Rows(arena, rows * width, width, width);
        Kernels.add(rows, x, y, x);
        for (int i = 0; i < rows * width; i++) {
            assertEquals((float) ((double) before[i] + before[rows * width + i]), arena[i], "element " + i);
        }
    }

    @Test
    void linearOverStridedRowsAgainstFloat64() {
        int rows = 3;
        int in = 7;
        int out = 5;
        float[] weight = random(out * in);
        float[] bias = random(out);
        float[] source = random(2 + rows * 10);
        Rows x = new Rows(source, 2, 10, in); // 3 columns between rows belong to something else
        float[] target = sentinels(rows * 8);
        Rows y = new Rows(target, 1, 8, out);

        Kernels.linear(rows, x, Kernels.dense(weight, out, in), bias, Activation.NONE, y);

        for (int r = 0; r < rows; r++) {
            for (int o = 0; o < out; o++) {
                double want = bias[o];
                for (int i = 0; i < in; i++) {
                    want += (double) source[2 + r * 10 + i] * weight[o * in + i];
                }
                assertEquals(want, target[1 + r * 8 + o], 1e-5 * Math.max(1, Math.abs(want)), "row " + r + ", output " + o);
            }
            assertEquals(UNTOUCHED, target[r * 8], "before row " + r);
            assertEquals(UNTOUCHED, target[1 + r * 8 + out], "after row " + r);
        }
    }

    @Test
    void linearRefusesAWeightOfOtherWidthsThanItsRows() {
        Rows x = new Rows(new float[12], 0, 4, 4);
        Rows y = new Rows(new float[9], 0, 3, 3);
        IllegalArgumentException error = assertThrows(IllegalArgumentException.class,
                () -> Kernels.linear(3, x, Kernels.dense(new float[15], 3, 5), null, Activation.NONE, y));
        assertEquals("a [3, 5] weight used as [3, 4]", error.getMessage());
    }

    @Test
    void layerNormAndRmsNormOfEachRow() {
        int rows = 4;
        int width = 9;
        float[] arena = random(rows * 12);
        float[] weight = random(width);
        float[] bias = random(width);
        Rows x = new Rows(arena, 0, 12, width);
        float[] layer = sentinels(rows * width);
        float[] rms = sentinels(rows * width);
        Kernels.layerNorm(rows, x, weight, bias, 1e-5f, new Rows(layer, 0, width, width));
        Kernels.rmsNorm(rows, x, weight, 1f, 1e-6f, new Rows(rms, 0, width, width));
        for (int r = 0; r < rows; r++) {
            double mean = 0;
            double squares = 0;
            for (int c = 0; c < width; c++) {
                mean += arena[r * 12 + c];
                squares += (double) arena[r * 12 + c] * arena[r * 12 + c];
            }
            mean /= width;
            double variance = 0;
            for (int c = 0; c < width; c++) {
                variance += (arena[r * 12 + c] - mean) * (arena[r * 12 + c] - mean);
            }
            variance /= width;
            for (int c = 0; c < width; c++) {
                double value = arena[r * 12 + c];
                double wantLayer = (value - mean) / Math.sqrt(variance + 1e-5) * weight[c] + bias[c];
                double wantRms = value / Math.sqrt(squares / width + 1e-6) * (weight[c] + 1);
                assertEquals(wantLayer, layer[r * width + c], 1e-5 * Math.max(1, Math.abs(wantLayer)), "layerNorm " + r + ", " + c);
                assertEquals(wantRms, rms[r * width + c], 1e-5 * Math.max(1, Math.abs(wantRms)), "rmsNorm " + r + ", " + c);
            }
        }
    }

    @Test
    void embeddingAndArangeThroughIntRows() {
        int rows = 4;
        int width = 3;
        float[] table = random(10 * width);
        int[] ints = new int[2 * rows];
        IntRows positions = new IntRows(ints, 1, 2); // every other int
        Kernels.arange(2, 5, positions);
        Kernels.arange(2, 0, positions.from(2)); // a second sequence from its own position 0
        float[] arena = sentinels(rows * width);
        Kernels.embedding(rows, positions, table, new Rows(arena, 0, width, width));
        int[] want = {5, 6, 0, 1};
        for (int r = 0; r < rows; r++) {
            assertEquals(want[r], ints[1 + 2 * r], "position of row " + r);
            for (int c = 0; c < width; c++) {
                assertEquals(table[want[r] * width + c], arena[r * width + c], "row " + r + ", column " + c);
            }
        }
    }

    @Test
    void ropeRotatesEachHeadsPairsByItsRowsPosition() {
        int rows = 3;
        int heads = 2;
        int headDim = 4;
        int width = heads * headDim;
        double[] frequencies = Positions.ropeFrequencies(headDim, 10000.0);
        float[] arena = random(2 * rows * width);
        Rows in = new Rows(arena, 0, 2 * width, width); // rows of a value twice as wide
        float[] target = sentinels(rows * width);
        Kernels.rope(rows, heads, false, frequencies, 7, in, new Rows(target, 0, width, width));
        for (int r = 0; r < rows; r++) {
            for (int h = 0; h < heads; h++) {
                for (int k = 0; k < headDim / 2; k++) {
                    double angle = (7 + r) * frequencies[k];
                    double a = arena[r * 2 * width + h * headDim + k];
                    double b = arena[r * 2 * width + h * headDim + k + headDim / 2];
                    assertEquals(a * Math.cos(angle) - b * Math.sin(angle), target[r * width + h * headDim + k], 1e-5);
                    assertEquals(a * Math.sin(angle) + b * Math.cos(angle), target[r * width + h * headDim + k + headDim / 2], 1e-5);
                }
            }
        }
    }

    @Test
    void aViewFromARowStartsThere() {
        Rows rows = new Rows(new float[1], 5, 12, 4);
        assertEquals(5 + 3 * 12, rows.at(3));
        assertEquals(rows.at(3), rows.from(3).at());
        assertEquals(rows.at(4), rows.from(3).at(1));
        IntRows ids = new IntRows(new int[1], 2, 3);
        assertEquals(2 + 2 * 3, ids.from(2).at(0));
    }
}
