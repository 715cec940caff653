package dev.attnc.compiler.check;

import dev.attnc.compiler.ast.Arg;
import dev.attnc.compiler.ast.Expr;
import dev.attnc.compiler.diag.Diagnostics;
import dev.attnc.compiler.diag.Messages;
import dev.attnc.compiler.diag.Numbers;
import dev.attnc.compiler.diag.Span;
import dev.attnc.compiler.ir.DType;
import dev.attnc.compiler.ir.Dim;
import dev.attnc.compiler.ir.Node;
import dev.attnc.compiler.ir.Op;
import dev.attnc.compiler.ir.Scalar;
import dev.attnc.compiler.ir.TensorType;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Tensor math outside attention clauses, as a PyTorch user writes it: {@code abs}, {@code min}
 * and {@code max} of two values, {@code where}, powers, comparisons (0/1 floats), reductions
 * over one dim ({@code sum}, {@code mean}, {@code max}, {@code min}, optionally masked),
 * {@code normalize}, {@code x[k]}, whole-number arithmetic on int tensors such as
 * {@code arange(T) + 2}, and numbers known only at run time such as {@code log(T)}.
 */
final class TensorMath {
    /** Built-ins handled here (abs folds on numbers too; min and max also reduce). */
    static final Set<String> NAMES = Set.of("abs", "min", "max", "where", "pow", "mean", "sum", "normalize");
    /** Functions of one number that also apply to a run-time size: {@code log(T)}. */
    static final Set<String> RUN_TIME_FUNCTIONS = Set.of("log", "exp", "sqrt", "tanh", "sigmoid", "abs");

    private final Checker checker;
    private final Diagnostics diagnostics;

    TensorMath(Checker checker, Diagnostics diagnostics) {
        this.checker = checker;
        this.diagnostics = diagnostics;
    }

    Value call(Expr.Call call, Scope scope) {
        String name = call.callee().text();
        return switch (name) {
            case "abs" -> abs(call, scope);
            case "min", "max" -> minOrMax(name, call, scope);
            case "where" -> where(call, scope);
            case "pow" -> {
                CallArgs args = CallArgs.bind("pow", call.args(), call.span(), 2, 2, List.of(), diagnostics);
                if (args == null) {
                    yield null;
                }
                Value base = checker.value(args.positional().get(0), scope);
                Value exponent = checker.value(args.positional().get(1), scope);
                yield base == null || exponent == null ? null
                        : binary(Expr.BinaryOp.POW, base, exponent, call.span(), args.positional().get(0).span(),
                                args.positional().get(1).span());
            }
            case "mean", "sum" -> {
                CallArgs args = CallArgs.bind(name, call.args(), call.span(), 1, 1, List.of("dim", "keepdim", "mask"), diagnostics);
                yield args == null ? null : reduce(name, args, call.span(), scope);
            }
            case "normalize" -> normalize(call, scope);
            default -> throw new IllegalStateException(name);
        };
    }

    // ---------------------------------------------------------------- elementwise

    private Value abs(Expr.Call call, Scope scope) {
        CallArgs args = CallArgs.bind("abs", call.args(), call.span(), 1, 1, List.of(), diagnostics);
        if (args == null) {
            return null;
        }
        Expr argExpr = args.positional().get(0);
        Value value = checker.value(argExpr, scope);
        return switch (value) {
            case null -> null;
            case Value.Num n -> new Value.Num(Math.abs(n.value()), n.isInt());
            case Value.Size s -> runTime("abs", List.of(value));
            case Value.RunNum r -> runTime("abs", List.of(value));
            case Value.Tensor t -> checker.requireFloat(t, argExpr.span(), "abs")
                    ? tensor(Op.ABS, List.of(t.node()), t.type(), Map.of(), call.span()) : null;
            default -> {
                diagnostics.error(argExpr.span(), Messages.needsTensor("abs", Checker.describe(value)));
                yield null;
            }
        };
    }

    /** {@code log(T)}, {@code sqrt(T * 2)}: a function of one number applied to a run-time size or number. */
    Value runTime(String function, List<Value> args) {
        List<Scalar> scalars = args.stream().map(TensorMath::scalar).toList();
        return new Value.RunNum(new Scalar.Call(function, scalars, Scalar.Type.FLOAT));
    }

