package dev.attnc.compiler.codegen.jvm;

import dev.attnc.compiler.codegen.CodegenException;
import dev.attnc.compiler.codegen.JavaText;
import dev.attnc.compiler.ir.Scalar;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.function.Function;

/**
 * Writes an attention clause's {@link Scalar} expression as Java, tracking Java's own types
 * so that casts appear only where a double must become a float (no redundant casts: the
 * generated code compiles with -Xlint:all).
 */
public final class ScalarWriter {
    /** The variables the language itself gives a clause (query, key, head, score): Java locals of the same names. */
    public static final Set<String> LOOP_VARIABLES = Set.of("i", "j", "h", "s");

    /** Java code and its type: "int", "float", "double" or "boolean". */
    public record Code(String text, String type) {
        boolean isInt() {
            return type.equals("int");
        }
    }

    private final Function<String, String> variables;
    private final Function<Scalar.Read, String> reads;
    private final String alibiSlopes;
    private final boolean tornado;

    /**
     * @param variables   Java for i, j, h, s, repeat indices and run-time dims
     * @param reads       Java for one element of a tensor the attention reads
     * @param alibiSlopes the ALiBi slopes of this attention, as an expression to index
     */
    public ScalarWriter(Function<String, String> variables, Function<Scalar.Read, String> reads, String alibiSlopes) {
        this(variables, reads, alibiSlopes, false);
    }

    /** As above; {@code tornado} writes math as TornadoMath calls on floats, which GPU kernels accept. */
    public ScalarWriter(Function<String, String> variables, Function<Scalar.Read, String> reads, String alibiSlopes,
            boolean tornado) {
        this.variables = variables;
        this.reads = reads;
        this.alibiSlopes = alibiSlopes;
        this.tornado = tornado;
    }

    public Code write(Scalar scalar) {
        return switch (scalar) {
            case Scalar.Const c -> constant(c);
            case Scalar.Var v -> new Code(variables.apply(v.name()), v.type() == Scalar.Type.INT ? "int" : "float");
            case Scalar.Read r -> new Code(reads.apply(r), r.type() == Scalar.Type.INT ? "int" : "float");
            case Scalar.Unary u -> {
                Code operand = write(u.operand());
                yield new Code(u.op() + paren(operand.text()), operand.type());
            }
            case Scalar.Binary b -> binary(b);
            case Scalar.Call call -> call(call);
        };
    }

    /**
     * The index on one axis of a read, as Java. An index the checker proved inside its axis is
     * written as is; any other is wrapped in {@code TableIndexException.check}, which throws
     * naming the read, the index, the axis, its size and the values of the variables the read
     * depends on: one comparison where the index is inside. The TornadoVM writer cannot throw
     * from a kernel, so it refuses a read it would have to check.
     *
     * @param size   the axis's size as Java (unused by the TornadoVM writer)
     * @param cached whether this attention appends to a KV cache, so keys go past the key rows
     */
    public String index(Scalar.Read read, int axis, String size, boolean cached) {
        String value = write(read.indices().get(axis)).text();
        Scalar.Bound bound = read.bounds().get(axis);
        if (bound == Scalar.Bound.INSIDE || bound == Scalar.Bound.INSIDE_WITHOUT_CACHE && !cached) {
            return value;
        }
        Scalar.Site site = read.site() != null ? read.site()
                : new Scalar.Site("input " + read.input(), read.indices().stream().map(i -> "?").toList(), "clause", "?");
        if (tornado) {
            throw new CodegenException(site.position() + ": " + site.text() + " in " + site.clause()
                    + ": the TornadoVM backend cannot check an index at run time (a kernel cannot throw), and attnc could not prove `"
                    + site.indices().get(axis) + "` inside axis " + axis + " of `" + site.tensor() + "` (size " + size
                    + ") for every query, key and head" + (cached ? " of the cache" : "")
                    + "; clamp it explicitly, e.g. `clamp(" + site.indices().get(axis) + ", 0, "
                    + (size.matches("[0-9]+") ? Long.toString(Long.parseLong(size) - 1) : size + " - 1") + ")`, or bound the dims");
        }
        List<String> names = new ArrayList<>();
        read.indices().forEach(index -> intVariables(index, names));
        StringBuilder check = new StringBuilder("dev.attnc.runtime.TableIndexException.check(").append(value).append(", ")
                .append(size).append(", ").append(literal(site.text())).append(", ").append(axis).append(", ")
                .append(literal(site.clause() + " at " + site.position()));
        if (!names.isEmpty()) {
            check.append(", ").append(literal(String.join(", ", names)));
            names.forEach(name -> check.append(", ").append(variables.apply(name)));
        }
        return check.append(")").toString();
    }

