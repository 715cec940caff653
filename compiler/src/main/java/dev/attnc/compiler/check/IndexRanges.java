package dev.attnc.compiler.check;

import dev.attnc.compiler.ir.Dim;
import dev.attnc.compiler.ir.Scalar;
import dev.attnc.compiler.ir.Scalar.Bound;
import dev.attnc.compiler.ir.Scalar.Type;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * Interval analysis of the indices in an attention's clauses: over the ranges of the query
 * {@code i}, the key {@code j}, the distance {@code i - j}, the head {@code h}, repeat indices
 * and run-time dims, each index of each read is proved inside its axis ({@link Bound#INSIDE}),
 * or left to a run-time check ({@link Bound#CHECK}), or found outside for every allowed value
 * (an error, reported through {@link Outside}).
 *
 * <p>Reads are evaluated only where they are reached: a score only for the keys the mask lets
 * through, the right of {@code &&} only where its left holds, a branch of {@code where} only
 * where its condition says. Conditions made of whole-number comparisons of {@code i}, {@code j}
 * and {@code i - j} narrow the ranges accordingly, so a causal {@code rel[h, i - j]} knows
 * {@code i - j >= 0}.
 *
 * <p>The arithmetic is that of the generated Java: ints wrap. Sums, differences and products
 * wrap consistently (modulo 2^32), so a result proved inside an axis is exact; every other
 * operation (min, abs, %, ...) on an operand that may leave the int range is taken to give any
 * int. Float operations are widened by their rounding before {@code floor} and {@code ceil}.
 */
final class IndexRanges {
    /** An index found outside its axis for every allowed value. */
    interface Outside {
        void report(Scalar.Read read, int axis, Range index, Range size);
    }

    private static final double INT_MIN = Integer.MIN_VALUE;
    private static final double INT_MAX = Integer.MAX_VALUE;
    /** A bound on the relative rounding of one float operation (2^-24), with room for a conversion. */
    private static final double FLOAT_ROUNDING = 0x1p-22;

    /** Whole or real numbers from lo to hi, ends included (infinite ends allowed); empty when lo > hi. */
    record Range(double lo, double hi) {
        static final Range ALL = new Range(Double.NEGATIVE_INFINITY, Double.POSITIVE_INFINITY);
        static final Range INTS = new Range(INT_MIN, INT_MAX);
        static final Range BOOL = new Range(0, 1);

        static Range of(double value) {
            return new Range(value, value);
        }

        boolean isEmpty() {
            return lo > hi;
        }

        boolean isPoint() {
            return lo == hi && Double.isFinite(lo);
        }

        boolean withinInts() {
            return lo >= INT_MIN && hi <= INT_MAX;
        }

        Range plus(Range other) {
            return new Range(sum(lo, other.lo, Double.NEGATIVE_INFINITY), sum(hi, other.hi, Double.POSITIVE_INFINITY));
        }

        Range negate() {
            return new Range(-hi, -lo);
        }

        Range times(Range other) {
            double[] products = {product(lo, other.lo), product(lo, other.hi), product(hi, other.lo), product(hi, other.hi)};
            double min = products[0];
            double max = products[0];
            for (double p : products) {
                min = Math.min(min, p);
                max = Math.max(max, p);
            }
            return new Range(min, max);
        }

        Range scale(double factor) {
            return times(Range.of(factor));
        }

        Range union(Range other) {
            if (isEmpty()) {
                return other;
            }
            return other.isEmpty() ? this : new Range(Math.min(lo, other.lo), Math.max(hi, other.hi));
        }

        Range intersect(Range other) {
            return new Range(Math.max(lo, other.lo), Math.min(hi, other.hi));
        }

        /** Room for the rounding of a float result. */
        Range rounded() {
            return new Range(lo - Math.abs(lo) * FLOAT_ROUNDING, hi + Math.abs(hi) * FLOAT_ROUNDING);
        }

        private static double sum(double a, double b, double ifUndefined) {
            double s = a + b;
            return Double.isNaN(s) ? ifUndefined : s;
        }

        /** 0 times an infinite end is 0: the end stands for a finite value without a bound. */
        private static double product(double a, double b) {
            return a == 0 || b == 0 ? 0 : a * b;
        }

        @Override
        public String toString() {
            return "[" + end(lo) + ", " + end(hi) + "]";
        }

        private static String end(double value) {
            if (Double.isInfinite(value)) {
                return value > 0 ? "+inf" : "-inf";
            }
            return value == Math.rint(value) && Math.abs(value) < 1e15 ? Long.toString((long) value) : Double.toString(value);
        }
    }

    /** {@code ci * i + cj * j + rest}: keeps i and j apart so that i - j can use its own range. */
    record Affine(double ci, double cj, Range rest) {
        static Affine of(Range range) {
            return new Affine(0, 0, range);
        }

        Affine plus(Affine other) {
            return new Affine(ci + other.ci, cj + other.cj, rest.plus(other.rest));
        }

        Affine negate() {
            return new Affine(-ci, -cj, rest.negate());
        }

        Affine scale(double factor) {
            return new Affine(ci * factor, cj * factor, rest.scale(factor));
        }
    }

    /** The ranges of i, j and d = i - j where an expression is evaluated. */
    record Env(Range i, Range j, Range d) {
        static Env of(Range i, Range j) {
            return new Env(i, j, i.plus(j.negate()));
        }

        boolean isEmpty() {
            return i.isEmpty() || j.isEmpty() || d.isEmpty();
        }

        /** Each of i, j, d narrowed by the other two, once. */
        Env propagated() {
            Range ni = i.intersect(d.plus(j));
            Range nj = j.intersect(ni.plus(d.negate()));
            Range nd = d.intersect(ni.plus(nj.negate()));
            return new Env(ni, nj, nd);
        }

        Env empty() {
            return new Env(new Range(1, 0), j, d);
        }
    }

    private final Function<String, Range> variables;
    private final Function<Scalar.Read, List<Dim>> shapes;
    private final Function<Dim, Range> dims;
    private final Dim queryLength;
    private final Dim keyLength;
    private final Outside outside;

    /**
     * @param variables   the range of h, a repeat index or a run-time dim, by name
     * @param shapes      the dims of the tensor a read reads
     * @param dims        the range of values of a dim
     * @param queryLength the rows of the queries: i is below it unless a KV cache shifts i
     * @param keyLength   the rows of the keys: j is below it unless a KV cache adds keys
     */
    IndexRanges(Function<String, Range> variables, Function<Scalar.Read, List<Dim>> shapes, Function<Dim, Range> dims,
            Dim queryLength, Dim keyLength, Outside outside) {
        this.variables = variables;
        this.shapes = shapes;
        this.dims = dims;
        this.queryLength = queryLength;
        this.keyLength = keyLength;
        this.outside = outside;
    }

    /**
     * The expression with every read's {@link Scalar.Read#bounds} filled in. {@code bounded}
     * holds i below the query rows and j below the key rows; {@code open} lets both grow
     * without bound, as a KV cache does: what fits in {@code open} fits everywhere.
     */
    Scalar annotate(Scalar scalar, Env bounded, Env open) {
        if (scalar == null) {
            return null;
        }
        return switch (scalar) {
            case Scalar.Const c -> c;
            case Scalar.Var v -> v;
            case Scalar.Read r -> read(r, bounded, open);
            case Scalar.Unary u -> new Scalar.Unary(u.op(), annotate(u.operand(), bounded, open), u.type());
            case Scalar.Binary b when b.op().equals("&&") || b.op().equals("||") -> {
                boolean leftHolds = b.op().equals("&&");
                yield new Scalar.Binary(b.op(), annotate(b.left(), bounded, open),
                        annotate(b.right(), narrow(b.left(), leftHolds, bounded), narrow(b.left(), leftHolds, open)), b.type());
            }
            case Scalar.Binary b -> new Scalar.Binary(b.op(), annotate(b.left(), bounded, open),
                    annotate(b.right(), bounded, open), b.type());
            case Scalar.Call c -> {
                List<Scalar> args = new ArrayList<>();
                for (int index = 0; index < c.args().size(); index++) {
                    Scalar arg = c.args().get(index);
                    if (c.function().equals("where") && index > 0) {
                        Scalar condition = c.args().get(0);
                        args.add(annotate(arg, narrow(condition, index == 1, bounded), narrow(condition, index == 1, open)));
                    } else {
                        args.add(annotate(arg, bounded, open));
                    }
                }
                yield new Scalar.Call(c.function(), args, c.type());
            }
        };
    }

    /**
     * A mask, annotated conjunct by conjunct: each is reached only where those before it hold,
     * except a bound on the keys ({@code j < e}, {@code i - j <= e}, ...): the attention loops
     * turn it into the range of keys they visit, so {@code e} is evaluated for every query.
     */
    Scalar annotateMask(Scalar mask, Env bounded, Env open) {
        Scalar annotated = null;
        Env reachedBounded = bounded;
        Env reachedOpen = open;
        for (Scalar part : conjuncts(mask)) {
            Scalar done = keyBound(part) ? annotate(part, bounded, open) : annotate(part, reachedBounded, reachedOpen);
            annotated = annotated == null ? done : new Scalar.Binary("&&", annotated, done, Type.BOOL);
            reachedBounded = narrow(part, true, reachedBounded);
            reachedOpen = narrow(part, true, reachedOpen);
        }
        return annotated;
    }

    private static List<Scalar> conjuncts(Scalar condition) {
        List<Scalar> parts = new ArrayList<>();
        if (condition instanceof Scalar.Binary b && b.op().equals("&&")) {
            parts.addAll(conjuncts(b.left()));
            parts.addAll(conjuncts(b.right()));
        } else if (condition != null) {
            parts.add(condition);
        }
        return parts;
    }

    /** A comparison with {@code j} or {@code i - j} alone on one side: what the loops may take as a key range. */
    private static boolean keyBound(Scalar conjunct) {
        return conjunct instanceof Scalar.Binary b && List.of("<", "<=", ">", ">=", "==", "!=").contains(b.op())
                && (isKeyOrDistance(b.left()) || isKeyOrDistance(b.right()));
    }

    private static boolean isKeyOrDistance(Scalar side) {
        return side instanceof Scalar.Var v && v.name().equals("j")
                || side instanceof Scalar.Binary d && d.op().equals("-") && d.left() instanceof Scalar.Var i && i.name().equals("i")
                        && d.right() instanceof Scalar.Var j && j.name().equals("j");
    }

    private Scalar.Read read(Scalar.Read read, Env bounded, Env open) {
        List<Scalar> indices = new ArrayList<>();
        List<Bound> bounds = new ArrayList<>();
        List<Dim> shape = shapes.apply(read);
        for (int axis = 0; axis < read.indices().size(); axis++) {
            Scalar index = annotate(read.indices().get(axis), bounded, open);
            indices.add(index);
            // Where no value reaches the read (an empty range), it is never evaluated: the check costs nothing.
            boolean reached = !bounded.isEmpty() && !open.isEmpty();
            bounds.add(reached ? bound(read, axis, index, shape.get(axis), bounded, open) : Bound.CHECK);
        }
        return new Scalar.Read(read.input(), indices, read.type(), bounds, read.site());
    }

    private Bound bound(Scalar.Read read, int axis, Scalar index, Dim axisSize, Env bounded, Env open) {
        Affine form = eval(index, bounded);
        Range tight = collapse(form, bounded);
        Range wide = collapse(eval(index, open), open);
        Range size = dims.apply(axisSize);
        if (wide.hi() < 0 || wide.lo() >= size.hi()) {
            outside.report(read, axis, tight, size);
            return Bound.CHECK;
        }
        if (wide.lo() >= 0 && wide.hi() <= size.lo() - 1) {
            return Bound.INSIDE;
        }
        if (tight.lo() >= 0 && tight.hi() <= size.lo() - 1) {
            return Bound.INSIDE_WITHOUT_CACHE;
        }
        // keep[j] with keep : int[T] and keys of length T: j stays below T while no cache adds keys.
        if (tight.lo() >= 0 && form.rest().hi() <= 0 && form.rest().withinInts()
                && (form.ci() == 0 && form.cj() == 1 && axisSize.equals(keyLength)
                        || form.ci() == 1 && form.cj() == 0 && axisSize.equals(queryLength))) {
            return Bound.INSIDE_WITHOUT_CACHE;
        }
        return Bound.CHECK;
    }

    /** The range of a value: the tightest of writing ci * i + cj * j through i and j, i - j and j, or i - j and i. */
    static Range collapse(Affine form, Env env) {
        Range rest = form.rest();
        if (form.ci() == 0 && form.cj() == 0) {
            return rest;
        }
        Range direct = env.i().scale(form.ci()).plus(env.j().scale(form.cj()));
        // ci i + cj j = ci (i - j) + (ci + cj) j = -cj (i - j) + (ci + cj) i
        Range throughJ = env.d().scale(form.ci()).plus(env.j().scale(form.ci() + form.cj()));
        Range throughI = env.d().scale(-form.cj()).plus(env.i().scale(form.ci() + form.cj()));
        return direct.intersect(throughJ).intersect(throughI).plus(rest);
    }

    /** The value of an expression, as an affine form in i and j where it is a whole number. */
    Affine eval(Scalar scalar, Env env) {
        return switch (scalar) {
            case Scalar.Const c -> Affine.of(c.type() == Type.BOOL ? Range.BOOL : Range.of(c.value()));
            case Scalar.Var v -> switch (v.name()) {
                case "i" -> new Affine(1, 0, Range.of(0));
                case "j" -> new Affine(0, 1, Range.of(0));
                case "s" -> Affine.of(Range.ALL);
                default -> Affine.of(v.type() == Type.INT ? variables.apply(v.name()).intersect(Range.INTS) : Range.ALL);
            };
            case Scalar.Read r -> Affine.of(r.type() == Type.INT ? Range.INTS : Range.ALL);
            case Scalar.Unary u -> u.op().equals("-") ? eval(u.operand(), env).negate() : Affine.of(Range.BOOL);
            case Scalar.Binary b -> binary(b, env);
            case Scalar.Call c -> Affine.of(call(c, env));
        };
    }

    private Affine binary(Scalar.Binary b, Env env) {
        if (b.type() == Type.BOOL) {
            return Affine.of(Range.BOOL);
        }
        Affine left = eval(b.left(), env);
        Affine right = eval(b.right(), env);
        boolean whole = b.type() == Type.INT;
        if (!whole) {
            // A float operation converts its int operands: as Java holds them, wrapped.
            Range l = b.left().type() == Type.INT ? javaInt(left, env) : collapse(left, env);
            Range r = b.right().type() == Type.INT ? javaInt(right, env) : collapse(right, env);
            return Affine.of(switch (b.op()) {
                case "+" -> l.plus(r).rounded();
                case "-" -> l.plus(r.negate()).rounded();
                case "*" -> l.times(r).rounded();
                case "/" -> divide(l, r).rounded();
                default -> Range.ALL;
            });
        }
        return switch (b.op()) {
            case "+" -> left.plus(right);
            case "-" -> left.plus(right.negate());
            case "*" -> {
                Range l = collapse(left, env);
                Range r = collapse(right, env);
                if (r.isPoint()) {
                    yield left.scale(r.lo());
                }
                if (l.isPoint()) {
                    yield right.scale(l.lo());
                }
                yield Affine.of(l.times(r));
            }
            case "%" -> Affine.of(floorMod(javaInt(left, env), javaInt(right, env)));
            default -> Affine.of(Range.INTS);
        };
    }

    /** The range of an int as Java holds it: the true range where it fits, any int where it may have wrapped. */
    private static Range javaInt(Affine form, Env env) {
        Range range = collapse(form, env);
        return range.withinInts() ? range : Range.INTS;
    }

    private static Range divide(Range a, Range b) {
        if (b.lo() <= 0 && b.hi() >= 0) {
            return Range.ALL;
        }
        return a.times(new Range(1 / b.hi(), 1 / b.lo()));
    }

    /** Math.floorMod, as the generated code computes {@code %}: the sign of the divisor. */
    private static Range floorMod(Range a, Range m) {
        if (!a.withinInts() || !m.withinInts()) {
            return Range.INTS;
        }
        if (m.lo() > 0) {
            return a.lo() >= 0 && a.hi() < m.lo() ? a : new Range(0, m.hi() - 1);
        }
        if (m.hi() < 0) {
            return new Range(m.lo() + 1, 0);
        }
        return Range.INTS;
    }

    private Range call(Scalar.Call c, Env env) {
        // Java's min, max, abs and conversions of a wrapped int are not those of the true value.
        List<Range> args = new ArrayList<>();
        for (Scalar arg : c.args()) {
            args.add(switch (arg.type()) {
                case BOOL -> Range.BOOL;
                case INT -> javaInt(eval(arg, env), env);
                case FLOAT -> collapse(eval(arg, env), env);
            });
        }
        if (c.function().equals("abs") && c.type() == Type.INT && args.get(0).lo() == INT_MIN) {
            return Range.INTS; // Math.abs(Integer.MIN_VALUE) is negative
        }
        return switch (c.function()) {
            case "abs" -> {
                Range a = args.get(0);
                if (a.lo() >= 0) {
                    yield a;
                }
                yield a.hi() <= 0 ? a.negate() : new Range(0, Math.max(-a.lo(), a.hi()));
            }
            case "min" -> new Range(Math.min(args.get(0).lo(), args.get(1).lo()), Math.min(args.get(0).hi(), args.get(1).hi()));
            case "max" -> new Range(Math.max(args.get(0).lo(), args.get(1).lo()), Math.max(args.get(0).hi(), args.get(1).hi()));
            case "clamp" -> {
                Range low = new Range(Math.max(args.get(0).lo(), args.get(1).lo()), Math.max(args.get(0).hi(), args.get(1).hi()));
                yield new Range(Math.min(low.lo(), args.get(2).lo()), Math.min(low.hi(), args.get(2).hi()));
            }
            case "floor" -> toInt(new Range(Math.floor(args.get(0).lo()), Math.floor(args.get(0).hi())));
            case "ceil" -> toInt(new Range(Math.ceil(args.get(0).lo()), Math.ceil(args.get(0).hi())));
            case "where" -> {
                Env yes = narrow(c.args().get(0), true, env);
                Env no = narrow(c.args().get(0), false, env);
                Range union = new Range(1, 0);
                if (!yes.isEmpty()) {
                    union = union.union(branch(c.args().get(1), yes));
                }
                if (!no.isEmpty()) {
                    union = union.union(branch(c.args().get(2), no));
                }
                yield union.isEmpty() ? Range.ALL : union; // neither branch is reached: nothing is read
            }
            default -> Range.ALL;
        };
    }

    /**
     * A whole float made an int: Java saturates past the int range and gives 0 for NaN; a GPU
     * may give any int past the range. So: the range and 0 where it fits, any int otherwise.
     */
    private static Range toInt(Range whole) {
        return whole.withinInts() ? whole.union(Range.of(0)) : Range.INTS;
    }

    private Range branch(Scalar value, Env env) {
        return value.type() == Type.INT ? javaInt(eval(value, env), env) : collapse(eval(value, env), env);
    }

    /** The ranges where a condition is {@code holds} (true or false): what its comparisons of i and j say. */
    Env narrow(Scalar condition, boolean holds, Env env) {
        if (env.isEmpty()) {
            return env;
        }
        return switch (condition) {
            case Scalar.Const c when c.type() == Type.BOOL -> (c.value() != 0) == holds ? env : env.empty();
            case Scalar.Unary u when u.op().equals("!") -> narrow(u.operand(), !holds, env);
            case Scalar.Binary b when b.op().equals(holds ? "&&" : "||") -> narrow(b.right(), holds, narrow(b.left(), holds, env));
            case Scalar.Binary b when b.left().type() == Type.INT && b.right().type() == Type.INT -> compare(b, holds, env);
            default -> env;
        };
    }

    private Env compare(Scalar.Binary b, boolean holds, Env env) {
        String op = holds ? b.op() : switch (b.op()) {
            case "<" -> ">=";
            case "<=" -> ">";
            case ">" -> "<=";
            case ">=" -> "<";
            case "==" -> "!=";
            case "!=" -> "==";
            default -> "";
        };
        Affine left = eval(b.left(), env);
        Affine right = eval(b.right(), env);
        // The Java comparison is the true one only while neither side wraps.
        if (!collapse(left, env).withinInts() || !collapse(right, env).withinInts()) {
            return env;
        }
        Affine difference = left.plus(right.negate());
        return switch (op) {
            case "<" -> atMost(difference, -1, env);
            case "<=" -> atMost(difference, 0, env);
            case ">" -> atMost(difference.negate(), -1, env);
            case ">=" -> atMost(difference.negate(), 0, env);
            case "==" -> atMost(difference.negate(), 0, atMost(difference, 0, env));
            default -> env;
        };
    }

    /** The ranges where {@code form <= k}, when form bounds i, j or i - j alone. */
    private static Env atMost(Affine form, double k, Env env) {
        if (env.isEmpty()) {
            return env;
        }
        double ci = form.ci();
        double cj = form.cj();
        double limit = k - form.rest().lo();
        if (ci == 0 && cj == 0) {
            return form.rest().lo() > k ? env.empty() : env;
        }
        if (Double.isInfinite(limit)) {
            return env;
        }
        double c;
        int which;
        if (cj == 0) {
            c = ci;
            which = 0;
        } else if (ci == 0) {
            c = cj;
            which = 1;
        } else if (ci == -cj) {
            c = ci;
            which = 2;
        } else {
            return env;
        }
        Range bound = c > 0 ? new Range(Double.NEGATIVE_INFINITY, Math.floor(limit / c))
                : new Range(Math.ceil(limit / c), Double.POSITIVE_INFINITY);
        Env narrowed = switch (which) {
            case 0 -> new Env(env.i().intersect(bound), env.j(), env.d());
            case 1 -> new Env(env.i(), env.j().intersect(bound), env.d());
            default -> new Env(env.i(), env.j(), env.d().intersect(bound));
        };
        return narrowed.propagated();
    }

    /** The range of a dim's values, from the ranges of the run-time dims it is made of (each at least 0). */
    static Range dimRange(Dim dim, Function<String, Range> variables) {
        if (dim.constant().isPresent()) {
            return Range.of(dim.constant().get());
        }
        Range total = Range.of(0);
        for (Map.Entry<String, Long> term : dim.terms().entrySet()) {
            Range monomial = Range.of(term.getValue());
            for (String factor : term.getKey().isEmpty() ? new String[0] : term.getKey().split("\\*")) {
                monomial = monomial.times(variables.apply(factor).intersect(new Range(0, Double.POSITIVE_INFINITY)));
            }
            total = total.plus(monomial);
        }
        return total;
    }
}
