package dev.attnc.compiler.passes;

import dev.attnc.compiler.ir.Graph;
import dev.attnc.compiler.ir.Loop;
import dev.attnc.compiler.ir.Node;
import dev.attnc.compiler.ir.Op;
import dev.attnc.compiler.ir.TensorType;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Collects edits to a graph (drop a node, send its users to another node, change a node's
 * op, inputs and attributes) and applies them in one renumbering sweep, keeping loops and
 * names consistent.
 */
final class Rewriter {
    private final Graph graph;
    private final Map<Integer, Integer> forwarded = new HashMap<>();
    private final Set<Integer> dropped = new HashSet<>();
    private final Map<Integer, Edit> edits = new HashMap<>();

    private record Edit(Op op, List<Integer> inputs, TensorType type, Map<String, String> attrs) {
    }

    Rewriter(Graph graph) {
        this.graph = graph;
    }

    /** Users of {@code id} read {@code replacement} instead, and {@code id} goes away. */
    void replace(int id, int replacement) {
        forwarded.put(id, replacement);
        dropped.add(id);
    }

    void drop(int id) {
        dropped.add(id);
    }

    /** Gives node {@code id} a new op, inputs (old ids) and attributes; its type is kept. */
    void edit(int id, Op op, List<Integer> inputs, Map<String, String> attrs) {
        edits.put(id, new Edit(op, List.copyOf(inputs), graph.node(id).type(), Map.copyOf(attrs)));
    }

    boolean changed() {
        return !dropped.isEmpty() || !edits.isEmpty();
    }

    private int resolve(int id) {
        int current = id;
        Integer next;
        int guard = 0;
        while ((next = forwarded.get(current)) != null) {
            current = next;
            if (++guard > graph.nodes().size()) {
                throw new IllegalStateException("replacement cycle at %" + id);
            }
        }
        return current;
    }

    Graph apply() {
        if (!changed()) {
            return graph;
        }
        Map<Integer, Node> rebuilt = new HashMap<>();
        List<Node> nodes = new ArrayList<>();
        for (Node old : graph.nodes()) {
            if (dropped.contains(old.id())) {
                continue;
            }
            Edit edit = edits.get(old.id());
            List<Integer> inputIds = edit != null ? edit.inputs() : old.inputs().stream().map(Node::id).toList();
            List<Node> inputs = new ArrayList<>();
            for (int inputId : inputIds) {
                Node input = rebuilt.get(resolve(inputId));
                if (input == null) {
                    throw new IllegalStateException("%" + old.id() + " reads %" + inputId + ", which was removed");
                }
                inputs.add(input);
            }
            Node node = new Node(nodes.size(), edit != null ? edit.op() : old.op(), inputs,
                    edit != null ? edit.type() : old.type(), edit != null ? edit.attrs() : old.attrs(),
                    edit != null ? Map.of() : old.exprs(), old.name(), old.span(), old.regions());
            nodes.add(node);
            rebuilt.put(old.id(), node);
        }
        // A value removed by forwarding keeps its .attn name on its replacement when that has none.
        for (Map.Entry<Integer, Integer> forward : forwarded.entrySet()) {
            Node target = rebuilt.get(resolve(forward.getKey()));
            String name = graph.node(forward.getKey()).name();
            if (target != null && target.name().isEmpty() && !name.isEmpty()) {
                Node named = new Node(target.id(), target.op(), target.inputs(), target.type(), target.attrs(),
                        target.exprs(), name, target.span(), target.regions());
                nodes.set(target.id(), named);
                rebuilt.replaceAll((k, v) -> v == target ? named : v);
            }
        }
        // Inputs were linked to nodes before renaming: relink so every input is the graph's own node.
        List<Node> linked = new ArrayList<>();
        for (Node node : nodes) {
            List<Node> inputs = node.inputs().stream().map(in -> linked.get(in.id())).toList();
            linked.add(node.withInputs(inputs));
        }
        List<Loop> loops = new ArrayList<>();
        for (Loop loop : graph.loops()) {
            List<Loop.Carry> carries = new ArrayList<>();
            for (Loop.Carry carry : loop.carries()) {
                Node entry = rebuilt.get(carry.entry());
                Node exit = rebuilt.get(resolve(carry.exit()));
                if (entry != null && exit != null) {
                    carries.add(new Loop.Carry(carry.name(), entry.id(), exit.id()));
                }
            }
            loops.add(new Loop(loop.region(), loop.index(), loop.count(), carries));
        }
        return new Graph(graph.modelName(), linked, graph.params(), loops);
    }

    /** How many nodes read each node; a loop's carried exit counts as read by the next layer. */
    static int[] users(Graph graph) {
        int[] users = new int[graph.nodes().size()];
        for (Node node : graph.nodes()) {
            for (Node input : node.inputs()) {
                users[input.id()]++;
            }
        }
        for (Loop loop : graph.loops()) {
            for (Loop.Carry carry : loop.carries()) {
                users[carry.exit()]++;
            }
        }
        return users;
    }
}
