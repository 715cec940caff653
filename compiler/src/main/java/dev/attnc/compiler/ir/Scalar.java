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
     * {@code bounds} says per axis whether the checker proved the index inside the axis;
     * {@code site} names the read for the error thrown when a checked index falls outside.
     */
    record Read(int input, List<Scalar> indices, Type type, List<Bound> bounds, Site site) implements Scalar {
        public Read {
            indices = List.copyOf(indices);
            bounds = List.copyOf(bounds);
            if (bounds.size() != indices.size()) {
                throw new IllegalArgumentException(bounds.size() + " bounds for " + indices.size() + " indices");
            }
        }

        /** A read not yet analysed: every index is checked when it is evaluated. */
        public Read(int input, List<Scalar> indices, Type type) {
            this(input, indices, type, java.util.Collections.nCopies(indices.size(), Bound.CHECK), null);
        }
    }

    /** What is known of one index of a {@link Read} before the model runs. */
    enum Bound {
        /** Inside its axis for every allowed value of i, j, h, repeat indices and run-time dims. */
        INSIDE,
        /** Inside as long as keys are the key input's rows; past them (a KV cache) it is checked. */
        INSIDE_WITHOUT_CACHE,
        /** Not proved: checked each time it is evaluated. */
        CHECK
    }

    /**
     * A read as the user wrote it, for run-time errors: the tensor's name and each index as
     * .attn text ({@code rel}, {@code [h, i - j]}), the clause ({@code score}, {@code mask}) and
     * the position of the read ({@code model.attn:12:19}).
     */
    record Site(String tensor, List<String> indices, String clause, String position) {
        public Site {
            indices = List.copyOf(indices);
        }

        /** The read as written: {@code rel[h, i - j]}. */
        public String text() {
            return tensor + "[" + String.join(", ", indices) + "]";
        }
    }

    /** {@code -x} or {@code !c}. */
    record Unary(String op, Scalar operand, Type type) implements Scalar {
    }

    /** Arithmetic, comparison or logic, with the operator as written in .attn. */
    record Binary(String op, Scalar left, Scalar right, Type type) implements Scalar {
    }

    /** abs, min, max, clamp, exp, log, sqrt, tanh, sigmoid, floor, ceil, where, alibi_slope. */
    record Call(String function, List<Scalar> args, Type type) implements Scalar {
        public Call {
            args = List.copyOf(args);
        }
    }
}