    /** The whole-number variables an index reads (i, j, h, repeat indices, run-time dims), each once, in order. */
    private static void intVariables(Scalar scalar, List<String> names) {
        switch (scalar) {
            case Scalar.Var v when v.type() == Scalar.Type.INT && !names.contains(v.name()) -> names.add(v.name());
            case Scalar.Read r -> r.indices().forEach(index -> intVariables(index, names));
            case Scalar.Unary u -> intVariables(u.operand(), names);
            case Scalar.Binary b -> {
                intVariables(b.left(), names);
                intVariables(b.right(), names);
            }
            case Scalar.Call c -> c.args().forEach(arg -> intVariables(arg, names));
            default -> {
            }
        }
    }

    /** A Java string literal of the user's text, made inert by the one escaping point. */
    private static String literal(String text) {
        return JavaText.stringLiteral(text);
    }

    /** As a float expression: doubles narrowed, ints widened by Java itself. */
    public String asFloat(Scalar scalar) {
        Code code = write(scalar);
        return code.type().equals("double") ? "(float) " + paren(code.text()) : code.text();
    }

    private static Code constant(Scalar.Const c) {
        return switch (c.type()) {
            case BOOL -> new Code(c.value() != 0 ? "true" : "false", "boolean");
            case INT -> {
                if (c.value() > Integer.MAX_VALUE || c.value() < Integer.MIN_VALUE) {
                    yield new Code(Float.toString((float) c.value()) + "f", "float");
                }
                long value = (long) c.value();
                yield new Code(value < 0 ? "(" + value + ")" : Long.toString(value), "int");
            }
            case FLOAT -> {
                if (Double.isInfinite(c.value())) {
                    yield new Code(c.value() > 0 ? "Float.POSITIVE_INFINITY" : "Float.NEGATIVE_INFINITY", "float");
                }
                yield new Code(Float.toString((float) c.value()) + "f", "float");
            }
        };
    }

    private Code binary(Scalar.Binary b) {
        Code left = write(b.left());
        Code right = write(b.right());
        String l = paren(left.text());
        String r = paren(right.text());
        return switch (b.op()) {
            case "&&", "||" -> new Code(l + " " + b.op() + " " + r, "boolean");
            case "<", "<=", ">", ">=", "==", "!=" -> new Code(l + " " + b.op() + " " + r, "boolean");
            case "%" -> tornado
                    ? new Code("((" + left.text() + ") % " + r + " + " + r + ") % " + r, "int")
                    : new Code("Math.floorMod(" + left.text() + ", " + right.text() + ")", "int");
            // A fraction, as in the language: i / 2 is 0.5 for i = 1.
            case "/" -> left.isInt() && right.isInt()
                    ? new Code("(float) " + l + " / " + r, "float")
                    : new Code(l + " / " + r, wider(left, right));
            case "+", "-", "*" -> new Code(l + " " + b.op() + " " + r, wider(left, right));
            default -> throw new CodegenException("operator " + b.op() + " in an attention clause");
        };
    }