    /** {@code min(a, b)} elementwise, or {@code min(x, dim = d)} over a dim. */
    private Value minOrMax(String name, Expr.Call call, Scope scope) {
        CallArgs args = CallArgs.bind(name, call.args(), call.span(), 1, 2, List.of("dim", "keepdim", "mask"), diagnostics);
        if (args == null) {
            return null;
        }
        if (args.positional().size() == 1) {
            if (!args.has("dim")) {
                diagnostics.error(call.span(), Messages.reductionNeedsDim(name));
                return null;
            }
            return reduce(name, args, call.span(), scope);
        }
        for (String option : List.of("dim", "keepdim", "mask")) {
            if (args.has(option)) {
                diagnostics.error(args.get(option).span(), Messages.elementwiseTakesNoDim(name, option));
                return null;
            }
        }
        Value a = checker.value(args.positional().get(0), scope);
        Value b = checker.value(args.positional().get(1), scope);
        if (a == null || b == null) {
            return null;
        }
        return binary(a, b, call.span(), args.positional().get(0).span(), args.positional().get(1).span(),
                name.equals("min") ? Op.MINIMUM : Op.MAXIMUM, name);
    }

    /**
     * {@code a op b} where a tensor, a run-time number or a power is involved: {@code +}, {@code -},
     * {@code *}, {@code /}, {@code **}, comparisons, and {@code min}/{@code max} (op null, given as irOp).
     */
    Value binary(Expr.BinaryOp op, Value left, Value right, Span span, Span leftSpan, Span rightSpan) {
        Op irOp = switch (op) {
            case ADD -> Op.ADD;
            case SUB -> Op.SUB;
            case MUL -> Op.MUL;
            case DIV -> Op.DIV;
            case POW -> Op.POW;
            case LT, LE, GT, GE, EQ, NE -> Op.COMPARE;
            default -> null;
        };
        if (irOp == null) {
            diagnostics.error(span, Messages.badOperands(op.symbol, Checker.describe(left), Checker.describe(right)));
            return null;
        }
        return binary(left, right, span, leftSpan, rightSpan, irOp, op.symbol);
    }

    private Value binary(Value left, Value right, Span span, Span leftSpan, Span rightSpan, Op irOp, String symbol) {
        boolean call = irOp == Op.MINIMUM || irOp == Op.MAXIMUM;
        // Numbers with numbers fold; with a run-time size or number, the result is known at run time.
        if (left instanceof Value.Num a && right instanceof Value.Num b) {
            return switch (irOp) {
                case MINIMUM -> a.value() <= b.value() ? a : b;
                case MAXIMUM -> a.value() >= b.value() ? a : b;
                case POW -> {
                    double result = Math.pow(a.value(), b.value());
                    if (Double.isNaN(result) || Double.isInfinite(result)) {
                        diagnostics.error(span, Messages.cannotFold("pow", a + ", " + b));
                        yield null;
                    }
                    boolean whole = a.isInt() && b.isInt() && b.value() >= 0 && Math.abs(result) < 1L << 53;
                    yield new Value.Num(result, whole);
                }
                default -> {
                    diagnostics.error(span, Messages.conditionOutsideMask(symbol));
                    yield null;
                }
            };
        }
        boolean anyTensor = left instanceof Value.Tensor || right instanceof Value.Tensor;
        if (!anyTensor) {
            if (isNumber(left) && isNumber(right) && irOp != Op.COMPARE && irOp != Op.POW) {
                Scalar a = scalar(left);
                Scalar b = scalar(right);
                return new Value.RunNum(call ? new Scalar.Call(symbol, List.of(a, b), Scalar.Type.FLOAT)
                        : new Scalar.Binary(symbol, a, b, Scalar.Type.FLOAT));
            }
            if (irOp == Op.COMPARE) {
                diagnostics.error(span, Messages.conditionOutsideMask(symbol));
                return null;
            }
            diagnostics.error(span, Messages.badOperands(symbol, Checker.describe(left), Checker.describe(right)));
            return null;
        }
        for (var side : List.of(Map.entry(left, leftSpan), Map.entry(right, rightSpan))) {
            if (!(side.getKey() instanceof Value.Tensor) && !isNumber(side.getKey())) {
                diagnostics.error(side.getValue(), Messages.badOperand(symbol, Checker.describe(side.getKey())));
                return null;
            }
        }
        // Whole numbers only (int tensors, whole constants): int arithmetic; else every tensor must be float.
        if (isWholeOperand(left) && isWholeOperand(right)) {
            return intArithmetic(irOp, symbol, left, right, span, leftSpan, rightSpan);
        }
        for (var side : List.of(Map.entry(left, leftSpan), Map.entry(right, rightSpan))) {
            if (side.getKey() instanceof Value.Tensor t && !checker.requireFloat(t, side.getValue(), symbol)) {
                return null;
            }
        }
        Map<String, String> attrs = new LinkedHashMap<>();
        if (irOp == Op.COMPARE) {
            attrs.put("cmp", symbol);
        }
        if (left instanceof Value.Tensor a && right instanceof Value.Tensor b) {
            List<Dim> shape = Ops.broadcast(a.type().shape(), b.type().shape());
            if (shape == null) {
                diagnostics.error(span, Messages.cannotBroadcast(symbol, a.type(), b.type()));
                return null;
            }
            return tensor(irOp, List.of(a.node(), b.node()), a.type().withShape(shape), attrs, span);
        }
        boolean tensorLeft = left instanceof Value.Tensor;
        Value.Tensor t = (Value.Tensor) (tensorLeft ? left : right);
        Value other = tensorLeft ? right : left;
        if (!(other instanceof Value.Num n)) {
            // A run-time number rides along as a rank-0 tensor computed once per call.
            Value.Tensor number = number(other, tensorLeft ? rightSpan : leftSpan);
            List<Node> inputs = tensorLeft ? List.of(t.node(), number.node()) : List.of(number.node(), t.node());
            return tensor(irOp, inputs, t.type(), attrs, span);
        }
        if (irOp == Op.DIV && tensorLeft && n.value() == 0) {
            diagnostics.error(span, Messages.DIVISION_BY_ZERO);
            return null;
        }
        attrs.put("scalar", n.toString());
        attrs.put("scalar_side", tensorLeft ? "right" : "left");
        return tensor(irOp, List.of(t.node()), t.type(), attrs, span);
    }

