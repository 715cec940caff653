package dev.attnc.runtime.kernels;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The int8 linear layer, SIMD and scalar, against a reference written here from ONNX's
 * definitions: {@code DynamicQuantizeLinear} (float32, as the operator is specified and ONNX
 * Runtime computes it), then {@code MatMulInteger}'s sum of {@code (a - za) * (q - zq)} as a
 * long, then the scales and bias in float64. Seeded random weights, zero points and inputs;
 * widths that are not multiples of the vector length, odd row counts (tiles of four plus a
 * remainder).
 *
 * <p>Tolerances: the integer sums must be exact, so the kernels must equal the reference's
 * float32 rounding of the same steps to the bit ({@link #kernelsEqualTheDefinitionBitForBit});
 * the float64 result differs from them only by float32 rounding of the last two steps, 1e-6
 * relative. Against the float64 product of the dequantized weight and the unquantized input the
 * error is bounded by the input's quantization, half a step per value (checked).
 */
class Int8LinearTest {
    private final SplittableRandom random = new SplittableRandom(61);

    private Int8Matrix randomMatrix(int rows, int columns, boolean zeroPoints) {
        byte[] q = new byte[rows * columns];
        random.nextBytes(q);
        float[] scales = new float[rows];
        int[] zq = new int[rows];
        for (int r = 0; r < rows; r++) {
            scales[r] = (float) (0.0005 + random.nextDouble() * 0.01);
            zq[r] = zeroPoints ? random.nextInt(-128, 128) : 0;
        }
        return Int8Matrix.of(rows, columns, q, scales, zq);
    }

    private float[] random(int n, double lo, double hi) {
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = (float) (lo + random.nextDouble() * (hi - lo));
        }
        return x;
    }

    private float[] randomBias(int n) {
        return random(n, -0.5, 0.5);
    }

    /** DynamicQuantizeLinear as ONNX specifies it (and ONNX Runtime computes it), in float32. */
    record Quantized(float scale, int zero, int[] values) {}

    static Quantized dynamicQuantizeLinear(float[] x) {
        float lo = 0;
        float hi = 0;
        for (float v : x) {
            lo = Math.min(lo, v);
            hi = Math.max(hi, v);
        }
        float scale = hi == lo ? 1f : (hi - lo) / 255f;
        float zeroPoint = (float) Math.rint(Math.min(255f, Math.max(0f, -lo / scale)));
        int[] q = new int[x.length];
        for (int i = 0; i < x.length; i++) {
            double rounded = Math.rint(x[i] / scale) + zeroPoint;
            q[i] = (int) Math.min(255, Math.max(0, rounded));
        }
        return new Quantized(scale, (int) zeroPoint, q);
    }

    /** The reference: out[r][o] in float64 from the exact integer sums. */
    static double[] reference(int rows, int in, int out, float[] x, Int8Matrix w, float[] bias, boolean float32Steps) {
        Quantized a = dynamicQuantizeLinear(x);
        double[] y = new double[rows * out];
        for (int r = 0; r < rows; r++) {
            for (int o = 0; o < out; o++) {
                long acc = 0;
                for (int i = 0; i < in; i++) {
                    acc += (long) (a.values()[r * in + i] - a.zero()) * (w.values()[o * in + i] - w.zeroPoints()[o]);
                }
                double v;
                if (float32Steps) {
                    float f = (float) acc * (a.scale() * w.scales()[o]);
                    v = bias == null ? f : f + bias[o];
                } else {
                    v = acc * ((double) a.scale() * w.scales()[o]) + (bias == null ? 0 : bias[o]);
                }
                y[r * out + o] = v;
            }
        }
        return y;
    }

    private float[] simd(int rows, int in, int out, float[] x, Int8Matrix w, float[] bias) {
        float[] y = new float[rows * out];
        Int8Linear.linear(rows, in, out, x, 0, in, w, bias, Activation.NONE, y, 0, out);
        return y;
    }

    private float[] scalar(int rows, int in, int out, float[] x, Int8Matrix w, float[] bias) {
        float[] y = new float[rows * out];
        Int8Linear.linearScalar(rows, in, out, x, 0, in, w, bias, Activation.NONE, y, 0, out);
        return y;
    }

    @Test
    void simdIsOnAndHasAKernelForThisMachine() {
        assertTrue(Simd.enabled(), "the tests run with --add-modules jdk.incubator.vector; SIMD must be on");
        int lanes = jdk.incubator.vector.FloatVector.SPECIES_PREFERRED.length();
        assertEquals(lanes == 8 || lanes == 16, Int8VectorKernels.supported(), "8 or 16 float lanes have the vector kernel");
    }

    @Test
    void kernelsEqualTheDefinitionBitForBit() {
        int[][] sizes = {{7, 384, 40}, {5, 1536, 24}, {1, 100, 3}, {9, 23, 17}};
        for (int[] s : sizes) {
            int rows = s[0];
            int in = s[1];
            int out = s[2];
            Int8Matrix w = randomMatrix(out, in, true);
            float[] x = random(rows * in, -3, 5);
            float[] bias = randomBias(out);
            double[] expected = reference(rows, in, out, x, w, bias, true);
            float[] v = simd(rows, in, out, x, w, bias);
            float[] sc = scalar(rows, in, out, x, w, bias);
            for (int i = 0; i < expected.length; i++) {
                assertEquals((float) expected[i], v[i], 0f, "SIMD, " + rows + "x" + in + "x" + out + " at " + i);
                assertEquals((float) expected[i], sc[i], 0f, "scalar, " + rows + "x" + in + "x" + out + " at " + i);
            }
            double[] exact = reference(rows, in, out, x, w, bias, false);
            for (int i = 0; i < exact.length; i++) {
                assertEquals(exact[i], v[i], 1e-6 * (Math.abs(exact[i]) + 1e-3), "float64 steps at " + i);
            }
        }
    }

    /**
     * Products near the largest (|a - za| = 255 times q = -127, odd, so that sums past 2^24
     * cannot be held exactly by a float) over 16000 columns: a float lane that summed them all
     * without moving to int would round. Checked once to fail with the flush to int turned off.
     */
    @Test
    void largestProductsOverManyColumnsStayExact() {
        int in = 16000;
        byte[] q = new byte[2 * in];
        java.util.Arrays.fill(q, 0, in, (byte) -127);
        java.util.Arrays.fill(q, in, 2 * in, (byte) -128);
        Int8Matrix w = Int8Matrix.of(2, in, q, new float[] {1f, 1f}, new int[] {0, 0});
        // Inputs -1 and 0: hi = 0, so za = 255 and -1 becomes a - za = -255.
        float[] x = new float[4 * in];
        for (int i = 0; i < x.length; i++) {
            x[i] = i % 17 == 3 ? 0f : -1f;
        }
        Quantized a = dynamicQuantizeLinear(x);
        assertEquals(255, a.zero());
        float[] y = simd(4, in, 2, x, w, null);
        double[] expected = reference(4, in, 2, x, w, null, true);
        for (int i = 0; i < y.length; i++) {
            assertEquals((float) expected[i], y[i], 0f, "at " + i);
        }
        float[] single = simd(1, in, 2, java.util.Arrays.copyOf(x, in), w, null);
        double[] one = reference(1, in, 2, java.util.Arrays.copyOf(x, in), w, null, true);
        assertEquals((float) one[0], single[0], 0f, "one row");
    }

    @Test
    void zeroPointsAndUnsignedWeightsKeepTheirDifferences() {
        int rows = 3;
        int in = 64;
        int out = 5;
        byte[] u = new byte[out * in];
        random.nextBytes(u);
        int[] zq = {0, 255, 128, 17, 200};
        float[] scales = {0.01f, 0.02f, 0.005f, 0.03f, 0.001f};
        double[] dequantized = new double[out * in];
        for (int o = 0; o < out; o++) {
            for (int i = 0; i < in; i++) {
                dequantized[o * in + i] = scales[o] * ((u[o * in + i] & 0xFF) - zq[o]);
            }
        }
        Int8Matrix w = Int8Matrix.fromUnsigned(out, in, u.clone(), scales, zq);
        float[] back = w.dequantize();
        for (int i = 0; i < back.length; i++) {
            assertEquals(dequantized[i], back[i], 1e-7, "dequantized at " + i);
        }
        float[] x = random(rows * in, -2, 2);
        float[] y = simd(rows, in, out, x, w, null);
        assertArrayEquals(scalar(rows, in, out, x, w, null), y, 0f);
        // Against the unquantized product: each input is off by at most half a step.
        Quantized a = dynamicQuantizeLinear(x);
        for (int r = 0; r < rows; r++) {
            for (int o = 0; o < out; o++) {
                double exact = 0;
                double bound = 0;
                for (int i = 0; i < in; i++) {
                    exact += x[r * in + i] * dequantized[o * in + i];
                    bound += Math.abs(dequantized[o * in + i]) * a.scale() / 2;
                }
                assertEquals(exact, y[r * out + o], bound * 1.0001 + 1e-6, "row " + r + ", output " + o);
            }
        }
    }

    @Test
    void allZeroInputGivesTheBias() {
        Int8Matrix w = randomMatrix(6, 48, true);
        float[] bias = randomBias(6);
        float[] y = simd(2, 48, 6, new float[2 * 48], w, bias);
        for (int i = 0; i < y.length; i++) {
            assertEquals(bias[i % 6], y[i], 0f);
        }
    }

    @Test
    void activationStridesAndOffsetsAreHonoured() {
        int rows = 5;
        int in = 40;
        int out = 12;
        Int8Matrix w = randomMatrix(out, in, true);
        float[] x = random(rows * in, -1, 1);
        float[] padded = new float[3 + rows * (in + 2)];
        for (int r = 0; r < rows; r++) {
            System.arraycopy(x, r * in, padded, 3 + r * (in + 2), in);
        }
        float[] y = new float[2 + rows * (out + 1)];
        Int8Linear.linear(rows, in, out, padded, 3, in + 2, w, null, Activation.RELU, y, 2, out + 1);
        float[] plain = simd(rows, in, out, x, w, null);
        for (int r = 0; r < rows; r++) {
            for (int o = 0; o < out; o++) {
                assertEquals(Math.max(0f, plain[r * out + o]), y[2 + r * (out + 1) + o], 0f);
            }
        }
    }

    @Test
    void badShapesAndParametersAreRefused() {
        Int8Matrix w = randomMatrix(4, 8, false);
        assertThrows(IllegalArgumentException.class,
                () -> Int8Linear.linear(1, 9, 4, new float[9], 0, 9, w, null, Activation.NONE, new float[4], 0, 4));
        assertThrows(IllegalArgumentException.class, () -> Int8Matrix.of(2, 4, new byte[7], new float[2], new int[2]));
        assertThrows(IllegalArgumentException.class,
                () -> Int8Matrix.of(1, 4, new byte[4], new float[] {Float.NaN}, new int[1]));
        assertThrows(IllegalArgumentException.class, () -> Int8Matrix.of(1, 4, new byte[4], new float[1], new int[] {128}));
        assertThrows(IllegalArgumentException.class,
                () -> Int8Matrix.fromUnsigned(1, 4, new byte[4], new float[1], new int[] {-1}));
        assertThrows(IllegalArgumentException.class,
                () -> Int8Matrix.of(1, Int8Matrix.MAX_COLUMNS + 1, new byte[Int8Matrix.MAX_COLUMNS + 1], new float[1],
                        new int[1]));
    }

    @Test
    void symmetricQuantizationIsWithinHalfAStep() {
        float[] weight = random(6 * 50, -0.3, 0.2);
        Int8Matrix w = Int8Matrix.quantize(weight, 6, 50);
        float[] back = w.dequantize();
        for (int i = 0; i < weight.length; i++) {
            assertEquals(weight[i], back[i], w.scales()[i / 50] / 2 * 1.0001);
        }
    }
}
