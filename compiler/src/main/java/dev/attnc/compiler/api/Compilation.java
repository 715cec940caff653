package dev.attnc.compiler.api;

import java.util.List;
import java.util.NoSuchElementException;

/**
 * What came of compiling one {@code .attn} source: its diagnostics, as values and as text, and
 * the models it declares. The models are there only when there are no errors.
 *
 * <pre>{@code
 * Compilation compilation = Attnc.compile(Path.of("model.attn"));
 * compilation.diagnostics().forEach(d -> System.out.println(d.headline()));
 * AttnModel model = compilation.orElseThrow();
 * }</pre>
 */
public final class Compilation {
    private final String sourceName;
    private final List<Diagnostic> diagnostics;
    private final int droppedErrors;
    private final String rendered;
    private final List<AttnModel> models;

    Compilation(String sourceName, List<Diagnostic> diagnostics, int droppedErrors, String rendered, List<AttnModel> models) {
        this.sourceName = sourceName;
        this.diagnostics = List.copyOf(diagnostics);
        this.droppedErrors = droppedErrors;
        this.rendered = rendered;
        this.models = List.copyOf(models);
    }

    /** The source's name: the path it was read from, or the name given with its text. */
    public String sourceName() {
        return sourceName;
    }

    /** Every error and warning, in source order (code generation errors last). */
    public List<Diagnostic> diagnostics() {
        return diagnostics;
    }

    /** The errors alone. */
    public List<Diagnostic> errors() {
        return diagnostics.stream().filter(Diagnostic::isError).toList();
    }

    /** The warnings alone. */
    public List<Diagnostic> warnings() {
        return diagnostics.stream().filter(d -> d.severity() == Diagnostic.Severity.WARNING).toList();
    }

    /** Whether there are no errors (warnings allowed). */
    public boolean ok() {
        return errorCount() == 0;
    }

    /**
     * How many errors there were, counting those past the first 100, which are counted but not
     * kept in {@link #diagnostics()}.
     */
    public int errorCount() {
        return errors().size() + droppedErrors;
    }

    /** How many warnings there were. */
    public int warningCount() {
        return warnings().size();
    }

    /** The diagnostics as {@code attnc check} prints them: each with its source line and a caret. */
    public String render() {
        return rendered;
    }

    /** The models the source declares, in order; empty when there are errors. */
    public List<AttnModel> models() {
        return models;
    }

    /**
     * The model called {@code name}.
     *
     * @throws NoSuchElementException if the source declares no such model (or has errors)
     */
    public AttnModel model(String name) {
        return models.stream().filter(m -> m.name().equals(name)).findFirst().orElseThrow(() -> new NoSuchElementException(
                sourceName + " has no model " + name + (models.isEmpty() ? "" : "; it has "
                        + String.join(", ", models.stream().map(AttnModel::name).toList()))));
    }

    /**
     * The model, when there were no errors: the first one if the source declares several.
     *
     * @throws CompilationException with every error if there were any, or if the source declares no model
     */
    public AttnModel orElseThrow() {
        if (!ok()) {
            throw new CompilationException(sourceName + ": " + errorCount() + " error" + (errorCount() == 1 ? "" : "s")
                    + "\n" + rendered, diagnostics);
        }
        if (models.isEmpty()) {
            throw new CompilationException(sourceName + " declares no model", diagnostics);
        }
        return models.get(0);
    }

    @Override
    public String toString() {
        return sourceName + ": " + (ok() ? "models " + models.stream().map(AttnModel::name).toList() : errorCount() + " errors")
                + ", " + warningCount() + " warnings";
    }
}
