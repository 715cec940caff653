package dev.attnc.runtime.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.util.SplittableRandom;
import java.util.function.DoubleUnaryOperator;
import jdk.incubator.vector.FloatVector;
import org.junit.jupiter.api.Test;

/**
 * The float activations of {@link FloatMath} against float64 references written here from the
 * definitions (erf by its Taylor series and erfc by its continued fraction), on a dense grid of
 * [-10, 10], on the tails, and on seeded random values; and {@link VectorMath} lane by lane
 * against its scalar twin, bit for bit.
 */
class ActivationAccuracyTest {
    /** Largest error allowed: this many units in the last place of the result, or ABSOLUTE, whichever is larger. */
    static final double ULPS = 2;
    static final double ABSOLUTE = 1e-7;

    /** erfc(z) for z >= 0, in double: Taylor series of erf below 2.5, continued fraction above. */
    static double erfc(double z) {
        return z < 2.5 ? erfcBySeries(z) : erfcByFraction(z);
    }

    static double erfcBySeries(double z) {
        {
            double term = z;
            double sum = z;
            double z2 = z * z;
            for (int n = 1; n < 200 && Math.abs(term) > 1e-20 * Math.abs(sum); n++) {
                term *= -z2 / n;
                sum += term / (2 * n + 1);
            }
            return 1 - 2 / Math.sqrt(Math.PI) * sum;
        }
    }

    static double erfcByFraction(double z) {
        // erfc(z) = e^(-z^2) / sqrt(pi) / (z + (1/2) / (z + 1 / (z + (3/2) / (z + ...)))), evaluated from the tail.
        double fraction = z;
        for (int k = 400; k >= 1; k--) {
            fraction = z + (k / 2.0) / fraction;
        }
        return Math.exp(-z * z) / Math.sqrt(Math.PI) / fraction;
    }

    /** The standard normal distribution function. */
    static double phi(double x) {
        double z = Math.abs(x) / Math.sqrt(2);
        return x < 0 ? 0.5 * erfc(z) : 1 - 0.5 * erfc(z);
    }

    static double gelu(double x) {
        return x * phi(x);
    }

