package dev.attnc.compiler.ir;

import java.util.List;

/**
 * A checked model as a DAG of nodes in definition order (inputs before users), with its
 * params and its repeat loops. Outputs are OUTPUT nodes.
 */
public record Graph(String modelName, List<Node> nodes, List<Param> params, List<Loop> loops) {

    public Graph {
        nodes = List.copyOf(nodes);
        params = List.copyOf(params);
        loops = List.copyOf(loops);
    }

    public List<Node> outputs() {
        return nodes.stream().filter(n -> n.op() == Op.OUTPUT).toList();
    }

    public List<Node> inputs() {
        return nodes.stream().filter(n -> n.op() == Op.INPUT).toList();
    }

    public Node node(int id) {
        return nodes.get(id);
    }

    public Param param(int id) {
        return params.get(id);
    }

    /** The loop of a repeat region. */
    public Loop loop(int region) {
        return loops.stream().filter(l -> l.region() == region).findFirst()
                .orElseThrow(() -> new IllegalStateException("no loop for region " + region));
    }
}
