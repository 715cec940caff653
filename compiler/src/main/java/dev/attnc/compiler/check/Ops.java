package dev.attnc.compiler.check;

import dev.attnc.compiler.ast.Arg;
import dev.attnc.compiler.ast.Clause;
import dev.attnc.compiler.ast.Expr;
import dev.attnc.compiler.ast.ParamType;
import dev.attnc.compiler.ast.Stmt;
import dev.attnc.compiler.diag.Diagnostics;
import dev.attnc.compiler.diag.Messages;
import dev.attnc.compiler.diag.Span;
import dev.attnc.compiler.ir.DType;
import dev.attnc.compiler.ir.Dim;
import dev.attnc.compiler.ir.Node;
import dev.attnc.compiler.diag.Numbers;
import dev.attnc.compiler.ir.Op;
import dev.attnc.compiler.ir.TensorType;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/** The signatures of layers and built-in ops: what they accept and the shape they give. */
final class Ops {
    private static final Map<String, Op> UNARY = Map.of(
            "relu", Op.RELU, "gelu", Op.GELU, "gelu_tanh", Op.GELU_TANH, "silu", Op.SILU,
            "sigmoid", Op.SIGMOID, "tanh", Op.TANH, "exp", Op.EXP, "log", Op.LOG, "sqrt", Op.SQRT);
    private static final Set<String> OTHERS = Set.of("softmax", "swiglu", "softcap", "matmul", "transpose", "split",
            "concat", "heads", "merge_heads", "sinusoidal", "rope", "arange");
    static final List<String> LAYER_KINDS = List.of("linear", "layernorm", "rmsnorm", "embedding");

    private final Checker checker;
    private final Diagnostics diagnostics;
    private final Modifiers modifiers;
    private final TensorMath math;

    Ops(Checker checker, Modifiers modifiers, Diagnostics diagnostics) {
        this.checker = checker;
        this.modifiers = modifiers;
        this.diagnostics = diagnostics;
        this.math = new TensorMath(checker, diagnostics);
    }

    /** abs, min, max, where, powers, comparisons, reductions, x[k] and run-time numbers. */
    TensorMath math() {
        return math;
    }

    static boolean isBuiltin(String name) {
        return UNARY.containsKey(name) || OTHERS.contains(name) || TensorMath.NAMES.contains(name);
    }

    /** A built-in applied to one tensor, such as {@code gelu}: for the hint "call it: `gelu(x)`". */
    static boolean isUnary(String name) {
        return UNARY.containsKey(name);
    }

    static Set<String> builtinNames() {
        Set<String> names = new TreeSet<>(UNARY.keySet());
        names.addAll(OTHERS);
        names.addAll(TensorMath.NAMES);
        return names;
    }

    // ---------------------------------------------------------------- layers

    ParamInfo layerParam(Stmt.Param param, ParamType.Layer layer, String template, Scope scope) {
        String kind = layer.kind().text();
        Span span = layer.span();
        Map<String, TensorType> tensors = new LinkedHashMap<>();
        Map<String, String> attrs = new LinkedHashMap<>();
        switch (kind) {
            case "linear" -> {
                CallArgs args = CallArgs.bind(kind, layer.args(), span, 2, 2, List.of("bias", "transposed"), diagnostics);
                if (args == null) {
                    return null;
                }
                Long in = weightDim(args.positional().get(0), scope);
                Long out = weightDim(args.positional().get(1), scope);
                // `bias = optional`: read when the checkpoint holds it (Qwen2's q, k, v), else none.
                boolean optionalBias = args.has("bias") && args.get("bias").value() instanceof Expr.Ref ref
                        && ref.name().text().equals("optional");
                Boolean bias = optionalBias ? Boolean.TRUE : flag(args.get("bias"), true, scope);
                Boolean transposed = flag(args.get("transposed"), false, scope);
                if (in == null || out == null || bias == null || transposed == null) {
                    return null;
                }
                // The checkpoint's layout: PyTorch's nn.Linear stores [out, in]; GPT-2's Conv1D [in, out].
                tensors.put("weight", transposed ? floats(in, out) : floats(out, in));
                if (bias) {
                    tensors.put("bias", floats(out));
                }
                attrs.put("in", in.toString());
                attrs.put("out", out.toString());
                attrs.put("bias", optionalBias ? "optional" : bias.toString());
                attrs.put("transposed", transposed.toString());
                return new ParamInfo(ParamInfo.UNREGISTERED, param, ParamInfo.Kind.LINEAR, tensors, attrs, template, new Node[1]);
            }
            case "layernorm", "rmsnorm" -> {
                boolean isLayerNorm = kind.equals("layernorm");
                CallArgs args = CallArgs.bind(kind, layer.args(), span, 1, 1,
                        isLayerNorm ? List.of("eps", "bias") : List.of("eps", "weight_offset"), diagnostics);
                if (args == null) {
                    return null;
                }
                Long width = weightDim(args.positional().get(0), scope);
                Double eps = positiveNumber(args.get("eps"), isLayerNorm ? 1e-5 : 1e-6, "eps", scope);
                Boolean bias = isLayerNorm ? flag(args.get("bias"), true, scope) : Boolean.FALSE;
                // Gemma's checkpoints store weight - 1 and scale by (1 + weight): weight_offset = 1.
                // Both branches boxed: a primitive 0.0 would unbox a failed (null) number.
                Double offset = args.has("weight_offset")
                        ? number(args.get("weight_offset").value(), "weight_offset", scope) : Double.valueOf(0.0);
                if (width == null || eps == null || bias == null || offset == null) {
                    return null;
                }
                if (!isLayerNorm) {
                    attrs.put("weight_offset", Numbers.format(offset));
                }
                tensors.put("weight", floats(width));
                if (bias) {
                    tensors.put("bias", floats(width));
                }
                attrs.put("dim", width.toString());
                attrs.put("eps", Numbers.format(eps));
                attrs.put("bias", bias.toString());
                return new ParamInfo(ParamInfo.UNREGISTERED, param, isLayerNorm ? ParamInfo.Kind.LAYERNORM : ParamInfo.Kind.RMSNORM,
                        tensors, attrs, template, new Node[1]);
            }
            case "embedding" -> {
                CallArgs args = CallArgs.bind(kind, layer.args(), span, 2, 2, List.of(), diagnostics);
                if (args == null) {
                    return null;
                }
                Long count = weightDim(args.positional().get(0), scope);
                Long width = weightDim(args.positional().get(1), scope);
                if (count == null || width == null) {
                    return null;
                }
                tensors.put("weight", floats(count, width));
                attrs.put("count", count.toString());
                attrs.put("dim", width.toString());
                return new ParamInfo(ParamInfo.UNREGISTERED, param, ParamInfo.Kind.EMBEDDING, tensors, attrs, template, new Node[1]);
            }
            default -> {
                diagnostics.error(layer.kind().span(), Messages.unknownLayerKind(kind,
                        Suggest.closest(kind, LAYER_KINDS)));
                return null;
            }
        }
    }

