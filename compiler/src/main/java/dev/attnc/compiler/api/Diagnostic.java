package dev.attnc.compiler.api;

import java.util.Locale;

/**
 * One error or warning about a {@code .attn} source, as a value.
 *
 * @param severity how bad it is
 * @param file     the source's name (its path, for a file)
 * @param line     1-based line, or 0 when the problem is about the whole model (code generation)
 * @param column   1-based column in characters, or 0 with {@code line} 0
 * @param message  what is wrong, one line, without the place
 * @param rendered the headline, the source line and a caret under the place, as {@code attnc check}
 *                 prints it (only the headline when there is no place)
 */
public record Diagnostic(Severity severity, String file, int line, int column, String message, String rendered) {

    /** How bad a diagnostic is. */
    public enum Severity {
        /** The model cannot be compiled. */
        ERROR,
        /** Suspicious but compiled (an unused param, say). */
        WARNING,
        /** Extra information attached to another diagnostic. */
        NOTE;

        /** {@code error}, {@code warning} or {@code note}. */
        public String label() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /** Whether this is an error. */
    public boolean isError() {
        return severity == Severity.ERROR;
    }

    /** {@code file:line:col: error: message} ({@code file: error: message} without a place). */
    public String headline() {
        return (line > 0 ? file + ":" + line + ":" + column : file) + ": " + severity.label() + ": " + message;
    }

    @Override
    public String toString() {
        return headline();
    }

    static Diagnostic of(dev.attnc.compiler.diag.Diagnostic d) {
        Severity severity = switch (d.severity()) {
            case ERROR -> Severity.ERROR;
            case WARNING -> Severity.WARNING;
            case NOTE -> Severity.NOTE;
        };
        return new Diagnostic(severity, d.span().file().name(), d.span().line(), d.span().column(), d.message(), d.render());
    }

    static Diagnostic modelError(String file, String message) {
        return new Diagnostic(Severity.ERROR, file, 0, 0, message, file + ": error: " + message);
    }
}
