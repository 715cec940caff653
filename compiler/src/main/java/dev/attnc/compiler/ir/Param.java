package dev.attnc.compiler.ir;

import dev.attnc.compiler.diag.Span;
import java.util.List;
import java.util.Map;

/**
 * Weights: one param instance (a block called twice has two). Nodes that use it name it
 * by id in their {@code param_id} attribute.
 *
 * @param name       the param's name in .attn
 * @param kind       linear, layernorm, rmsnorm, embedding or tensor
 * @param tensors    checkpoint suffix ("weight", "bias", or "" for a bare tensor) to stored type
 * @param checkpoint the checkpoint name template; {index} placeholders for the repeats it is in
 * @param repeats    the repeats it is declared in, outermost first: one tensor per layer
 * @param alternatives further templates ({@code from "a" | "b"}), tried in order when the
 *                   checkpoint holds no tensor under {@code checkpoint}
 */
public record Param(int id, String name, String kind, Map<String, TensorType> tensors, Map<String, String> attrs,
        String checkpoint, List<LoopIndex> repeats, Span span, List<String> alternatives) {

    public Param {
        tensors = Map.copyOf(tensors);
        attrs = Map.copyOf(attrs);
        repeats = List.copyOf(repeats);
        alternatives = List.copyOf(alternatives);
    }

    public Param(int id, String name, String kind, Map<String, TensorType> tensors, Map<String, String> attrs,
            String checkpoint, List<LoopIndex> repeats, Span span) {
        this(id, name, kind, tensors, attrs, checkpoint, repeats, span, List.of());
    }

    /** Every name template this param may read, in the order they are tried. */
    public List<String> templates() {
        List<String> all = new java.util.ArrayList<>();
        all.add(checkpoint);
        all.addAll(alternatives);
        return all;
    }

    /** One tensor's name under one of {@link #templates}. */
    public static String tensorName(String template, String suffix) {
        return suffix.isEmpty() ? template : template + "." + suffix;
    }

    public record LoopIndex(String name, long count) {
    }

    /** The checkpoint name of one tensor of this param: template plus ".weight" and the like. */
    public String tensorName(String suffix) {
        return suffix.isEmpty() ? checkpoint : checkpoint + "." + suffix;
    }

    /** Its tensors in a stable order, weight first, as a reader expects them (the map itself has no order). */
    public List<Map.Entry<String, TensorType>> tensorsInOrder() {
        return tensors.entrySet().stream()
                .sorted((a, b) -> a.getKey().equals("weight") ? -1 : b.getKey().equals("weight") ? 1 : a.getKey().compareTo(b.getKey()))
                .toList();
    }

    /** How many copies: the product of the enclosing repeat counts. */
    public long copies() {
        long copies = 1;
        for (LoopIndex index : repeats) {
            copies *= index.count();
        }
        return copies;
    }
}
