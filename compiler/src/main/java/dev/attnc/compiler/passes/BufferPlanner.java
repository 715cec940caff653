package dev.attnc.compiler.passes;

import dev.attnc.compiler.ir.DType;
import dev.attnc.compiler.ir.Dim;
import dev.attnc.compiler.ir.Graph;
import dev.attnc.compiler.ir.Node;
import dev.attnc.compiler.ir.Op;
import dev.attnc.compiler.ir.Region;
import dev.attnc.compiler.passes.BufferPlan.Layout;
import dev.attnc.compiler.passes.BufferPlan.Storage;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Buffer planning: gives every value a place in one arena per model instance, sized for the
 * largest run-time dims, so a call allocates nothing. Values whose lifetimes do not overlap
 * share memory (first fit, in definition order). Splits, heads and outputs are views and take
 * no memory. Inside a repeat, anything the body reads from before the loop stays alive for
 * the whole loop, since every layer reads it again.
 */
public final class BufferPlanner {
    private final Graph graph;
    private final Map<String, Long> maxDims;
    private final Map<Integer, Layout> layouts = new LinkedHashMap<>();
    private final int[] lastRead;
    private final Map<Integer, int[]> regionSpans = new HashMap<>();

    private BufferPlanner(Graph graph, Map<String, Long> maxDims) {
        this.graph = graph;
        this.maxDims = Map.copyOf(maxDims);
        this.lastRead = new int[graph.nodes().size()];
    }

    /** The plan for a graph whose run-time dims are at most {@code maxDims}. */
    public static BufferPlan plan(Graph graph, Map<String, Long> maxDims) {
        return new BufferPlanner(graph, maxDims).run();
    }

    private BufferPlan run() {
        for (Node node : graph.nodes()) {
            for (Region region : node.regions()) {
                regionSpans.merge(region.id(), new int[] {node.id(), node.id()},
                        (a, b) -> new int[] {Math.min(a[0], b[0]), Math.max(a[1], b[1])});
            }
        }
        // First, which values are views of which, so that lifetimes can be charged to the region owner.
        int[] root = new int[graph.nodes().size()];
        for (Node node : graph.nodes()) {
            root[node.id()] = viewOf(node) == null ? node.id() : root[viewOf(node).id()];
        }
        int end = graph.nodes().size();
        for (Node node : graph.nodes()) {
            lastRead[node.id()] = node.id();
        }
        for (Node node : graph.nodes()) {
            for (Node input : node.inputs()) {
                int when = readTime(node, input);
                if (node.op() == Op.OUTPUT) {
                    when = end; // outputs are copied out after the whole model ran
                }
                lastRead[root[input.id()]] = Math.max(lastRead[root[input.id()]], when);
            }
        }
        for (var loop : graph.loops()) {
            int[] span = regionSpans.get(loop.region());
            for (var carry : loop.carries()) {
                // The carried buffer is rewritten at the end of every layer; the exit is copied there.
                lastRead[root[carry.entry()]] = Math.max(lastRead[root[carry.entry()]], span[1]);
                lastRead[root[carry.exit()]] = Math.max(lastRead[root[carry.exit()]], span[1]);
            }
        }
        Arena floats = new Arena();
        Arena ints = new Arena();
        for (Node node : graph.nodes()) {
            Node source = viewOf(node);
            if (node.op() == Op.PARAM) {
                layouts.put(node.id(), new Layout(Storage.WEIGHT, Integer.parseInt(node.attr("param_id")), 0,
                        denseStrides(node), node.id()));
            } else if (source != null) {
                layouts.put(node.id(), view(node, source));
            } else {
                Arena arena = node.type().dtype() == DType.INT ? ints : floats;
                int born = node.op() == Op.INPUT ? -1 : node.id();
                long offset = arena.allocate(size(node), born, lastRead[node.id()]);
                layouts.put(node.id(), new Layout(node.type().dtype() == DType.INT ? Storage.INTS : Storage.FLOATS, -1,
                        offset, denseStrides(node), node.id()));
            }
        }
        return new BufferPlan(layouts, floats.size, ints.size, maxDims);
    }

    /** When {@code user} reads {@code input}: at the user, or at the end of every loop the input is outside of. */
    private int readTime(Node user, Node input) {
        int when = user.id();
        for (Region region : user.regions()) {
            if (region.kind() == Region.Kind.REPEAT && !input.regions().contains(region)) {
                when = Math.max(when, regionSpans.get(region.id())[1]);
            }
        }
        return when;
    }

