package dev.attnc.compiler.codegen;

/**
 * A model that checks clean but that a backend cannot generate yet (a rank-4 tensor, a split
 * at a run-time offset). Reported to the user like a diagnostic, without a stack trace.
 */
public final class CodegenException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public CodegenException(String message) {
        super(message);
    }
}
