package dev.attnc.runtime.kernels;

/** Elementwise functions of two values, as applied by {@link Kernels}. */
public enum BinaryOp {
    ADD, SUB, MUL, DIV,
    /** {@code silu(a) * b}: the gated unit of SwiGLU. */
    SWIGLU;

    public float apply(float a, float b) {
        return switch (this) {
            case ADD -> a + b;
            case SUB -> a - b;
            case MUL -> a * b;
            case DIV -> a / b;
            case SWIGLU -> (float) (a / (1 + Math.exp(-a))) * b;
        };
    }
}
