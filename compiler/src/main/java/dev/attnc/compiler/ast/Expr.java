package dev.attnc.compiler.ast;

import dev.attnc.compiler.diag.Span;
import java.util.List;

/** Expressions, for tensors, constants and attention modifiers alike; the checker types them. */
public sealed interface Expr extends Node {

    record Number(double value, boolean isInt, String text, Span span) implements Expr {
    }

    record Bool(boolean value, Span span) implements Expr {
    }

    /** A string: only a block call's {@code prefix = "h.{layer}"} takes one. */
    record Str(String value, Span span) implements Expr {
    }

    record Ref(Name name, Span span) implements Expr {
    }

    /** {@code f(a, b = c)}: an op, a param applied to a value, a block, or a named attention. */
    record Call(Name callee, List<Arg> args, Span span) implements Expr {
    }

    /** {@code attention(q, k, v, heads = H) { mask causal }} */
    record Attention(List<Arg> args, List<Clause> clauses, Span span) implements Expr {
    }

    /** {@code bias[h, i - j]}: reads one element inside a modifier. */
    record Index(Expr target, List<Expr> indices, Span span) implements Expr {
    }

    record Unary(UnaryOp op, Expr operand, Span span) implements Expr {
    }

    record Binary(BinaryOp op, Expr left, Expr right, Span span) implements Expr {
    }

    /** {@code [a, b]}: the sizes of {@code split}. */
    record ListLit(List<Expr> items, Span span) implements Expr {
    }

    enum UnaryOp {
        NEG("-"), NOT("!");

        public final String symbol;

        UnaryOp(String symbol) {
            this.symbol = symbol;
        }
    }

    enum BinaryOp {
        MATMUL("@"), POW("**"), MUL("*"), DIV("/"), MOD("%"), ADD("+"), SUB("-"),
        LT("<"), LE("<="), GT(">"), GE(">="), EQ("=="), NE("!="), AND("&&"), OR("||");

        public final String symbol;

        BinaryOp(String symbol) {
            this.symbol = symbol;
        }

        public boolean isComparison() {
            return this == LT || this == LE || this == GT || this == GE || this == EQ || this == NE;
        }

        public boolean isLogical() {
            return this == AND || this == OR;
        }
    }
}
