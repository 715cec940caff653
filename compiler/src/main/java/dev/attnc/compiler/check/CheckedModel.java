package dev.attnc.compiler.check;

import dev.attnc.compiler.diag.Span;
import dev.attnc.compiler.ir.Graph;
import java.util.Map;

/**
 * A model that checked clean: its attention graph, and every checkpoint name template it
 * reads (placeholders such as {layer} kept) with the param declaration that reads it.
 */
public record CheckedModel(String name, Graph graph, Map<String, Span> checkpointNames) {
}