    private static boolean isWholeOperand(Value value) {
        return value instanceof Value.Tensor t ? t.type().dtype() == DType.INT : value instanceof Value.Num n && n.isInt();
    }

    /** {@code arange(T) + 2}, {@code ids * 3}: +, - and * of int tensors and whole numbers give int tensors. */
    private Value intArithmetic(Op irOp, String symbol, Value left, Value right, Span span, Span leftSpan, Span rightSpan) {
        if (irOp != Op.ADD && irOp != Op.SUB && irOp != Op.MUL && irOp != Op.MINIMUM && irOp != Op.MAXIMUM) {
            diagnostics.error(span, Messages.intArithmeticOperator(symbol));
            return null;
        }
        if (left instanceof Value.Tensor a && right instanceof Value.Tensor b) {
            List<Dim> shape = Ops.broadcast(a.type().shape(), b.type().shape());
            if (shape == null) {
                diagnostics.error(span, Messages.cannotBroadcast(symbol, a.type(), b.type()));
                return null;
            }
            return tensor(irOp, List.of(a.node(), b.node()), a.type().withShape(shape), Map.of(), span);
        }
        boolean tensorLeft = left instanceof Value.Tensor;
        Value.Tensor t = (Value.Tensor) (tensorLeft ? left : right);
        Value.Num n = (Value.Num) (tensorLeft ? right : left);
        if (Math.abs(n.value()) > Integer.MAX_VALUE) {
            diagnostics.error(tensorLeft ? rightSpan : leftSpan, Messages.NUMBER_OVERFLOW);
            return null;
        }
        return tensor(irOp, List.of(t.node()), t.type(), Map.of("scalar", n.toString(), "scalar_side", tensorLeft ? "right" : "left"),
                span);
    }

