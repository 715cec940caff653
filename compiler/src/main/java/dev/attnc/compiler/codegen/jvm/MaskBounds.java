package dev.attnc.compiler.codegen.jvm;

import dev.attnc.compiler.ir.Scalar;
import dev.attnc.compiler.ir.Scalar.Type;
import java.util.ArrayList;
import java.util.List;

/**
 * The range of keys a mask can let through, read off its conjuncts, so the attention loop
 * visits only those: {@code causal} ends the range at {@code i}, {@code i - j < W} starts it at
 * {@code i - W + 1}, {@code j < len} ends it at {@code len}. What the bounds do not capture stays
 * as a per-key check ({@code rest}).
 *
 * @param firsts lower bounds on j (the loop starts at their max, and at 0)
 * @param ends   exclusive upper bounds on j (the loop ends at their min, and at the key count)
 * @param rest   the part of the mask still to test per key, or null
 */
public record MaskBounds(List<Scalar> firsts, List<Scalar> ends, Scalar rest) {
    private static final Scalar I = new Scalar.Var("i", Type.INT);
    private static final Scalar ONE = new Scalar.Const(1, Type.INT);

    public static MaskBounds of(Scalar mask) {
        List<Scalar> firsts = new ArrayList<>();
        List<Scalar> ends = new ArrayList<>();
        List<Scalar> rest = new ArrayList<>();
        for (Scalar conjunct : conjuncts(mask)) {
            if (!capture(conjunct, firsts, ends)) {
                rest.add(conjunct);
            }
        }
        Scalar remaining = null;
        for (Scalar part : rest) {
            remaining = remaining == null ? part : new Scalar.Binary("&&", remaining, part, Type.BOOL);
        }
        return new MaskBounds(firsts, ends, remaining);
    }

    private static List<Scalar> conjuncts(Scalar mask) {
        List<Scalar> parts = new ArrayList<>();
        if (mask == null) {
            return parts;
        }
        if (mask instanceof Scalar.Binary b && b.op().equals("&&")) {
            parts.addAll(conjuncts(b.left()));
            parts.addAll(conjuncts(b.right()));
        } else {
            parts.add(mask);
        }
        return parts;
    }

    /** Adds the bound a conjunct sets on j, if it is one of the shapes above. */
    private static boolean capture(Scalar conjunct, List<Scalar> firsts, List<Scalar> ends) {
        if (!(conjunct instanceof Scalar.Binary b)) {
            return false;
        }
        String op = b.op();
        // Put j on the left: "i >= j" is "j <= i".
        Scalar left = b.left();
        Scalar right = b.right();
        if (isJ(right) && !mentionsJ(left)) {
            Scalar swap = left;
            left = right;
            right = swap;
            op = switch (op) {
                case "<" -> ">";
                case "<=" -> ">=";
                case ">" -> "<";
                case ">=" -> "<=";
                default -> op;
            };
        }
        if (isJ(left) && !mentionsJ(right) && right.type() == Type.INT) {
            switch (op) {
                case "<" -> ends.add(right);
                case "<=" -> ends.add(plus(right, ONE));
                case ">" -> firsts.add(plus(right, ONE));
                case ">=" -> firsts.add(right);
                default -> {
                    return false;
                }
            }
            return true;
        }
        // i - j < W: a window of W keys ending at i.
        if (b.left() instanceof Scalar.Binary diff && diff.op().equals("-") && isI(diff.left()) && isJ(diff.right())
                && !mentionsJ(b.right()) && b.right().type() == Type.INT) {
            switch (b.op()) {
                case "<" -> firsts.add(plus(minus(I, b.right()), ONE));
                case "<=" -> firsts.add(minus(I, b.right()));
                default -> {
                    return false;
                }
            }
            return true;
        }
        return false;
    }

    private static boolean isJ(Scalar s) {
        return s instanceof Scalar.Var v && v.name().equals("j");
    }

    private static boolean isI(Scalar s) {
        return s instanceof Scalar.Var v && v.name().equals("i");
    }

    private static boolean mentionsJ(Scalar s) {
        return switch (s) {
            case Scalar.Var v -> v.name().equals("j");
            case Scalar.Const c -> false;
            case Scalar.Read r -> r.indices().stream().anyMatch(MaskBounds::mentionsJ);
            case Scalar.Unary u -> mentionsJ(u.operand());
            case Scalar.Binary b -> mentionsJ(b.left()) || mentionsJ(b.right());
            case Scalar.Call c -> c.args().stream().anyMatch(MaskBounds::mentionsJ);
        };
    }

    private static Scalar plus(Scalar a, Scalar b) {
        return new Scalar.Binary("+", a, b, Type.INT);
    }

    private static Scalar minus(Scalar a, Scalar b) {
        return new Scalar.Binary("-", a, b, Type.INT);
    }
}
