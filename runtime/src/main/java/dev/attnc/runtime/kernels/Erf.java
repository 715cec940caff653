package dev.attnc.runtime.kernels;

/**
 * The error function, which java.lang.Math lacks. Abramowitz and Stegun 7.1.26 would give
 * 1.5e-7; this uses the complementary function's Chebyshev fit from Numerical Recipes
 * (erfcc), whose fractional error is below 1.2e-7 everywhere, enough for float32 GELU.
 * It uses only exp and arithmetic, so GPU kernels can use the same formula.
 */
public final class Erf {
    private Erf() {
    }

    public static double erf(double x) {
        double z = Math.abs(x);
        double t = 1 / (1 + 0.5 * z);
        double erfc = t * Math.exp(-z * z - 1.26551223 + t * (1.00002368 + t * (0.37409196 + t * (0.09678418
                + t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587
                + t * (-0.82215223 + t * 0.17087277)))))))));
        return x >= 0 ? 1 - erfc : erfc - 1;
    }
}