    /** The node a view looks into, or null for a value with storage of its own. */
    private Node viewOf(Node node) {
        return switch (node.op()) {
            case SLICE, SELECT, HEADS, OUTPUT -> node.input(0);
            case MERGE_HEADS -> isHeadsView(node.input(0)) ? node.input(0) : null;
            default -> null;
        };
    }

    /** [H, T, Dh] laid out as heads of a [T, H * Dh] row: merging it back is free. */
    private boolean isHeadsView(Node node) {
        return node.op() == Op.HEADS;
    }

    private Layout view(Node node, Node source) {
        Layout parent = layouts.get(source.id());
        return switch (node.op()) {
            case SLICE -> {
                int axis = Integer.parseInt(node.attr("dim"));
                long start = constant(node.attr("start"));
                yield new Layout(parent.storage(), parent.param(), parent.offset() + start * parent.stride(axis),
                        parent.strides(), parent.root());
            }
            case SELECT -> {
                // x[k, ...]: the leading axes fixed, the others kept with their strides.
                String[] index = node.attr("index").split(",");
                long offset = parent.offset();
                for (int axis = 0; axis < index.length; axis++) {
                    offset += Long.parseLong(index[axis].trim()) * parent.stride(axis);
                }
                yield new Layout(parent.storage(), parent.param(), offset,
                        parent.strides().subList(index.length, parent.strides().size()), parent.root());
            }
            case HEADS -> {
                long headWidth = node.type().dim(2).constant().orElseThrow();
                // (h, t, d) is element (t, h * Dh + d) of the [T, D] source.
                yield new Layout(parent.storage(), parent.param(), parent.offset(),
                        List.of(headWidth * parent.stride(1), parent.stride(0), parent.stride(1)), parent.root());
            }
            case MERGE_HEADS -> new Layout(parent.storage(), parent.param(), parent.offset(),
                    List.of(parent.stride(1), parent.stride(2)), parent.root());
            case OUTPUT -> parent;
            default -> throw new IllegalStateException("not a view: " + node.op());
        };
    }

    private static long constant(String dim) {
        try {
            return Long.parseLong(dim.trim());
        } catch (NumberFormatException e) {
            throw new UnsupportedOperationException("a split at a run-time offset (" + dim + ") is not supported yet");
        }
    }

    private List<Long> denseStrides(Node node) {
        List<Dim> shape = node.type().shape();
        List<Long> strides = new ArrayList<>();
        long stride = 1;
        for (int axis = shape.size() - 1; axis >= 0; axis--) {
            strides.add(0, stride);
            stride = Math.multiplyExact(stride, max(shape.get(axis)));
        }
        return strides;
    }

    private long size(Node node) {
        long size = 1;
        for (Dim dim : node.type().shape()) {
            size = Math.multiplyExact(size, max(dim));
        }
        return size;
    }

    /** A dim at the largest run-time dims. */
    long max(Dim dim) {
        long value = 0;
        for (Map.Entry<String, Long> term : dim.terms().entrySet()) {
            long product = term.getValue();
            if (!term.getKey().isEmpty()) {
                for (String symbol : term.getKey().split("\\*")) {
                    Long bound = maxDims.get(symbol);
                    if (bound == null) {
                        throw new IllegalStateException("no largest value for dim " + symbol);
                    }
                    product = Math.multiplyExact(product, bound);
                }
            }
            value = Math.addExact(value, product);
        }
        return Math.max(value, 0);
    }

    /** First-fit allocation over lifetimes: a block is free again after its last read. */
    private static final class Arena {
        private record Block(long offset, long size, int lastRead) {
        }

        private final List<Block> live = new ArrayList<>();
        private long size;

        long allocate(long length, int born, int lastRead) {
            live.removeIf(block -> block.lastRead < born);
            live.sort(Comparator.comparingLong(Block::offset));
            long offset = 0;
            for (Block block : live) {
                if (block.offset - offset >= length) {
                    break;
                }
                offset = Math.max(offset, block.offset + block.size);
            }
            live.add(new Block(offset, length, lastRead));
            size = Math.max(size, offset + length);
            return offset;
        }
    }
}
