package dev.attnc.runtime.kernels;

/**
 * Activations in float arithmetic, for the linear layer's epilogue: the scalar twins of
 * {@link VectorMath}, doing the same operations in the same order (fused multiply-adds included)
 * so that both give the same bits. This class must not touch the Vector API: it is what runs when
 * the JVM lacks {@code jdk.incubator.vector}.
 *
 * <p>GELU is {@code x * Phi(x)} with {@code Phi(x) = erfc(-x / sqrt 2) / 2}, computed so that it
 * keeps its relative accuracy in both tails: a Taylor series of erf near zero, and for larger
 * arguments {@code erfc(z) = t exp(-z^2 + P(t))}, {@code t = 1 / (1 + z / 2)} (the Chebyshev fit
 * of Numerical Recipes' erfcc, fractional error below 1.2e-7), with {@code z^2} carried as two
 * floats ({@code x^2 / 2} exactly) into the exponential so that rounding does not cost accuracy
 * at large {@code z}.
 * Measured against a float64 reference (ActivationAccuracyTest, a grid of step 1/8192 on [-10, 10],
 * the tails to 1e4 and seeded random values): within 2 units in the last place wherever the error
 * is above 1e-7 absolute (worst 1.8 ulp; largest absolute error 3.8e-7, at |x| near 1 to 10).
 */
public final class FloatMath {
    private FloatMath() {
    }

    static final float LOG2_E = 1.44269504f;
    /** ln 2 in two parts; the first has few enough bits that {@code n * LN2_HIGH} is exact. */
    static final float LN2_HIGH = 0.693359375f;
    static final float LN2_LOW = -2.12194440e-4f;
    /** 1.5 * 2^23: adding it rounds a float below 2^22 to an integer, kept in the low bits. */
    static final float ROUNDER = 12582912f;
    /** Below this, exp underflows to (near) subnormals: the result is taken as zero. */
    static final float EXP_MIN = -87.0f;
    /** Above this, exp overflows: the argument is clamped, and the result is infinity. */
    static final float EXP_MAX = 88.0f;
    /** 1 / k! for the Taylor polynomial of exp on [-ln2 / 2, ln2 / 2]; error below 6e-9. */
    static final float E2 = 1f / 2, E3 = 1f / 6, E4 = 1f / 24, E5 = 1f / 120, E6 = 1f / 720, E7 = 1f / 5040;

    static final float INV_SQRT_2 = 0.70710678f;
    /** Below this |z| erf comes from its Taylor series, above from erfc. */
    static final float SERIES_LIMIT = 0.75f;
    /** 2 / sqrt(pi) times (-1)^n / (n! (2n + 1)), n = 0..9: the series of erf(z) / z in z^2. */
    static final float S0 = (float) (2 / Math.sqrt(Math.PI));
    static final float S1 = (float) (-2 / Math.sqrt(Math.PI) / 3);
    static final float S2 = (float) (2 / Math.sqrt(Math.PI) / 10);
    static final float S3 = (float) (-2 / Math.sqrt(Math.PI) / 42);
    static final float S4 = (float) (2 / Math.sqrt(Math.PI) / 216);
    static final float S5 = (float) (-2 / Math.sqrt(Math.PI) / 1320);
    static final float S6 = (float) (2 / Math.sqrt(Math.PI) / 9360);
    static final float S7 = (float) (-2 / Math.sqrt(Math.PI) / 75600);
    static final float S8 = (float) (2 / Math.sqrt(Math.PI) / 685440);
    static final float S9 = (float) (-2 / Math.sqrt(Math.PI) / 6894720);
    /** The coefficients of the fit's exponent P(t), lowest first. */
    static final float P0 = -1.26551223f, P1 = 1.00002368f, P2 = 0.37409196f, P3 = 0.09678418f, P4 = -0.18628806f,
            P5 = 0.27886807f, P6 = -1.13520398f, P7 = 1.48851587f, P8 = -0.82215223f, P9 = 0.17087277f;
    /** Past this |z|, erfc(z) is below the smallest normal float. */
    static final float ERFC_ZERO = 9.2f;

