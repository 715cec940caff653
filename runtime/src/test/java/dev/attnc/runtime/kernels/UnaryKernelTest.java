package dev.attnc.runtime.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.util.SplittableRandom;
import java.util.function.DoubleUnaryOperator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * {@link Kernels#unary} (SIMD for the activations that have lanes, scalar otherwise) for every
 * activation: against a float64 reference written from each definition, on seeded random views
 * that are contiguous, padded between rows, strided between columns and written in place; bit
 * for bit against {@link Activation#apply} value by value; and across thread splits (a view large
 * enough to be shared by the workers).
 */
class UnaryKernelTest {
    /** Allowed error: this many units in the last place of the float result, or ABSOLUTE, whichever is larger. */
    static final double ULPS = 2;
    static final double ABSOLUTE = 1e-7;

    /** The float64 definition of each activation (GELU's from the erfc reference of ActivationAccuracyTest). */
    static DoubleUnaryOperator reference(Activation activation) {
        return switch (activation) {
            case NONE -> x -> x;
            case RELU -> x -> Math.max(x, 0);
            case GELU -> ActivationAccuracyTest::gelu;
            case GELU_TANH -> ActivationAccuracyTest::geluTanh;
            case SILU -> ActivationAccuracyTest::silu;
            case SIGMOID -> x -> 1 / (1 + Math.exp(-x));
            case TANH -> Math::tanh;
            case EXP -> Math::exp;
            case LOG -> Math::log;
            case SQRT -> Math::sqrt;
            case NEG -> x -> -x;
            case ABS -> Math::abs;
        };
    }

    /** Inputs the activation is defined on: positive for LOG and SQRT, [-12, 12) otherwise. */
    static float input(Activation activation, SplittableRandom random) {
        return switch (activation) {
            case LOG, SQRT -> (float) random.nextDouble(1e-3, 100);
            default -> (float) random.nextDouble(-12, 12);
        };
    }

    static void assertNear(double want, float got, String where) {
        double bound = Math.max(ABSOLUTE, ULPS * Math.ulp((float) want));
        assertTrue(Math.abs(got - want) <= bound, where + ": got " + got + ", float64 reference " + want
                + ", bound " + bound);
    }

    /** One view: rows x cols taken at {@code at} with the given strides from an array of {@code size} values. */
    record View(int rows, int cols, int at, int rowStride, int colStride, int size) {
        int index(int r, int c) {
            return at + r * rowStride + c * colStride;
        }
    }

    static final View[] VIEWS = {
        new View(5, 37, 0, 37, 1, 5 * 37),              // contiguous, with a tail after the last full vector
        new View(7, 40, 3, 45, 1, 3 + 7 * 45),          // rows padded apart, offset
        new View(6, 19, 1, 40, 2, 1 + 6 * 40),          // columns two apart: the scalar loop
        new View(1, 3, 2, 3, 1, 5),                     // shorter than a vector
        new View(64, 1024, 0, 1024, 1, 64 * 1024),      // large enough to be split over the workers
    };

    @ParameterizedTest
    @EnumSource(Activation.class)
    void matchesFloat64ReferenceAndScalarBitsOnEveryView(Activation activation) {
        DoubleUnaryOperator reference = reference(activation);
        SplittableRandom random = new SplittableRandom(42 + activation.ordinal());
        for (View view : VIEWS) {
            float[] in = new float[view.size];
            for (int i = 0; i < in.length; i++) {
                in[i] = input(activation, random);
            }
            float[] out = new float[view.size];
            float untouched = -1234.5f;
            java.util.Arrays.fill(out, untouched);
            Kernels.unary(activation, view.rows, view.cols, in, view.at, view.rowStride, view.colStride,
                    out, view.at, view.rowStride, view.colStride);
            boolean[] written = new boolean[view.size];
            for (int r = 0; r < view.rows; r++) {
                for (int c = 0; c < view.cols; c++) {
                    int i = view.index(r, c);
                    written[i] = true;
                    String where = activation + " " + view + " at (" + r + ", " + c + "), x = " + in[i];
                    assertNear(reference.applyAsDouble(in[i]), out[i], where);
                    assertEquals(Float.floatToRawIntBits(activation.apply(in[i])), Float.floatToRawIntBits(out[i]),
                            where + ": not the bits of the scalar activation");
                }
            }
            for (int i = 0; i < view.size; i++) {
                if (!written[i]) {
                    assertEquals(untouched, out[i], activation + " " + view + ": wrote outside the view at " + i);
                }
            }
        }
    }

    @ParameterizedTest
    @EnumSource(Activation.class)
    void inPlaceGivesTheSameAsIntoAnotherArray(Activation activation) {
        SplittableRandom random = new SplittableRandom(7 + activation.ordinal());
        for (View view : VIEWS) {
            float[] in = new float[view.size];
            for (int i = 0; i < in.length; i++) {
                in[i] = input(activation, random);
            }
            float[] apart = new float[view.size];
            Kernels.unary(activation, view.rows, view.cols, in, view.at, view.rowStride, view.colStride,
                    apart, view.at, view.rowStride, view.colStride);
            float[] inPlace = in.clone();
            Kernels.unary(activation, view.rows, view.cols, inPlace, view.at, view.rowStride, view.colStride,
                    inPlace, view.at, view.rowStride, view.colStride);
            for (int r = 0; r < view.rows; r++) {
                for (int c = 0; c < view.cols; c++) {
                    int i = view.index(r, c);
                    assertEquals(Float.floatToRawIntBits(apart[i]), Float.floatToRawIntBits(inPlace[i]),
                            activation + " " + view + " in place at (" + r + ", " + c + ")");
                }
            }
        }
    }

    /**
     * A view written over its own array one value further on: the result must be the scalar
     * loop's, which reads each value after the one before it was written (so the first input
     * spreads along the row), not a vector's, which reads a whole vector before writing.
     */
    @Test
    void overlappingOutputKeepsTheScalarOrder() {
        int n = 50;
        float[] values = new float[n + 1];
        SplittableRandom random = new SplittableRandom(3);
        for (int i = 0; i < values.length; i++) {
            values[i] = (float) random.nextDouble(-4, 4);
        }
        float[] want = values.clone();
        for (int c = 0; c < n; c++) {
            want[1 + c] = -want[c];
        }
        Kernels.unary(Activation.NEG, 1, n, values, 0, n, 1, values, 1, n, 1);
        for (int i = 0; i <= n; i++) {
            assertEquals(want[i], values[i], "value " + i);
        }
    }

    @Test
    void simdPathIsTheOneTested() {
        assumeTrue(Simd.enabled(), "the Vector API module (--add-modules jdk.incubator.vector) is absent: only the scalar loop ran");
        assertTrue(VectorMath.unaryHasLanes(Activation.GELU) && VectorMath.unaryHasLanes(Activation.SQRT));
    }
}