    /** {@code where(c, a, b)}: a where c is not 0 (a comparison, or a 0/1 float tensor), b elsewhere. */
    private Value where(Expr.Call call, Scope scope) {
        CallArgs args = CallArgs.bind("where", call.args(), call.span(), 3, 3, List.of(), diagnostics);
        if (args == null) {
            return null;
        }
        List<Value> values = new ArrayList<>();
        for (Expr expr : args.positional()) {
            values.add(checker.value(expr, scope));
        }
        if (values.contains(null)) {
            return null;
        }
        Expr condExpr = args.positional().get(0);
        if (!(values.get(0) instanceof Value.Tensor cond)) {
            diagnostics.error(condExpr.span(), Messages.whereNeedsTensorCondition(Checker.describe(values.get(0))));
            return null;
        }
        if (!checker.requireFloat(cond, condExpr.span(), "where")) {
            return null;
        }
        List<Node> inputs = new ArrayList<>(List.of(cond.node()));
        Map<String, String> attrs = new LinkedHashMap<>();
        List<Dim> shape = cond.type().shape();
        for (int index = 1; index < 3; index++) {
            Value value = values.get(index);
            Span span = args.positional().get(index).span();
            String side = index == 1 ? "a" : "b";
            if (value instanceof Value.Num n) {
                attrs.put(side, n.toString());
                continue;
            }
            Value.Tensor t = value instanceof Value.Tensor tensor ? tensor : isNumber(value) ? number(value, span) : null;
            if (t == null) {
                diagnostics.error(span, Messages.badOperand("where", Checker.describe(value)));
                return null;
            }
            if (!checker.requireFloat(t, span, "where")) {
                return null;
            }
            List<Dim> joined = Ops.broadcast(shape, t.type().shape());
            if (joined == null) {
                diagnostics.error(span, Messages.cannotBroadcast("where", new TensorType(DType.FLOAT, shape), t.type()));
                return null;
            }
            shape = joined;
            inputs.add(t.node());
        }
        return tensor(Op.WHERE, inputs, TensorType.floats(shape.toArray(Dim[]::new)), attrs, call.span());
    }

    // ---------------------------------------------------------------- reductions

    /**
     * {@code sum}, {@code mean}, {@code max}, {@code min} over {@code dim} (an index, or the name of
     * a size that is exactly one of the axes: {@code dim = T}); {@code keepdim = true} keeps it as 1;
     * {@code mask = m}, an int tensor along that axis, leaves out positions where it is 0.
     */
    private Value reduce(String kind, CallArgs args, Span span, Scope scope) {
        Expr xExpr = args.positional().get(0);
        Value value = checker.value(xExpr, scope);
        if (value == null) {
            return null;
        }
        if (!(value instanceof Value.Tensor x)) {
            diagnostics.error(xExpr.span(), Messages.needsTensor(kind, Checker.describe(value)));
            return null;
        }
        if (!checker.requireFloat(x, xExpr.span(), kind)) {
            return null;
        }
        if (x.type().rank() == 0) {
            diagnostics.error(xExpr.span(), Messages.needsRankAtLeast(kind, 1, x.type()));
            return null;
        }
        if (!args.has("dim")) {
            diagnostics.error(span, Messages.reductionNeedsDim(kind));
            return null;
        }
        Integer axis = namedAxis(args.get("dim"), x.type(), scope);
        Boolean keepdim = flag(args.get("keepdim"), scope);
        if (axis == null || keepdim == null) {
            return null;
        }
        List<Node> inputs = new ArrayList<>(List.of(x.node()));
        if (args.has("mask")) {
            Expr maskExpr = args.get("mask").value();
            Value mask = checker.value(maskExpr, scope);
            if (mask == null) {
                return null;
            }
            TensorType expected = new TensorType(DType.INT, List.of(x.type().dim(axis)));
            if (!(mask instanceof Value.Tensor m) || !m.type().equals(expected)) {
                diagnostics.error(maskExpr.span(), Messages.reductionMask(kind, expected, Checker.describe(mask)));
                return null;
            }
            inputs.add(m.node());
        }
        List<Dim> shape = new ArrayList<>(x.type().shape());
        if (keepdim) {
            shape.set(axis, Dim.of(1));
        } else {
            shape.remove((int) axis);
        }
        return tensor(Op.REDUCE, inputs, x.type().withShape(shape),
                Map.of("reduce", kind, "dim", axis.toString(), "keepdim", keepdim.toString()), span);
    }

