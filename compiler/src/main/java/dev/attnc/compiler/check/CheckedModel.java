package dev.attnc.compiler.check;

import dev.attnc.compiler.diag.Span;
import dev.attnc.compiler.ir.Graph;
import java.util.Map;
import java.util.Optional;

/**
 * A model that checked clean: its attention graph, every checkpoint name template it reads
 * (placeholders such as {layer} kept) with the param declaration that reads it, its named
 * constants (file and model level, Long or Double, in declaration order) and its run-time
 * dims with their declared largest values.
 */
public record CheckedModel(String name, Graph graph, Map<String, Span> checkpointNames,
        Map<String, Number> constants, Map<String, Optional<Long>> dims) {

    /** This model with its graph replaced (after passes). */
    public CheckedModel withGraph(Graph newGraph) {
        return new CheckedModel(name, newGraph, checkpointNames, constants, dims);
    }
}
