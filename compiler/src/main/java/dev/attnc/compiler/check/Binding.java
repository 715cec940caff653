package dev.attnc.compiler.check;

import dev.attnc.compiler.ast.Stmt;
import dev.attnc.compiler.diag.Span;
import dev.attnc.compiler.ir.Dim;
import java.util.Optional;

/** What a name stands for in a scope. */
sealed interface Binding {
    Span declared();

    record Constant(Value.Num value, Span declared) implements Binding {
    }

    record RunDim(Dim dim, Optional<Long> max, Span declared) implements Binding {
    }

    record Input(Value.Tensor value, Stmt.Input decl) implements Binding {
        @Override
        public Span declared() {
            return decl.name().span();
        }
    }

    record Param(ParamInfo info) implements Binding {
        @Override
        public Span declared() {
            return info.decl().name().span();
        }
    }

    /** A value assigned with {@code =}; may be reassigned. */
    record Var(Value value, Span declared) implements Binding {
    }

    record Block(Stmt.Block decl, Scope scope) implements Binding {
        @Override
        public Span declared() {
            return decl.name().span();
        }
    }

    record AttentionSpec(Stmt.Attention decl) implements Binding {
        @Override
        public Span declared() {
            return decl.name().span();
        }
    }

    /** The index of an enclosing {@code repeat}: for checkpoint names and modifiers. */
    record RepeatIndex(String name, long count, Span declared) implements Binding {
    }

    record Model(Stmt.Model decl) implements Binding {
        @Override
        public Span declared() {
            return decl.name().span();
        }
    }
}
