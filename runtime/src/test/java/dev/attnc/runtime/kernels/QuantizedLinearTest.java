package dev.attnc.runtime.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.attnc.runtime.weights.QuantizedMatrix;
import dev.attnc.runtime.weights.QuantizedMatrix.Format;
import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The quantized linear layer, SIMD and scalar, against float64 sums written here from the
 * block formats (Q8_0: scale times a signed byte; Q4_0: byte j of a block holds values j and
 * j + 16 in its low and high nibbles, offset by 8), on seeded random blocks. Input widths are
 * multiples of 32 but not of 64, row counts odd (tiles of four plus a remainder). Tolerance:
 * 1e-5 of the sum of the magnitudes of the terms (float32 sums in another order).
 */
class QuantizedLinearTest {
    private final SplittableRandom random = new SplittableRandom(23);

    private QuantizedMatrix randomMatrix(Format format, int rows, int columns) {
        int blocks = rows * columns / 32;
        byte[] quants = new byte[format == Format.Q8_0 ? rows * columns : rows * columns / 2];
        random.nextBytes(quants);
        float[] scales = new float[blocks];
        for (int b = 0; b < blocks; b++) {
            double magnitude = 0.001 + random.nextDouble() * 0.1;
            scales[b] = Float.float16ToFloat(Float.floatToFloat16((float) (random.nextBoolean() ? magnitude : -magnitude)));
        }
        return QuantizedMatrix.of(format, rows, columns, quants, scales);
    }

    /** Weight [o][c] from the format's definition, in float64. */
    private static double weight(QuantizedMatrix m, int o, int c) {
        int block = (o * m.columns() + c) / 32;
        int i = c % 32;
        double d = m.scales()[block];
        if (m.format() == Format.Q8_0) {
            return d * m.quants()[o * m.columns() + c];
        }
        int b = m.quants()[16 * block + i % 16] & 0xFF;
        return d * ((i < 16 ? b & 15 : b >> 4) - 8);
    }

    private float[] random(int n) {
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = (float) (random.nextDouble() * 2 - 1);
        }
        return x;
    }

    @Test
    void simdIsOnAndHasAKernelForThisMachine() {
        assertTrue(Simd.enabled(), "the tests run with --add-modules jdk.incubator.vector; SIMD must be on");
        int lanes = jdk.incubator.vector.FloatVector.SPECIES_PREFERRED.length();
        assertEquals(lanes == 8 || lanes == 16, QuantizedVectorKernels.supported(), "8 or 16 float lanes have the vector kernel");
    }

    @Test
    void againstFloat64() {
        for (Format format : Format.values()) {
            for (int in : new int[] {32, 96, 160}) {
                for (int outWidth : new int[] {1, 37}) {
                    for (int rows : new int[] {1, 3, 5, 7}) {
                        check(format, rows, in, outWidth, true, Activation.NONE);
                    }
                }
            }
            check(format, 9, 2080, 100, true, Activation.SILU);
            check(format, 4, 96, 20, false, Activation.NONE);
            // From PROMPT_ROWS rows on, the float32 tiles: depth slices of 256, partial last panels.
            for (int rows : new int[] {QuantizedLinear.PROMPT_ROWS, 23, 70}) {
                check(format, rows, 544, 75, rows % 2 == 0, Activation.SILU);
                check(format, rows, 32, 33, true, Activation.NONE);
            }
        }
    }

    private void check(Format format, int rows, int in, int outWidth, boolean withBias, Activation activation) {
        QuantizedMatrix w = randomMatrix(format, outWidth, in);
        int inAt = 3;
        int inStride = in + 5;
        int outAt = 2;
        int outStride = outWidth + 3;
        float[] x = random(inAt + rows * inStride);
        float[] bias = withBias ? random(outWidth) : null;
        for (boolean simd : new boolean[] {true, false}) {
            float[] out = new float[outAt + rows * outStride + 1];
            Arrays.fill(out, 42);
            if (simd) {
                QuantizedLinear.linear(rows, in, outWidth, x, inAt, inStride, w, bias, activation, out, outAt, outStride);
            } else {
                QuantizedLinear.linearScalar(rows, in, outWidth, x, inAt, inStride, w, bias, activation, out, outAt, outStride);
            }
            String what = format + (simd ? " SIMD" : " scalar") + " rows " + rows + ", in " + in + ", out " + outWidth;
            for (int r = 0; r < rows; r++) {
                for (int o = 0; o < outWidth; o++) {
                    double sum = withBias ? bias[o] : 0;
                    double magnitude = Math.abs(sum);
                    for (int c = 0; c < in; c++) {
                        double term = weight(w, o, c) * x[inAt + r * inStride + c];
                        sum += term;
                        magnitude += Math.abs(term);
                    }
                    double expected = activation == Activation.SILU ? sum / (1 + Math.exp(-sum)) : sum;
                    assertEquals(expected, out[outAt + r * outStride + o], 1e-5 * magnitude + 1e-6,
                            what + ": row " + r + ", output " + o);
                }
            }
            for (int i = 0; i < out.length; i++) {
                int at = i - outAt;
                boolean written = at >= 0 && at / outStride < rows && at % outStride < outWidth;
                if (!written) {
                    assertEquals(42, out[i], what + ": wrote outside the output at " + i);
                }
            }
        }
    }

    @Test
    void aRowGetsTheSameBitsAloneAsInATileAndOnEveryCall() {
        for (Format format : Format.values()) {
            int rows = QuantizedLinear.PROMPT_ROWS - 1;
            int in = 160;
            int outWidth = 45;
            QuantizedMatrix w = randomMatrix(format, outWidth, in);
            float[] x = random(rows * in);
            float[] all = new float[rows * outWidth];
            QuantizedLinear.linear(rows, in, outWidth, x, 0, in, w, null, Activation.NONE, all, 0, outWidth);
            for (int call = 0; call < 3; call++) {
                float[] again = new float[rows * outWidth];
                QuantizedLinear.linear(rows, in, outWidth, x, 0, in, w, null, Activation.NONE, again, 0, outWidth);
                assertEquals(Arrays.toString(all), Arrays.toString(again), format + ": call " + call);
            }
            for (int r = 0; r < rows; r++) {
                float[] one = new float[outWidth];
                QuantizedLinear.linear(1, in, outWidth, x, r * in, in, w, null, Activation.NONE, one, 0, outWidth);
                assertEquals(Arrays.toString(Arrays.copyOfRange(all, r * outWidth, (r + 1) * outWidth)),
                        Arrays.toString(one), format + ": row " + r + " alone and in tiles of four");
            }
        }
    }

    @Test
    void widthsMustBeTheWeights() {
        QuantizedMatrix w = randomMatrix(Format.Q8_0, 4, 64);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () ->
                QuantizedLinear.linear(1, 32, 4, new float[64], 0, 64, w, null, Activation.NONE, new float[4], 0, 4));
        assertEquals("a linear layer of 32 inputs and 4 outputs cannot use QuantizedMatrix[Q8_0, 4 x 64] (it needs [4, 32])",
                e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> QuantizedMatrix.of(Format.Q4_0, 2, 48, new byte[48], new float[3]));
        assertThrows(IllegalArgumentException.class, () -> QuantizedMatrix.of(Format.Q4_0, 2, 64, new byte[63], new float[4]));
    }
}