    /**
     * An axis given by number ({@code dim = 0}, {@code dim = -1}) or by the size it has
     * ({@code dim = T}, {@code dim = D}): a size names the one axis of that size.
     */
    private Integer namedAxis(Arg arg, TensorType type, Scope scope) {
        Expr expr = arg.value();
        boolean literal = expr instanceof Expr.Number
                || expr instanceof Expr.Unary u && u.op() == Expr.UnaryOp.NEG && u.operand() instanceof Expr.Number;
        Value value = checker.value(expr, scope);
        if (value == null) {
            return null;
        }
        int rank = type.rank();
        if (literal) {
            if (value instanceof Value.Num n && n.isInt() && n.value() >= -rank && n.value() < rank) {
                long axis = n.asLong();
                return (int) (axis < 0 ? axis + rank : axis);
            }
            diagnostics.error(expr.span(), Messages.badAxis(Checker.describe(value), rank));
            return null;
        }
        if (!(value instanceof Value.Size) && !(value instanceof Value.Num n && n.isInt())) {
            diagnostics.error(expr.span(), Messages.badAxis(Checker.describe(value), rank));
            return null;
        }
        Dim size = Checker.asDim(value);
        List<Integer> axes = new ArrayList<>();
        for (int axis = 0; axis < rank; axis++) {
            if (type.dim(axis).equals(size)) {
                axes.add(axis);
            }
        }
        if (axes.size() != 1) {
            diagnostics.error(expr.span(), Messages.axisBySize(size.toString(), type, axes.size()));
            return null;
        }
        return axes.get(0);
    }

    /**
     * {@code normalize(x)}: x divided by its L2 norm over the last dim (or {@code dim}), the norm
     * clamped to at least {@code eps} (1e-12), as PyTorch's {@code F.normalize} and
     * sentence-transformers' Normalize do. Built from the ops above: sum of squares, sqrt, max, divide.
     */
    private Value normalize(Expr.Call call, Scope scope) {
        CallArgs args = CallArgs.bind("normalize", call.args(), call.span(), 1, 1, List.of("dim", "eps"), diagnostics);
        if (args == null) {
            return null;
        }
        Expr xExpr = args.positional().get(0);
        Value value = checker.value(xExpr, scope);
        if (value == null) {
            return null;
        }
        if (!(value instanceof Value.Tensor x)) {
            diagnostics.error(xExpr.span(), Messages.needsTensor("normalize", Checker.describe(value)));
            return null;
        }
        if (!checker.requireFloat(x, xExpr.span(), "normalize")) {
            return null;
        }
        if (x.type().rank() == 0) {
            diagnostics.error(xExpr.span(), Messages.needsRankAtLeast("normalize", 1, x.type()));
            return null;
        }
        Integer axis = args.has("dim") ? namedAxis(args.get("dim"), x.type(), scope) : Integer.valueOf(x.type().rank() - 1);
        double eps = 1e-12;
        if (args.has("eps")) {
            Value e = checker.value(args.get("eps").value(), scope);
            if (e == null) {
                return null;
            }
            if (!(e instanceof Value.Num n) || !(n.value() > 0) || Double.isInfinite(n.value())) {
                diagnostics.error(args.get("eps").value().span(), Messages.mustBePositive("eps", e instanceof Value.Num n ? n.value() : Double.NaN));
                return null;
            }
            eps = n.value();
        }
        if (axis == null) {
            return null;
        }
        Span span = call.span();
        Node squares = checker.node(Op.MUL, List.of(x.node(), x.node()), x.type(), Map.of(), span);
        List<Dim> kept = new ArrayList<>(x.type().shape());
        kept.set(axis, Dim.of(1));
        Node sum = checker.node(Op.REDUCE, List.of(squares), x.type().withShape(kept),
                Map.of("reduce", "sum", "dim", axis.toString(), "keepdim", "true"), span);
        Node norm = checker.node(Op.SQRT, List.of(sum), sum.type(), Map.of(), span);
        Node clamped = checker.node(Op.MAXIMUM, List.of(norm), norm.type(),
                Map.of("scalar", Numbers.format(eps), "scalar_side", "right"), span);
        return tensor(Op.DIV, List.of(x.node(), clamped), x.type(), Map.of(), span);
    }

    // ---------------------------------------------------------------- indexing

