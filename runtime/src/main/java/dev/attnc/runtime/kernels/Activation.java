package dev.attnc.runtime.kernels;

/** Elementwise functions of one value, as applied by {@link Kernels}. */
public enum Activation {
    NONE, RELU, GELU, GELU_TANH, SILU, SIGMOID, TANH, EXP, LOG, SQRT, NEG, ABS;

    private static final double SQRT_2_OVER_PI = Math.sqrt(2 / Math.PI);
    private static final double INV_SQRT_2 = 1 / Math.sqrt(2);

    public float apply(float x) {
        return switch (this) {
            case NONE -> x;
            case RELU -> x > 0 ? x : 0;
            case GELU -> (float) (0.5 * x * (1 + Erf.erf(x * INV_SQRT_2)));
            case GELU_TANH -> (float) (0.5 * x * (1 + Math.tanh(SQRT_2_OVER_PI * (x + 0.044715 * x * x * x))));
            case SILU -> (float) (x / (1 + Math.exp(-x)));
            case SIGMOID -> (float) (1 / (1 + Math.exp(-x)));
            case TANH -> (float) Math.tanh(x);
            case EXP -> (float) Math.exp(x);
            case LOG -> (float) Math.log(x);
            case SQRT -> (float) Math.sqrt(x);
            case NEG -> -x;
            case ABS -> Math.abs(x);
        };
    }
}
