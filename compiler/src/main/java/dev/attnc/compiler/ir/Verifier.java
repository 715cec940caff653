package dev.attnc.compiler.ir;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Checks the invariants every pass must keep: nodes numbered in order, inputs defined before
 * use, each op's arity and types consistent, params and loops referenced correctly, and each
 * repeat body contiguous. Tests run it after every pass.
 */
public final class Verifier {
    private final Graph graph;
    private final List<String> problems = new ArrayList<>();

    private Verifier(Graph graph) {
        this.graph = graph;
    }

    /** Throws IllegalStateException listing every broken invariant. */
    public static void verify(Graph graph) {
        Verifier verifier = new Verifier(graph);
        verifier.run();
        if (!verifier.problems.isEmpty()) {
            throw new IllegalStateException("invalid graph " + graph.modelName() + ":\n  " + String.join("\n  ", verifier.problems));
        }
    }

    private void run() {
        List<Node> nodes = graph.nodes();
        for (int index = 0; index < nodes.size(); index++) {
            Node node = nodes.get(index);
            if (node.id() != index) {
                problem(node, "has id " + node.id() + " at position " + index);
                continue;
            }
            for (Node input : node.inputs()) {
                if (input.id() >= index || nodes.get(input.id()) != input) {
                    problem(node, "reads %" + input.id() + ", which is not an earlier node of this graph");
                }
            }
            checkOp(node);
        }
        checkRegions();
        checkLoops();
    }

    private void checkOp(Node node) {
        TensorType type = node.type();
        switch (node.op()) {
            case INPUT, ARANGE, SINUSOIDAL, NUMBER -> arity(node, 0);
            case PARAM -> {
                arity(node, 0);
                param(node);
            }
            case LINEAR -> {
                arity(node, 1);
                Param param = param(node);
                if (param != null && node.inputs().size() == 1) {
                    expectLast(node, node.input(0).type(), Long.parseLong(param.attrs().get("in")));
                    expectLast(node, type, Long.parseLong(param.attrs().get("out")));
                }
            }
            case EMBEDDING -> {
                arity(node, 1);
                param(node);
                if (node.inputs().size() == 1 && node.input(0).type().dtype() != DType.INT) {
                    problem(node, "looks up a non-int tensor");
                }
            }
            case LAYERNORM, RMSNORM, RELU, GELU, GELU_TANH, SILU, SIGMOID, TANH, EXP, LOG, SQRT, SOFTMAX, SOFTCAP, NEG, ROPE, ABS -> {
                arity(node, node.op() == Op.ROPE && node.inputs().size() == 2 ? 2 : 1); // rope may take positions
                sameTypeAsInput(node);
                if (node.op() == Op.LAYERNORM || node.op() == Op.RMSNORM) {
                    param(node);
                }
            }
            case ADD, SUB, MUL, DIV, POW, MINIMUM, MAXIMUM, COMPARE -> {
                if (node.attrs().containsKey("scalar")) {
                    arity(node, 1);
                    sameTypeAsInput(node);
                } else {
                    arity(node, 2);
                }
            }
            case SWIGLU -> {
                arity(node, 2);
                sameTypeAsInput(node);
            }
            case ATTENTION -> {
                if (node.inputs().size() < 3) {
                    problem(node, "needs q, k and v");
                }
                for (String key : List.of("heads", "kv_heads", "head_dim", "causal", "cache")) {
                    if (!node.attrs().containsKey(key)) {
                        problem(node, "lacks attribute " + key);
                    }
                }
            }
            case CARRY, OUTPUT, COPY -> {
                arity(node, 1);
                sameTypeAsInput(node);
            }
            case MATMUL -> arity(node, 2);
            case SLICE, SELECT, TRANSPOSE, HEADS, MERGE_HEADS -> arity(node, 1);
            case REDUCE -> arity(node, node.inputs().size() == 2 ? 2 : 1); // a mask may come second
            case WHERE -> {
                if (node.inputs().isEmpty() || node.inputs().size() > 3) {
                    problem(node, "needs a condition and up to two tensors");
                }
            }
            case CONCAT -> {
                if (node.inputs().isEmpty()) {
                    problem(node, "has no input");
                }
            }
        }
    }

    private Param param(Node node) {
        String id = node.attrs().get("param_id");
        if (id == null) {
            problem(node, "names no param");
            return null;
        }
        int index = Integer.parseInt(id);
        if (index < 0 || index >= graph.params().size()) {
            problem(node, "names param #" + index + ", which does not exist");
            return null;
        }
        return graph.params().get(index);
    }

    private void checkRegions() {
        // A repeat body must be one contiguous run of nodes, or the loop could not be emitted.
        Map<Integer, Integer> last = new HashMap<>();
        for (Node node : graph.nodes()) {
            for (Region region : node.regions()) {
                Integer previous = last.get(region.id());
                if (region.kind() == Region.Kind.REPEAT && previous != null && previous != node.id() - 1
                        && !allIn(previous + 1, node.id(), region)) {
                    problem(node, "is in " + region.label() + " but nodes between %" + previous + " and it are not");
                }
                last.put(region.id(), node.id());
            }
        }
    }

    private boolean allIn(int from, int to, Region region) {
        for (int id = from; id < to; id++) {
            if (!graph.node(id).regions().contains(region)) {
                return false;
            }
        }
        return true;
    }

    private void checkLoops() {
        for (Loop loop : graph.loops()) {
            for (Loop.Carry carry : loop.carries()) {
                if (carry.entry() >= graph.nodes().size() || carry.exit() >= graph.nodes().size()) {
                    problems.add(loop.index() + " loop carries " + carry.name() + " through missing nodes");
                    continue;
                }
                Node entry = graph.node(carry.entry());
                Node exit = graph.node(carry.exit());
                if (entry.op() != Op.CARRY) {
                    problem(entry, "is the entry of carried " + carry.name() + " but is not a carry");
                }
                if (!entry.type().equals(exit.type())) {
                    problem(exit, "leaves the loop as " + exit.type() + " but entered as " + entry.type());
                }
                // The exit may sit in the body, in a loop nested in it, or before the loop; never after it.
                int last = -1;
                for (Node node : graph.nodes()) {
                    if (node.regions().stream().anyMatch(r -> r.id() == loop.region())) {
                        last = node.id();
                    }
                }
                if (exit.id() > last) {
                    problem(exit, "is the exit of carried " + carry.name() + " but is not in its loop body");
                }
            }
        }
    }

    private void arity(Node node, int expected) {
        if (node.inputs().size() != expected) {
            problem(node, "has " + node.inputs().size() + " inputs, expected " + expected);
        }
    }

    private void sameTypeAsInput(Node node) {
        if (!node.inputs().isEmpty()) {
            sameType(node, node.input(0).type());
        }
    }

    private void sameType(Node node, TensorType expected) {
        if (!node.type().equals(expected)) {
            problem(node, "is " + node.type() + " but its input is " + expected);
        }
    }

    private void expectLast(Node node, TensorType type, long width) {
        if (type.rank() == 0 || !type.last().equals(Dim.of(width))) {
            problem(node, "expects last dim " + width + " in " + type);
        }
    }

    private void problem(Node node, String what) {
        problems.add("%" + node.id() + " " + node.op().spelling() + " " + what);
    }
}
