package dev.attnc.compiler.ir;

import dev.attnc.compiler.diag.Span;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Builds a {@link Graph} node by node. Names given after a node exists (the checker learns
 * that {@code x = ...} names a value only once the expression is built) are applied when the
 * graph is finished.
 */
public final class GraphBuilder {
    private final String modelName;
    private final List<Node> nodes = new ArrayList<>();
    private final Map<Integer, String> names = new HashMap<>();
    private final List<Param> params = new ArrayList<>();
    private final List<Loop> loops = new ArrayList<>();
    private int regions;
    /** False once the model has failed for being too large: nodes are still made for checking, not kept. */
    private boolean keeping = true;

    public GraphBuilder(String modelName) {
        this.modelName = modelName;
    }

    public Node add(Op op, List<Node> inputs, TensorType type, Map<String, String> attrs, Span span, List<Region> scope) {
        return add(op, inputs, type, attrs, Map.of(), span, scope);
    }

    public Node add(Op op, List<Node> inputs, TensorType type, Map<String, String> attrs, Map<String, Scalar> exprs,
            Span span, List<Region> scope) {
        Node node = new Node(nodes.size(), op, inputs, type, attrs, exprs, "", span, scope);
        if (keeping) {
            nodes.add(node);
        }
        return node;
    }

    public String modelName() {
        return modelName;
    }

    /**
     * Keeps no more nodes: the model has failed for its size, and its graph will not be built.
     * Checking goes on (for the model's other mistakes) in memory that stops growing with it.
     */
    public void stopKeeping() {
        keeping = false;
    }

    /** Names a value after the .attn variable it was assigned to; the first name sticks. */
    public void name(Node node, String name) {
        names.putIfAbsent(node.id(), name);
    }

    public Region region(Region.Kind kind, String label) {
        return new Region(kind, regions++, label);
    }

    /** Registers a param instance; its id is its index. */
    public int param(String name, String kind, Map<String, TensorType> tensors, Map<String, String> attrs,
            String checkpoint, List<Param.LoopIndex> repeats, Span span) {
        return param(name, kind, tensors, attrs, checkpoint, List.of(), repeats, span);
    }

    /** A param read from the first of {@code checkpoint}, then {@code alternatives}, that the checkpoint holds. */
    public int param(String name, String kind, Map<String, TensorType> tensors, Map<String, String> attrs,
            String checkpoint, List<String> alternatives, List<Param.LoopIndex> repeats, Span span) {
        params.add(new Param(params.size(), name, kind, tensors, attrs, checkpoint, repeats, span, alternatives));
        return params.size() - 1;
    }

    public void loop(Loop loop) {
        loops.add(loop);
    }

    public int size() {
        return nodes.size();
    }

    public Graph build() {
        List<Node> finished = new ArrayList<>(nodes.size());
        for (Node node : nodes) {
            List<Node> inputs = node.inputs().stream().map(in -> finished.get(in.id())).toList();
            finished.add(new Node(node.id(), node.op(), inputs, node.type(), node.attrs(), node.exprs(),
                    names.getOrDefault(node.id(), ""), node.span(), node.regions()));
        }
        return new Graph(modelName, finished, params, loops);
    }
}
