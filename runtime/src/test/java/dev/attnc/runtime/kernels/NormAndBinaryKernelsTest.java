package dev.attnc.runtime.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * {@link Kernels#layerNorm}, {@link Kernels#rmsNorm} and {@link Kernels#binary}, which run in
 * SIMD lanes when the Vector API is on, against float64 references written here from their
 * definitions: widths that are not a multiple of any vector, rows apart in memory, outputs
 * written in place, rows with a large common offset (where summing in float would lose the
 * differences), and enough rows for the work to be split between threads.
 */
class NormAndBinaryKernelsTest {
    private static final int[] WIDTHS = {1, 7, 37, 384, 1000};

    @Test
    void layerNormMatchesFloat64() {
        SplittableRandom random = new SplittableRandom(41);
        for (int width : WIDTHS) {
            for (double offset : new double[] {0, 1e4}) {
                int rows = width < 100 ? 300 : 90;
                int stride = width + 3;
                float[] x = new float[rows * stride];
                for (int i = 0; i < x.length; i++) {
                    // With an offset of 1e4 the spread is 1e-2: float sums of such a row lose it.
                    x[i] = (float) (offset + random.nextGaussian() * (offset == 0 ? 1 : 1e-2));
                }
                float[] weight = values(random, width);
                float[] bias = values(random, width);
                float[] out = new float[rows * width];
                float eps = 1e-12f;
                Kernels.layerNorm(rows, width, x, 0, stride, weight, bias, eps, out, 0, width);
                for (int r = 0; r < rows; r++) {
                    double mean = 0;
                    for (int c = 0; c < width; c++) {
                        mean += x[r * stride + c];
                    }
                    mean /= width;
                    double variance = 0;
                    for (int c = 0; c < width; c++) {
                        variance += Math.pow(x[r * stride + c] - mean, 2);
                    }
                    variance /= width;
                    for (int c = 0; c < width; c++) {
                        double want = (x[r * stride + c] - mean) / Math.sqrt(variance + eps) * weight[c] + bias[c];
                        assertEquals(want, out[r * width + c], 2e-6 * (1 + Math.abs(want)),
                                "layerNorm width " + width + ", offset " + offset + ", row " + r + ", column " + c);
                    }
                }
            }
        }
    }

    @Test
    void layerNormInPlaceAndWithoutBias() {
        SplittableRandom random = new SplittableRandom(42);
        int rows = 5;
        int width = 384;
        float[] x = values(random, rows * width);
        float[] original = x.clone();
        float[] weight = values(random, width);
        Kernels.layerNorm(rows, width, x, 0, width, weight, null, 1e-5f, x, 0, width);
        for (int r = 0; r < rows; r++) {
            double mean = 0;
            for (int c = 0; c < width; c++) {
                mean += original[r * width + c];
            }
            mean /= width;
            double variance = 0;
            for (int c = 0; c < width; c++) {
                variance += Math.pow(original[r * width + c] - mean, 2);
            }
            variance /= width;
            for (int c = 0; c < width; c++) {
                double want = (original[r * width + c] - mean) / Math.sqrt(variance + 1e-5) * weight[c];
                assertEquals(want, x[r * width + c], 2e-6 * (1 + Math.abs(want)), "in place, row " + r + ", column " + c);
            }
        }
    }

    @Test
    void rmsNormMatchesFloat64() {
        SplittableRandom random = new SplittableRandom(43);
        for (int width : WIDTHS) {
            int rows = width < 100 ? 300 : 90;
            int stride = width + 5;
            float[] x = values(random, rows * stride);
            float[] weight = values(random, width);
            float[] out = new float[rows * stride];
            for (float weightOffset : new float[] {0f, 1f}) {
                Kernels.rmsNorm(rows, width, x, 0, stride, weight, weightOffset, 1e-6f, out, 0, stride);
                for (int r = 0; r < rows; r++) {
                    double squares = 0;
                    for (int c = 0; c < width; c++) {
                        squares += Math.pow(x[r * stride + c], 2);
                    }
                    double inverse = 1 / Math.sqrt(squares / width + 1e-6);
                    for (int c = 0; c < width; c++) {
                        double want = x[r * stride + c] * inverse * (weight[c] + (double) weightOffset);
                        assertEquals(want, out[r * stride + c], 2e-6 * (1 + Math.abs(want)),
                                "rmsNorm width " + width + ", row " + r + ", column " + c);
                    }
                }
            }
        }
    }

    /** Each of +, -, *, / of two floats is correctly rounded, so the float64 result rounded to float is the exact expectation. */
    @Test
    void arithmeticIsExactlyTheRoundedFloat64Result() {
        SplittableRandom random = new SplittableRandom(44);
        for (BinaryOp op : new BinaryOp[] {BinaryOp.ADD, BinaryOp.SUB, BinaryOp.MUL, BinaryOp.DIV}) {
            for (int width : WIDTHS) {
                int rows = width < 100 ? 300 : 90;
                float[] a = values(random, rows * width);
                float[] b = values(random, rows * width);
                float[] column = values(random, rows);
                float[] row = values(random, width);
                float[] out = new float[rows * width];
                // Both operands full.
                Kernels.binary(op, rows, width, a, 0, width, 1, b, 0, width, 1, out, 0, width, 1);
                check(op, rows, width, a, (r, c) -> b[r * width + c], out, "full");
                // b one value per row, broadcast along the columns.
                Kernels.binary(op, rows, width, a, 0, width, 1, column, 0, 1, 0, out, 0, width, 1);
                check(op, rows, width, a, (r, c) -> column[r], out, "column broadcast");
                // b one row, broadcast down the rows (a bias).
                Kernels.binary(op, rows, width, a, 0, width, 1, row, 0, 0, 1, out, 0, width, 1);
                check(op, rows, width, a, (r, c) -> row[c], out, "row broadcast");
                // In place: out is a.
                float[] inPlace = a.clone();
                Kernels.binary(op, rows, width, inPlace, 0, width, 1, b, 0, width, 1, inPlace, 0, width, 1);
                check(op, rows, width, a, (r, c) -> b[r * width + c], inPlace, "in place");
            }
        }
    }

    /**
     * SwiGLU in lanes: within 4 float ulps-worth (5e-7 relative) of {@code a / (1 + e^-a) * b}
     * in float64, and bit for bit what the scalar formula gives, so a model's result does not
     * depend on whether the Vector API is on. Gates up to +-100 reach exp's clamped range.
     */
    @Test
    void swigluMatchesFloat64AndTheScalarBits() {
        SplittableRandom random = new SplittableRandom(45);
        for (int width : WIDTHS) {
            int rows = width < 100 ? 300 : 90;
            float[] gate = new float[rows * width];
            for (int i = 0; i < gate.length; i++) {
                gate[i] = (float) (i % 97 == 0 ? random.nextDouble(-100, 100) : random.nextDouble(-12, 12));
            }
            float[] up = values(random, rows * width);
            float[] column = values(random, rows);
            float[] out = new float[rows * width];
            Kernels.binary(BinaryOp.SWIGLU, rows, width, gate, 0, width, 1, up, 0, width, 1, out, 0, width, 1);
            checkSwiglu(rows, width, gate, (r, c) -> up[r * width + c], out, "full");
            Kernels.binary(BinaryOp.SWIGLU, rows, width, gate, 0, width, 1, column, 0, 1, 0, out, 0, width, 1);
            checkSwiglu(rows, width, gate, (r, c) -> column[r], out, "column broadcast");
            float[] onGate = gate.clone();
            Kernels.binary(BinaryOp.SWIGLU, rows, width, onGate, 0, width, 1, up, 0, width, 1, onGate, 0, width, 1);
            checkSwiglu(rows, width, gate, (r, c) -> up[r * width + c], onGate, "in place of the gate");
            float[] onUp = up.clone();
            Kernels.binary(BinaryOp.SWIGLU, rows, width, gate, 0, width, 1, onUp, 0, width, 1, onUp, 0, width, 1);
            checkSwiglu(rows, width, gate, (r, c) -> up[r * width + c], onUp, "in place of up");
        }
    }

    private static void checkSwiglu(int rows, int width, float[] gate, Operand up, float[] out, String what) {
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < width; c++) {
                float a = gate[r * width + c];
                float b = up.at(r, c);
                double exact = a / (1 + Math.exp(-(double) a)) * b;
                float got = out[r * width + c];
                String where = "swiglu " + what + " width " + width + " at " + r + ", " + c + " (gate " + a + ")";
                assertEquals(exact, got, 5e-7 * Math.abs(exact) + 1e-30, where);
                float scalar = FloatMath.silu(a) * b;
                assertEquals(Float.floatToIntBits(scalar), Float.floatToIntBits(got), where + ": the scalar formula's bits");
            }
        }
    }

    /** A view written over its own input one row later: the scalar loop's order decides the result, and it is kept. */
    @Test
    void anOutputOverlappingItsInputElsewhereKeepsTheScalarOrder() {
        int width = 40;
        float[] x = new float[3 * width];
        for (int i = 0; i < x.length; i++) {
            x[i] = i;
        }
        float[] ones = new float[width];
        java.util.Arrays.fill(ones, 1);
        // out row r is x row r + 1, computed from x row r: each row adds the rows before it.
        Kernels.binary(BinaryOp.ADD, 2, width, x, 0, width, 1, ones, 0, 0, 1, x, width, width, 1);
        for (int c = 0; c < width; c++) {
            assertEquals(c + 1f, x[width + c], "row 1");
            assertEquals(c + 2f, x[2 * width + c], "row 2 reads the row 1 just written");
        }
    }

    /** One array holding inputs and outputs at offsets apart, as a generated model's arena does. */
    @Test
    void operandsAndOutputsInOneArena() {
        SplittableRandom random = new SplittableRandom(45);
        int rows = 20;
        int width = 45;
        int size = rows * width;
        float[] arena = values(random, 4 * size);
        float[] before = arena.clone();
        float[] weight = values(random, width);
        // out (third block) = a (first block) * b (second block), then layerNorm of it into the fourth.
        Kernels.binary(BinaryOp.MUL, rows, width, arena, 0, width, 1, arena, size, width, 1, arena, 2 * size, width, 1);
        Kernels.layerNorm(rows, width, arena, 2 * size, width, weight, null, 1e-5f, arena, 3 * size, width);
        for (int r = 0; r < rows; r++) {
            double mean = 0;
            double[] product = new double[width];
            for (int c = 0; c < width; c++) {
                product[c] = (float) ((double) before[r * width + c] * before[size + r * width + c]);
                assertEquals(product[c], arena[2 * size + r * width + c], 0, "product " + r + ", " + c);
                mean += product[c];
            }
            mean /= width;
            double variance = 0;
            for (int c = 0; c < width; c++) {
                variance += Math.pow(product[c] - mean, 2);
            }
            variance /= width;
            for (int c = 0; c < width; c++) {
                double want = (product[c] - mean) / Math.sqrt(variance + 1e-5) * weight[c];
                assertEquals(want, arena[3 * size + r * width + c], 2e-6 * (1 + Math.abs(want)), "norm " + r + ", " + c);
            }
        }
        for (int i = 0; i < 2 * size; i++) {
            assertEquals(before[i], arena[i], 0, "an input was written at " + i);
        }
    }

    @Test
    void whereSpansMeet() {
        float[] a = new float[30];
        // Same place: in place. Rows 10 apart of 10 values starting at 0 and 30 do not meet; at 0 and 25 they do.
        assertTrue(Kernels.rowsInPlaceOrApart(2, 10, a, 0, 10, a, 0, 10));
        assertTrue(Kernels.rowsInPlaceOrApart(2, 10, a, 0, 10, a, 20, 10));
        assertTrue(!Kernels.rowsInPlaceOrApart(2, 10, a, 0, 10, a, 15, 10));
        assertTrue(!Kernels.rowsInPlaceOrApart(2, 10, a, 0, 10, new float[30], 0, 5), "output rows overlap each other");
    }

    interface Operand {
        float at(int row, int column);
    }

    private static void check(BinaryOp op, int rows, int width, float[] a, Operand b, float[] out, String what) {
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < width; c++) {
                double x = a[r * width + c];
                double y = b.at(r, c);
                double exact = switch (op) {
                    case ADD -> x + y;
                    case SUB -> x - y;
                    case MUL -> x * y;
                    case DIV -> x / y;
                    default -> throw new AssertionError(op);
                };
                float got = out[r * width + c];
                assertTrue(Float.floatToIntBits((float) exact) == Float.floatToIntBits(got),
                        op + " " + what + " width " + width + " at " + r + ", " + c + ": " + got + " against " + (float) exact);
            }
        }
    }

    private static float[] values(SplittableRandom random, int n) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) random.nextDouble(-2, 2);
        }
        return v;
    }
}
