package dev.attnc.compiler.ast;

import dev.attnc.compiler.diag.Span;
import java.util.List;

/** What a param holds: a bare tensor, or a layer such as {@code linear(D, 4 * D)}. */
public sealed interface ParamType extends Node {

    record Tensor(TypeExpr type, Span span) implements ParamType {
    }

    record Layer(Name kind, List<Arg> args, Span span) implements ParamType {
    }
}
