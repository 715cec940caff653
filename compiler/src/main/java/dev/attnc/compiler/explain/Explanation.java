package dev.attnc.compiler.explain;

import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * What a model costs at given run-time dims, node by node, on a given machine: the data behind
 * {@code attnc explain}. {@link ExplainFormat} prints it as a table or as JSON.
 *
 * @param model     the model's name
 * @param source    the source it came from
 * @param backend   the backend it was explained for ({@code jvm}, {@code tornadovm})
 * @param dims      the value of each run-time dim
 * @param bounds    each run-time dim's declared largest value, if any
 * @param machine   the roofline figures
 * @param rows      one per node of the fused graph, in order
 * @param totals    sums over the rows
 * @param attention one per attention node: what fusing it saves
 * @param notes     caveats worth printing (dims above their bound, a GPU explained with CPU peaks)
 */
public record Explanation(String model, String source, String backend, Map<String, Long> dims,
        Map<String, Optional<Long>> bounds, Machine machine, List<Row> rows, Totals totals, List<AttentionCost> attention,
        List<String> notes) {

    public Explanation {
        dims = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(dims));
        bounds = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(bounds));
        rows = List.copyOf(rows);
        attention = List.copyOf(attention);
        notes = List.copyOf(notes);
    }

    /** What limits a node on the roofline. */
    public enum Bound {
        /** Its intensity is at or above the ridge point: arithmetic is the limit. */
        COMPUTE,
        /** Below the ridge point: moving bytes is the limit. */
        MEMORY,
        /** It does nothing at run time (a view, a weight). */
        NONE;

        /** {@code compute}, {@code memory} or {@code -}. */
        public String label() {
            return this == NONE ? "-" : name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    /**
     * One node.
     *
     * @param id        its id in the fused graph ({@code %id} in IR dumps)
     * @param op        its op, with a fused activation ({@code linear+gelu_tanh})
     * @param name      the .attn variable, or ""
     * @param shape     the output shape with run-time dims by name ({@code [T, 768]})
     * @param shapeAt   the output shape at {@link Explanation#dims()} ({@code [2048, 768]})
     * @param runs      how many times a call runs it (the layers of a repeat)
     * @param cost      one run's cost
     * @param intensity FLOPs per byte (NaN when nothing moves)
     * @param bound     compute- or memory-bound on the machine
     * @param seconds   roofline estimate for all runs: max(FLOPs / peak, bytes / bandwidth)
     */
    public record Row(int id, String op, String name, String shape, String shapeAt, long runs, Cost cost, double intensity,
            Bound bound, double seconds) {

        /** FLOPs of all runs. */
        public long flops() {
            return runs * cost.flops();
        }

        /** Bytes read by all runs. */
        public long bytesRead() {
            return runs * cost.bytesRead();
        }

        /** Bytes written by all runs. */
        public long bytesWritten() {
            return runs * cost.bytesWritten();
        }
    }

    /**
     * Sums over the rows, and the model's memory.
     *
     * @param flops          all FLOPs of one call
     * @param bytesRead      all bytes read
     * @param bytesWritten   all bytes written
     * @param seconds        sum of the rows' roofline estimates
     * @param computeSeconds the part of it in compute-bound nodes
     * @param weightBytes    the weights a loaded model holds
     * @param arenaBytes     the activation buffers one instance allocates at these dims (-1 if not planned)
     * @param scoresNotStored the largest score matrix a materialising attention would hold at once
     *                       (the pairs the masks keep), which the fused attention never stores
     */
    public record Totals(long flops, long bytesRead, long bytesWritten, double seconds, double computeSeconds, long weightBytes,
            long arenaBytes, long scoresNotStored) {

        /** FLOPs per byte over the whole call. */
        public double intensity() {
            long bytes = bytesRead + bytesWritten;
            return bytes == 0 ? Double.NaN : (double) flops / bytes;
        }
    }
}
