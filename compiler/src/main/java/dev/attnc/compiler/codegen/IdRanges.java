package dev.attnc.compiler.codegen;

import dev.attnc.compiler.ir.DType;
import dev.attnc.compiler.ir.Dim;
import dev.attnc.compiler.ir.Node;
import dev.attnc.compiler.ir.Op;
import java.util.function.ToLongFunction;

/**
 * The values a computed int tensor can hold, where the compiler can tell: positions
 * ({@code arange(T)}) shifted, scaled or combined with {@code + - * min max}. An embedding
 * indexed by such ids needs no check at run time when the range fits its table, and can never
 * work when it does not (both backends refuse it); ids that depend on an input are checked where
 * they are read (JVM) or refused (TornadoVM, whose kernels cannot throw).
 */
public final class IdRanges {
    private IdRanges() {
    }

    /** Smallest and largest value. */
    public record Range(long low, long high) {
        public boolean inside(long rows) {
            return low >= 0 && high < rows;
        }
    }

    /**
     * The range of {@code node}'s values for run-time dims up to their largest, or null when they
     * depend on an input (or anything else not followed here).
     *
     * @param largest a dim's largest value
     */
    public static Range of(Node node, ToLongFunction<Dim> largest) {
        if (node.type().dtype() != DType.INT) {
            return null;
        }
        return switch (node.op()) {
            // With a KV cache positions start at the cached count, but never reach past the largest T either.
            case ARANGE -> new Range(0, Math.max(0, largest.applyAsLong(node.type().dim(0)) - 1));
            case ADD, SUB, MUL, MINIMUM, MAXIMUM -> {
                Range a = of(node.input(0), largest);
                if (a == null) {
                    yield null;
                }
                Range b;
                boolean numberLeft = "left".equals(node.attrs().get("scalar_side"));
                if (node.attrs().containsKey("scalar")) {
                    long value = (long) Double.parseDouble(node.attr("scalar"));
                    b = new Range(value, value);
                } else {
                    b = of(node.input(1), largest);
                }
                if (b == null) {
                    yield null;
                }
                Range left = numberLeft ? b : a;
                Range right = numberLeft ? a : b;
                yield combine(node.op(), left, right);
            }
            default -> null;
        };
    }

    private static Range combine(Op op, Range a, Range b) {
        return switch (op) {
            case ADD -> new Range(a.low + b.low, a.high + b.high);
            case SUB -> new Range(a.low - b.high, a.high - b.low);
            case MUL -> {
                long[] products = {a.low * b.low, a.low * b.high, a.high * b.low, a.high * b.high};
                long low = Long.MAX_VALUE;
                long high = Long.MIN_VALUE;
                for (long p : products) {
                    low = Math.min(low, p);
                    high = Math.max(high, p);
                }
                yield new Range(low, high);
            }
            case MINIMUM -> new Range(Math.min(a.low, b.low), Math.min(a.high, b.high));
            case MAXIMUM -> new Range(Math.max(a.low, b.low), Math.max(a.high, b.high));
            default -> throw new IllegalArgumentException(op.toString());
        };
    }
}
