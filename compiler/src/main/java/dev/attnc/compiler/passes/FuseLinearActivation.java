package dev.attnc.compiler.passes;

import dev.attnc.compiler.ir.Graph;
import dev.attnc.compiler.ir.Node;
import dev.attnc.compiler.ir.Op;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A linear layer followed by its activation ({@code gelu(fc(x))}) becomes one linear node
 * that adds the bias and applies the activation as each output is written, instead of a
 * second pass over the activations.
 */
public final class FuseLinearActivation implements Pass {
    private static final Set<Op> ACTIVATIONS = Set.of(Op.RELU, Op.GELU, Op.GELU_TANH, Op.SILU);

    @Override
    public String name() {
        return "fuse-bias-activation";
    }

    @Override
    public Graph run(Graph graph) {
        Rewriter rewriter = new Rewriter(graph);
        int[] users = Rewriter.users(graph);
        for (Node activation : graph.nodes()) {
            if (!ACTIVATIONS.contains(activation.op())) {
                continue;
            }
            Node linear = activation.input(0);
            if (linear.op() != Op.LINEAR || users[linear.id()] != 1 || linear.attrs().containsKey("activation")) {
                continue;
            }
            Map<String, String> attrs = new HashMap<>(linear.attrs());
            attrs.put("activation", activation.op().spelling());
            rewriter.drop(linear.id());
            rewriter.edit(activation.id(), Op.LINEAR, List.of(linear.input(0).id()), attrs);
        }
        return rewriter.apply();
    }
}
