package dev.attnc.compiler.check;

import dev.attnc.compiler.ast.AttnFile;
import dev.attnc.compiler.ast.Stmt;
import dev.attnc.compiler.diag.Diagnostic;
import dev.attnc.compiler.diag.Diagnostics;
import dev.attnc.compiler.diag.Severity;
import dev.attnc.compiler.diag.SourceFile;
import dev.attnc.compiler.diag.Span;
import dev.attnc.compiler.ir.Dim;
import dev.attnc.compiler.ir.Graph;
import dev.attnc.compiler.ir.Node;
import dev.attnc.compiler.ir.Op;
import dev.attnc.compiler.parse.SourceParser;
import dev.attnc.compiler.passes.BufferPlan;
import dev.attnc.compiler.passes.BufferPlanner;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Whether a model's activations fit the one float and one int arena a generated class
 * allocates, at the largest run-time dims (their bounds, or --max-seq where none is declared).
 * Code generation refuses a model that does not fit; this check says so with a source
 * position, so that {@code attnc check} reports it too: at the statement of the largest value,
 * naming the dims that make it large and where they are declared.
 */
public final class ActivationMemory {
    /** The most elements one Java array holds, less the few some JVMs reserve. */
    public static final long MAX_ELEMENTS = Integer.MAX_VALUE - 16;

    private ActivationMemory() {
    }

    /**
     * The error for a model whose activations do not fit, or empty when they do.
     *
     * @param fused    the model's graph after passes, as code generation plans it
     * @param dims     its run-time dims with their declared bounds
     * @param maxSeq   the size of every dim without a bound
     * @param declared where each run-time dim is declared (may miss some)
     */
    public static Optional<Diagnostic> check(String modelName, Graph fused, Map<String, Optional<Long>> dims, long maxSeq,
            Map<String, Span> declared) {
        Map<String, Long> maxDims = new LinkedHashMap<>();
        dims.forEach((dim, bound) -> maxDims.put(dim, bound.orElse(maxSeq)));
        long floats;
        long ints;
        try {
            BufferPlan plan = BufferPlanner.plan(fused, maxDims);
            floats = plan.floats();
            ints = plan.ints();
        } catch (ArithmeticException overflow) {
            floats = -1;
            ints = -1;
        }
        if (floats >= 0 && floats <= MAX_ELEMENTS && ints <= MAX_ELEMENTS) {
            return Optional.empty();
        }
        Node largest = largest(fused, maxDims);
        if (largest == null) {
            return Optional.empty(); // nothing to point at; code generation still refuses it
        }
        String need = floats < 0 ? "more elements than a long counts"
                : String.format("%,d %s (%s)", Math.max(floats, ints), floats >= ints ? "floats" : "ints",
                        bytes(4 * (double) Math.max(floats, ints)));
        String message = "the activations of " + modelName + " do not fit in memory at " + values(maxDims) + ": they need "
                + need + String.format(", more than one Java array holds (%,d); the largest value is this one, ", MAX_ELEMENTS)
                + largest.type() + " (" + bytes(4 * elements(largest, maxDims)) + "); " + remedy(largest, dims, maxSeq, declared);
        return Optional.of(new Diagnostic(Severity.ERROR, largest.span(), message));
    }

    /** Where each run-time dim of a model is declared ({@code dim T <= 512}), by name; empty if the file does not parse. */
    public static Map<String, Span> dimDeclarations(SourceFile source, String modelName) {
        Map<String, Span> declared = new LinkedHashMap<>();
        Optional<AttnFile> file = SourceParser.parse(source, new Diagnostics());
        if (file.isEmpty()) {
            return declared;
        }
        for (Stmt decl : file.get().decls()) {
            if (decl instanceof Stmt.Model model && model.name().text().equals(modelName)) {
                collectDims(model.body(), declared);
            }
        }
        return declared;
    }

    private static void collectDims(List<Stmt> body, Map<String, Span> declared) {
        for (Stmt stmt : body) {
            if (stmt instanceof Stmt.Dim dim) {
                dim.items().forEach(item -> declared.putIfAbsent(item.name().text(), item.span()));
            }
        }
    }

    /** What to change: the bound where one is declared, --max-seq (or a new bound) where none is. */
    private static String remedy(Node largest, Map<String, Optional<Long>> dims, long maxSeq, Map<String, Span> declared) {
        StringBuilder remedy = new StringBuilder();
        for (String symbol : symbols(largest.type().shape())) {
            Optional<Long> bound = dims.get(symbol);
            if (bound == null) {
                continue;
            }
            Span at = declared.get(symbol);
            String where = at == null ? "" : " (line " + at.line() + ")";
            remedy.append(remedy.isEmpty() ? "" : "; ");
            if (bound.isPresent()) {
                remedy.append("lower the bound of `dim ").append(symbol).append(" <= ").append(bound.get()).append('`').append(where)
                        .append(" (--max-seq does not size a dim with a bound)");
            } else {
                remedy.append("`").append(symbol).append("` has no bound, so it is sized at --max-seq ").append(maxSeq)
                        .append(": pass a smaller --max-seq, or declare `dim ").append(symbol).append(" <= N`").append(where);
            }
        }
        return remedy.isEmpty() ? "make the model's tensors smaller" : remedy.toString();
    }

    private static List<String> symbols(List<Dim> shape) {
        return shape.stream().flatMap(d -> d.symbols().stream()).distinct().toList();
    }

    /** The value with the most elements at the largest dims (weights aside). */
    private static Node largest(Graph graph, Map<String, Long> maxDims) {
        Node largest = null;
        double most = -1;
        for (Node node : graph.nodes()) {
            if (node.op() == Op.PARAM || node.span() == null) {
                continue;
            }
            double elements = elements(node, maxDims);
            if (elements > most) {
                most = elements;
                largest = node;
            }
        }
        return largest;
    }

    /** Elements of a value at the given dims, as a double: large models overflow a long. */
    private static double elements(Node node, Map<String, Long> maxDims) {
        double product = 1;
        for (Dim dim : node.type().shape()) {
            double value = 0;
            for (Map.Entry<String, Long> term : dim.terms().entrySet()) {
                double monomial = term.getValue();
                if (!term.getKey().isEmpty()) {
                    for (String symbol : term.getKey().split("\\*")) {
                        monomial *= maxDims.getOrDefault(symbol, 1L);
                    }
                }
                value += monomial;
            }
            product *= value;
        }
        return product;
    }

    private static String values(Map<String, Long> maxDims) {
        StringBuilder text = new StringBuilder();
        maxDims.forEach((dim, value) -> text.append(text.isEmpty() ? "" : ", ").append(dim).append(" = ").append(value));
        return text.toString();
    }

    private static String bytes(double count) {
        String[] units = {"B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
        int unit = 0;
        while (count >= 1024 && unit < units.length - 1) {
            count /= 1024;
            unit++;
        }
        return (count >= 100 || unit == 0 ? String.format("%.0f", count) : String.format("%.3g", count)) + " " + units[unit];
    }
}
