package dev.attnc.compiler.diag;

/**
 * A range of source text, as character offsets into its file: {@code start} inclusive,
 * {@code end} exclusive. Every AST node carries one, so every diagnostic can point.
 */
public record Span(SourceFile file, int start, int end) {

    public Span {
        if (end < start) {
            end = start;
        }
    }

    /** The smallest span covering both. */
    public Span to(Span other) {
        return new Span(file, Math.min(start, other.start), Math.max(end, other.end));
    }

    public int line() {
        return file.line(start);
    }

    public int column() {
        return file.column(start);
    }

    @Override
    public String toString() {
        return file.name() + ":" + line() + ":" + column();
    }
}