    /** Applies a layer param to a value: {@code qkv(x)}, {@code wte(ids)}, {@code ln1(x)}. */
    Value applyLayer(ParamInfo info, Expr.Call call, Scope scope) {
        String name = info.name();
        if (info.kind() == ParamInfo.Kind.TENSOR) {
            diagnostics.error(call.callee().span(), Messages.tensorParamCalled(name));
            return null;
        }
        CallArgs args = CallArgs.bind(name, call.args(), call.span(), 1, 1, List.of(), diagnostics);
        if (args == null) {
            return null;
        }
        Expr argExpr = args.positional().get(0);
        Value.Tensor x = tensor(argExpr, scope, name);
        if (x == null) {
            return null;
        }
        Map<String, String> attrs = new LinkedHashMap<>(info.attrs());
        attrs.put("param", name);
        attrs.put("param_id", Integer.toString(info.id()));
        attrs.put("from", info.checkpoint() == null ? "" : info.checkpoint());
        TensorType type = x.type();
        switch (info.kind()) {
            case EMBEDDING -> {
                if (type.dtype() != DType.INT) {
                    diagnostics.error(argExpr.span(), Messages.embeddingNeedsInts(name, type));
                    return null;
                }
                List<Dim> shape = new ArrayList<>(type.shape());
                shape.add(Dim.of(Long.parseLong(info.attrs().get("dim"))));
                return tensorNode(Op.EMBEDDING, List.of(x.node()), new TensorType(DType.FLOAT, shape), attrs, call.span());
            }
            case LINEAR, LAYERNORM, RMSNORM -> {
                if (!checker.requireFloat(x, argExpr.span(), name) || !requireRank(x, 1, argExpr.span(), name)) {
                    return null;
                }
                Dim expected = Dim.of(Long.parseLong(info.attrs().get(info.kind() == ParamInfo.Kind.LINEAR ? "in" : "dim")));
                if (!type.last().equals(expected)) {
                    diagnostics.error(argExpr.span(), Messages.lastDimMismatch(name, info.kind().spelling, expected, type));
                    return null;
                }
                if (info.kind() == ParamInfo.Kind.LINEAR) {
                    Dim out = Dim.of(Long.parseLong(info.attrs().get("out")));
                    return tensorNode(Op.LINEAR, List.of(x.node()), type.withLast(out), attrs, call.span());
                }
                Op op = info.kind() == ParamInfo.Kind.LAYERNORM ? Op.LAYERNORM : Op.RMSNORM;
                return tensorNode(op, List.of(x.node()), type, attrs, call.span());
            }
            default -> throw new IllegalStateException(info.kind().name());
        }
    }

    // ---------------------------------------------------------------- built-in ops

    Value builtin(Expr.Call call, Scope scope) {
        String name = call.callee().text();
        Op unary = UNARY.get(name);
        if (unary != null) {
            return unaryOp(name, unary, call, scope);
        }
        if (TensorMath.NAMES.contains(name)) {
            return math.call(call, scope);
        }
        return switch (name) {
            case "softmax" -> softmax(call, scope);
            case "swiglu" -> swiglu(call, scope);
            case "softcap" -> softcap(call, scope);
            case "matmul" -> {
                CallArgs args = CallArgs.bind(name, call.args(), call.span(), 2, 2, List.of(), diagnostics);
                if (args == null) {
                    yield null;
                }
                Value a = checker.value(args.positional().get(0), scope);
                Value b = checker.value(args.positional().get(1), scope);
                yield a == null || b == null ? null
                        : matmul(a, b, args.positional().get(0).span(), args.positional().get(1).span(), call.span());
            }
            case "transpose" -> transpose(call, scope);
            case "split" -> split(call, scope);
            case "concat" -> concat(call, scope);
            case "heads" -> heads(call, scope);
            case "merge_heads" -> mergeHeads(call, scope);
            case "sinusoidal" -> sinusoidal(call, scope);
            case "rope" -> rope(call, scope);
            case "arange" -> arange(call, scope);
            default -> throw new IllegalStateException("builtin without a signature: " + name);
        };
    }

