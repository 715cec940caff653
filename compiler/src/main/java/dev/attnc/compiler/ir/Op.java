package dev.attnc.compiler.ir;

/** Every operation of the attention graph, grouped by kind. */
public enum Op {
    // sources
    INPUT(Kind.SOURCE, "input"),
    PARAM(Kind.SOURCE, "param"),
    ARANGE(Kind.SOURCE, "arange"),
    SINUSOIDAL(Kind.POSITION, "sinusoidal"),
    /** A number known only when the model runs ({@code log(T) / log(512)}): a rank-0 float, its expression in exprs "value". */
    NUMBER(Kind.SOURCE, "number"),

    // layers with weights
    LINEAR(Kind.LAYER, "linear"),
    EMBEDDING(Kind.LAYER, "embedding"),
    LAYERNORM(Kind.NORM, "layernorm"),
    RMSNORM(Kind.NORM, "rmsnorm"),

    // elementwise math
    ADD(Kind.ELEMENTWISE, "add"),
    SUB(Kind.ELEMENTWISE, "sub"),
    MUL(Kind.ELEMENTWISE, "mul"),
    DIV(Kind.ELEMENTWISE, "div"),
    NEG(Kind.ELEMENTWISE, "neg"),
    RELU(Kind.ELEMENTWISE, "relu"),
    GELU(Kind.ELEMENTWISE, "gelu"),
    GELU_TANH(Kind.ELEMENTWISE, "gelu_tanh"),
    SILU(Kind.ELEMENTWISE, "silu"),
    SIGMOID(Kind.ELEMENTWISE, "sigmoid"),
    TANH(Kind.ELEMENTWISE, "tanh"),
    EXP(Kind.ELEMENTWISE, "exp"),
    LOG(Kind.ELEMENTWISE, "log"),
    SQRT(Kind.ELEMENTWISE, "sqrt"),
    SWIGLU(Kind.ELEMENTWISE, "swiglu"),
    SOFTCAP(Kind.ELEMENTWISE, "softcap"),
    ABS(Kind.ELEMENTWISE, "abs"),
    POW(Kind.ELEMENTWISE, "pow"),
    MINIMUM(Kind.ELEMENTWISE, "min"),
    MAXIMUM(Kind.ELEMENTWISE, "max"),
    /** {@code a < b} and the other comparisons (attr "cmp"): 1 where true, 0 where false, as floats. */
    COMPARE(Kind.ELEMENTWISE, "compare"),
    /** {@code where(c, a, b)}: a where c is not 0, else b; a number side is attr "a" or "b" instead of an input. */
    WHERE(Kind.ELEMENTWISE, "where"),

    // reductions and contractions
    SOFTMAX(Kind.REDUCE, "softmax"),
    /**
     * sum, mean, max or min (attr "reduce") over axis "dim" of input 0, the axis kept as 1 when
     * "keepdim" is true; an optional int input 1 along that axis leaves out positions where it is 0.
     */
    REDUCE(Kind.REDUCE, "reduce"),
    MATMUL(Kind.CONTRACT, "matmul"),

    // movement
    SLICE(Kind.MOVEMENT, "slice"),
    CONCAT(Kind.MOVEMENT, "concat"),
    TRANSPOSE(Kind.MOVEMENT, "transpose"),
    HEADS(Kind.MOVEMENT, "heads"),
    MERGE_HEADS(Kind.MOVEMENT, "merge_heads"),
    /** {@code x[k]}: the leading axes fixed at constant indices (attr "index", comma-separated); a view. */
    SELECT(Kind.MOVEMENT, "select"),
    /** A fresh copy: what a repeat hands the next layer when its value would otherwise alias another. */
    COPY(Kind.MOVEMENT, "copy"),

    // positions and attention
    ROPE(Kind.POSITION, "rope"),
    ATTENTION(Kind.ATTENTION, "attention"),

    // repeat
    CARRY(Kind.LOOP, "carry"),

    OUTPUT(Kind.SINK, "output");

    public enum Kind { SOURCE, LAYER, NORM, ELEMENTWISE, REDUCE, CONTRACT, MOVEMENT, POSITION, ATTENTION, LOOP, SINK }

    private final Kind kind;
    private final String spelling;

    Op(Kind kind, String spelling) {
        this.kind = kind;
        this.spelling = spelling;
    }

    public Kind kind() {
        return kind;
    }

    /** The name used in printed graphs; for ops a user can call, the name in .attn. */
    public String spelling() {
        return spelling;
    }
}
