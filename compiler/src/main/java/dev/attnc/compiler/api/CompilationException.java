package dev.attnc.compiler.api;

import java.util.List;

/**
 * A model could not be compiled: errors in its source, or code generation refused it (its
 * activations do not fit in memory, say). The message holds every error, rendered as
 * {@code attnc check} prints them.
 */
public final class CompilationException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final transient List<Diagnostic> diagnostics;

    CompilationException(String message, List<Diagnostic> diagnostics) {
        super(message);
        this.diagnostics = List.copyOf(diagnostics);
    }

    /** The errors (and warnings) that stopped the compilation. */
    public List<Diagnostic> diagnostics() {
        return diagnostics;
    }
}
