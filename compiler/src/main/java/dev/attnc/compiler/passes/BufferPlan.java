package dev.attnc.compiler.passes;

import dev.attnc.compiler.ir.Node;
import java.util.List;
import java.util.Map;

/**
 * Where every value of a graph lives: one float arena and one int arena per model instance,
 * sized for the largest run-time dims. A value is either stored (its own region, shared over
 * time with values whose lifetimes do not overlap) or a view of another value (a split's
 * part, heads, an output), or a weight.
 *
 * @param layouts  per node id
 * @param floats   elements of the float arena
 * @param ints     elements of the int arena
 * @param maxDims  the largest value of each run-time dim the plan was made for
 */
public record BufferPlan(Map<Integer, Layout> layouts, long floats, long ints, Map<String, Long> maxDims) {

    public enum Storage {
        /** The float arena. */
        FLOATS,
        /** The int arena. */
        INTS,
        /** A param's weights; {@code param} says which. */
        WEIGHT
    }

    /**
     * A value's place: its storage, the offset of its first element, one stride per dim (in
     * elements, for the largest dims), and the node whose region it lies in ({@code root},
     * itself unless it is a view).
     */
    public record Layout(Storage storage, int param, long offset, List<Long> strides, int root) {
        public Layout {
            strides = List.copyOf(strides);
        }

        public boolean isView(Node node) {
            return root != node.id();
        }

        public long stride(int axis) {
            return strides.get(axis < 0 ? strides.size() + axis : axis);
        }
    }

    public Layout layout(Node node) {
        Layout layout = layouts.get(node.id());
        if (layout == null) {
            throw new IllegalStateException("no layout for %" + node.id() + " " + node.op());
        }
        return layout;
    }
}
