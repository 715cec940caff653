package dev.attnc.compiler.parse;

import dev.attnc.compiler.ast.Arg;
import dev.attnc.compiler.ast.AttnFile;
import dev.attnc.compiler.ast.Clause;
import dev.attnc.compiler.ast.Expr;
import dev.attnc.compiler.ast.Name;
import dev.attnc.compiler.ast.ParamType;
import dev.attnc.compiler.ast.Stmt;
import dev.attnc.compiler.ast.StringLit;
import dev.attnc.compiler.ast.TypeExpr;
import dev.attnc.compiler.diag.Diagnostics;
import dev.attnc.compiler.diag.Messages;
import dev.attnc.compiler.diag.SourceFile;
import dev.attnc.compiler.diag.Span;
import dev.attnc.grammar.AttnParser;
import dev.attnc.grammar.AttnParser.ExprContext;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.antlr.v4.runtime.ParserRuleContext;
import org.antlr.v4.runtime.Token;
import org.antlr.v4.runtime.tree.TerminalNode;

/** Walks a syntax-error-free parse tree into the immutable AST. */
final class AstBuilder {
    private final SourceFile source;
    private final Diagnostics diagnostics;

    AstBuilder(SourceFile source, Diagnostics diagnostics) {
        this.source = source;
        this.diagnostics = diagnostics;
    }

    AttnFile file(AttnParser.FileContext ctx) {
        List<Stmt> decls = new ArrayList<>();
        for (AttnParser.TopDeclContext top : ctx.topDecl()) {
            if (top.modelDecl() != null) {
                decls.add(model(top.modelDecl()));
            } else if (top.blockDecl() != null) {
                decls.add(block(top.blockDecl()));
            } else if (top.attentionDecl() != null) {
                decls.add(attentionDecl(top.attentionDecl()));
            } else if (top.constDecl() != null) {
                decls.add(constDecl(top.constDecl()));
            }
        }
        return new AttnFile(source, List.copyOf(decls));
    }

    private Stmt.Model model(AttnParser.ModelDeclContext ctx) {
        return new Stmt.Model(name(ctx.name), body(ctx.stmt()), span(ctx));
    }

    private Stmt.Block block(AttnParser.BlockDeclContext ctx) {
        List<Stmt.BlockParam> params = new ArrayList<>();
        for (AttnParser.BlockParamContext p : ctx.blockParam()) {
            params.add(new Stmt.BlockParam(name(p.name), Optional.ofNullable(p.type()).map(this::type), span(p)));
        }
        return new Stmt.Block(name(ctx.name), List.copyOf(params), body(ctx.stmt()), span(ctx));
    }

    private Stmt.Attention attentionDecl(AttnParser.AttentionDeclContext ctx) {
        return new Stmt.Attention(name(ctx.name), clauses(ctx.clause()), span(ctx));
    }

    private List<Clause> clauses(List<AttnParser.ClauseContext> ctxs) {
        List<Clause> clauses = new ArrayList<>();
        for (AttnParser.ClauseContext c : ctxs) {
            clauses.add(new Clause(name(c.key), expr(c.value), span(c)));
        }
        return List.copyOf(clauses);
    }

    private Stmt.Const constDecl(AttnParser.ConstDeclContext ctx) {
        List<Stmt.ConstItem> items = new ArrayList<>();
        for (AttnParser.ConstItemContext item : ctx.constItem()) {
            items.add(new Stmt.ConstItem(name(item.name), expr(item.value), span(item)));
        }
        return new Stmt.Const(List.copyOf(items), span(ctx));
    }

    private List<Stmt> body(List<AttnParser.StmtContext> ctxs) {
        List<Stmt> body = new ArrayList<>();
        for (AttnParser.StmtContext ctx : ctxs) {
            Stmt stmt = stmt(ctx);
            if (stmt != null) {
                body.add(stmt);
            }
        }
        return List.copyOf(body);
    }

