package dev.attnc.compiler.ast;

import dev.attnc.compiler.diag.Span;

/** An identifier where it is written. */
public record Name(String text, Span span) implements Node {
    @Override
    public String toString() {
        return text;
    }
}
