package dev.attnc.compiler.passes;

import dev.attnc.compiler.ir.Graph;
import dev.attnc.compiler.ir.Node;
import dev.attnc.compiler.ir.Op;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Attention written out by hand becomes one attention node:
 * <pre>
 * merge_heads(softmax(heads(q, H) @ transpose(heads(k, H)) * c) @ heads(v, H))
 * </pre>
 * is {@code attention(q, k, v, heads = H) { scale c }}, which the backends compute with an
 * online softmax and no T x T buffer. (The {@code attention(...)} of the language is already
 * one node; this pass makes the long form just as cheap.)
 */
public final class FuseAttention implements Pass {

    @Override
    public String name() {
        return "fuse-attention";
    }

    @Override
    public Graph run(Graph graph) {
        Rewriter rewriter = new Rewriter(graph);
        int[] users = Rewriter.users(graph);
        for (Node merge : graph.nodes()) {
            Match match = match(merge, users);
            if (match == null) {
                continue;
            }
            for (Node temporary : match.temporaries()) {
                rewriter.drop(temporary.id());
            }
            Map<String, String> attrs = new LinkedHashMap<>();
            attrs.put("scale", Double.toString(match.scale()));
            attrs.put("causal", "false");
            attrs.put("heads", Long.toString(match.heads()));
            attrs.put("kv_heads", Long.toString(match.heads()));
            attrs.put("head_dim", Long.toString(match.headDim()));
            attrs.put("cache", "false");
            attrs.put("fused_from", "softmax(q @ k^T) @ v");
            rewriter.edit(merge.id(), Op.ATTENTION, List.of(match.q().id(), match.k().id(), match.v().id()), attrs);
        }
        return rewriter.apply();
    }

    private record Match(Node q, Node k, Node v, long heads, long headDim, double scale, List<Node> temporaries) {
    }

    private static Match match(Node merge, int[] users) {
        if (merge.op() != Op.MERGE_HEADS) {
            return null;
        }
        Node weighted = merge.input(0);
        if (weighted.op() != Op.MATMUL || users[weighted.id()] != 1) {
            return null;
        }
        Node softmax = weighted.input(0);
        Node vHeads = weighted.input(1);
        if (softmax.op() != Op.SOFTMAX || users[softmax.id()] != 1 || vHeads.op() != Op.HEADS
                || Integer.parseInt(softmax.attr("dim")) != softmax.type().rank() - 1) {
            return null;
        }
        List<Node> temporaries = new ArrayList<>(List.of(weighted, softmax));
        Node scores = softmax.input(0);
        double scale = 1;
        while (FoldConstants.scaling(scores) != null && users[scores.id()] == 1) {
            scale *= FoldConstants.scaling(scores);
            temporaries.add(scores);
            scores = scores.input(0);
        }
        if (scores.op() != Op.MATMUL || users[scores.id()] != 1) {
            return null;
        }
        Node qHeads = scores.input(0);
        Node transposed = scores.input(1);
        if (qHeads.op() != Op.HEADS || transposed.op() != Op.TRANSPOSE || users[transposed.id()] != 1
                || transposed.input(0).op() != Op.HEADS) {
            return null;
        }
        Node kHeads = transposed.input(0);
        String heads = qHeads.attr("heads");
        if (!heads.equals(kHeads.attr("heads")) || !heads.equals(vHeads.attr("heads"))) {
            return null;
        }
        temporaries.add(scores);
        temporaries.add(transposed);
        long headDim = qHeads.type().dim(2).constant().orElse(-1L);
        if (headDim < 1) {
            return null;
        }
        return new Match(qHeads.input(0), kHeads.input(0), vHeads.input(0), Long.parseLong(heads), headDim, scale, temporaries);
    }
}
