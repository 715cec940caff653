package dev.attnc.compiler.ir;

import java.util.List;

/**
 * The expressions inside an attention's {@code score} and {@code mask}: single numbers per
 * query {@code i}, key {@code j} and head {@code h}, typed, with constants already folded.
 * Backends inline them into their attention loops.
 */
public sealed interface Scalar {

    Type type();

    enum Type { INT, FLOAT, BOOL }

    /** A number: a literal or a folded constant. */
    record Const(double value, Type type) implements Scalar {
    }

    /**
     * A variable of the loop: {@code i}, {@code j}, {@code h}, {@code s}, a repeat index, or a
     * run-time dim such as {@code T}.
     */
    record Var(String name, Type type) implements Scalar {
    }

    /**
     * One element of a tensor the attention node reads: {@code input} is the position in the
     * node's inputs (after q, k, v), {@code indices} one per dim (none for a scalar).
     */
    record Read(int input, List<Scalar> indices, Type type) implements Scalar {
        public Read {
            indices = List.copyOf(indices);
        }
    }

    /** {@code -x} or {@code !c}. */
    record Unary(String op, Scalar operand, Type type) implements Scalar {
    }

    /** Arithmetic, comparison or logic, with the operator as written in .attn. */
    record Binary(String op, Scalar left, Scalar right, Type type) implements Scalar {
    }

    /** abs, min, max, exp, log, sqrt, tanh, sigmoid, floor, ceil, where, alibi_slope. */
    record Call(String function, List<Scalar> args, Type type) implements Scalar {
        public Call {
            args = List.copyOf(args);
        }
    }
}