    /**
     * {@code x[k]}, {@code x[k, m]}: the leading axes fixed at whole constant indices, a view of
     * the rest. An index must be inside its axis for every length the model accepts: from
     * {@code -n} to {@code n - 1} on an axis of constant size n, 0 on an axis of run-time size
     * (which holds at least one position).
     */
    Value select(Expr.Index index, Scope scope) {
        Value target = checker.value(index.target(), scope);
        if (target == null) {
            return null;
        }
        if (!(target instanceof Value.Tensor x)) {
            diagnostics.error(index.target().span(), Messages.needsTensor("[...]", Checker.describe(target)));
            return null;
        }
        if (index.indices().size() > x.type().rank()) {
            diagnostics.error(index.span(), Messages.tooManyIndices(x.type(), x.type().rank(), index.indices().size()));
            return null;
        }
        List<String> positions = new ArrayList<>();
        for (int axis = 0; axis < index.indices().size(); axis++) {
            Expr expr = index.indices().get(axis);
            Value value = checker.value(expr, scope);
            if (value == null) {
                return null;
            }
            if (!(value instanceof Value.Num n) || !n.isInt()) {
                diagnostics.error(expr.span(), Messages.indexNotConstant(Checker.describe(value)));
                return null;
            }
            Dim size = x.type().dim(axis);
            long k = n.asLong();
            if (size.constant().isPresent()) {
                long length = size.constant().get();
                if (k < -length || k >= length) {
                    diagnostics.error(expr.span(), Messages.selectOutside(k, axis, x.type()));
                    return null;
                }
                k = k < 0 ? k + length : k;
            } else if (k != 0) {
                diagnostics.error(expr.span(), Messages.selectRunTimeAxis(k, size.toString()));
                return null;
            }
            positions.add(Long.toString(k));
        }
        List<Dim> shape = x.type().shape().subList(index.indices().size(), x.type().rank());
        return tensor(Op.SELECT, List.of(x.node()), x.type().withShape(shape), Map.of("index", String.join(",", positions)),
                index.span());
    }

    // ---------------------------------------------------------------- helpers

    private Boolean flag(Arg arg, Scope scope) {
        if (arg == null) {
            return Boolean.FALSE;
        }
        Value value = checker.value(arg.value(), scope);
        if (value == null) {
            return null;
        }
        if (value instanceof Value.Flag f) {
            return f.value();
        }
        diagnostics.error(arg.value().span(), Messages.notAFlag(arg.name().get().text(), Checker.describe(value)));
        return null;
    }

    /** A whole or real number, known now or at run time. */
    static boolean isNumber(Value value) {
        return value instanceof Value.Num || value instanceof Value.Size || value instanceof Value.RunNum;
    }

    /** A number as a scalar expression over the run-time dims. */
    static Scalar scalar(Value value) {
        return switch (value) {
            case Value.Num n -> new Scalar.Const(n.value(), n.isInt() ? Scalar.Type.INT : Scalar.Type.FLOAT);
            case Value.RunNum r -> r.scalar();
            case Value.Size s -> size(s.dim());
            default -> throw new IllegalArgumentException(String.valueOf(value));
        };
    }

    /** A size such as {@code 2 * T + 1} as a whole-number expression of its dims. */
    static Scalar size(Dim dim) {
        if (dim.constant().isPresent()) {
            return new Scalar.Const(dim.constant().get(), Scalar.Type.INT);
        }
        Scalar sum = null;
        for (Map.Entry<String, Long> term : dim.terms().entrySet()) {
            Scalar monomial = null;
            for (String factor : term.getKey().isEmpty() ? new String[0] : term.getKey().split("\\*")) {
                Scalar variable = new Scalar.Var(factor, Scalar.Type.INT);
                monomial = monomial == null ? variable : new Scalar.Binary("*", monomial, variable, Scalar.Type.INT);
            }
            Scalar coefficient = new Scalar.Const(term.getValue(), Scalar.Type.INT);
            Scalar value = monomial == null ? coefficient
                    : term.getValue() == 1 ? monomial : new Scalar.Binary("*", coefficient, monomial, Scalar.Type.INT);
            sum = sum == null ? value : new Scalar.Binary("+", sum, value, Scalar.Type.INT);
        }
        return sum;
    }

    /** A run-time number as a rank-0 float tensor, computed once per call. */
    private Value.Tensor number(Value value, Span span) {
        Scalar scalar = scalar(value);
        return new Value.Tensor(checker.node(Op.NUMBER, List.of(), new TensorType(DType.FLOAT, List.of()), Map.of(),
                Map.of("value", scalar), span));
    }

    private Value.Tensor tensor(Op op, List<Node> inputs, TensorType type, Map<String, String> attrs, Span span) {
        return new Value.Tensor(checker.node(op, inputs, type, attrs, span));
    }
}
