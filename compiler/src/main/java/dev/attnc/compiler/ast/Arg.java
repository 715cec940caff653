package dev.attnc.compiler.ast;

import dev.attnc.compiler.diag.Span;
import java.util.Optional;

/** A call argument, positional or {@code name = value}. */
public record Arg(Optional<Name> name, Expr value, Span span) implements Node {
}