    private Stmt stmt(AttnParser.StmtContext ctx) {
        if (ctx.constDecl() != null) {
            return constDecl(ctx.constDecl());
        }
        if (ctx.dimDecl() != null) {
            List<Stmt.DimItem> items = new ArrayList<>();
            for (AttnParser.DimItemContext item : ctx.dimDecl().dimItem()) {
                items.add(new Stmt.DimItem(name(item.name), Optional.ofNullable(item.max).map(this::expr), span(item)));
            }
            return new Stmt.Dim(List.copyOf(items), span(ctx));
        }
        if (ctx.inputDecl() != null) {
            AttnParser.InputDeclContext in = ctx.inputDecl();
            return new Stmt.Input(name(in.name), type(in.type()), span(in));
        }
        if (ctx.paramDecl() != null) {
            return param(ctx.paramDecl());
        }
        if (ctx.assignStmt() != null) {
            AttnParser.AssignStmtContext a = ctx.assignStmt();
            return new Stmt.Assign(names(a.ID()), expr(a.expr()), span(a));
        }
        if (ctx.repeatStmt() != null) {
            AttnParser.RepeatStmtContext r = ctx.repeatStmt();
            return new Stmt.Repeat(expr(r.count), Optional.ofNullable(r.index).map(this::name), body(r.stmt()), span(r));
        }
        if (ctx.outputStmt() != null) {
            return new Stmt.Output(names(ctx.outputStmt().ID()), span(ctx));
        }
        if (ctx.returnStmt() != null) {
            return new Stmt.Return(exprs(ctx.returnStmt().expr()), span(ctx));
        }
        if (ctx.blockDecl() != null) {
            return block(ctx.blockDecl());
        }
        if (ctx.attentionDecl() != null) {
            return attentionDecl(ctx.attentionDecl());
        }
        return null; // a lone ';'
    }

    private Stmt.Param param(AttnParser.ParamDeclContext ctx) {
        ParamType type;
        if (ctx.paramType() instanceof AttnParser.TensorParamContext t) {
            type = new ParamType.Tensor(type(t.type()), span(t));
        } else {
            AttnParser.LayerParamContext layer = (AttnParser.LayerParamContext) ctx.paramType();
            type = new ParamType.Layer(name(layer.kind), args(layer.args()), span(layer));
        }
        List<StringLit> sources = ctx.sources.stream().map(this::string).toList();
        Optional<StringLit> from = sources.isEmpty() ? Optional.empty() : Optional.of(sources.get(0));
        return new Stmt.Param(name(ctx.name), type, from, sources.isEmpty() ? List.of() : sources.subList(1, sources.size()), span(ctx));
    }

    private TypeExpr type(AttnParser.TypeContext ctx) {
        boolean isInt = ctx.dtype != null && ctx.dtype.getText().equals("int");
        return new TypeExpr(isInt, exprs(ctx.expr()), span(ctx));
    }

    private Expr expr(ExprContext ctx) {
        Span span = span(ctx);
        return switch (ctx) {
            case AttnParser.PrimaryExprContext p -> primary(p.primary());
            case AttnParser.IndexExprContext i -> {
                List<ExprContext> all = i.expr();
                yield new Expr.Index(expr(all.get(0)), exprs(all.subList(1, all.size())), span);
            }
            case AttnParser.UnaryExprContext u -> new Expr.Unary(
                    u.op.getText().equals("-") ? Expr.UnaryOp.NEG : Expr.UnaryOp.NOT, expr(u.expr()), span);
            case AttnParser.MatmulExprContext m -> binary(Expr.BinaryOp.MATMUL, m.expr(0), m.expr(1), span);
            case AttnParser.PowExprContext p -> binary(Expr.BinaryOp.POW, p.expr(0), p.expr(1), span);
            case AttnParser.MulExprContext m -> binary(binaryOp(m.op), m.expr(0), m.expr(1), span);
            case AttnParser.AddExprContext a -> binary(binaryOp(a.op), a.expr(0), a.expr(1), span);
            case AttnParser.CompareExprContext c -> binary(binaryOp(c.op), c.expr(0), c.expr(1), span);
            case AttnParser.EqualExprContext e -> binary(binaryOp(e.op), e.expr(0), e.expr(1), span);
            case AttnParser.AndExprContext a -> binary(Expr.BinaryOp.AND, a.expr(0), a.expr(1), span);
            case AttnParser.OrExprContext o -> binary(Expr.BinaryOp.OR, o.expr(0), o.expr(1), span);
            default -> throw new IllegalStateException("unhandled expression form " + ctx.getClass().getSimpleName());
        };
    }