    private Value unaryOp(String name, Op op, Expr.Call call, Scope scope) {
        CallArgs args = CallArgs.bind(name, call.args(), call.span(), 1, 1, List.of(), diagnostics);
        if (args == null) {
            return null;
        }
        Expr argExpr = args.positional().get(0);
        Value value = checker.value(argExpr, scope);
        if (value == null) {
            return null;
        }
        if (value instanceof Value.Num n) {
            double x = n.value();
            double result = switch (op) {
                case RELU -> Math.max(0, x);
                case SIGMOID -> 1 / (1 + Math.exp(-x));
                case TANH -> Math.tanh(x);
                case EXP -> Math.exp(x);
                case LOG -> Math.log(x);
                case SQRT -> Math.sqrt(x);
                default -> Double.NaN;
            };
            if (!Double.isNaN(result) && !Double.isInfinite(result)) {
                return new Value.Num(result, false);
            }
            diagnostics.error(call.span(), Messages.cannotFold(name, n.toString()));
            return null;
        }
        if ((value instanceof Value.Size || value instanceof Value.RunNum) && TensorMath.RUN_TIME_FUNCTIONS.contains(name)) {
            return math.runTime(name, List.of(value)); // log(T): known when the model runs
        }
        if (!(value instanceof Value.Tensor x)) {
            diagnostics.error(argExpr.span(), Messages.needsTensor(name, Checker.describe(value)));
            return null;
        }
        if (!checker.requireFloat(x, argExpr.span(), name)) {
            return null;
        }
        return tensorNode(op, List.of(x.node()), x.type(), Map.of(), call.span());
    }

    private Value softmax(Expr.Call call, Scope scope) {
        CallArgs args = CallArgs.bind("softmax", call.args(), call.span(), 1, 1, List.of("dim"), diagnostics);
        if (args == null) {
            return null;
        }
        Value.Tensor x = floatTensor(args.positional().get(0), scope, "softmax");
        if (x == null || !requireRank(x, 1, args.positional().get(0).span(), "softmax")) {
            return null;
        }
        Integer axis = axis(args.get("dim"), x.type().rank(), scope);
        if (axis == null) {
            return null;
        }
        return tensorNode(Op.SOFTMAX, List.of(x.node()), x.type(), Map.of("dim", axis.toString()), call.span());
    }

    private Value swiglu(Expr.Call call, Scope scope) {
        CallArgs args = CallArgs.bind("swiglu", call.args(), call.span(), 2, 2, List.of(), diagnostics);
        if (args == null) {
            return null;
        }
        Value.Tensor gate = floatTensor(args.positional().get(0), scope, "swiglu");
        Value.Tensor up = floatTensor(args.positional().get(1), scope, "swiglu");
        if (gate == null || up == null) {
            return null;
        }
        if (!gate.type().equals(up.type())) {
            diagnostics.error(call.span(), Messages.shapesDiffer("swiglu", gate.type(), up.type()));
            return null;
        }
        return tensorNode(Op.SWIGLU, List.of(gate.node(), up.node()), gate.type(), Map.of(), call.span());
    }

    private Value softcap(Expr.Call call, Scope scope) {
        CallArgs args = CallArgs.bind("softcap", call.args(), call.span(), 2, 2, List.of(), diagnostics);
        if (args == null) {
            return null;
        }
        Value.Tensor x = floatTensor(args.positional().get(0), scope, "softcap");
        Double cap = positiveNumber(args.positional().get(1), "the cap of softcap", scope);
        if (x == null || cap == null) {
            return null;
        }
        return tensorNode(Op.SOFTCAP, List.of(x.node()), x.type(), Map.of("cap", Numbers.format(cap)), call.span());
    }

    Value matmul(Value left, Value right, Span leftSpan, Span rightSpan, Span span) {
        if (!(left instanceof Value.Tensor a)) {
            diagnostics.error(leftSpan, Messages.needsTensor("@", Checker.describe(left)));
            return null;
        }
        if (!(right instanceof Value.Tensor b)) {
            diagnostics.error(rightSpan, Messages.needsTensor("@", Checker.describe(right)));
            return null;
        }
        if (!checker.requireFloat(a, leftSpan, "@") || !checker.requireFloat(b, rightSpan, "@")
                || !requireRank(a, 2, leftSpan, "@") || !requireRank(b, 2, rightSpan, "@")) {
            return null;
        }
        TensorType ta = a.type();
        TensorType tb = b.type();
        List<Dim> batchA = ta.shape().subList(0, ta.rank() - 2);
        List<Dim> batchB = tb.shape().subList(0, tb.rank() - 2);
        if (!ta.dim(-1).equals(tb.dim(-2)) || !batchA.equals(batchB)) {
            diagnostics.error(span, Messages.matmulMismatch(ta, tb));
            return null;
        }
        List<Dim> shape = new ArrayList<>(batchA);
        shape.add(ta.dim(-2));
        shape.add(tb.dim(-1));
        return tensorNode(Op.MATMUL, List.of(a.node(), b.node()), ta.withShape(shape), Map.of(), span);
    }