    private Code call(Scalar.Call call) {
        List<Code> args = call.args().stream().map(this::write).toList();
        if (tornado) {
            return tornadoCall(call.function(), args);
        }
        return switch (call.function()) {
            case "abs" -> new Code("Math.abs(" + args.get(0).text() + ")", args.get(0).type());
            case "min", "max" -> new Code("Math." + call.function() + "(" + args.get(0).text() + ", " + args.get(1).text() + ")",
                    wider(args.get(0), args.get(1)));
            case "clamp" -> new Code("Math.min(Math.max(" + args.get(0).text() + ", " + args.get(1).text() + "), " + args.get(2).text()
                    + ")", wider(new Code("", wider(args.get(0), args.get(1))), args.get(2)));
            case "exp", "log", "sqrt", "tanh" -> new Code("Math." + call.function() + "(" + args.get(0).text() + ")", "double");
            case "pow" -> new Code("Math.pow(" + args.get(0).text() + ", " + args.get(1).text() + ")", "double");
            case "sigmoid" -> new Code("1 / (1 + Math.exp(-" + paren(args.get(0).text()) + "))", "double");
            case "floor", "ceil" -> new Code("(int) Math." + call.function() + "(" + args.get(0).text() + ")", "int");
            case "where" -> new Code(paren(args.get(0).text()) + " ? " + paren(args.get(1).text()) + " : " + paren(args.get(2).text()),
                    wider(args.get(1), args.get(2)));
            case "alibi_slope" -> new Code(alibiSlopes + "[" + args.get(0).text() + "]", "float");
            default -> throw new CodegenException("function " + call.function() + " in an attention clause");
        };
    }

    /** TornadoMath has float versions of everything the clauses use, so nothing is ever a double. */
    private Code tornadoCall(String function, List<Code> args) {
        return switch (function) {
            case "abs" -> new Code("TornadoMath.abs(" + args.get(0).text() + ")", args.get(0).type());
            case "min", "max" -> new Code("TornadoMath." + function + "(" + args.get(0).text() + ", " + args.get(1).text() + ")",
                    wider(args.get(0), args.get(1)));
            case "clamp" -> new Code("TornadoMath.min(TornadoMath.max(" + args.get(0).text() + ", " + args.get(1).text() + "), "
                    + args.get(2).text() + ")", wider(new Code("", wider(args.get(0), args.get(1))), args.get(2)));
            case "exp", "log", "sqrt", "tanh" -> new Code("TornadoMath." + function + "(" + floatArgument(args.get(0)) + ")", "float");
            case "pow" -> new Code("TornadoMath.pow(" + floatArgument(args.get(0)) + ", " + floatArgument(args.get(1)) + ")", "float");
            case "sigmoid" -> new Code("1.0f / (1.0f + TornadoMath.exp(-" + paren(args.get(0).text()) + "))", "float");
            case "floor", "ceil" -> new Code("(int) TornadoMath." + function + "(" + floatArgument(args.get(0)) + ")", "int");
            case "where" -> new Code(paren(args.get(0).text()) + " ? " + paren(args.get(1).text()) + " : " + paren(args.get(2).text()),
                    wider(args.get(1), args.get(2)));
            case "alibi_slope" -> new Code(alibiSlopes.replace("#", args.get(0).text()), "float");
            default -> throw new CodegenException("function " + function + " in an attention clause");
        };
    }

    private static String floatArgument(Code code) {
        return code.isInt() ? "(float) " + paren(code.text()) : code.text();
    }

    private static String wider(Code a, Code b) {
        if (a.type().equals("double") || b.type().equals("double")) {
            return "double";
        }
        if (a.type().equals("float") || b.type().equals("float")) {
            return "float";
        }
        return "int";
    }

    /** Parentheses around anything that is not a name, a number or a call. */
    public static String paren(String text) {
        if (text.matches("[A-Za-z_][A-Za-z_0-9.]*|\\(?-?[0-9.]+f?\\)?|[A-Za-z_][A-Za-z_0-9.]*\\[[^\\[\\]]*\\]")) {
            return text;
        }
        if (text.matches("[A-Za-z_][A-Za-z_0-9.]*\\([^()]*\\)")) {
            return text;
        }
        return "(" + text + ")";
    }
}
