package dev.attnc.runtime.kernels;

/** Elementwise functions of two values, as applied by {@link Kernels}. */
public enum BinaryOp {
    ADD, SUB, MUL, DIV,
    /**
     * {@code silu(a) * b}: the gated unit of SwiGLU, with SiLU's float formula
     * ({@link FloatMath#silu}), which SIMD lanes reproduce bit for bit.
     */
    SWIGLU,
    /** {@code a ** b}; a square is a product, exact as in PyTorch. */
    POW,
    MIN, MAX,
    /** Comparisons: 1 where true, 0 where false. */
    LT, LE, GT, GE, EQ, NE;

    public float apply(float a, float b) {
        return switch (this) {
            case ADD -> a + b;
            case SUB -> a - b;
            case MUL -> a * b;
            case DIV -> a / b;
            case SWIGLU -> FloatMath.silu(a) * b;
            case POW -> b == 2 ? a * a : (float) Math.pow(a, b);
            case MIN -> Math.min(a, b);
            case MAX -> Math.max(a, b);
            case LT -> a < b ? 1 : 0;
            case LE -> a <= b ? 1 : 0;
            case GT -> a > b ? 1 : 0;
            case GE -> a >= b ? 1 : 0;
            case EQ -> a == b ? 1 : 0;
            case NE -> a != b ? 1 : 0;
        };
    }

    /** On whole numbers (positions, ids): +, -, *, min and max. */
    public int apply(int a, int b) {
        return switch (this) {
            case ADD -> a + b;
            case SUB -> a - b;
            case MUL -> a * b;
            case MIN -> Math.min(a, b);
            case MAX -> Math.max(a, b);
            default -> throw new UnsupportedOperationException(this + " on whole numbers");
        };
    }
}
