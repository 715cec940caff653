package dev.attnc.compiler.passes;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import dev.attnc.compiler.FrontEnd;
import dev.attnc.compiler.check.CheckedModel;
import dev.attnc.compiler.diag.SourceFile;
import dev.attnc.compiler.ir.Graph;
import dev.attnc.compiler.ir.IrPrinter;
import dev.attnc.compiler.ir.Node;
import dev.attnc.compiler.ir.Op;
import dev.attnc.compiler.ir.Verifier;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;

/** Shared helpers for the pass tests: graphs from .attn text, and questions about them. */
final class PassTesting {
    private PassTesting() {
    }

    /** The model of a whole .attn file; fails the test on any error. */
    static CheckedModel model(String text) {
        FrontEnd.Result result = FrontEnd.check(new SourceFile("test.attn", text));
        assertFalse(result.diagnostics().hasErrors(), () -> "test source does not check:\n" + result.diagnostics().render()
                + "\n" + text);
        assertEquals(1, result.models().size());
        return result.models().get(0);
    }

    static Graph graph(String text) {
        Graph graph = model(text).graph();
        Verifier.verify(graph);
        return graph;
    }

    /**
     * A model {@code M} with {@code const D = 64, H = 4}, {@code dim T <= 32} and
     * {@code input x : [T, D]}, followed by {@code body}.
     */
    static Graph body(String body) {
        return graph("model M {\n  const D = 64, H = 4\n  dim T <= 32\n  input x : [T, D]\n" + body.strip() + "\n}\n");
    }

    /** Runs one pass and checks the result with the verifier. */
    static Graph run(Pass pass, Graph graph) {
        Graph after = pass.run(graph);
        Verifier.verify(after);
        return after;
    }

    static List<Op> ops(Graph graph) {
        return graph.nodes().stream().map(Node::op).toList();
    }

    static List<Node> nodes(Graph graph, Op op) {
        return graph.nodes().stream().filter(n -> n.op() == op).toList();
    }

    static long count(Graph graph, Op op) {
        return nodes(graph, op).size();
    }

    static Node only(Graph graph, Op op) {
        List<Node> found = nodes(graph, op);
        assertEquals(1, found.size(), () -> "expected exactly one " + op + " in\n" + IrPrinter.print(graph));
        return found.get(0);
    }

    /** The OUTPUT node called {@code name}. */
    static Node output(Graph graph, String name) {
        return graph.outputs().stream().filter(n -> name.equals(n.attrs().get("name"))).findFirst()
                .orElseThrow(() -> new AssertionError("no output " + name + " in\n" + IrPrinter.print(graph)));
    }

    /** What the output called {@code name} returns. */
    static Node result(Graph graph, String name) {
        return output(graph, name).input(0);
    }

    /** The INPUT node called {@code name}. */
    static Node input(Graph graph, String name) {
        return graph.inputs().stream().filter(n -> name.equals(n.attrs().get("name"))).findFirst()
                .orElseThrow(() -> new AssertionError("no input " + name + " in\n" + IrPrinter.print(graph)));
    }

    static double scalar(Node node) {
        return Double.parseDouble(node.attr("scalar"));
    }

    /** The graph with node {@code id} changed by {@code change}; every other node is relinked. */
    static Graph modify(Graph graph, int id, UnaryOperator<Node> change) {
        List<Node> nodes = new ArrayList<>();
        for (Node node : graph.nodes()) {
            Node changed = node.id() == id ? change.apply(node) : node;
            nodes.add(changed.withInputs(changed.inputs().stream().map(in -> nodes.get(in.id())).toList()));
        }
        return new Graph(graph.modelName(), nodes, graph.params(), graph.loops());
    }

    /** A node with one attribute set to another value. */
    static Node withAttr(Node node, String key, String value) {
        Map<String, String> attrs = new LinkedHashMap<>(node.attrs());
        attrs.put(key, value);
        return new Node(node.id(), node.op(), node.inputs(), node.type(), attrs, node.exprs(), node.name(), node.span(),
                node.regions());
    }
}
