package dev.attnc.compiler.codegen.jvm;

import com.palantir.javapoet.CodeBlock;
import com.palantir.javapoet.MethodSpec;
import com.palantir.javapoet.TypeName;
import dev.attnc.compiler.ir.Dim;
import dev.attnc.compiler.ir.Graph;
import dev.attnc.compiler.ir.Node;
import dev.attnc.compiler.ir.Op;
import dev.attnc.compiler.ir.Region;
import dev.attnc.compiler.ir.TensorType;
import dev.attnc.compiler.passes.BufferPlan;
import dev.attnc.compiler.passes.BufferPlan.Layout;
import dev.attnc.compiler.passes.BufferPlan.Storage;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.BiConsumer;
import java.util.function.Function;
import javax.lang.model.element.Modifier;

/**
 * Pooled values in a packed (varlen) call: the steps from the first one that loses the rows
 * ({@code mean(x, dim = T, mask = m)}, {@code x[0]}) to the end of the model, such as
 * {@code normalize(...)} after the pooling. In a packed call they are one per sequence, so
 * {@code compute} skips them and {@code copyOut} runs them once per sequence: it moves the
 * sequence's rows of every per-row value they read to row 0 and runs exactly the code an
 * unpacked call runs on a sequence of {@code T} rows, so each pooled output equals the one
 * {@code forward} gives the sequence alone, bit for bit.
 *
 * <p>Sequences are handled in order and the rows of sequence {@code s} start at or after the
 * total length of the ones before it, so moving them to row 0 only overwrites rows already
 * copied out. This holds only when the pooled steps write nowhere the packed rows live; the
 * buffer plan is checked for that, and a model that fails a condition runs its batches one
 * sequence at a time, as before ({@link #refusal()}).
 */
final class PackedReductions {
    /** Steps that emit no code: views, inputs, weights and outputs. */
    private static final Set<Op> VIEWS = Set.of(Op.INPUT, Op.PARAM, Op.OUTPUT, Op.CARRY, Op.SLICE, Op.SELECT, Op.HEADS);

    private final Graph graph;
    private final BufferPlan plan;
    private final Dim rows;
    /** The pooled steps, in graph order (no inputs, weights or outputs). */
    private final Set<Node> tail = new LinkedHashSet<>();
    /** Roots of the per-row values the pooled steps read: their rows move to row 0 per sequence. */
    private final Set<Integer> moved = new LinkedHashSet<>();
    private final String refusal;

    private PackedReductions(Graph graph, BufferPlan plan, String rowDim) {
        this.graph = graph;
        this.plan = plan;
        this.rows = Dim.symbol(rowDim);
        this.refusal = analyse();
    }

    /** The pooled steps of {@code graph}, whose one run-time dim is {@code rowDim}. */
    static PackedReductions of(Graph graph, BufferPlan plan, String rowDim) {
        return new PackedReductions(graph, plan, rowDim);
    }

    /** Why a packed call cannot pool, or null when it can (or has nothing to pool). */
    String refusal() {
        return refusal;
    }

    /** Whether the model has pooled steps at all. */
    boolean isEmpty() {
        return tail.isEmpty();
    }

    /** A step or output that is one per sequence: {@code compute} skips it in a packed model. */
    boolean pooled(Node node) {
        if (node.op() == Op.OUTPUT) {
            return tail.contains(node.input(0));
        }
        return tail.contains(node);
    }

    private String analyse() {
        int first = -1;
        for (Node node : graph.nodes()) {
            if (losesRows(node)) {
                first = node.id();
                break;
            }
        }
        if (first < 0) {
            return null;
        }
        for (Node node : graph.nodes()) {
            if (node.id() < first || node.op() == Op.INPUT || node.op() == Op.PARAM || node.op() == Op.OUTPUT) {
                continue;
            }
            if (mentionsRows(node.type())) {
                return "a step after the pooling keeps the rows (" + node.op() + ")";
            }
            if (node.regions().stream().anyMatch(region -> region.kind() == Region.Kind.REPEAT)) {
                return "the pooling is inside a repeat";
            }
            tail.add(node);
        }
        // What the pooled steps read from before them: per-row values move, others must stay put.
        Set<Integer> read = new LinkedHashSet<>();
        for (Node node : tail) {
            for (Node input : node.inputs()) {
                if (tail.contains(input) || plan.layout(input).storage() == Storage.WEIGHT) {
                    continue;
                }
                Layout layout = plan.layout(input);
                read.add(layout.root());
                if (mentionsRows(input.type())) {
                    Node root = graph.node(layout.root());
                    if (root.type().rank() == 0 || !root.type().dim(0).equals(rows)) {
                        return "a pooled step reads `" + root.name() + "`, whose rows are not its first axis";
                    }
                    moved.add(layout.root());
                }
            }
        }
        for (Node output : graph.outputs()) {
            if (!pooled(output)) {
                read.add(plan.layout(output).root());
            }
        }
        // The pooled steps run once per sequence: none may write where the next sequence's rows,
        // a packed output or a value they read still lies.
        for (Node node : tail) {
            Layout written = plan.layout(node);
            if (written.isView(node) || written.storage() == Storage.WEIGHT) {
                continue;
            }
            for (int root : read) {
                Layout kept = plan.layout(graph.node(root));
                if (kept.storage() == written.storage() && overlaps(written, node, kept, graph.node(root))) {
                    return "a pooled step's buffer shares memory with `" + graph.node(root).name() + "`";
                }
            }
        }
        return null;
    }