    static final float SQRT_2_OVER_PI = 0.79788456f;
    static final float TANH_CUBIC = 0.044715f;

    /** e^(high + low), {@code low} carrying what {@code high} cannot hold (or any small term). */
    static float exp(float high, float low) {
        float sum = high + low;
        float a = Math.min(Math.max(sum, EXP_MIN), EXP_MAX);
        float shifted = Math.fma(a, LOG2_E, ROUNDER);
        float n = shifted - ROUNDER;
        // r = high + low - n ln 2, with high - n ln 2 nearly exact.
        float r = Math.fma(-n, LN2_HIGH, high);
        r = Math.fma(-n, LN2_LOW, r) + low;
        float p = Math.fma(r, E7, E6);
        p = Math.fma(p, r, E5);
        p = Math.fma(p, r, E4);
        p = Math.fma(p, r, E3);
        p = Math.fma(p, r, E2);
        p = Math.fma(p, r, 1f);
        p = Math.fma(p, r, 1f);
        float scale = Float.intBitsToFloat((Float.floatToRawIntBits(shifted) + 127) << 23);
        float e = p * scale;
        if (sum < EXP_MIN) {
            return 0f;
        }
        return sum > EXP_MAX ? Float.POSITIVE_INFINITY : e;
    }

    static float exp(float x) {
        return exp(x, 0f);
    }

    /** Phi(x), the standard normal distribution function, with relative accuracy in both tails. */
    static float phi(float x) {
        float z = Math.abs(x) * INV_SQRT_2;
        // Near zero: erf(z) = z * S(z^2).
        float z2 = z * z;
        float s = Math.fma(z2, S9, S8);
        s = Math.fma(s, z2, S7);
        s = Math.fma(s, z2, S6);
        s = Math.fma(s, z2, S5);
        s = Math.fma(s, z2, S4);
        s = Math.fma(s, z2, S3);
        s = Math.fma(s, z2, S2);
        s = Math.fma(s, z2, S1);
        s = Math.fma(s, z2, S0);
        float erf = s * z;
        // Farther out: erfc(z) = t exp(-z^2 + P(t)), z^2 as high + low parts.
        float t = 1f / Math.fma(0.5f, z, 1f);
        float p = Math.fma(t, P9, P8);
        p = Math.fma(p, t, P7);
        p = Math.fma(p, t, P6);
        p = Math.fma(p, t, P5);
        p = Math.fma(p, t, P4);
        p = Math.fma(p, t, P3);
        p = Math.fma(p, t, P2);
        p = Math.fma(p, t, P1);
        p = Math.fma(p, t, P0);
        // z^2 = x^2 / 2 exactly as high + low (z itself is rounded, and e^(-z^2) would feel it).
        float high = 0.5f * (x * x);
        float low = 0.5f * Math.fma(x, x, -(x * x));
        float erfc = z > ERFC_ZERO ? 0f : t * exp(-high, p - low);
        float upper = z < SERIES_LIMIT ? Math.fma(-0.5f, erf, 0.5f) : 0.5f * erfc;
        return x < 0 ? upper : 1f - upper;
    }

    /** GELU, exact (erf) form: {@code x Phi(x)}. */
    public static float gelu(float x) {
        return x * phi(x);
    }

    /** GELU, tanh form: {@code x / 2 (1 + tanh(u))} = {@code x / (1 + e^(-2u))}, {@code u = sqrt(2/pi)(x + 0.044715 x^3)}. */
    public static float geluTanh(float x) {
        float u = SQRT_2_OVER_PI * Math.fma(TANH_CUBIC * x, x * x, x);
        return x / (1f + exp(-2f * u));
    }

    /** SiLU: {@code x / (1 + e^-x)}. */
    public static float silu(float x) {
        return x / (1f + exp(-x));
    }
}
