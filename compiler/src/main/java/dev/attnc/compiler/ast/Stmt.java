package dev.attnc.compiler.ast;

import dev.attnc.compiler.diag.Span;
import java.util.List;
import java.util.Optional;

/** Declarations and statements. Top-level declarations are statements too. */
public sealed interface Stmt extends Node {

    /** {@code model Name { ... }} */
    record Model(Name name, List<Stmt> body, Span span) implements Stmt {
    }

    /** {@code block Name(x, y : [T, D]) { ... return e }}: expanded at each call. */
    record Block(Name name, List<BlockParam> params, List<Stmt> body, Span span) implements Stmt {
    }

    record BlockParam(Name name, Optional<TypeExpr> type, Span span) implements Node {
    }

    /** {@code attention Name { scale ... mask ... }}: a named attention variant. */
    record Attention(Name name, List<Clause> clauses, Span span) implements Stmt {
    }

    /** {@code const D = 768, H = 12} */
    record Const(List<ConstItem> items, Span span) implements Stmt {
    }

    record ConstItem(Name name, Expr value, Span span) implements Node {
    }

    /** {@code dim T <= 2048, S}: dims bound at run time, with an optional largest value. */
    record Dim(List<DimItem> items, Span span) implements Stmt {
    }

    record DimItem(Name name, Optional<Expr> max, Span span) implements Node {
    }

    /** {@code input x : [T, D]} */
    record Input(Name name, TypeExpr type, Span span) implements Stmt {
    }

    /**
     * {@code param ln1 : layernorm(D) from "h.{layer}.ln_1"}; {@code from "a" | "b"} lists
     * alternatives, read in order: the first the checkpoint holds is used.
     */
    record Param(Name name, ParamType type, Optional<StringLit> source, List<StringLit> alternatives, Span span) implements Stmt {
        public Param {
            alternatives = List.copyOf(alternatives);
        }

        public Param(Name name, ParamType type, Optional<StringLit> source, Span span) {
            this(name, type, source, List.of(), span);
        }
    }

    /** {@code x = e} or {@code q, k, v = split(e, 3)} */
    record Assign(List<Name> targets, Expr value, Span span) implements Stmt {
    }

    /** {@code repeat L as layer { ... }} */
    record Repeat(Expr count, Optional<Name> index, List<Stmt> body, Span span) implements Stmt {
    }

    /** {@code output x, y} */
    record Output(List<Name> names, Span span) implements Stmt {
    }

    /** {@code return e} inside a block. */
    record Return(List<Expr> values, Span span) implements Stmt {
    }
}
