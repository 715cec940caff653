package dev.attnc.compiler.ast;

import dev.attnc.compiler.diag.Span;
import java.util.List;

/** {@code [T, D]}, {@code int[T]} or {@code int} (a scalar). */
public record TypeExpr(boolean isInt, List<Expr> dims, Span span) implements Node {
}