    private Value transpose(Expr.Call call, Scope scope) {
        CallArgs args = CallArgs.bind("transpose", call.args(), call.span(), 1, 1, List.of(), diagnostics);
        if (args == null) {
            return null;
        }
        Value.Tensor x = tensor(args.positional().get(0), scope, "transpose");
        if (x == null || !requireRank(x, 2, args.positional().get(0).span(), "transpose")) {
            return null;
        }
        List<Dim> shape = new ArrayList<>(x.type().shape());
        int n = shape.size();
        Dim last = shape.get(n - 1);
        shape.set(n - 1, shape.get(n - 2));
        shape.set(n - 2, last);
        return tensorNode(Op.TRANSPOSE, List.of(x.node()), x.type().withShape(shape), Map.of(), call.span());
    }

    /** {@code split(x, 3)} or {@code split(x, [D, Dkv, Dkv])} along the last dim: several values. */
    private Value split(Expr.Call call, Scope scope) {
        CallArgs args = CallArgs.bind("split", call.args(), call.span(), 2, 2, List.of(), diagnostics);
        if (args == null) {
            return null;
        }
        Value.Tensor x = tensor(args.positional().get(0), scope, "split");
        if (x == null || !requireRank(x, 1, args.positional().get(0).span(), "split")) {
            return null;
        }
        Expr partsExpr = args.positional().get(1);
        Dim width = x.type().last();
        List<Dim> sizes = new ArrayList<>();
        if (partsExpr instanceof Expr.ListLit list) {
            if (list.items().size() < 2) {
                diagnostics.error(list.span(), Messages.SPLIT_NEEDS_TWO);
                return null;
            }
            if (list.items().size() > Limits.MAX_STEPS) {
                diagnostics.error(list.span(), Messages.tooManyParts(list.items().size(), Limits.MAX_STEPS));
                return null;
            }
            Dim total = Dim.of(0);
            for (Expr item : list.items()) {
                Dim size = checker.dim(item, scope);
                if (size == null) {
                    return null;
                }
                sizes.add(size);
                total = total.plus(size);
            }
            if (!total.equals(width)) {
                diagnostics.error(list.span(), Messages.splitSizesSum(total, x.type()));
                return null;
            }
        } else {
            Long parts = checker.wholeNumber(partsExpr, scope, "the number of parts of split");
            if (parts == null) {
                return null;
            }
            if (parts < 2) {
                diagnostics.error(partsExpr.span(), Messages.SPLIT_NEEDS_TWO);
                return null;
            }
            if (parts > Limits.MAX_STEPS) {
                diagnostics.error(partsExpr.span(), Messages.tooManyParts(parts, Limits.MAX_STEPS));
                return null;
            }
            Optional<Dim> part = width.dividedBy(parts);
            if (part.isEmpty()) {
                diagnostics.error(partsExpr.span(), Messages.splitNotDivisible(parts, x.type()));
                return null;
            }
            for (long index = 0; index < parts; index++) {
                sizes.add(part.get());
            }
        }
        List<Value> pieces = new ArrayList<>();
        Dim offset = Dim.of(0);
        for (Dim size : sizes) {
            pieces.add(tensorNode(Op.SLICE, List.of(x.node()), x.type().withLast(size),
                    Map.of("dim", Integer.toString(x.type().rank() - 1), "start", offset.toString(), "size", size.toString()),
                    call.span()));
            offset = offset.plus(size);
        }
        return new Value.Tuple(pieces);
    }

    private Value concat(Expr.Call call, Scope scope) {
        CallArgs args = CallArgs.bind("concat", call.args(), call.span(), 2, -1, List.of("dim"), diagnostics);
        if (args == null) {
            return null;
        }
        List<Value.Tensor> parts = new ArrayList<>();
        for (Expr expr : args.positional()) {
            Value.Tensor part = tensor(expr, scope, "concat");
            if (part == null) {
                return null;
            }
            parts.add(part);
        }
        TensorType first = parts.get(0).type();
        Integer axis = axis(args.get("dim"), first.rank(), scope);
        if (axis == null) {
            return null;
        }
        Dim total = Dim.of(0);
        for (int index = 0; index < parts.size(); index++) {
            TensorType type = parts.get(index).type();
            if (type.dtype() != first.dtype()) {
                diagnostics.error(args.positional().get(index).span(), Messages.concatTypes(first, type));
                return null;
            }
            boolean same = type.rank() == first.rank();
            for (int d = 0; same && d < type.rank(); d++) {
                same = d == axis || type.shape().get(d).equals(first.shape().get(d));
            }
            if (!same) {
                diagnostics.error(args.positional().get(index).span(), Messages.concatMismatch(first, type, axis));
                return null;
            }
            total = total.plus(type.shape().get(axis));
        }
        List<Dim> shape = new ArrayList<>(first.shape());
        shape.set(axis, total);
        return tensorNode(Op.CONCAT, parts.stream().map(Value.Tensor::node).toList(), first.withShape(shape),
                Map.of("dim", axis.toString()), call.span());
    }

