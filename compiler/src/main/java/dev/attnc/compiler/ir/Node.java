package dev.attnc.compiler.ir;

import dev.attnc.compiler.diag.Span;
import java.util.List;
import java.util.Map;

/**
 * One operation of the attention graph: its inputs, its result type, the attributes that
 * make it precise (a linear layer's param, a slice's bounds, an attention's clauses), the
 * source it came from, and the repeats and block calls it sits in.
 *
 * @param id      its index in {@link Graph#nodes()}; inputs always have smaller ids
 * @param exprs   an attention's score and mask expressions ("score", "mask"), if any
 * @param name    the .attn variable this value was assigned to, or "" for a temporary
 * @param regions enclosing repeats and block calls, outermost first
 */
public record Node(int id, Op op, List<Node> inputs, TensorType type, Map<String, String> attrs,
        Map<String, Scalar> exprs, String name, Span span, List<Region> regions) {

    public Node {
        inputs = List.copyOf(inputs);
        attrs = Map.copyOf(attrs);
        exprs = Map.copyOf(exprs);
        regions = List.copyOf(regions);
    }

    /** This node with other inputs, keeping everything else. */
    public Node withInputs(List<Node> newInputs) {
        return new Node(id, op, newInputs, type, attrs, exprs, name, span, regions);
    }

    public String attr(String key) {
        String value = attrs.get(key);
        if (value == null) {
            throw new IllegalStateException("node %" + id + " (" + op + ") has no attribute " + key);
        }
        return value;
    }

    public Node input(int index) {
        return inputs.get(index);
    }

    /** The innermost repeat this node runs in, or null. */
    public Region innermostRepeat() {
        for (int index = regions.size() - 1; index >= 0; index--) {
            if (regions.get(index).kind() == Region.Kind.REPEAT) {
                return regions.get(index);
            }
        }
        return null;
    }
}
