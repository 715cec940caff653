package dev.attnc.compiler.ast;

import dev.attnc.compiler.diag.Span;

/** Every AST node knows where it came from. */
public interface Node {
    Span span();
}
