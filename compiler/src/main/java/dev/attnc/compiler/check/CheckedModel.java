package dev.attnc.compiler.check;

import dev.attnc.compiler.diag.Span;
import dev.attnc.compiler.ir.Graph;
import java.util.Map;
import java.util.Optional;

/**
 * A model that checked clean: its attention graph, every checkpoint name template it reads
 * (placeholders such as {layer} kept) with the param declaration that reads it, its named
 * constants (file and model level, Long or Double, in declaration order), its run-time dims
 * with their declared largest values, and where each run-time dim is declared.
 */
public record CheckedModel(String name, Graph graph, Map<String, Span> checkpointNames,
        Map<String, Number> constants, Map<String, Optional<Long>> dims, Map<String, Span> dimDeclarations) {

    /** A model whose dim declarations are not known (messages then name no line). */
    public CheckedModel(String name, Graph graph, Map<String, Span> checkpointNames,
            Map<String, Number> constants, Map<String, Optional<Long>> dims) {
        this(name, graph, checkpointNames, constants, dims, Map.of());
    }

    /** This model with its graph replaced (after passes). */
    public CheckedModel withGraph(Graph newGraph) {
        return new CheckedModel(name, newGraph, checkpointNames, constants, dims, dimDeclarations);
    }

    /**
     * Where the bound of a run-time dim comes from, for a generated model's messages:
     * "`dim T <= 512` on line 9 of m.attn", or "`dim T <= P` (512) on line 9 of m.attn" where
     * the source spells the bound with a constant; null for a dim without a bound, which the
     * compiler's --max-seq sizes.
     *
     * @param sourceName the name of the source file, as the generated class gives it
     */
    public String boundOrigin(String dim, String sourceName) {
        Optional<Long> bound = dims.getOrDefault(dim, Optional.empty());
        if (bound.isEmpty()) {
            return null;
        }
        String value = bound.get().toString();
        Span declared = dimDeclarations.get(dim);
        if (declared == null) {
            return "`dim " + dim + " <= " + value + "` in " + sourceName;
        }
        String spelled = declared.file().text().substring(declared.start(), declared.end()).replaceAll("\\s+", " ");
        boolean sameValue = spelled.equals(dim + " <= " + value);
        if (spelled.length() > 60 || spelled.indexOf('`') >= 0) {
            spelled = dim + " <= " + value; // a long or odd spelling would not help the message
            sameValue = true;
        }
        return "`dim " + spelled + "`" + (sameValue ? "" : " (" + value + ")") + " on line " + declared.line() + " of " + sourceName;
    }
}
