package dev.attnc.runtime.kernels;

/**
 * Elementwise functions of one value, as applied by {@link Kernels}. GELU, its tanh form and SiLU
 * are computed in float by {@link FloatMath}, whose SIMD twin (the same bits) the linear layer's
 * epilogue uses; the others in double, rounded once.
 */
public enum Activation {
    NONE, RELU, GELU, GELU_TANH, SILU, SIGMOID, TANH, EXP, LOG, SQRT, NEG, ABS;

    public float apply(float x) {
        return switch (this) {
            case NONE -> x;
            case RELU -> x > 0 ? x : 0;
            case GELU -> FloatMath.gelu(x);
            case GELU_TANH -> FloatMath.geluTanh(x);
            case SILU -> FloatMath.silu(x);
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
