package dev.attnc.compiler.codegen.jvm;

import dev.attnc.compiler.codegen.CodegenException;
import dev.attnc.compiler.ir.Scalar;
import java.util.List;
import java.util.function.Function;

/**
 * Writes an attention clause's {@link Scalar} expression as Java, tracking Java's own types
 * so that casts appear only where a double must become a float (no redundant casts: the
 * generated code compiles with -Xlint:all).
 */
public final class ScalarWriter {
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
            case "exp", "log", "sqrt", "tanh" -> new Code("Math." + call.function() + "(" + args.get(0).text() + ")", "double");
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
            case "exp", "log", "sqrt", "tanh" -> new Code("TornadoMath." + function + "(" + floatArgument(args.get(0)) + ")", "float");
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
