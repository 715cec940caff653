package dev.attnc.compiler.codegen;

import dev.attnc.compiler.ir.Scalar;
import java.util.List;
import java.util.function.Function;

/**
 * Java text for a number known only when the model runs ({@code log(T) / log(512)}, a
 * {@code NUMBER} node): constants, run-time dims, + - * /, and abs, min, max, exp, log, sqrt,
 * tanh, sigmoid. On the JVM it is computed in double precision (dims never divide as whole
 * numbers); in a TornadoVM kernel in float, through TornadoMath.
 */
public final class RunTimeNumbers {
    private RunTimeNumbers() {
    }

    /**
     * @param dims    Java for a run-time dim's value, by name
     * @param tornado float arithmetic and TornadoMath rather than double and Math
     */
    public static String java(Scalar scalar, Function<String, String> dims, boolean tornado) {
        String math = tornado ? "TornadoMath." : "Math.";
        return switch (scalar) {
            case Scalar.Const c -> tornado ? Float.toString((float) c.value()) + "f" : Double.toString(c.value());
            case Scalar.Var v -> "((" + (tornado ? "float" : "double") + ") " + dims.apply(v.name()) + ")";
            case Scalar.Unary u when u.op().equals("-") -> "(-" + java(u.operand(), dims, tornado) + ")";
            case Scalar.Binary b when List.of("+", "-", "*", "/").contains(b.op()) ->
                    "(" + java(b.left(), dims, tornado) + " " + b.op() + " " + java(b.right(), dims, tornado) + ")";
            case Scalar.Call c -> {
                List<String> args = c.args().stream().map(a -> java(a, dims, tornado)).toList();
                yield switch (c.function()) {
                    case "abs", "exp", "log", "sqrt", "tanh" -> math + c.function() + "(" + args.get(0) + ")";
                    case "min", "max" -> math + c.function() + "(" + args.get(0) + ", " + args.get(1) + ")";
                    case "sigmoid" -> "(1 / (1 + " + math + "exp(-" + args.get(0) + ")))";
                    default -> throw new CodegenException("function " + c.function() + " of a run-time number");
                };
            }
            default -> throw new CodegenException("a run-time number cannot hold " + scalar);
        };
    }
}
