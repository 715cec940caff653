package dev.attnc.compiler.explain;

import dev.attnc.compiler.codegen.jvm.MaskBounds;
import dev.attnc.compiler.ir.Dim;
import dev.attnc.compiler.ir.Graph;
import dev.attnc.compiler.ir.Node;
import dev.attnc.compiler.ir.Op;
import dev.attnc.compiler.ir.Param;
import dev.attnc.compiler.ir.Scalar;
import dev.attnc.compiler.ir.TensorType;
import java.util.Map;
import java.util.Set;

/**
 * FLOPs and bytes per node of a fused graph, at given values of the run-time dims. The counts
 * are of the arithmetic a node needs, not of one particular loop:
 *
 * <ul>
 *   <li>linear {@code [R, in] -> [R, out]}: {@code 2·R·in·out}, plus {@code R·out} for the bias and
 *       the fused activation's per-element count times {@code R·out}; reads the input, the weight
 *       and the bias once;
 *   <li>matmul: {@code 2·K} per output element;
 *   <li>attention, {@code H} heads of width {@code d} (values {@code dv}), {@code P} (query, key)
 *       pairs per head that the mask leaves: {@code H·P·(2d + 2dv + 5 + m) + H·Tq·dv}, where 2d is
 *       the dot product, 2dv the weighted sum of values, 5 the scale and the online softmax
 *       (max, subtract, exp, sum), {@code m} the score, mask and softcap operations, and the last
 *       term the final division; reads q, k, v once and writes the output (and the KV cache);
 *       with {@code relative R} (distances clipped to {@code [-K, K]}), {@code 2d} more per head for
 *       each product {@code q_i · R[d]} of a query with a clipped distance {@code d} it meets (made
 *       once and gathered, as the fused loop does: at most {@code 2K + 1} per query), and 1 per
 *       pair to add it to the score; with {@code sink e}, per query and head, the operations of
 *       {@code e} and 3 (max, exp, add to the denominator);
 *   <li>elementwise: 1 per element (add, mul, relu, exp, ...), sigmoid 3, silu 4, swiglu 5,
 *       softcap 3, gelu and gelu_tanh 8; layernorm 8 (7 without bias), rmsnorm 4, softmax 5;
 *       rope 3 per rotated element plus 3 per position and frequency;
 *   <li>views (splits, heads) cost nothing; copies (inputs in, outputs out, carries between
 *       layers, transposes, concatenations) read and write each element once.
 * </ul>
 */
public final class CostModel {
    static final int BYTES = 4;

    private CostModel() {
    }

    /**
     * One run of {@code node}.
     *
     * @param dims  a value for every run-time dim
     * @param views ids of the nodes that are views of another node's buffer
     */
    public static Cost cost(Graph graph, Node node, Map<String, Long> dims, Set<Integer> views) {
        long out = elements(node.type(), dims);
        return switch (node.op()) {
            case INPUT -> new Cost(0, BYTES * out, BYTES * out, "copied in");
            case PARAM -> Cost.free("weights, read by their users");
            case ARANGE -> new Cost(0, 0, BYTES * out, "");
            case NUMBER -> new Cost(1, 0, BYTES, "computed from the run-time dims");
            case SINUSOIDAL -> new Cost(3 * out, 0, BYTES * out, "");
            case LINEAR -> linear(node, dims);
            case MATMUL -> {
                long k = value(node.input(0).type().last(), dims);
                yield new Cost(2 * k * out, BYTES * (inputElements(node, dims)), BYTES * out, "");
            }
            case EMBEDDING -> new Cost(0, BYTES * (elements(node.input(0).type(), dims) + out), BYTES * out,
                    "gathers " + value(node.type().last(), dims) + " floats per id");
            case LAYERNORM, RMSNORM -> norm(graph, node, dims, out);
            case ADD, SUB, MUL, DIV, NEG, RELU, GELU, GELU_TANH, SILU, SIGMOID, TANH, EXP, LOG, SQRT, SWIGLU, SOFTCAP, ABS, POW,
                    MINIMUM, MAXIMUM, COMPARE, WHERE ->
                    new Cost(perElement(node.op()) * out, BYTES * inputElements(node, dims), BYTES * out, "");
            case SOFTMAX -> new Cost(5 * out, BYTES * inputElements(node, dims), BYTES * out, "");
            case REDUCE -> new Cost(elements(node.input(0).type(), dims), BYTES * inputElements(node, dims), BYTES * out, "");
            case ROPE -> {
                long heads = Long.parseLong(node.attr("heads"));
                long rotary = Long.parseLong(node.attr("rotary_dim"));
                long rows = out / Math.max(1, value(node.type().last(), dims));
                yield new Cost(3 * rows * heads * rotary + 3 * rows * (rotary / 2), BYTES * inputElements(node, dims),
                        BYTES * out, "");
            }
            case SLICE, SELECT, HEADS, MERGE_HEADS, TRANSPOSE, CONCAT, COPY -> views.contains(node.id())
                    ? Cost.free("view, no copy")
                    : new Cost(0, BYTES * out, BYTES * out, "copy");
            case CARRY -> new Cost(0, BYTES * out, BYTES * out, "copied to the next layer");
            case OUTPUT -> new Cost(0, BYTES * out, BYTES * out, "copied out");
            case ATTENTION -> attention(node, dims).cost();
        };
    }

