package dev.attnc.compiler.ir;

import java.util.List;

/** A checked model as a DAG of nodes in definition order; outputs are OUTPUT nodes. */
public record Graph(String modelName, List<Node> nodes) {

    public Graph {
        nodes = List.copyOf(nodes);
    }

    public List<Node> outputs() {
        return nodes.stream().filter(n -> n.op() == Op.OUTPUT).toList();
    }
}
