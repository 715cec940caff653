package dev.attnc.compiler.ir;

import dev.attnc.compiler.diag.Span;
import java.util.List;
import java.util.Map;

/**
 * One operation of the attention graph: its inputs, its result type, the attributes that
 * make it precise (a linear layer's param, a slice's bounds, an attention's clauses), the
 * source it came from, and the repeat/block scope it sits in.
 *
 * @param name  the .attn variable this value was assigned to, or "" for a temporary
 * @param scope enclosing repeats and block calls, outermost first, e.g. ["repeat 12 as layer"]
 */
public record Node(int id, Op op, List<Node> inputs, TensorType type, Map<String, String> attrs,
        String name, Span span, List<String> scope) {

    public Node {
        inputs = List.copyOf(inputs);
        attrs = Map.copyOf(attrs);
        scope = List.copyOf(scope);
    }
}