    private Value heads(Expr.Call call, Scope scope) {
        CallArgs args = CallArgs.bind("heads", call.args(), call.span(), 2, 2, List.of(), diagnostics);
        if (args == null) {
            return null;
        }
        Value.Tensor x = tensor(args.positional().get(0), scope, "heads");
        Long count = checker.wholeNumber(args.positional().get(1), scope, "a head count");
        if (x == null || count == null) {
            return null;
        }
        if (x.type().rank() != 2) {
            diagnostics.error(args.positional().get(0).span(), Messages.needsRank("heads", 2, x.type()));
            return null;
        }
        if (count < 1) {
            diagnostics.error(args.positional().get(1).span(), Messages.mustBePositive("a head count", count));
            return null;
        }
        Optional<Dim> width = x.type().last().dividedBy(count);
        if (width.isEmpty()) {
            diagnostics.error(args.positional().get(1).span(), Messages.headsDivide("heads", count, "the width", x.type().last()));
            return null;
        }
        return tensorNode(Op.HEADS, List.of(x.node()), x.type().withShape(List.of(Dim.of(count), x.type().dim(0), width.get())),
                Map.of("heads", count.toString()), call.span());
    }

    private Value mergeHeads(Expr.Call call, Scope scope) {
        CallArgs args = CallArgs.bind("merge_heads", call.args(), call.span(), 1, 1, List.of(), diagnostics);
        if (args == null) {
            return null;
        }
        Value.Tensor x = tensor(args.positional().get(0), scope, "merge_heads");
        if (x == null) {
            return null;
        }
        if (x.type().rank() != 3) {
            diagnostics.error(args.positional().get(0).span(), Messages.needsRank("merge_heads", 3, x.type()));
            return null;
        }
        TensorType t = x.type();
        return tensorNode(Op.MERGE_HEADS, List.of(x.node()), t.withShape(List.of(t.dim(1), t.dim(0).times(t.dim(2)))),
                Map.of(), call.span());
    }

    /** {@code sinusoidal(T, D)}: the table of Vaswani et al., sin on even dims, cos on odd. */
    private Value sinusoidal(Expr.Call call, Scope scope) {
        CallArgs args = CallArgs.bind("sinusoidal", call.args(), call.span(), 2, 2, List.of("base"), diagnostics);
        if (args == null) {
            return null;
        }
        Dim length = length(args.positional().get(0), scope);
        Long width = checker.wholeNumber(args.positional().get(1), scope, "the width of sinusoidal");
        Double base = positiveNumber(args.get("base"), 10000.0, "base", scope);
        if (length == null || width == null || base == null) {
            return null;
        }
        if (width < 1) {
            diagnostics.error(args.positional().get(1).span(), Messages.mustBePositive("the width of sinusoidal", width));
            return null;
        }
        if (width % 2 != 0) {
            diagnostics.error(args.positional().get(1).span(), Messages.mustBeEven("the width of sinusoidal", width));
            return null;
        }
        return tensorNode(Op.SINUSOIDAL, List.of(), TensorType.floats(length, Dim.of(width)),
                Map.of("base", Numbers.format(base)), call.span());
    }

    /**
     * {@code rope(x, heads = H)}: rotary embedding per head, interleaved or half-split pairs
     * ({@code layout = checkpoint}: as the checkpoint compiled against stores its rows), at
     * the row's position or at {@code positions = ids} (an {@code int[T]}), with an optional
     * frequency scaling ({@code scaling = llama3} or {@code linear}).
     */
    private Value rope(Expr.Call call, Scope scope) {
        CallArgs args = CallArgs.bind("rope", call.args(), call.span(), 1, 1,
                List.of("heads", "layout", "base", "rotary_dim", "positions", "scaling", "factor", "low_freq_factor",
                        "high_freq_factor", "original_context"), diagnostics);
        if (args == null) {
            return null;
        }
        Expr xExpr = args.positional().get(0);
        Value.Tensor x = floatTensor(xExpr, scope, "rope");
        if (x == null) {
            return null;
        }
        if (x.type().rank() != 2) {
            diagnostics.error(xExpr.span(), Messages.needsRank("rope", 2, x.type()));
            return null;
        }
        if (!args.has("heads")) {
            diagnostics.error(call.span(), Messages.missingArgument("rope", "heads"));
            return null;
        }
        Long heads = checker.wholeNumber(args.get("heads").value(), scope, "a head count");
        String layout = args.has("layout") && args.get("layout").value() instanceof Expr.Ref ref
                && ref.name().text().equals("checkpoint")
                ? checker.checkpointMeta().ropeLayout(args.get("layout"))
                : word(args.get("layout"), "half", List.of("half", "interleaved", "checkpoint"));
        Double base = positiveNumber(args.get("base"), 10000.0, "base", scope);
        if (heads == null || layout == null || base == null) {
            return null;
        }
        if (heads < 1) {
            diagnostics.error(args.get("heads").span(), Messages.mustBePositive("heads", heads));
            return null;
        }
        Optional<Long> width = x.type().last().constant();
        if (width.isEmpty() || width.get() % heads != 0) {
            diagnostics.error(args.get("heads").span(), Messages.headsDivide("heads", heads, "the width", x.type().last()));
            return null;
        }
        long headDim = width.get() / heads;
        long rotary = headDim;
        if (args.has("rotary_dim")) {
            Long requested = checker.wholeNumber(args.get("rotary_dim").value(), scope, "rotary_dim");
            if (requested == null) {
                return null;
            }
            if (requested < 2 || requested > headDim) {
                diagnostics.error(args.get("rotary_dim").span(), Messages.rotaryDimRange(requested, headDim));
                return null;
            }
            rotary = requested;
        }
        if (rotary % 2 != 0) {
            diagnostics.error(args.has("rotary_dim") ? args.get("rotary_dim").span() : xExpr.span(),
                    Messages.mustBeEven("the rotated width of each head", rotary));
            return null;
        }
        Map<String, String> attrs = new LinkedHashMap<>(Map.of("heads", heads.toString(), "layout", layout,
                "base", Numbers.format(base), "rotary_dim", Long.toString(rotary)));
        if (!ropeScaling(args, scope, attrs, rotary)) {
            return null;
        }
        List<Node> inputs = new ArrayList<>(List.of(x.node()));
        if (args.has("positions")) {
            Expr idsExpr = args.get("positions").value();
            Value.Tensor ids = tensor(idsExpr, scope, "rope");
            if (ids == null) {
                return null;
            }
            TensorType expected = new TensorType(DType.INT, List.of(x.type().dim(0)));
            if (!ids.type().equals(expected)) {
                diagnostics.error(idsExpr.span(), Messages.ropePositions(expected, ids.type()));
                return null;
            }
            inputs.add(ids.node());
        }
        return tensorNode(Op.ROPE, inputs, x.type(), attrs, call.span());
    }

