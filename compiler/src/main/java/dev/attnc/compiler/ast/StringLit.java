package dev.attnc.compiler.ast;

import dev.attnc.compiler.diag.Span;

/** A string literal, already unescaped. */
public record StringLit(String value, Span span) implements Node {
}