    /** Per-element FLOPs of an elementwise op (and of a linear layer's fused activation). */
    static long perElement(Op op) {
        return switch (op) {
            case SIGMOID, SOFTCAP -> 3;
            case SILU -> 4;
            case SWIGLU -> 5;
            case GELU, GELU_TANH -> 8;
            default -> 1;
        };
    }

    private static Cost linear(Node node, Map<String, Long> dims) {
        long in = Long.parseLong(node.attr("in"));
        long width = Long.parseLong(node.attr("out"));
        long rows = elements(node.type(), dims) / Math.max(1, width);
        boolean bias = "true".equals(node.attrs().get("bias"));
        String activation = node.attrs().get("activation");
        long perOutput = (bias ? 1 : 0) + (activation == null ? 0 : perElement(activationOp(activation)));
        long flops = 2 * rows * in * width + perOutput * rows * width;
        long read = BYTES * (rows * in + in * width + (bias ? width : 0));
        String note = bias || activation != null
                ? (bias ? "bias" : "") + (bias && activation != null ? " and " : "") + (activation == null ? "" : activation)
                        + " fused"
                : "";
        return new Cost(flops, read, BYTES * rows * width, note);
    }

    private static Op activationOp(String spelling) {
        for (Op op : Op.values()) {
            if (op.spelling().equals(spelling)) {
                return op;
            }
        }
        return Op.RELU;
    }

    private static Cost norm(Graph graph, Node node, Map<String, Long> dims, long out) {
        long weights = 0;
        String paramId = node.attrs().get("param_id");
        if (paramId != null) {
            Param param = graph.param(Integer.parseInt(paramId));
            for (TensorType type : param.tensors().values()) {
                weights += elements(type, dims);
            }
        }
        boolean bias = "true".equals(node.attrs().get("bias"));
        long perElement = node.op() == Op.RMSNORM ? 4 : bias ? 8 : 7;
        return new Cost(perElement * out, BYTES * (inputElements(node, dims) + weights), BYTES * out, "");
    }

