package dev.attnc.compiler.ir;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.StringJoiner;

/**
 * The attention graph as picture source: Mermaid (the default, rendered by GitHub and most
 * Markdown viewers) or Graphviz DOT. Every node shows its op, what makes it precise, and its
 * output shape with symbolic dims by name; repeats and block calls are drawn as boxes.
 */
public final class GraphPrinter {
    private GraphPrinter() {
    }

    public enum Format { MERMAID, DOT }

    public static String print(List<Graph> graphs, Format format) {
        return format == Format.MERMAID ? mermaid(graphs) : dot(graphs);
    }

    /** One line describing a node: {@code q = slice 0:768}, {@code attention heads=12 mask: causal}. */
    public static String title(Node node) {
        Map<String, String> a = node.attrs();
        String body = switch (node.op()) {
            case INPUT -> "input";
            case PARAM -> "param from \"" + a.get("from") + "\"";
            case LINEAR -> "linear " + a.get("param") + " " + a.get("in") + "→" + a.get("out");
            case EMBEDDING -> "embedding " + a.get("param");
            case LAYERNORM, RMSNORM -> node.op().spelling() + " " + a.get("param") + " eps=" + a.get("eps");
            case SLICE -> "slice " + a.get("start") + " +" + a.get("size");
            case CONCAT, SOFTMAX -> node.op().spelling() + " dim=" + a.get("dim");
            case HEADS -> "heads " + a.get("heads");
            case ROPE -> "rope heads=" + a.get("heads") + " " + a.get("layout");
            case SOFTCAP -> "softcap " + a.get("cap");
            case REDUCE -> a.get("reduce") + " dim=" + a.get("dim") + ("true".equals(a.get("keepdim")) ? " keepdim" : "")
                    + (node.inputs().size() == 2 ? " masked" : "");
            case COMPARE -> "compare " + a.get("cmp");
            case SELECT -> "select [" + a.get("index") + "]";
            case ATTENTION -> attentionTitle(a);
            case OUTPUT -> "output";
            case CARRY -> "carried from the previous layer";
            case ADD, SUB, MUL, DIV, POW, MINIMUM, MAXIMUM -> a.containsKey("scalar")
                    ? node.op().spelling() + " " + a.get("scalar")
                    : node.op().spelling();
            default -> node.op().spelling();
        };
        if (node.op() == Op.INPUT || node.op() == Op.OUTPUT) {
            return node.name() + ": " + body;
        }
        return node.name().isEmpty() ? body : node.name() + " = " + body;
    }

    private static String attentionTitle(Map<String, String> a) {
        StringBuilder out = new StringBuilder(a.containsKey("variant") ? a.get("variant") : "attention");
        out.append(" heads=").append(a.get("heads"));
        if (!a.get("kv_heads").equals(a.get("heads"))) {
            out.append(" kv_heads=").append(a.get("kv_heads"));
        }
        for (String key : List.of("mask", "score", "softcap", "temperature", "sink", "relative")) {
            if (a.containsKey(key)) {
                out.append(" | ").append(key).append(": ").append(a.get(key));
            }
        }
        if (a.get("cache").equals("true")) {
            out.append(" | kv cache");
        }
        return out.toString();
    }

