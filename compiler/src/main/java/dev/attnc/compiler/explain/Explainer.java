package dev.attnc.compiler.explain;

import dev.attnc.compiler.ir.Graph;
import dev.attnc.compiler.ir.Node;
import dev.attnc.compiler.ir.Op;
import dev.attnc.compiler.ir.Param;
import dev.attnc.compiler.ir.TensorType;
import dev.attnc.compiler.passes.BufferPlan;
import dev.attnc.compiler.passes.BufferPlanner;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/** Builds an {@link Explanation} from a fused graph: {@link CostModel} per node, then the roofline. */
public final class Explainer {
    private Explainer() {
    }

    /**
     * @param graph   the graph after every pass
     * @param dims    a value for every run-time dim
     * @param bounds  the declared largest values of the run-time dims (for a note when a value exceeds one)
     * @param machine the roofline figures
     * @param source  the source's name, for the report
     * @param backend {@code jvm} or {@code tornadovm}
     */
    public static Explanation explain(Graph graph, Map<String, Long> dims, Map<String, Optional<Long>> bounds, Machine machine,
            String source, String backend) {
        for (Map.Entry<String, Long> dim : dims.entrySet()) {
            if (dim.getValue() < 1) {
                throw new IllegalArgumentException(dim.getKey() + " must be at least 1, not " + dim.getValue());
            }
        }
        List<String> notes = new ArrayList<>();
        bounds.forEach((dim, bound) -> {
            Long value = dims.get(dim);
            if (bound.isPresent() && value != null && value > bound.get()) {
                notes.add(dim + " = " + value + " is above the model's bound (" + dim + " <= " + bound.get()
                        + "): a run would refuse it; the figures extrapolate");
            }
        });
        if (backend.equals("tornadovm") && !machine.source().equals("given")) {
            notes.add("TornadoVM runs on a GPU, but the peaks are this CPU's: pass --peak-gflops and --bandwidth-gbs of the device");
        }
        Set<Integer> views = new HashSet<>();
        long arena = -1;
        try {
            BufferPlan plan = BufferPlanner.plan(graph, dims);
            for (Node node : graph.nodes()) {
                BufferPlan.Layout layout = plan.layouts().get(node.id());
                if (layout != null && (layout.isView(node) || layout.storage() == BufferPlan.Storage.WEIGHT)) {
                    views.add(node.id());
                }
            }
            arena = Math.multiplyExact(plan.floats() + plan.ints(), (long) CostModel.BYTES);
        } catch (RuntimeException unplannable) {
            notes.add("no buffer plan at these dims (" + unplannable.getMessage() + "): views counted as copies");
        }

        List<Explanation.Row> rows = new ArrayList<>();
        List<AttentionCost> attention = new ArrayList<>();
        long flops = 0;
        long read = 0;
        long written = 0;
        double seconds = 0;
        double computeSeconds = 0;
        long scores = 0;
        for (Node node : graph.nodes()) {
            Cost cost;
            if (node.op() == Op.ATTENTION) {
                CostModel.Attention fused = CostModel.attention(node, dims);
                cost = fused.cost();
                attention.add(fused.saved());
                scores = Math.max(scores, fused.saved().scoreBytes());
            } else {
                cost = CostModel.cost(graph, node, dims, views);
            }
            long runs = CostModel.runs(graph, node);
            double intensity = cost.intensity();
            Explanation.Bound bound = cost.bytes() == 0 && cost.flops() == 0 ? Explanation.Bound.NONE
                    : cost.bytes() == 0 || intensity >= machine.ridge() ? Explanation.Bound.COMPUTE : Explanation.Bound.MEMORY;
            double time = runs * Math.max(cost.flops() / (machine.peakGflops() * 1e9), cost.bytes() / (machine.bandwidthGbs() * 1e9));
            rows.add(new Explanation.Row(node.id(), op(node), node.name(), node.type().toString(), at(node.type(), dims), runs, cost,
                    intensity, bound, time));
            flops += runs * cost.flops();
            read += runs * cost.bytesRead();
            written += runs * cost.bytesWritten();
            seconds += time;
            if (bound == Explanation.Bound.COMPUTE) {
                computeSeconds += time;
            }
        }
        long weights = 0;
        for (Param param : graph.params()) {
            for (TensorType type : param.tensors().values()) {
                weights += CostModel.BYTES * CostModel.elements(type, dims) * param.copies();
            }
        }
        Explanation.Totals totals = new Explanation.Totals(flops, read, written, seconds, computeSeconds, weights, arena, scores);
        return new Explanation(graph.modelName(), source, backend, new LinkedHashMap<>(dims), bounds, machine, rows, totals,
                attention, notes);
    }

    private static String op(Node node) {
        String activation = node.attrs().get("activation");
        return node.op().spelling() + (activation == null ? "" : "+" + activation);
    }

    private static String at(TensorType type, Map<String, Long> dims) {
        String shape = type.shape().stream().map(dim -> Long.toString(CostModel.value(dim, dims)))
                .collect(Collectors.joining(", ", "[", "]"));
        return type.dtype() == dev.attnc.compiler.ir.DType.INT ? "int" + shape : shape;
    }
}