    /** The attention node's cost and the scores it never stores. */
    public static Attention attention(Node node, Map<String, Long> dims) {
        Node q = node.input(0);
        Node k = node.input(1);
        Node v = node.input(2);
        long heads = Long.parseLong(node.attr("heads"));
        long kvHeads = Long.parseLong(node.attr("kv_heads"));
        long headDim = Long.parseLong(node.attr("head_dim"));
        long valueDim = value(v.type().last(), dims) / Math.max(1, kvHeads);
        long queries = value(q.type().dim(0), dims);
        long keys = value(k.type().dim(0), dims);
        long clip = node.attrs().containsKey("relative") ? Long.parseLong(node.attr("relative_clip")) : -1;
        Pairs pairs = pairs(node, queries, keys, dims, clip);
        long modifiers = operations(node.exprs().get("score")) + pairs.perPairChecks()
                + (node.attrs().containsKey("softcap") ? 3 : 0) + (node.attrs().containsKey("temperature") ? 1 : 0)
                + (clip >= 0 ? 1 : 0);
        // A sink is one more logit per query and head: its expression, then max, exp and add into the sum.
        Scalar sink = node.exprs().get("sink");
        long sinkFlops = sink == null ? 0 : heads * queries * (operations(sink) + 3);
        long flops = heads * pairs.count() * (2 * headDim + 2 * valueDim + 5 + modifiers) + heads * queries * valueDim
                + heads * pairs.distances() * 2 * headDim + sinkFlops;
        long read = BYTES * inputElements(node, dims);
        long written = BYTES * elements(node.type(), dims);
        boolean cached = "true".equals(node.attrs().get("cache"));
        if (cached) {
            written += BYTES * (elements(k.type(), dims) + elements(v.type(), dims));
        }
        String note = String.format(java.util.Locale.ROOT, "online softmax over %s%,d (query, key) pairs per head%s%s%s",
                pairs.exact() ? "" : "at most ", pairs.count(), pairs.mask().isEmpty() ? "" : " (mask " + pairs.mask() + ")",
                clip < 0 ? "" : String.format(java.util.Locale.ROOT, "; relative %s: %s%,d query-by-distance products per head",
                        node.attr("relative"), pairs.exact() ? "" : "at most ", pairs.distances()),
                cached ? "; writes the KV cache" : "")
                + (sink == null ? "" : "; sink " + node.attr("sink") + ": one more logit per query and head");
        AttentionCost saved = new AttentionCost(node.id(), node.name(), heads, queries, keys, pairs.count(),
                BYTES * heads * pairs.count(), BYTES * heads * queries * keys, pairs.mask(), pairs.exact());
        return new Attention(new Cost(flops, read, written, note), saved);
    }

    /** An attention node's cost and its memory figures. */
    public record Attention(Cost cost, AttentionCost saved) {
    }

    /** {@code distances}: the clipped distances each query meets, summed over the queries (0 without a relative table). */
    private record Pairs(long count, long perPairChecks, String mask, boolean exact, long distances) {
    }

    /**
     * The (query, key) pairs per head that the attention loop visits: the key range each query
     * i's mask leaves ({@code causal}: keys up to i; {@code i - j < W}: the last W; {@code j < n}),
     * as the generated loop bounds it. What the bounds cannot tell (a test on an input's values)
     * is counted as letting every key through.
     */
    private static Pairs pairs(Node node, long queries, long keys, Map<String, Long> dims, long clip) {
        Scalar mask = node.exprs().get("mask");
        if (mask == null) {
            long distances = 0;
            for (long i = 0; clip >= 0 && i < queries; i++) {
                distances += clippedDistances(i, 0, keys, clip);
            }
            return new Pairs(queries * keys, 0, "", true, distances);
        }
        MaskBounds bounds = MaskBounds.of(mask);
        long count = 0;
        long distances = 0;
        boolean unknown = false;
        for (long i = 0; i < queries; i++) {
            long first = 0;
            long end = keys;
            for (Scalar bound : bounds.firsts()) {
                Long at = evaluate(bound, i, dims);
                if (at == null) {
                    unknown = true;
                } else {
                    first = Math.max(first, at);
                }
            }
            for (Scalar bound : bounds.ends()) {
                Long at = evaluate(bound, i, dims);
                if (at == null) {
                    unknown = true;
                } else {
                    end = Math.min(end, at);
                }
            }
            count += Math.max(0, end - first);
            distances += clip < 0 ? 0 : clippedDistances(i, first, end, clip);
        }
        return new Pairs(count, operations(bounds.rest()), node.attrs().getOrDefault("mask", "mask"),
                !unknown && bounds.rest() == null, distances);
    }