    private static String mermaid(List<Graph> graphs) {
        StringBuilder out = new StringBuilder("flowchart TD\n");
        for (Graph graph : graphs) {
            String prefix = graphs.size() > 1 ? graph.modelName() + "_" : "";
            String indent = "  ";
            if (graphs.size() > 1) {
                out.append("  subgraph ").append(prefix).append("model[\"model ").append(graph.modelName()).append("\"]\n");
                indent = "    ";
            }
            String base = indent;
            walkScopes(graph, new ScopeVisitor() {
                int clusters;
                String current = base;

                @Override
                public void open(String label) {
                    out.append(current).append("subgraph ").append(prefix).append("s").append(clusters++)
                            .append("[\"").append(escapeMermaid(label)).append("\"]\n");
                    current += "  ";
                }

                @Override
                public void close() {
                    current = current.substring(2);
                    out.append(current).append("end\n");
                }

                @Override
                public void node(Node node) {
                    String label = escapeMermaid(title(node)) + "<br/>" + escapeMermaid(node.type().toString());
                    String shape = node.op() == Op.INPUT || node.op() == Op.OUTPUT ? "([\"%s\"])" : "[\"%s\"]";
                    out.append(current).append(prefix).append('n').append(node.id())
                            .append(String.format(shape, label)).append('\n');
                }
            });
            for (Node node : graph.nodes()) {
                for (Node input : node.inputs()) {
                    out.append(base).append(prefix).append('n').append(input.id()).append(" --> ")
                            .append(prefix).append('n').append(node.id()).append('\n');
                }
            }
            if (graphs.size() > 1) {
                out.append("  end\n");
            }
        }
        return out.toString();
    }

    private static String dot(List<Graph> graphs) {
        StringBuilder out = new StringBuilder();
        String name = graphs.size() == 1 ? graphs.get(0).modelName() : "models";
        out.append("digraph ").append(quoteDot(name)).append(" {\n");
        out.append("  rankdir=TB;\n  node [shape=box, fontname=\"monospace\"];\n");
        int[] clusters = {0};
        for (Graph graph : graphs) {
            String prefix = graphs.size() > 1 ? graph.modelName() + "_" : "";
            walkScopes(graph, new ScopeVisitor() {
                String current = "  ";

                @Override
                public void open(String label) {
                    out.append(current).append("subgraph cluster_").append(clusters[0]++).append(" {\n");
                    current += "  ";
                    out.append(current).append("label=").append(quoteDot(label)).append(";\n");
                }

                @Override
                public void close() {
                    current = current.substring(2);
                    out.append(current).append("}\n");
                }

                @Override
                public void node(Node node) {
                    String shape = node.op() == Op.INPUT || node.op() == Op.OUTPUT ? ", shape=oval" : "";
                    out.append(current).append(quoteDot(prefix + "n" + node.id())).append(" [label=")
                            .append(quoteDot(title(node) + "\n" + node.type())).append(shape).append("];\n");
                }
            });
            for (Node node : graph.nodes()) {
                for (Node input : node.inputs()) {
                    out.append("  ").append(quoteDot(prefix + "n" + input.id())).append(" -> ")
                            .append(quoteDot(prefix + "n" + node.id())).append(";\n");
                }
            }
        }
        out.append("}\n");
        return out.toString();
    }

    private interface ScopeVisitor {
        void open(String label);

        void close();

        void node(Node node);
    }

    /** Visits nodes in order, opening and closing scope boxes as the scope path changes. */
    private static void walkScopes(Graph graph, ScopeVisitor visitor) {
        List<Region> open = new ArrayList<>();
        for (Node node : graph.nodes()) {
            List<Region> scope = node.regions();
            int common = 0;
            while (common < open.size() && common < scope.size() && open.get(common).equals(scope.get(common))) {
                common++;
            }
            while (open.size() > common) {
                open.remove(open.size() - 1);
                visitor.close();
            }
            for (int index = common; index < scope.size(); index++) {
                open.add(scope.get(index));
                visitor.open(scope.get(index).label());
            }
            visitor.node(node);
        }
        while (!open.isEmpty()) {
            open.remove(open.size() - 1);
            visitor.close();
        }
    }

    private static String escapeMermaid(String text) {
        return text.replace("\"", "#quot;").replace("<", "#lt;").replace(">", "#gt;");
    }

    private static String quoteDot(String text) {
        StringJoiner lines = new StringJoiner("\\n");
        for (String line : text.split("\n", -1)) {
            lines.add(line.replace("\\", "\\\\").replace("\"", "\\\""));
        }
        return "\"" + lines + "\"";
    }
}
