package dev.attnc.compiler.check;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.attnc.compiler.ir.Dim;
import dev.attnc.compiler.ir.Scalar;
import dev.attnc.compiler.ir.Scalar.Type;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The interval analysis against brute force: for thousands of seeded random whole-number
 * expressions of i, j and h (with +, -, *, %, abs, min, max, clamp, floor and ceil of floats, where,
 * and constants large enough to wrap Java ints), under a random condition, every value the
 * generated Java would compute for every (i, j, h) where the condition holds lies in the range
 * the analysis gives, whenever that range lies within the ints (Java wraps past them, and only
 * such a range can prove an index inside its axis). A proof of "inside" rests on exactly this.
 */
class IndexRangesPropertyTest {
    static final int QUERIES = 9;
    static final int KEYS = 7;
    static final int HEADS = 3;

    private final SplittableRandom random = new SplittableRandom(20240611);

    private final IndexRanges ranges = new IndexRanges(
            name -> name.equals("h") ? new IndexRanges.Range(0, HEADS - 1) : IndexRanges.Range.ALL,
            read -> List.of(), dim -> IndexRanges.Range.ALL, Dim.of(QUERIES), Dim.of(KEYS),
            (read, axis, range, size) -> {
            });

    @Test
    void everyComputedValueLiesInItsRange() {
        IndexRanges.Env base = IndexRanges.Env.of(new IndexRanges.Range(0, QUERIES - 1), new IndexRanges.Range(0, KEYS - 1));
        int narrowed = 0;
        int checked = 0;
        for (int trial = 0; trial < 4000; trial++) {
            Scalar expr = whole(4);
            Scalar condition = condition();
            IndexRanges.Env env = ranges.narrow(condition, true, base);
            if (env.isEmpty()) {
                for (int i = 0; i < QUERIES; i++) {
                    for (int j = 0; j < KEYS; j++) {
                        for (int h = 0; h < HEADS; h++) {
                            assertTrue(!truth(condition, i, j, h), "the analysis found " + condition + " never holds, but it does at i = "
                                    + i + ", j = " + j + ", h = " + h);
                        }
                    }
                }
                continue;
            }
            if (!env.equals(base)) {
                narrowed++;
            }
            IndexRanges.Range range = IndexRanges.collapse(ranges.eval(expr, env), env);
            if (!range.withinInts()) {
                // Java wraps: only a range within the ints says what Java computes (and only such a range proves an index).
                continue;
            }
            checked++;
            for (int i = 0; i < QUERIES; i++) {
                for (int j = 0; j < KEYS; j++) {
                    for (int h = 0; h < HEADS; h++) {
                        if (!truth(condition, i, j, h)) {
                            continue;
                        }
                        long value = value(expr, i, j, h);
                        assertTrue(value >= range.lo() && value <= range.hi(), expr + " is " + value + " at i = " + i + ", j = " + j
                                + ", h = " + h + " where " + condition + " holds, outside the analysed " + range);
                    }
                }
            }
        }
        assertTrue(narrowed > 100, "too few conditions narrowed anything: " + narrowed);
        assertTrue(checked > 2000, "too few expressions stayed within the ints: " + checked);
    }

    // ------------------------------------------------------------------ random expressions

    private Scalar whole(int depth) {
        int pick = depth == 0 ? random.nextInt(3) : random.nextInt(13);
        return switch (pick) {
            case 0 -> new Scalar.Var(List.of("i", "j", "h").get(random.nextInt(3)), Type.INT);
            case 1 -> new Scalar.Const(random.nextInt(-20, 21), Type.INT);
            case 2 -> new Scalar.Const(random.nextBoolean() ? 1 << 30 : -(1 << 29) - random.nextInt(1000), Type.INT);
            case 3, 4 -> new Scalar.Binary(random.nextBoolean() ? "+" : "-", whole(depth - 1), whole(depth - 1), Type.INT);
            case 5 -> new Scalar.Binary("*", whole(depth - 1), whole(depth - 1), Type.INT);
            case 6 -> new Scalar.Binary("%", whole(depth - 1), new Scalar.Const(random.nextInt(1, 9) * (random.nextInt(4) == 0 ? -1 : 1),
                    Type.INT), Type.INT);
            case 7 -> new Scalar.Call("abs", List.of(whole(depth - 1)), Type.INT);
            case 8 -> new Scalar.Call(random.nextBoolean() ? "min" : "max", List.of(whole(depth - 1), whole(depth - 1)), Type.INT);
            case 9 -> new Scalar.Call("clamp", List.of(whole(depth - 1), whole(depth - 1), whole(depth - 1)), Type.INT);
            case 10 -> new Scalar.Call(random.nextBoolean() ? "floor" : "ceil", List.of(new Scalar.Binary(random.nextBoolean() ? "/" : "*",
                    whole(depth - 1), new Scalar.Const(random.nextBoolean() ? random.nextInt(1, 7) : 0.75e10, Type.FLOAT), Type.FLOAT)),
                    Type.INT);
            case 11 -> new Scalar.Call("where", List.of(condition(), whole(depth - 1), whole(depth - 1)), Type.INT);
            default -> new Scalar.Unary("-", whole(depth - 1), Type.INT);
        };
    }

