package dev.attnc.compiler.check;

import dev.attnc.compiler.ir.Dim;
import dev.attnc.compiler.ir.Node;
import dev.attnc.compiler.diag.Numbers;
import dev.attnc.compiler.ir.TensorType;
import java.util.List;

/** What an expression evaluates to while checking. */
sealed interface Value {

    /** A number known at compile time: {@code 768}, {@code 1e-5}, {@code D / H}. */
    record Num(double value, boolean isInt) implements Value {
        long asLong() {
            return (long) value;
        }

        @Override
        public String toString() {
            return isInt ? Long.toString((long) value) : Numbers.format(value);
        }
    }

    /** A whole number that depends on run-time dims, such as {@code T} or {@code T + 1}. */
    record Size(Dim dim) implements Value {
    }

    /**
     * A number known only when the model runs, such as {@code log(T) / log(512)}: its expression
     * over the run-time dims, evaluated once per call where a tensor or a clause uses it.
     */
    record RunNum(dev.attnc.compiler.ir.Scalar scalar) implements Value {
    }

    /** {@code true} or {@code false}, for flags such as {@code bias = false}. */
    record Flag(boolean value) implements Value {
    }

    /** A tensor computed by the graph. */
    record Tensor(Node node) implements Value {
        TensorType type() {
            return node.type();
        }
    }

    /** Several values at once, from {@code split} or a block returning more than one. */
    record Tuple(List<Value> items) implements Value {
    }
}