    /**
     * The frequency scaling of {@code rope}: {@code scaling = llama3} (Llama 3.1's: {@code factor},
     * {@code low_freq_factor} 1, {@code high_freq_factor} 4, {@code original_context} 8192) or
     * {@code linear} (positions divided by {@code factor}). A factor of 1 changes nothing. False
     * after reporting.
     */
    private boolean ropeScaling(CallArgs args, Scope scope, Map<String, String> attrs, long rotary) {
        String scaling = word(args.get("scaling"), "none", List.of("none", "llama3", "linear", "checkpoint"));
        if (scaling == null) {
            return false;
        }
        List<String> options = List.of("factor", "low_freq_factor", "high_freq_factor", "original_context");
        if (scaling.equals("none") || scaling.equals("checkpoint")) {
            for (String option : options) {
                if (args.has(option)) {
                    diagnostics.error(args.get(option).name().get().span(), Messages.ropeOptionWithoutScaling(option));
                    return false;
                }
            }
            // scaling = checkpoint: what the checkpoint states (GGUF rope_freqs, Hugging Face rope_scaling), or none
            return scaling.equals("none") || checker.checkpointMeta().ropeScaling(args.get("scaling").value().span(), rotary, attrs);
        }
        Double factor = positiveNumber(args.get("factor"), 1.0, "factor", scope);
        if (factor == null) {
            return false;
        }
        attrs.put("scaling", scaling);
        attrs.put("factor", Numbers.format(factor));
        if (scaling.equals("linear")) {
            for (String option : options.subList(1, options.size())) {
                if (args.has(option)) {
                    diagnostics.error(args.get(option).name().get().span(), Messages.ropeOptionWithoutScaling(option));
                    return false;
                }
            }
            return true;
        }
        Double low = positiveNumber(args.get("low_freq_factor"), 1.0, "low_freq_factor", scope);
        Double high = positiveNumber(args.get("high_freq_factor"), 4.0, "high_freq_factor", scope);
        Double context = positiveNumber(args.get("original_context"), 8192.0, "original_context", scope);
        if (low == null || high == null || context == null) {
            return false;
        }
        if (!(high > low)) {
            diagnostics.error(args.has("high_freq_factor") ? args.get("high_freq_factor").span() : args.get("low_freq_factor").span(),
                    Messages.ropeFrequencyFactors(low, high));
            return false;
        }
        attrs.put("low_freq_factor", Numbers.format(low));
        attrs.put("high_freq_factor", Numbers.format(high));
        attrs.put("original_context", Numbers.format(context));
        return true;
    }

    private Value arange(Expr.Call call, Scope scope) {
        CallArgs args = CallArgs.bind("arange", call.args(), call.span(), 1, 1, List.of(), diagnostics);
        if (args == null) {
            return null;
        }
        Dim length = length(args.positional().get(0), scope);
        if (length == null) {
            return null;
        }
        return tensorNode(Op.ARANGE, List.of(), new TensorType(DType.INT, List.of(length)), Map.of(), call.span());
    }

    // ---------------------------------------------------------------- attention

