package dev.attnc.compiler.ir;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * The attention graph as text, one node per line, for {@code attnc compile --dump-ir}:
 * <pre>
 * %5 x : [T, 768] = layernorm %4 {eps=1e-5, param=ln_1}    ; gpt2_block.attn:19
 * </pre>
 * Repeats and block calls are shown as indented regions.
 */
public final class IrPrinter {
    private IrPrinter() {
    }

    public static String print(Graph graph) {
        StringBuilder out = new StringBuilder("model ").append(graph.modelName()).append('\n');
        for (Param param : graph.params()) {
            out.append("  param #").append(param.id()).append(' ').append(param.name()).append(" : ").append(param.kind());
            param.tensors().entrySet().stream().sorted(Map.Entry.comparingByKey()).forEach(t ->
                    out.append(' ').append(t.getKey().isEmpty() ? "" : t.getKey() + "=").append(t.getValue()));
            out.append(" from \"").append(param.checkpoint()).append('"');
            if (!param.repeats().isEmpty()) {
                out.append(" per ").append(param.repeats().stream().map(r -> r.name() + " < " + r.count())
                        .collect(Collectors.joining(", ")));
            }
            out.append('\n');
        }
        List<Region> open = new ArrayList<>();
        for (Node node : graph.nodes()) {
            List<Region> regions = node.regions();
            int common = 0;
            while (common < open.size() && common < regions.size() && open.get(common).equals(regions.get(common))) {
                common++;
            }
            while (open.size() > common) {
                open.remove(open.size() - 1);
                out.append("  ".repeat(open.size() + 1)).append("}\n");
            }
            for (int index = common; index < regions.size(); index++) {
                Region region = regions.get(index);
                out.append("  ".repeat(open.size() + 1)).append(region.label());
                if (region.kind() == Region.Kind.REPEAT) {
                    Loop loop = graph.loop(region.id());
                    if (!loop.carries().isEmpty()) {
                        out.append(" carrying ").append(loop.carries().stream()
                                .map(c -> c.name() + " %" + c.entry() + " <- %" + c.exit()).collect(Collectors.joining(", ")));
                    }
                }
                out.append(" {\n");
                open.add(region);
            }
            out.append("  ".repeat(open.size() + 1)).append(line(node)).append('\n');
        }
        while (!open.isEmpty()) {
            open.remove(open.size() - 1);
            out.append("  ".repeat(open.size() + 1)).append("}\n");
        }
        return out.toString();
    }

    static String line(Node node) {
        StringBuilder line = new StringBuilder("%").append(node.id());
        if (!node.name().isEmpty()) {
            line.append(' ').append(node.name());
        }
        line.append(" : ").append(node.type()).append(" = ").append(node.op().spelling());
        for (Node input : node.inputs()) {
            line.append(" %").append(input.id());
        }
        if (!node.attrs().isEmpty()) {
            line.append(" {").append(new TreeMap<>(node.attrs()).entrySet().stream()
                    .map(e -> e.getKey() + "=" + e.getValue()).collect(Collectors.joining(", "))).append('}');
        }
        if (node.span() != null) {
            line.append("    ; ").append(fileName(node.span().file().name())).append(':').append(node.span().line());
        }
        return line.toString();
    }

    private static String fileName(String path) {
        int slash = Math.max(path.lastIndexOf('/'), path.lastIndexOf('\\'));
        return path.substring(slash + 1);
    }
}
