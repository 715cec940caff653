package dev.attnc.runtime.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.attnc.runtime.weights.HalfMatrix;
import dev.attnc.runtime.weights.HalfMatrix.Format;
import java.util.Arrays;
import java.util.SplittableRandom;
import jdk.incubator.vector.FloatVector;
import org.junit.jupiter.api.Test;

/**
 * The 16-bit linear layer, SIMD and scalar: its conversion on every one of the 65,536 bit
 * patterns, and its sums against float64 sums written here from the formats' definitions
 * (binary16: 1 sign, 5 exponent bits with bias 15, 10 significand bits, subnormals below
 * exponent 1; bfloat16: the upper 16 bits of a float32, bias 127), on seeded random weights of
 * odd sizes and 1 to 70 rows (one row at a time and the tiled prompt path). Tolerance: 1e-5 of
 * the sum of the magnitudes of the terms (float32 sums in another order).
 */
class HalfLinearTest {
    private final SplittableRandom random = new SplittableRandom(29);

    /** The value of 16 bits in {@code format}, in float64, from the definition. */
    static double reference(Format format, int bits) {
        int sign = (bits >>> 15) & 1;
        int exponentBits = format == Format.F16 ? 5 : 8;
        int significandBits = 15 - exponentBits;
        int exponent = (bits >>> significandBits) & ((1 << exponentBits) - 1);
        int significand = bits & ((1 << significandBits) - 1);
        int bias = (1 << (exponentBits - 1)) - 1;
        double magnitude;
        if (exponent == (1 << exponentBits) - 1) {
            magnitude = significand == 0 ? Double.POSITIVE_INFINITY : Double.NaN;
        } else if (exponent == 0) {
            magnitude = significand * Math.pow(2, 1 - bias - significandBits);
        } else {
            magnitude = (1 + significand / (double) (1 << significandBits)) * Math.pow(2, exponent - bias);
        }
        return sign == 1 ? -magnitude : magnitude;
    }

    @Test
    void simdIsOnAndHasAKernelForThisMachine() {
        assertTrue(Simd.enabled(), "the tests run with --add-modules jdk.incubator.vector; SIMD must be on");
        int lanes = FloatVector.SPECIES_PREFERRED.length();
        assertEquals(lanes == 4 || lanes == 8 || lanes == 16, HalfVectorKernels.supported(),
                "4, 8 or 16 float lanes have the vector kernel");
    }

    @Test
    void everyBitPatternConvertsExactly() {
        short[] all = new short[65536];
        for (int i = 0; i < all.length; i++) {
            all[i] = (short) i;
        }
        int lanes = FloatVector.SPECIES_PREFERRED.length();
        float[] exact = new float[all.length];
        float[] fast = new float[all.length];
        float[] brain = new float[all.length];
        for (int at = 0; at < all.length; at += lanes) {
            HalfVectorKernels.widen(all, at, HalfVectorKernels.F16_NON_FINITE).intoArray(exact, at);
            HalfVectorKernels.widen(all, at, HalfVectorKernels.F16).intoArray(fast, at);
            HalfVectorKernels.widen(all, at, HalfVectorKernels.BF16).intoArray(brain, at);
        }
        int nonFinite = 0;
        for (int i = 0; i < all.length; i++) {
            String what = String.format("bits 0x%04x", i);
            // F16, blended: the same bits as the JDK's conversion, NaN payloads and signed zeros included.
            assertEquals(Float.floatToRawIntBits(Float.float16ToFloat((short) i)), Float.floatToRawIntBits(exact[i]),
                    "F16 " + what);
            assertSameValue(reference(Format.F16, i), exact[i], "F16 " + what);
            assertSameValue(reference(Format.BF16, i), brain[i], "BF16 " + what);
            assertEquals(i << 16, Float.floatToRawIntBits(brain[i]), "BF16 keeps the bits, " + what);
            if ((i & 0x7C00) != 0x7C00) {
                assertEquals(Float.floatToRawIntBits(exact[i]), Float.floatToRawIntBits(fast[i]),
                        "F16 without the blend, finite " + what);
            } else {
                nonFinite++;
                assertFalse(Float.isNaN(fast[i]) || Float.isInfinite(fast[i]),
                        "the unblended conversion is wrong for " + what + ", so matrices with one must blend");
            }
        }
        assertEquals(2 * 1024, nonFinite, "infinities and NaNs of both signs");
    }