    /**
     * How many values {@code clamp(i - j, -clip, clip)} takes for the keys {@code first <= j < end}:
     * clamping is monotone, so those of the two ends and every whole number between them.
     */
    static long clippedDistances(long i, long first, long end, long clip) {
        if (end <= first) {
            return 0;
        }
        long nearest = Math.max(-clip, Math.min(clip, i - (end - 1)));
        long farthest = Math.max(-clip, Math.min(clip, i - first));
        return farthest - nearest + 1;
    }

    /** A bound's value at query i, or null if it reads an input or a repeat index. */
    private static Long evaluate(Scalar scalar, long i, Map<String, Long> dims) {
        return switch (scalar) {
            case Scalar.Const c -> c.type() == Scalar.Type.FLOAT ? null : (long) c.value();
            case Scalar.Var v -> v.name().equals("i") ? Long.valueOf(i) : dims.get(v.name());
            case Scalar.Unary u -> {
                Long operand = evaluate(u.operand(), i, dims);
                yield operand == null || !u.op().equals("-") ? null : -operand;
            }
            case Scalar.Binary b -> {
                Long left = evaluate(b.left(), i, dims);
                Long right = evaluate(b.right(), i, dims);
                if (left == null || right == null) {
                    yield null;
                }
                yield switch (b.op()) {
                    case "+" -> left + right;
                    case "-" -> left - right;
                    case "*" -> left * right;
                    case "/" -> right == 0 ? null : Math.floorDiv(left, right);
                    default -> null;
                };
            }
            case Scalar.Call c -> {
                if (c.args().size() == 2 && (c.function().equals("min") || c.function().equals("max"))) {
                    Long a = evaluate(c.args().get(0), i, dims);
                    Long b = evaluate(c.args().get(1), i, dims);
                    yield a == null || b == null ? null : c.function().equals("min") ? Math.min(a, b) : Math.max(a, b);
                }
                yield null;
            }
            case Scalar.Read r -> null;
        };
    }

    /** Operations in a score or mask expression: one per operator and function call. */
    static long operations(Scalar scalar) {
        if (scalar == null) {
            return 0;
        }
        return switch (scalar) {
            case Scalar.Const c -> 0;
            case Scalar.Var v -> 0;
            case Scalar.Read r -> r.indices().stream().mapToLong(CostModel::operations).sum();
            case Scalar.Unary u -> 1 + operations(u.operand());
            case Scalar.Binary b -> 1 + operations(b.left()) + operations(b.right());
            case Scalar.Call c -> 1 + c.args().stream().mapToLong(CostModel::operations).sum();
        };
    }

    private static long inputElements(Node node, Map<String, Long> dims) {
        long total = 0;
        for (Node input : node.inputs()) {
            total += elements(input.type(), dims);
        }
        return total;
    }

    /** The number of elements of a type at the given dims. */
    public static long elements(TensorType type, Map<String, Long> dims) {
        long count = 1;
        for (Dim dim : type.shape()) {
            count = Math.multiplyExact(count, value(dim, dims));
        }
        return count;
    }

    /** A dim's value at the given dims. */
    public static long value(Dim dim, Map<String, Long> dims) {
        long total = 0;
        for (Map.Entry<String, Long> term : dim.terms().entrySet()) {
            long product = term.getValue();
            if (!term.getKey().isEmpty()) {
                for (String symbol : term.getKey().split("\\*")) {
                    Long bound = dims.get(symbol);
                    if (bound == null) {
                        throw new IllegalArgumentException("no value for dim " + symbol);
                    }
                    product = Math.multiplyExact(product, bound);
                }
            }
            total = Math.addExact(total, product);
        }
        return Math.max(total, 0);
    }

    /** Copies of a node per call: the product of the counts of the repeats around it. */
    static long runs(Graph graph, Node node) {
        long runs = 1;
        for (var region : node.regions()) {
            if (region.kind() == dev.attnc.compiler.ir.Region.Kind.REPEAT) {
                runs *= graph.loop(region.id()).count();
            }
        }
        return runs;
    }
}