    static double geluTanh(double x) {
        return 0.5 * x * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (x + 0.044715 * x * x * x)));
    }

    static double silu(double x) {
        return x / (1 + Math.exp(-x));
    }

    @Test
    void referenceMatchesTabulatedValues() {
        // Values of erf and erfc from tables (Abramowitz and Stegun 7.1; erfc(5) from its asymptotic series).
        assertEquals(0.5204998778130465, 1 - erfc(0.5), 1e-15);
        assertEquals(0.9953222650189527, 1 - erfc(2.0), 1e-15);
        assertEquals(2.209049699858544e-05, erfc(3.0), 1e-18);
        assertEquals(1.5374597944280349e-12, erfc(5.0), 1e-24);
        // The two branches of the reference agree where they meet.
        assertEquals(erfcBySeries(2.5), erfcByFraction(2.5), 1e-14);
    }

    @Test
    void geluWithinBoundOnGridTailsAndRandomValues() {
        check("gelu", FloatMath::gelu, ActivationAccuracyTest::gelu);
    }

    @Test
    void geluTanhWithinBoundOnGridTailsAndRandomValues() {
        check("gelu_tanh", FloatMath::geluTanh, ActivationAccuracyTest::geluTanh);
    }

    @Test
    void siluWithinBoundOnGridTailsAndRandomValues() {
        check("silu", FloatMath::silu, ActivationAccuracyTest::silu);
    }

    interface FloatFunction {
        float apply(float x);
    }

    private static void check(String name, FloatFunction got, DoubleUnaryOperator want) {
        double worstUlps = 0;
        double worstAbsolute = 0;
        float worstAt = Float.NaN;
        for (float x : values()) {
            double expected = want.applyAsDouble(x);
            double error = Math.abs(got.apply(x) - expected);
            double ulps = error / Math.ulp((float) expected);
            worstAbsolute = Math.max(worstAbsolute, error);
            if (error > ABSOLUTE && ulps > worstUlps) {
                worstUlps = ulps;
                worstAt = x;
            }
        }
        System.out.printf("%s: max |error| %.3g, max error %.2f ulp where |error| > %.0e (at x = %s)%n", name,
                worstAbsolute, worstUlps, ABSOLUTE, worstAt);
        assertTrue(worstUlps <= ULPS, name + ": " + worstUlps + " ulp at x = " + worstAt);
    }

    /** A grid of step 1/8192 over [-10, 10], the tails out to 1e4, and seeded random values. */
    static float[] values() {
        int grid = 20 * 8192 + 1;
        int tails = 2 * 20000;
        int random = 200000;
        float[] values = new float[grid + tails + random];
        int k = 0;
        for (int i = 0; i < grid; i++) {
            values[k++] = -10f + i / 8192f;
        }
        for (int i = 0; i < tails / 2; i++) {
            float magnitude = (float) (10 * Math.pow(1000, i / (tails / 2.0)));
            values[k++] = magnitude;
            values[k++] = -magnitude;
        }
        SplittableRandom seeded = new SplittableRandom(20261206);
        for (int i = 0; i < random; i++) {
            values[k++] = (float) (i % 2 == 0 ? seeded.nextDouble(-12, 12) : seeded.nextGaussian() * 3);
        }
        return values;
    }

    @Test
    void specialValues() {
        assertEquals(Float.POSITIVE_INFINITY, FloatMath.gelu(Float.POSITIVE_INFINITY));
        assertTrue(Float.isNaN(FloatMath.gelu(Float.NaN)));
        assertEquals(0f, FloatMath.gelu(0f));
        assertEquals(Float.MAX_VALUE, FloatMath.gelu(Float.MAX_VALUE));
        assertEquals(-0f, FloatMath.gelu(-Float.MAX_VALUE));
        assertEquals(0.5f * Float.MIN_NORMAL, FloatMath.gelu(Float.MIN_NORMAL));
        assertEquals(Float.POSITIVE_INFINITY, FloatMath.geluTanh(Float.POSITIVE_INFINITY));
        assertEquals(-0f, FloatMath.geluTanh(-100f));
        assertEquals(-0f, FloatMath.silu(-200f));
        assertEquals(200f, FloatMath.silu(200f));
    }

    @Test
    void vectorLanesEqualScalarTwinBitForBit() {
        assumeTrue(Simd.enabled(), "the Vector API module jdk.incubator.vector is absent or SIMD is turned off");
        float[] values = values();
        float[] specials = {Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, Float.MAX_VALUE,
                -Float.MAX_VALUE, Float.MIN_VALUE, -Float.MIN_VALUE, 0f, -0f, 88.5f, -88.5f, 1e-30f, -1e-30f};
        float[] all = new float[values.length + specials.length];
        System.arraycopy(values, 0, all, 0, values.length);
        System.arraycopy(specials, 0, all, values.length, specials.length);
        int lanes = FloatVector.SPECIES_PREFERRED.length();
        float[] padded = new float[(all.length + lanes - 1) / lanes * lanes];
        System.arraycopy(all, 0, padded, 0, all.length);
        for (Activation activation : Activation.values()) {
            float[] out = new float[padded.length];
            if (!VectorMath.unaryHasLanes(activation)) {
                // computed in double, so no lane form has the scalar bits: refused, never approximated
                assertThrows(IllegalArgumentException.class,
                        () -> VectorMath.unary(activation, padded.length, padded, 0, out, 0));
                continue;
            }
            VectorMath.unary(activation, padded.length, padded, 0, out, 0);
            for (int i = 0; i < padded.length; i++) {
                float want = activation.apply(padded[i]);
                if (Float.floatToIntBits(out[i]) != Float.floatToIntBits(want)) {
                    throw new AssertionError(activation + "(" + padded[i] + "): vector " + out[i] + ", scalar " + want);
                }
            }
        }
    }
}