    /**
     * {@code attention(q, k, v, heads = H, kv_heads = K) { clauses }} or a named variant's call.
     * q is [Tq, H*dk], k is [Tk, K*dk], v is [Tk, K*dv]; the result is [Tq, H*dv].
     */
    Value attention(List<Arg> argList, Stmt.Attention spec, List<Clause> inline, Span span, Scope scope) {
        String what = spec == null ? "attention" : spec.name().text();
        CallArgs args = CallArgs.bind(what, argList, span, 3, 3, List.of("heads", "kv_heads", "cache"), diagnostics);
        if (args == null) {
            return null;
        }
        Value.Tensor q = floatTensor(args.positional().get(0), scope, what);
        Value.Tensor k = floatTensor(args.positional().get(1), scope, what);
        Value.Tensor v = floatTensor(args.positional().get(2), scope, what);
        if (!args.has("heads")) {
            diagnostics.error(span, Messages.missingArgument(what, "heads"));
            return null;
        }
        Long heads = checker.wholeNumber(args.get("heads").value(), scope, "heads");
        Long kvHeads = args.has("kv_heads") ? checker.wholeNumber(args.get("kv_heads").value(), scope, "kv_heads") : heads;
        Boolean cache = flag(args.get("cache"), false, scope);
        if (q == null || k == null || v == null || heads == null || kvHeads == null || cache == null) {
            modifiers.checkWithoutShapes(inline, scope); // their own mistakes, in the same run
            return null;
        }
        Span headsSpan = args.get("heads").span();
        Span kvSpan = args.has("kv_heads") ? args.get("kv_heads").span() : headsSpan;
        if (heads < 1) {
            diagnostics.error(headsSpan, Messages.mustBePositive("heads", heads));
            return null;
        }
        if (kvHeads < 1) {
            diagnostics.error(kvSpan, Messages.mustBePositive("kv_heads", kvHeads));
            return null;
        }
        boolean ok = true;
        for (int index = 0; index < 3; index++) {
            Value.Tensor t = List.of(q, k, v).get(index);
            if (t.type().rank() != 2) {
                diagnostics.error(args.positional().get(index).span(), Messages.attentionRank("qkv".charAt(index), t.type()));
                ok = false;
            } else if (t.type().last().constant().isEmpty()) {
                diagnostics.error(args.positional().get(index).span(), Messages.attentionWidthNotConstant("qkv".charAt(index), t.type()));
                ok = false;
            }
        }
        if (!ok) {
            return null;
        }
        long qWidth = q.type().last().constant().get();
        long kWidth = k.type().last().constant().get();
        long vWidth = v.type().last().constant().get();
        if (qWidth % heads != 0) {
            diagnostics.error(headsSpan, Messages.headsDivide("heads", heads, "the query width", q.type().last()));
            return null;
        }
        if (heads % kvHeads != 0) {
            diagnostics.error(kvSpan, Messages.kvHeadsDivide(kvHeads, heads));
            return null;
        }
        if (kWidth % kvHeads != 0) {
            diagnostics.error(kvSpan, Messages.headsDivide("kv_heads", kvHeads, "the key width", k.type().last()));
            return null;
        }
        if (vWidth % kvHeads != 0) {
            diagnostics.error(kvSpan, Messages.headsDivide("kv_heads", kvHeads, "the value width", v.type().last()));
            return null;
        }
        long queryHeadDim = qWidth / heads;
        long keyHeadDim = kWidth / kvHeads;
        if (queryHeadDim != keyHeadDim) {
            // The keys are what disagrees with the query heads the `heads` count made.
            diagnostics.error(args.positional().get(1).span(),
                    Messages.headDimMismatch(queryHeadDim, qWidth, heads, keyHeadDim, kWidth, kvHeads));
            return null;
        }
        if (!k.type().dim(0).equals(v.type().dim(0))) {
            diagnostics.error(args.positional().get(2).span(), Messages.keyValueLength(k.type(), v.type()));
            return null;
        }
        Dim queryLength = q.type().dim(0);
        Dim keyLength = k.type().dim(0);
        List<Clause> clauses = new ArrayList<>(spec == null ? List.of() : spec.clauses());
        clauses.addAll(inline);
        // A named variant's clauses, and any in a block, are checked again at each use: work like a block body's.
        if (spec != null || checker.inBlock()) {
            for (Clause clause : clauses) {
                checker.charge(Checker.size(clause.value()), span);
            }
        }
        Modifiers.Context context = new Modifiers.Context(heads, kvHeads, queryHeadDim, queryLength, keyLength);
        Modifiers.Result modified = modifiers.check(clauses, context, scope, checker);
        if (modified == null) {
            return null;
        }
        if (cache) {
            if (!queryLength.equals(keyLength)) {
                diagnostics.error(args.get("cache").span(), Messages.cacheNeedsSelf(queryLength, keyLength));
                return null;
            }
            if (!modified.causal()) {
                diagnostics.error(args.get("cache").span(), Messages.CACHE_NEEDS_CAUSAL);
                return null;
            }
        }
        Map<String, String> attrs = new LinkedHashMap<>(modified.attrs());
        attrs.put("heads", heads.toString());
        attrs.put("kv_heads", kvHeads.toString());
        attrs.put("head_dim", Long.toString(queryHeadDim));
        attrs.put("cache", cache.toString());
        if (spec != null) {
            attrs.put("variant", spec.name().text());
        }
        // The clauses' expressions name the tensors they read by position: after q, k and v.
        List<Node> inputs = new ArrayList<>(List.of(q.node(), k.node(), v.node()));
        inputs.addAll(modified.reads());
        long valueHeadDim = vWidth / kvHeads;
        TensorType type = TensorType.floats(queryLength, Dim.of(heads * valueHeadDim));
        return new Value.Tensor(checker.node(Op.ATTENTION, inputs, type, attrs, modified.exprs(), span));
    }