    /** A step whose result has lost the rows its input had: a reduction over T, {@code x[0]}. */
    private boolean losesRows(Node node) {
        return node.op() != Op.OUTPUT && !mentionsRows(node.type())
                && node.inputs().stream().anyMatch(input -> mentionsRows(input.type()));
    }

    private boolean mentionsRows(TensorType type) {
        return type.shape().stream().anyMatch(dim -> dim.symbols().contains(rows.toString()));
    }

    private boolean overlaps(Layout a, Node aNode, Layout b, Node bNode) {
        long aEnd = a.offset() + size(aNode.type());
        long bEnd = b.offset() + size(bNode.type());
        return a.offset() < bEnd && b.offset() < aEnd;
    }

    /** Elements of a value at the largest run-time dims (at least one, for scalars). */
    private long size(TensorType type) {
        long size = 1;
        for (Dim dim : type.shape()) {
            long value = 0;
            for (Map.Entry<String, Long> term : dim.terms().entrySet()) {
                long product = term.getValue();
                if (!term.getKey().isEmpty()) {
                    for (String symbol : term.getKey().split("\\*")) {
                        product = Math.multiplyExact(product, plan.maxDims().get(symbol));
                    }
                }
                value = Math.addExact(value, product);
            }
            size = Math.multiplyExact(size, Math.max(value, 1));
        }
        return size;
    }

    /**
     * {@code private void pool(int T)}: the pooled steps on one sequence of {@code T} rows lying
     * from row 0, the code an unpacked call runs.
     */
    MethodSpec poolMethod(String dimVariable, BiConsumer<CodeBlock.Builder, Node> emit) {
        CodeBlock.Builder body = CodeBlock.builder();
        for (Node node : tail) {
            if (!VIEWS.contains(node.op())) {
                emit.accept(body, node);
            }
        }
        return MethodSpec.methodBuilder("pool")
                .addJavadoc("The steps after the pooling for one sequence of {@code $L} rows lying from row 0: one value per sequence.\n",
                        dimVariable)
                .addModifiers(Modifier.PRIVATE)
                .addParameter(TypeName.INT, dimVariable)
                .addCode(body.build())
                .build();
    }

    /**
     * The body of {@code copyOut(row, T)}: the packed outputs from row {@code row}, then the
     * sequence's read rows moved to row 0, {@link #poolMethod pool(T)} and the pooled outputs,
     * in the model's output order.
     *
     * @param at      a value's offset expression
     * @param output  adds the statement that puts one output: a packed one from the row expression
     *                given, a pooled one (null) from its own place
     */
    void copyOut(MethodSpec.Builder method, String dimVariable, Function<Node, String> at,
            BiConsumer<Node, String> output) {
        List<Node> later = new ArrayList<>();
        for (Node value : graph.outputs()) {
            if (pooled(value)) {
                later.add(value);
                method.addCode("// pooled below; put now to keep the model's output order\n");
                method.addStatement("outputs.put($S, null)", value.attr("name"));
            } else {
                output.accept(value, "row");
            }
        }
        if (later.isEmpty()) {
            return;
        }
        method.beginControlFlow("if (row != 0)");
        for (int root : moved) {
            Node value = graph.node(root);
            Layout layout = plan.layout(value);
            String array = layout.storage() == Storage.INTS ? "ints" : "arena";
            method.addStatement("System.arraycopy($L, $L + row * $L, $L, $L, $L * $L)", array, at.apply(value), layout.stride(0),
                    array, at.apply(value), dimVariable, layout.stride(0));
        }
        method.endControlFlow();
        method.addStatement("pool($L)", dimVariable);
        for (Node value : later) {
            output.accept(value, null);
        }
    }
}
