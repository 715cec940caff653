package dev.attnc.compiler.passes;

import dev.attnc.compiler.ir.Graph;
import dev.attnc.compiler.ir.Loop;
import dev.attnc.compiler.ir.Node;
import dev.attnc.compiler.ir.Op;

/**
 * Removes nodes no output depends on. Inputs stay (they are the model's interface), and a
 * value carried through a repeat stays alive as long as the next layer reads it.
 */
public final class RemoveDeadNodes implements Pass {

    @Override
    public String name() {
        return "remove-dead-nodes";
    }

    @Override
    public Graph run(Graph graph) {
        int count = graph.nodes().size();
        boolean[] live = new boolean[count];
        boolean changed = true;
        for (Node node : graph.nodes()) {
            live[node.id()] = node.op() == Op.OUTPUT || node.op() == Op.INPUT;
        }
        while (changed) {
            changed = false;
            for (int id = count - 1; id >= 0; id--) {
                if (!live[id]) {
                    continue;
                }
                for (Node input : graph.node(id).inputs()) {
                    if (!live[input.id()]) {
                        live[input.id()] = true;
                        changed = true;
                    }
                }
            }
            for (Loop loop : graph.loops()) {
                for (Loop.Carry carry : loop.carries()) {
                    if (live[carry.entry()] && !live[carry.exit()]) {
                        live[carry.exit()] = true;
                        changed = true;
                    }
                }
            }
        }
        Rewriter rewriter = new Rewriter(graph);
        for (int id = 0; id < count; id++) {
            if (!live[id]) {
                rewriter.drop(id);
            }
        }
        return rewriter.apply();
    }
}