    // ---------------------------------------------------------------- elementwise arithmetic

    /** PyTorch broadcasting: align from the right; equal dims or a 1 on either side. */
    static List<Dim> broadcast(List<Dim> a, List<Dim> b) {
        int rank = Math.max(a.size(), b.size());
        List<Dim> out = new ArrayList<>();
        Dim one = Dim.of(1);
        for (int index = 0; index < rank; index++) {
            int ia = a.size() - rank + index;
            int ib = b.size() - rank + index;
            Dim da = ia >= 0 ? a.get(ia) : one;
            Dim db = ib >= 0 ? b.get(ib) : one;
            if (da.equals(db) || db.equals(one)) {
                out.add(da);
            } else if (da.equals(one)) {
                out.add(db);
            } else {
                return null;
            }
        }
        return out;
    }

    // ---------------------------------------------------------------- argument helpers

    private Value.Tensor tensor(Expr expr, Scope scope, String op) {
        Value value = checker.value(expr, scope);
        if (value == null) {
            return null;
        }
        if (value instanceof Value.Tensor t) {
            return t;
        }
        diagnostics.error(expr.span(), Messages.needsTensor(op, Checker.describe(value)));
        return null;
    }

    private Value.Tensor floatTensor(Expr expr, Scope scope, String op) {
        Value.Tensor t = tensor(expr, scope, op);
        return t != null && checker.requireFloat(t, expr.span(), op) ? t : null;
    }

    private boolean requireRank(Value.Tensor t, int rank, Span span, String op) {
        if (t.type().rank() < rank) {
            diagnostics.error(span, Messages.needsRankAtLeast(op, rank, t.type()));
            return false;
        }
        return true;
    }

    private static TensorType floats(long... dims) {
        return new TensorType(DType.FLOAT, java.util.Arrays.stream(dims).mapToObj(Dim::of).toList());
    }

    private Value.Tensor tensorNode(Op op, List<Node> inputs, TensorType type, Map<String, String> attrs, Span span) {
        return new Value.Tensor(checker.node(op, inputs, type, attrs, span));
    }

    /** A length such as {@code arange}'s: a dimension, at least 1 when it is a constant. */
    private Dim length(Expr expr, Scope scope) {
        Dim dim = checker.dim(expr, scope);
        if (dim != null && dim.constant().isPresent() && dim.constant().get() < 1) {
            diagnostics.error(expr.span(), Messages.mustBePositive("a dimension", dim.constant().get()));
            return null;
        }
        return dim;
    }

    /** A weight dimension: a whole constant at least 1. */
    private Long weightDim(Expr expr, Scope scope) {
        Dim dim = checker.dim(expr, scope);
        if (dim == null) {
            return null;
        }
        if (dim.constant().isEmpty()) {
            diagnostics.error(expr.span(), Messages.paramDimNotConstant(dim.toString()));
            return null;
        }
        if (dim.constant().get() < 1) {
            diagnostics.error(expr.span(), Messages.mustBePositive("a dimension", dim.constant().get()));
            return null;
        }
        return dim.constant().get();
    }

    private Boolean flag(Arg arg, boolean fallback, Scope scope) {
        if (arg == null) {
            return fallback;
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

    private Double positiveNumber(Arg arg, double fallback, String what, Scope scope) {
        return arg == null ? Double.valueOf(fallback) : positiveNumber(arg.value(), what, scope);
    }

    private Double positiveNumber(Expr expr, String what, Scope scope) {
        Value value = checker.value(expr, scope);
        if (value == null) {
            return null;
        }
        if (!(value instanceof Value.Num n)) {
            diagnostics.error(expr.span(), Messages.notANumber(what, Checker.describe(value)));
            return null;
        }
        if (!(n.value() > 0) || Double.isInfinite(n.value())) {
            diagnostics.error(expr.span(), Messages.mustBePositive(what, n.value()));
            return null;
        }
        return n.value();
    }

    private Double number(Expr expr, String what, Scope scope) {
        Value value = checker.value(expr, scope);
        if (value == null) {
            return null;
        }
        if (value instanceof Value.Num n && !Double.isInfinite(n.value())) {
            return n.value();
        }
        diagnostics.error(expr.span(), Messages.notANumber(what, Checker.describe(value)));
        return null;
    }

    /** A choice among words, such as {@code layout = interleaved}. */
    private String word(Arg arg, String fallback, List<String> choices) {
        if (arg == null) {
            return fallback;
        }
        if (arg.value() instanceof Expr.Ref ref && choices.contains(ref.name().text())) {
            return ref.name().text();
        }
        diagnostics.error(arg.value().span(), Messages.notAChoice(arg.name().get().text(), choices));
        return null;
    }

    /** A {@code dim = -1} argument, normalised to 0..rank-1; the last dim when absent. */
    private Integer axis(Arg arg, int rank, Scope scope) {
        if (arg == null) {
            return rank - 1;
        }
        Value value = checker.value(arg.value(), scope);
        if (value == null) {
            return null;
        }
        if (value instanceof Value.Num n && n.isInt() && n.value() >= -rank && n.value() < rank) {
            long axis = n.asLong();
            return (int) (axis < 0 ? axis + rank : axis);
        }
        diagnostics.error(arg.value().span(), Messages.badAxis(Checker.describe(value), rank));
        return null;
    }
}
