package dev.attnc.compiler.codegen.tornadovm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import dev.attnc.runtime.tornado.TornadoSupport;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The linear kernel (both of its ways: tiles above 8 rows, a warp per output at or below), one
 * launch at a time on the JVM launcher (every work-group, barriers and
 * local memory as on a device), against a float64 reference written from the definition
 * {@code out[r][o] = f(bias[o] + sum_i in[r][i] * weight[o][i])}. Sizes are odd and not
 * multiples of the tiles (inputs 37 and 70 against steps of 32, outputs 45 and 131 against
 * tiles of 64, rows 1, 7, 9, 67 against tiles of 64 and passes of 4), the views are offset and
 * strided, and everything the kernel must not write (rows past the call's count, the padding of
 * strided rows, the array's head) is checked to be untouched.
 *
 * <p>Tolerance: float accumulation of n products has an error bounded by about
 * {@code n * 2^-24 * sum |x w|}; the tests allow {@code 4e-7 * n * (sum |x w| + |bias|) + 1e-6},
 * then the activation (Lipschitz constant at most 1.13 for the functions used).
 */
class TornadoLinearKernelsTest {
    private static final long SEED = 20261205;
    private static final int NONE = TornadoKernels.FUNCTIONS.get("none");
    private static final int GELU = TornadoKernels.FUNCTIONS.get("gelu");
    private static final int GELU_TANH = TornadoKernels.FUNCTIONS.get("gelu_tanh");
    private static final int SILU = TornadoKernels.FUNCTIONS.get("silu");
    private static final int RELU = TornadoKernels.FUNCTIONS.get("relu");

    /**
     * On a real TornadoVM an array the kernel only writes is not copied to the device, so what
     * the kernel leaves unwritten comes back undefined: the checks that nothing else was written
     * run on the JVM launcher only.
     */
    private static final boolean ON_DEVICE = TornadoSupport.available();

    private static LinearKernelHarness harness;

    @BeforeAll
    static void compile() {
        harness = LinearKernelHarness.build();
    }

    /** A problem: random inputs in an offset, strided view; the output view is offset and strided too. */
    record Problem(int count, int inWidth, int outWidth, boolean bias, int function, float[] in, float[] weight, float[] biases,
            float[] out, int inAt, int inStride, int outAt, int outStride) {

        static Problem random(long seed, int count, int inWidth, int outWidth, boolean bias, int function) {
            SplittableRandom random = new SplittableRandom(seed);
            int inAt = 5;
            int inStride = inWidth + 3;
            int outAt = 3;
            int outStride = outWidth + 2;
            // The arrays hold the largest row count the tests use, as a model's buffers hold MAX_T rows.
            int maxRows = 130;
            return new Problem(count, inWidth, outWidth, bias, function, values(random, inAt + maxRows * inStride),
                    values(random, outWidth * inWidth), bias ? values(random, outWidth) : new float[0],
                    values(random, outAt + maxRows * outStride), inAt, inStride, outAt, outStride);
        }

        private static float[] values(SplittableRandom random, int n) {
            float[] values = new float[n];
            for (int i = 0; i < n; i++) {
                values[i] = (float) (random.nextDouble() * 2 - 1);
            }
            return values;
        }

        /** A launch on a grid of {@code grid[0]} x {@code grid[1]} work-groups. */
        LinearKernelHarness.Launch launch(String kernel, int rows, int[] grid) {
            return new LinearKernelHarness.Launch(kernel, in, inAt, inStride, weight, biases, function, out, outAt, outStride, rows,
                    count, inWidth, outWidth, grid[0], grid[1], TornadoLinearWriter.GROUP, 0);
        }

        /** A launch on the grid the host code gives a call of this problem's rows. */
        LinearKernelHarness.Launch launch(String kernel, int rows) {
            return launch(kernel, rows, grid(count, outWidth));
        }

        /** Checks {@code actual} against the float64 reference computed with these weights. */
        void check(float[] actual, float[] weights, String what) {
            assertEquals(out.length, actual.length);
            for (int index = 0; index < out.length; index++) {
                int r = (index - outAt) / outStride;
                int o = (index - outAt) % outStride;
                boolean written = index >= outAt && r < count && o < outWidth;
                if (!written) {
                    if (!ON_DEVICE) {
                        assertEquals(out[index], actual[index], 0.0, what + ": element " + index + " is not the kernel's to write");
                    }
                    continue;
                }
                double sum = bias ? biases[o] : 0;
                double magnitude = bias ? Math.abs(biases[o]) : 0;
                for (int i = 0; i < inWidth; i++) {
                    double product = (double) in[inAt + r * inStride + i] * weights[o * inWidth + i];
                    sum += product;
                    magnitude += Math.abs(product);
                }
                double expected = activation(function, sum);
                double tolerance = 1.13 * (4e-7 * inWidth * magnitude) + 1e-6;
                assertEquals(expected, actual[index], tolerance, what + ": row " + r + ", output " + o);
            }
        }
    }

    static double activation(int function, double x) {
        if (function == NONE) {
            return x;
        } else if (function == RELU) {
            return Math.max(x, 0);
        } else if (function == SILU) {
            return x / (1 + Math.exp(-x));
        } else if (function == GELU_TANH) {
            return 0.5 * x * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (x + 0.044715 * x * x * x)));
        } else if (function == GELU) {
            return 0.5 * x * (1 + erf(x / Math.sqrt(2)));
        }
        throw new IllegalArgumentException("function " + function);
    }

    /**
     * erf in double precision: its Maclaurin series below |x| = 2.5 (60 terms, converged), and
     * above, 1 - erfc by the continued fraction {@code erfc(x) = e^(-x^2) / sqrt(pi) / (x + (1/2) / (x + (2/2) / (x + ...)))}.
     */
    static double erf(double x) {
        double z = Math.abs(x);
        if (z < 2.5) {
            double term = x;
            double sum = x;
            for (int n = 1; n < 60; n++) {
                term *= -x * x / n;
                sum += term / (2 * n + 1);
            }
            return 2 / Math.sqrt(Math.PI) * sum;
        }
        double fraction = z;
        for (int n = 200; n >= 1; n--) {
            fraction = z + n / 2.0 / fraction;
        }
        double erfc = Math.exp(-z * z) / Math.sqrt(Math.PI) / fraction;
        return Math.signum(x) * (1 - erfc);
    }

    @Test
    void theErfReferenceIsRight() {
        // Published values: erf(0.5) = 0.5204998778130465, erf(2.4) = 0.9993114861033549, erf(3) = 0.9999779095030014.
        assertEquals(0.5204998778130465, erf(0.5), 1e-15);
        assertEquals(0.9993114861033549, erf(2.4), 1e-15);
        assertEquals(0.9999779095030014, erf(3), 1e-15);
        assertEquals(-0.9999779095030014, erf(-3), 1e-15);
    }

    /** The grid of work-groups the host code ({@code resizeLinear}) gives a call of {@code count} rows. */
    static int[] grid(int count, int outWidth) {
        return LinearKernelHarness.Launch.callGrid(count, outWidth);
    }

    @Test
    void theCallGridIsATilePerGroupAboveEightRowsAndEightOutputsPerGroupBelow() {
        // Written out from the kernel's layout: 64 x 64 output tiles, or 8 outputs (a warp each) per group of 256.
        assertEquals(List.of(3, 2), List.of(grid(67, 131)[0], grid(67, 131)[1]));
        assertEquals(List.of(1, 1), List.of(grid(9, 45)[0], grid(9, 45)[1]));
        assertEquals(List.of(17, 1), List.of(grid(8, 131)[0], grid(8, 131)[1]));
        assertEquals(List.of(6, 1), List.of(grid(1, 45)[0], grid(1, 45)[1]));
        assertEquals(256, TornadoLinearWriter.GROUP);
    }

    @ParameterizedTest(name = "rows {0}, in {1}, out {2}, bias {3}, function {4}")
    @CsvSource({
            "9, 37, 45, true, gelu",
            "67, 70, 131, true, gelu_tanh",
            "67, 37, 131, false, none",
            "130, 70, 45, true, silu",
            "64, 64, 64, false, relu"})
    void manyRowsMatchTheReference(int count, int inWidth, int outWidth, boolean bias, String function) {
        Problem problem = Problem.random(SEED + count * 31L + inWidth, count, inWidth, outWidth, bias,
                TornadoKernels.FUNCTIONS.get(function));
        // The row count as a constant and from dims, on the call's own grid; and on the grid of the largest T (130).
        problem.check(harness.run(problem.launch("linear", count), new long[1]), problem.weight(), "constant rows");
        problem.check(harness.run(problem.launch("linear", -2), new long[1]), problem.weight(), "rows from dims");
        problem.check(harness.run(problem.launch("linear", -2, grid(130, outWidth)), new long[1]), problem.weight(),
                "rows from dims, grid for 130 rows");
    }

    @ParameterizedTest(name = "rows {0}, in {1}, out {2}, bias {3}, function {4}")
    @CsvSource({
            "1, 37, 45, true, gelu",
            "7, 70, 131, true, gelu_tanh",
            "8, 37, 131, false, none",
            "3, 300, 45, true, silu",
            "5, 1, 3, false, relu"})
    void fewRowsMatchTheReference(int count, int inWidth, int outWidth, boolean bias, String function) {
        Problem problem = Problem.random(SEED + count * 17L + inWidth, count, inWidth, outWidth, bias,
                TornadoKernels.FUNCTIONS.get(function));
        problem.check(harness.run(problem.launch("linear", count), new long[1]), problem.weight(), "constant rows");
        problem.check(harness.run(problem.launch("linear", -2), new long[1]), problem.weight(), "rows from dims");
        // A grid with more groups than outputs, and a second row of groups, writes nothing more.
        int[] grid = grid(count, outWidth);
        problem.check(harness.run(problem.launch("linear", -2, new int[] {grid[0] + 3, 2}), new long[1]), problem.weight(),
                "rows from dims, extra groups");
    }

    /** A grid larger than the call's (as one sized for the largest T, before run() resizes it) serves every row count. */
    @Test
    void aLargerGridServesEveryRowCount() {
        int[] grid = {Math.max(grid(130, 131)[0], grid(1, 131)[0]), grid(130, 131)[1]};
        for (int count : new int[] {1, 7, 8, 9, 67, 130}) {
            Problem problem = Problem.random(SEED + count, count, 37, 131, true, NONE);
            problem.check(harness.run(problem.launch("linear", -2, grid), new long[1]), problem.weight(),
                    "rows " + count + " on the grid for up to 130 rows");
        }
    }

    @ParameterizedTest(name = "{0}, rows {1}")
    @CsvSource({"linearHalf, 67", "linearHalf, 9", "linearHalf, 8", "linearHalf, 1", "linearHalf, 7"})
    void fp16WeightsMatchTheReferenceOnRoundedWeights(String kernel, int count) {
        assumeFalse(ON_DEVICE && !Boolean.getBoolean("attnc.device.fp16"), "FP16 kernels need a device with cl_khr_fp16 (or CUDA):"
                + " run with -Dattnc.device.fp16=true on one");
        Problem problem = Problem.random(SEED + 7 * count, count, 70, 131, true, GELU_TANH);
        float[] actual = harness.run(problem.launch(kernel, -2), new long[1]);
        // Round to binary16 by hand (nearest, ties to even), independently of the JDK's conversion.
        float[] rounded = new float[problem.weight().length];
        for (int i = 0; i < rounded.length; i++) {
            rounded[i] = toHalf(problem.weight()[i]);
            assertEquals(Float.float16ToFloat(Float.floatToFloat16(problem.weight()[i])), rounded[i], 0.0);
        }
        problem.check(actual, rounded, kernel);
        // Each weight moves by at most half a binary16 step (2^-11 of itself, 2^-25 below 2^-14), and some do move.
        boolean differs = false;
        for (int i = 0; i < rounded.length; i++) {
            assertTrue(Math.abs(rounded[i] - problem.weight()[i]) <= Math.max(Math.abs(problem.weight()[i]) * 0x1p-11, 0x1p-25));
            differs |= rounded[i] != problem.weight()[i];
        }
        assertTrue(differs, "the random weights should not all be exact in binary16");
    }

    /** The binary16 value nearest to x (|x| below 65504), ties to even; below 2^-14 the subnormal step 2^-24. */
    static float toHalf(float x) {
        if (x == 0) {
            return x;
        }
        int exponent = Math.max(Math.getExponent(x), -14);
        assertTrue(exponent <= 15, "outside the binary16 range: " + x);
        double ulp = Math.scalb(1.0, exponent - 10);
        return (float) (Math.rint(x / ulp) * ulp);
    }
}
