package dev.attnc.compiler.check;

import dev.attnc.compiler.diag.Diagnostics;
import dev.attnc.compiler.diag.Messages;
import dev.attnc.compiler.ir.Graph;
import dev.attnc.compiler.ir.Loop;
import dev.attnc.compiler.ir.Node;
import dev.attnc.compiler.ir.Op;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Whether a model that asks for a KV cache ({@code cache = true}) can decode step by step, and
 * why not when it cannot: one error at the first thing in the way, instead of a generated class
 * that silently has no {@code step}. Decoding runs the computation on the new rows alone, so
 * every attention must keep a cache, there must be one run-time dim (the sequence), and
 * nothing else may mix positions. The JVM backend generates {@code step} exactly when this
 * check passes.
 */
final class Decoding {
    private Decoding() {
    }

    static void check(Graph graph, List<String> runTimeDims, Diagnostics diagnostics) {
        Set<Node> live = live(graph);
        Node cached = graph.nodes().stream()
                .filter(n -> n.op() == Op.ATTENTION && n.attr("cache").equals("true") && live.contains(n))
                .findFirst().orElse(null);
        if (cached == null) {
            return;
        }
        for (Node node : graph.nodes()) {
            if (!live.contains(node) || node.op() != Op.ATTENTION || node.attr("cache").equals("true")) {
                continue;
            }
            boolean cross = !node.input(0).type().dim(0).equals(node.input(1).type().dim(0));
            diagnostics.error(node.span(), cross
                    ? Messages.cacheWithCrossAttention(cached.span().line(), node.input(1).type().dim(0).toString())
                    : Messages.cacheNotEverywhere(cached.span().line()));
            return;
        }
        if (runTimeDims.size() != 1) {
            diagnostics.error(cached.span(), Messages.cacheNeedsOneDim(runTimeDims));
            return;
        }
        for (Node node : graph.nodes()) {
            if (!live.contains(node)) {
                continue;
            }
            boolean mixes = switch (node.op()) {
                case MATMUL, TRANSPOSE -> true;
                case CONCAT, SOFTMAX -> Integer.parseInt(node.attr("dim")) != node.type().rank() - 1;
                case REDUCE -> Integer.parseInt(node.attr("dim")) != node.input(0).type().rank() - 1;
                case SELECT -> node.input(0).type().shape().subList(0, node.attr("index").split(",").length).stream()
                        .anyMatch(d -> d.constant().isEmpty());
                default -> false;
            };
            if (mixes) {
                diagnostics.error(node.span(), Messages.cacheMixedPositions(node.op().spelling(), cached.span().line()));
                return;
            }
        }
    }

    /** The nodes an output depends on, through the layers of repeats too. */
    private static Set<Node> live(Graph graph) {
        Set<Integer> seen = new HashSet<>();
        Set<Node> live = new HashSet<>();
        Deque<Node> work = new ArrayDeque<>(graph.outputs());
        while (true) {
            while (!work.isEmpty()) {
                Node node = work.pop();
                if (seen.add(node.id())) {
                    live.add(node);
                    work.addAll(node.inputs());
                }
            }
            // A layer's result feeds the next layer's entry: live when the entry is.
            for (Loop loop : graph.loops()) {
                for (Loop.Carry carry : loop.carries()) {
                    if (seen.contains(carry.entry()) && !seen.contains(carry.exit())) {
                        work.add(graph.node(carry.exit()));
                    }
                }
            }
            if (work.isEmpty()) {
                return live;
            }
        }
    }
}
