package dev.attnc.compiler.cli;

import dev.attnc.compiler.ir.Graph;
import dev.attnc.compiler.ir.GraphPrinter;
import dev.attnc.compiler.ir.Node;
import dev.attnc.compiler.ir.Op;
import dev.attnc.compiler.ir.Region;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The attention graph drawn as an SVG picture, with no other tool: nodes in layers from top to
 * bottom (a node's layer is one below its deepest input), each a box with its op and output
 * type, inputs and outputs as rounded boxes, nodes inside a {@code repeat} tinted, and an arrow
 * from each input to each use. Models of one file are drawn side by side.
 */
final class GraphSvg {
    private static final int CHAR_WIDTH = 7;      // of the 12px monospace font
    private static final int BOX_HEIGHT = 38;
    private static final int GAP_X = 24;
    private static final int GAP_Y = 46;
    private static final int MARGIN = 20;
    private static final int TITLE = 28;

    private GraphSvg() {
    }

    private record Box(Node node, String title, String type, int x, int y, int width) {
        int centre() {
            return x + width / 2;
        }
    }

    static String render(List<Graph> graphs) {
        StringBuilder shapes = new StringBuilder();
        int left = MARGIN;
        int height = 0;
        for (Graph graph : graphs) {
            int[] size = drawGraph(graph, left, shapes);
            left += size[0] + 3 * GAP_X;
            height = Math.max(height, size[1]);
        }
        int width = left - 3 * GAP_X + MARGIN;
        StringBuilder svg = new StringBuilder();
        svg.append("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
        svg.append(String.format(Locale.ROOT, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\""
                + " font-family=\"monospace\" font-size=\"12\">%n", width, height + MARGIN, width, height + MARGIN));
        svg.append("  <defs><marker id=\"arrow\" viewBox=\"0 0 10 10\" refX=\"10\" refY=\"5\" markerWidth=\"7\" markerHeight=\"7\""
                + " orient=\"auto-start-reverse\"><path d=\"M 0 0 L 10 5 L 0 10 z\" fill=\"#555\"/></marker></defs>\n");
        svg.append("  <rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n");
        svg.append(shapes);
        svg.append("</svg>\n");
        return svg.toString();
    }

    /** Draws one graph with its left edge at {@code left}; returns its width and bottom. */
    private static int[] drawGraph(Graph graph, int left, StringBuilder out) {
        Map<Integer, Integer> layerOf = new HashMap<>();
        List<List<Node>> layers = new ArrayList<>();
        for (Node node : graph.nodes()) {           // nodes come in dependency order
            int layer = 0;
            for (Node input : node.inputs()) {
                layer = Math.max(layer, layerOf.getOrDefault(input.id(), 0) + 1);
            }
            layerOf.put(node.id(), layer);
            while (layers.size() <= layer) {
                layers.add(new ArrayList<>());
            }
            layers.get(layer).add(node);
        }
        Map<Integer, Box> boxes = new HashMap<>();
        int widest = 0;
        List<List<Box>> rows = new ArrayList<>();
        for (int layer = 0; layer < layers.size(); layer++) {
            List<Box> row = new ArrayList<>();
            int x = 0;
            int y = MARGIN + TITLE + layer * (BOX_HEIGHT + GAP_Y);
            for (Node node : layers.get(layer)) {
                String title = GraphPrinter.title(node);
                String type = String.valueOf(node.type());
                int width = CHAR_WIDTH * Math.max(title.length(), type.length()) + 16;
                row.add(new Box(node, title, type, x, y, width));
                x += width + GAP_X;
            }
            widest = Math.max(widest, x - GAP_X);
            rows.add(row);
        }
        // Each layer centred under the widest one.
        for (List<Box> row : rows) {
            int rowWidth = row.isEmpty() ? 0 : row.get(row.size() - 1).x() + row.get(row.size() - 1).width();
            int shift = left + (widest - rowWidth) / 2;
            for (Box box : row) {
                boxes.put(box.node().id(), new Box(box.node(), box.title(), box.type(), box.x() + shift, box.y(), box.width()));
            }
        }
        out.append(String.format(Locale.ROOT, "  <text x=\"%d\" y=\"%d\" font-size=\"15\" font-weight=\"bold\">%s</text>%n",
                left, MARGIN + 14, escape(graph.modelName())));
        for (Node node : graph.nodes()) {
            Box to = boxes.get(node.id());
            for (Node input : node.inputs()) {
                Box from = boxes.get(input.id());
                if (from == null) {
                    continue;
                }
                int x1 = from.centre();
                int y1 = from.y() + BOX_HEIGHT;
                int x2 = to.centre();
                int y2 = to.y();
                out.append(String.format(Locale.ROOT, "  <path d=\"M %d %d C %d %d, %d %d, %d %d\" fill=\"none\" stroke=\"#555\""
                        + " marker-end=\"url(#arrow)\"/>%n", x1, y1, x1, y1 + GAP_Y / 2, x2, y2 - GAP_Y / 2, x2, y2));
            }
        }
        for (Box box : boxes.values().stream().sorted((a, b) -> Integer.compare(a.node().id(), b.node().id())).toList()) {
            boolean end = box.node().op() == Op.INPUT || box.node().op() == Op.OUTPUT;
            boolean repeated = box.node().regions().stream().anyMatch(r -> r.kind() == Region.Kind.REPEAT);
            String fill = end ? "#e8f0fe" : box.node().op() == Op.ATTENTION ? "#fde8d8" : repeated ? "#eef7ee" : "#f6f6f6";
            out.append(String.format(Locale.ROOT, "  <g><title>%s</title>%n", escape(box.title() + " " + box.type())));
            out.append(String.format(Locale.ROOT, "    <rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" rx=\"%d\" fill=\"%s\" stroke=\"#333\"/>%n",
                    box.x(), box.y(), box.width(), BOX_HEIGHT, end ? 16 : 3, fill));
            out.append(String.format(Locale.ROOT, "    <text x=\"%d\" y=\"%d\" text-anchor=\"middle\">%s</text>%n",
                    box.centre(), box.y() + 16, escape(box.title())));
            out.append(String.format(Locale.ROOT, "    <text x=\"%d\" y=\"%d\" text-anchor=\"middle\" fill=\"#555\">%s</text>%n",
                    box.centre(), box.y() + 31, escape(box.type())));
            out.append("  </g>\n");
        }
        int bottom = MARGIN + TITLE + layers.size() * (BOX_HEIGHT + GAP_Y) - GAP_Y;
        return new int[] {widest, bottom};
    }

    /** Text from the .attn file as SVG text: XML specials escaped, control characters dropped. */
    static String escape(String text) {
        StringBuilder out = new StringBuilder(text.length());
        text.codePoints().forEach(c -> {
            switch (c) {
                case '&' -> out.append("&amp;");
                case '<' -> out.append("&lt;");
                case '>' -> out.append("&gt;");
                case '"' -> out.append("&quot;");
                default -> {
                    if (c >= 0x20 && c != 0x7f && !(c >= 0x80 && c < 0xa0)) {
                        out.appendCodePoint(c);
                    }
                }
            }
        });
        return out.toString();
    }
}