    private static void assertSameValue(double expected, float actual, String what) {
        if (Double.isNaN(expected)) {
            assertTrue(Float.isNaN(actual), what + ": NaN expected, found " + actual);
        } else {
            assertEquals(expected, (double) actual, 0.0, what);
            assertEquals(1 / expected > 0, 1 / (double) actual > 0, what + ": the sign of zero");
        }
    }

    /** Row-major 16-bit weights of random values, a few subnormal F16 ones among them. */
    private short[] randomBits(Format format, int rows, int columns) {
        short[] bits = new short[rows * columns];
        for (int i = 0; i < bits.length; i++) {
            double v = (random.nextDouble() * 2 - 1) * (random.nextInt(8) == 0 ? 1e-6 : 0.5);
            bits[i] = format.fromFloat((float) v);
        }
        return bits;
    }

    private float[] random(int n) {
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = (float) (random.nextDouble() * 2 - 1);
        }
        return x;
    }

    @Test
    void againstFloat64() {
        int[][] sizes = {{1, 1}, {7, 5}, {33, 31}, {64, 33}, {95, 70}, {300, 97}, {257, 64}, {513, 40}};
        for (Format format : Format.values()) {
            for (int[] size : sizes) {
                for (int rows : new int[] {1, 2, 3, 4, 5, 6, 7, 12, 13, 70}) {
                    check(format, rows, size[0], size[1], rows % 2 == 0, rows % 3 == 0 ? Activation.SILU : Activation.NONE);
                }
            }
            for (int rows = 1; rows <= 70; rows++) {
                check(format, rows, 45, 37, false, Activation.NONE);
            }
        }
    }

    private void check(Format format, int rows, int in, int outWidth, boolean withBias, Activation activation) {
        short[] bits = randomBits(format, outWidth, in);
        HalfMatrix w = HalfMatrix.of(format, outWidth, in, bits);
        float[] bias = withBias ? random(outWidth) : null;
        int inStride = in + 3;
        int outStride = outWidth + 2;
        float[] x = random(rows * inStride + 1);
        for (boolean scalar : new boolean[] {false, true}) {
            float[] out = new float[rows * outStride + 5];
            Arrays.fill(out, 42);
            int outAt = 1;
            if (scalar) {
                HalfLinear.linearScalar(rows, in, outWidth, x, 1, inStride, w, bias, activation, out, outAt, outStride);
            } else {
                HalfLinear.linear(rows, in, outWidth, x, 1, inStride, w, bias, activation, out, outAt, outStride);
            }
            String what = format + " " + rows + " x " + in + " -> " + outWidth + (scalar ? " scalar" : " simd");
            for (int r = 0; r < rows; r++) {
                for (int o = 0; o < outWidth; o++) {
                    double sum = withBias ? bias[o] : 0;
                    double magnitude = withBias ? Math.abs(bias[o]) : 0;
                    for (int i = 0; i < in; i++) {
                        double term = x[1 + r * inStride + i] * reference(format, bits[o * in + i] & 0xFFFF);
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
    void aRowGetsTheSameBitsAloneAsInAPromptAndOnEveryCall() {
        for (Format format : Format.values()) {
            int rows = 23;
            int in = 600;
            int outWidth = 77;
            HalfMatrix w = HalfMatrix.of(format, outWidth, in, randomBits(format, outWidth, in));
            float[] bias = random(outWidth);
            float[] x = random(rows * in);
            float[] all = new float[rows * outWidth];
            HalfLinear.linear(rows, in, outWidth, x, 0, in, w, bias, Activation.GELU, all, 0, outWidth);
            for (int call = 0; call < 3; call++) {
                float[] again = new float[rows * outWidth];
                HalfLinear.linear(rows, in, outWidth, x, 0, in, w, bias, Activation.GELU, again, 0, outWidth);
                assertEquals(Arrays.toString(all), Arrays.toString(again), format + ": call " + call);
            }
            for (int r = 0; r < rows; r++) {
                float[] one = new float[outWidth];
                HalfLinear.linear(1, in, outWidth, x, r * in, in, w, bias, Activation.GELU, one, 0, outWidth);
                assertEquals(Arrays.toString(Arrays.copyOfRange(all, r * outWidth, (r + 1) * outWidth)),
                        Arrays.toString(one), format + ": row " + r + " alone and in a prompt of " + rows);
            }
        }
    }

    @Test
    void infinitiesAndNaNsInTheWeightsComeThrough() {
        int in = 40;
        int outWidth = 35;
        for (int rows : new int[] {1, 9}) {
            short[] bits = randomBits(Format.F16, outWidth, in);
            bits[3 * in + 7] = (short) 0x7C00;          // +inf in output 3
            bits[20 * in + 39] = (short) 0xFC00;        // -inf in output 20
            bits[34 * in] = (short) 0x7E01;             // a NaN in output 34
            HalfMatrix w = HalfMatrix.of(Format.F16, outWidth, in, bits);
            assertTrue(w.hasNonFinite());
            float[] x = random(rows * in);
            for (int r = 0; r < rows; r++) {
                x[r * in + 7] = 0.5f;
                x[r * in + 39] = 0.25f;
            }
            float[] out = new float[rows * outWidth];
            HalfLinear.linear(rows, in, outWidth, x, 0, in, w, null, Activation.NONE, out, 0, outWidth);
            for (int r = 0; r < rows; r++) {
                assertEquals(Float.POSITIVE_INFINITY, out[r * outWidth + 3], "row " + r);
                assertEquals(Float.NEGATIVE_INFINITY, out[r * outWidth + 20], "row " + r);
                assertTrue(Float.isNaN(out[r * outWidth + 34]), "row " + r);
                assertTrue(Float.isFinite(out[r * outWidth + 4]), "row " + r);
            }
        }
        assertFalse(HalfMatrix.of(Format.F16, 2, 2, new short[] {1, 0x3C00, (short) 0x8001, 0x7BFF}).hasNonFinite());
    }

    @Test
    void widthsMustBeTheWeights() {
        HalfMatrix w = HalfMatrix.of(Format.BF16, 4, 64, new short[256]);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () ->
                HalfLinear.linear(1, 32, 4, new float[32], 0, 32, w, null, Activation.NONE, new float[4], 0, 4));
        assertEquals("a linear layer of 32 inputs and 4 outputs cannot use HalfMatrix[BF16, 4 x 64] (it needs [4, 32])",
                e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> HalfMatrix.of(Format.F16, 2, 3, new short[5]));
    }

    @Test
    void roundingToBfloat16IsToNearestEven() {
        // 1 + 2^-8 lies halfway between 1 and 1 + 2^-7: ties go to the even one, 1.
        assertEquals((short) 0x3F80, Format.BF16.fromFloat(1 + 0x1p-8f));
        assertEquals((short) 0x3F81, Format.BF16.fromFloat(1 + 0x1p-8f + 0x1p-20f));
        assertEquals((short) 0x3F82, Format.BF16.fromFloat(1 + 3 * 0x1p-8f));
        assertTrue(Float.isNaN(Format.BF16.toFloat(Format.BF16.fromFloat(Float.intBitsToFloat(0x7F800001)))));
    }
}