    private Scalar condition() {
        if (random.nextInt(5) == 0) {
            return new Scalar.Binary(random.nextBoolean() ? "&&" : "||", condition(), condition(), Type.BOOL);
        }
        if (random.nextInt(8) == 0) {
            return new Scalar.Unary("!", condition(), Type.BOOL);
        }
        String op = List.of("<", "<=", ">", ">=", "==", "!=").get(random.nextInt(6));
        return new Scalar.Binary(op, whole(random.nextInt(3)), whole(random.nextInt(2)), Type.BOOL);
    }

    // ------------------------------------------------------------------ Java's evaluation, as generated

    private static long value(Scalar scalar, int i, int j, int h) {
        return switch (scalar) {
            case Scalar.Const c -> (long) c.value();
            case Scalar.Var v -> v.name().equals("i") ? i : v.name().equals("j") ? j : h;
            case Scalar.Unary u -> -(int) value(u.operand(), i, j, h);
            case Scalar.Binary b -> {
                int l = (int) value(b.left(), i, j, h);
                int r = (int) value(b.right(), i, j, h);
                yield switch (b.op()) {
                    case "+" -> l + r;
                    case "-" -> l - r;
                    case "*" -> l * r;
                    case "%" -> Math.floorMod(l, r);
                    default -> throw new AssertionError(b.op());
                };
            }
            case Scalar.Call c -> switch (c.function()) {
                case "abs" -> Math.abs((int) value(c.args().get(0), i, j, h));
                case "min" -> Math.min((int) value(c.args().get(0), i, j, h), (int) value(c.args().get(1), i, j, h));
                case "max" -> Math.max((int) value(c.args().get(0), i, j, h), (int) value(c.args().get(1), i, j, h));
                case "clamp" -> Math.min(Math.max((int) value(c.args().get(0), i, j, h), (int) value(c.args().get(1), i, j, h)),
                        (int) value(c.args().get(2), i, j, h));
                case "floor", "ceil" -> {
                    Scalar.Binary fraction = (Scalar.Binary) c.args().get(0);
                    float left = (int) value(fraction.left(), i, j, h);
                    float right = (float) ((Scalar.Const) fraction.right()).value();
                    float quotient = fraction.op().equals("/") ? left / right : left * right;
                    yield c.function().equals("floor") ? (int) Math.floor(quotient) : (int) Math.ceil(quotient);
                }
                case "where" -> truth(c.args().get(0), i, j, h) ? (int) value(c.args().get(1), i, j, h)
                        : (int) value(c.args().get(2), i, j, h);
                default -> throw new AssertionError(c.function());
            };
            default -> throw new AssertionError(scalar);
        };
    }

    private static boolean truth(Scalar condition, int i, int j, int h) {
        return switch (condition) {
            case Scalar.Unary u -> !truth(u.operand(), i, j, h);
            case Scalar.Binary b when b.op().equals("&&") -> truth(b.left(), i, j, h) && truth(b.right(), i, j, h);
            case Scalar.Binary b when b.op().equals("||") -> truth(b.left(), i, j, h) || truth(b.right(), i, j, h);
            case Scalar.Binary b -> {
                int l = (int) value(b.left(), i, j, h);
                int r = (int) value(b.right(), i, j, h);
                yield switch (b.op()) {
                    case "<" -> l < r;
                    case "<=" -> l <= r;
                    case ">" -> l > r;
                    case ">=" -> l >= r;
                    case "==" -> l == r;
                    default -> l != r;
                };
            }
            default -> throw new AssertionError(condition);
        };
    }
}