    private Expr binary(Expr.BinaryOp op, ExprContext left, ExprContext right, Span span) {
        return new Expr.Binary(op, expr(left), expr(right), span);
    }

    private static Expr.BinaryOp binaryOp(Token op) {
        for (Expr.BinaryOp candidate : Expr.BinaryOp.values()) {
            if (candidate.symbol.equals(op.getText())) {
                return candidate;
            }
        }
        throw new IllegalStateException("unknown operator " + op.getText());
    }

    private Expr primary(AttnParser.PrimaryContext ctx) {
        Span span = span(ctx);
        return switch (ctx) {
            case AttnParser.NumberLitContext n -> number(n.NUMBER().getSymbol());
            case AttnParser.BoolLitContext b -> new Expr.Bool(b.getText().equals("true"), span);
            case AttnParser.StringLitContext str -> {
                StringLit lit = string(str.STRING().getSymbol());
                yield new Expr.Str(lit.value(), lit.span());
            }
            case AttnParser.CallExprContext c -> new Expr.Call(name(c.callee), args(c.args()), span);
            case AttnParser.AttentionExprContext a -> new Expr.Attention(args(a.args()), clauses(a.clause()), span);
            case AttnParser.NameExprContext n -> new Expr.Ref(name(n.ID().getSymbol()), span);
            case AttnParser.ParenExprContext p -> expr(p.expr());
            case AttnParser.ListExprContext l -> new Expr.ListLit(exprs(l.expr()), span);
            default -> throw new IllegalStateException("unhandled primary form " + ctx.getClass().getSimpleName());
        };
    }

    private Expr number(Token token) {
        String text = token.getText();
        String digits = text.replace("_", "");
        Span span = SourceParser.span(source, token);
        boolean isInt = !digits.contains(".") && !digits.contains("e") && !digits.contains("E");
        if (isInt) {
            try {
                return new Expr.Number(Long.parseLong(digits), true, text, span);
            } catch (NumberFormatException e) {
                diagnostics.error(span, Messages.numberTooLarge(text));
                return new Expr.Number(0, true, text, span);
            }
        }
        double value = Double.parseDouble(digits);
        if (Double.isInfinite(value)) {
            diagnostics.error(span, Messages.numberTooLarge(text));
            value = 0;
        }
        return new Expr.Number(value, false, text, span);
    }

    private List<Arg> args(AttnParser.ArgsContext ctx) {
        if (ctx == null) {
            return List.of();
        }
        List<Arg> args = new ArrayList<>();
        for (AttnParser.ArgContext a : ctx.arg()) {
            args.add(new Arg(Optional.ofNullable(a.name).map(n -> name(n.getStart())), expr(a.value), span(a)));
        }
        return List.copyOf(args);
    }

    private List<Expr> exprs(List<ExprContext> ctxs) {
        List<Expr> exprs = new ArrayList<>(ctxs.size());
        for (ExprContext ctx : ctxs) {
            exprs.add(expr(ctx));
        }
        return List.copyOf(exprs);
    }

    private List<Name> names(List<TerminalNode> ids) {
        List<Name> names = new ArrayList<>(ids.size());
        for (TerminalNode id : ids) {
            names.add(name(id.getSymbol()));
        }
        return List.copyOf(names);
    }

    private Name name(Token token) {
        return new Name(token.getText(), SourceParser.span(source, token));
    }

    private StringLit string(Token token) {
        String quoted = token.getText();
        StringBuilder value = new StringBuilder();
        for (int i = 1; i < quoted.length() - 1; i++) {
            char c = quoted.charAt(i);
            if (c == '\\' && i + 1 < quoted.length() - 1) {
                char next = quoted.charAt(++i);
                value.append(switch (next) {
                    case 'n' -> '\n';
                    case 't' -> '\t';
                    default -> next;
                });
            } else {
                value.append(c);
            }
        }
        return new StringLit(value.toString(), SourceParser.span(source, token));
    }

    private Span span(ParserRuleContext ctx) {
        Token start = ctx.getStart();
        Token stop = ctx.getStop() != null ? ctx.getStop() : start;
        return new Span(source, start.getStartIndex(), Math.max(start.getStartIndex(), stop.getStopIndex() + 1));
    }
}
