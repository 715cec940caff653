package dev.attnc.compiler.ast;

import dev.attnc.compiler.diag.Span;

/** One line of an attention body: {@code mask causal && i - j < 256}. */
public record Clause(Name key, Expr value, Span span) implements Node {
}
