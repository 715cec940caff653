package dev.attnc.compiler.check;

import dev.attnc.compiler.ast.Arg;
import dev.attnc.compiler.ast.Clause;
import dev.attnc.compiler.ast.Expr;
import dev.attnc.compiler.ast.Stmt;
import dev.attnc.compiler.diag.Diagnostics;
import dev.attnc.compiler.diag.Messages;
import dev.attnc.compiler.diag.Span;
import dev.attnc.compiler.ir.DType;
import dev.attnc.compiler.ir.Dim;
import dev.attnc.compiler.ir.Node;
import dev.attnc.compiler.ir.Scalar;
import dev.attnc.compiler.ir.Scalar.Type;
import dev.attnc.compiler.ir.TensorType;
import dev.attnc.compiler.diag.Numbers;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The clauses of an attention: {@code scale}, {@code temperature} and {@code softcap} are
 * constants; {@code score} rewrites the scaled score {@code s} per query {@code i}, key
 * {@code j} and head {@code h}; {@code mask} is a condition on {@code i, j, h} that decides
 * which keys a query sees. Each clause may read only what exists when it runs: a mask cannot
 * read {@code s}, and a scale cannot vary per head.
 */
final class Modifiers {

    enum ClauseKind {
        SCALE("scale"), TEMPERATURE("temperature"), SCORE("score"), MASK("mask"), SOFTCAP("softcap"),
        /** A learned logit per head that joins the softmax's denominator and has no value row (gpt-oss). */
        SINK("sink"),
        /** A table of relative embeddings R: the raw score gains {@code q_i . R[clamp(i - j, -K, K) + K]} (Shaw et al.). */
        RELATIVE("relative");

        final String spelling;

        ClauseKind(String spelling) {
            this.spelling = spelling;
        }

        static ClauseKind of(String key) {
            for (ClauseKind kind : values()) {
                if (kind.spelling.equals(key)) {
                    return kind;
                }
            }
            return null;
        }

        boolean isConstant() {
            return this == SCALE || this == TEMPERATURE || this == SOFTCAP;
        }
    }

    record Context(long heads, long kvHeads, long headDim, Dim queryLength, Dim keyLength) {
    }

    /**
     * What the clauses came to: attributes for the graph, the score and mask expressions, the
     * tensors they read (the attention node's inputs after q, k, v), and causality.
     */
    record Result(Map<String, String> attrs, Map<String, Scalar> exprs, List<Node> reads, boolean causal) {
    }

    static final Set<String> POSITION_VARIABLES = Set.of("i", "j", "h");
    private static final Map<String, Integer> FUNCTIONS = Map.ofEntries(
            Map.entry("abs", 1), Map.entry("min", 2), Map.entry("max", 2), Map.entry("exp", 1), Map.entry("log", 1),
            Map.entry("sqrt", 1), Map.entry("tanh", 1), Map.entry("sigmoid", 1), Map.entry("floor", 1),
            Map.entry("ceil", 1), Map.entry("where", 3), Map.entry("alibi_slope", 1), Map.entry("clamp", 3),
            Map.entry("pow", 2));

    /** The clause names, in the order the documentation lists them. */
    static final List<String> CLAUSE_NAMES = List.of("scale", "temperature", "score", "mask", "softcap", "sink", "relative");

    /** The most rows a {@code relative} table may have: each kernel thread keeps a tile of queries times this many products. */
    static final long MAX_RELATIVE_ROWS = 8193;

    private final Diagnostics diagnostics;

    Modifiers(Diagnostics diagnostics) {
        this.diagnostics = diagnostics;
    }

    /**
     * What can be checked of a named variant where it is declared: its clause names and
     * which of i, j, h, s each clause reads. Names of params and constants are looked up
     * where the variant is used, so the rest is checked at each use.
     */
    void checkSpecAlone(Stmt.Attention spec, Scope scope) {
        clauseKinds(spec.clauses());
        for (Clause clause : spec.clauses()) {
            ClauseKind kind = ClauseKind.of(clause.key().text());
            if (kind != null) {
                placement(clause.value(), kind);
            }
        }
    }

    /**
     * What can be checked of inline clauses when the attention's arguments failed (a misspelt
     * q, say), so that their own mistakes come out in the same run: clause names, where i, j, h
     * and s may be read, names that exist, functions that exist, and names the clause hides.
     */
    void checkWithoutShapes(List<Clause> clauses, Scope scope) {
        clauseKinds(clauses);
        for (Clause clause : clauses) {
            ClauseKind kind = ClauseKind.of(clause.key().text());
            if (kind == null || !placement(clause.value(), kind)) {
                continue;
            }
            walk(clause.value(), e -> {
                if (e instanceof Expr.Ref ref) {
                    String name = ref.name().text();
                    if (POSITION_VARIABLES.contains(name) || name.equals("s")) {
                        warnIfHidden(ref, scope);
                    } else if (scope.lookup(name) == null && !Set.of("causal", "inf", "pi").contains(name)) {
                        List<String> candidates = new ArrayList<>(scope.visibleNames());
                        candidates.addAll(List.of("i", "j", "h", "causal"));
                        diagnostics.error(ref.span(), Checker.unknownName(name, scope, candidates));
                    }
                } else if (e instanceof Expr.Call call && !FUNCTIONS.containsKey(call.callee().text())) {
                    diagnostics.error(call.callee().span(), Messages.unknownModifierFunction(call.callee().text(),
                            Suggest.closest(call.callee().text(), FUNCTIONS.keySet())));
                }
            });
        }
    }

    /** Every clause fully typed in the scope of a use; null after reporting. */
    Result check(List<Clause> clauses, Context context, Scope scope, Checker checker) {
        Map<Clause, ClauseKind> kinds = clauseKinds(clauses);
        if (kinds == null) {
            return null;
        }
        Map<String, String> attrs = new LinkedHashMap<>();
        Map<String, Scalar> exprs = new LinkedHashMap<>();
        List<Node> reads = new ArrayList<>();
        Map<Scalar.Read, Expr.Index> readSources = new IdentityHashMap<>();
        List<String> masks = new ArrayList<>();
        Scalar mask = null;
        boolean causal = false;
        boolean ok = true;
        attrs.put("scale", Double.toString(1 / Math.sqrt(context.headDim())));
        for (Map.Entry<Clause, ClauseKind> entry : kinds.entrySet()) {
            Clause clause = entry.getKey();
            ClauseKind kind = entry.getValue();
            Expr expr = clause.value();
            if (!placement(expr, kind)) {
                ok = false;
                continue;
            }
            if (kind.isConstant()) {
                Value value = checker.value(expr, scope);
                if (value == null) {
                    ok = false;
                } else if (!(value instanceof Value.Num n)) {
                    diagnostics.error(expr.span(), Messages.clauseNotConstant(kind.spelling, Checker.describe(value)));
                    ok = false;
                } else if (!(n.value() > 0) || Double.isInfinite(n.value())) {
                    diagnostics.error(expr.span(), Messages.mustBePositive(kind.spelling, n.value()));
                    ok = false;
                } else {
                    attrs.put(kind.spelling, Numbers.format(n.value()));
                }
                continue;
            }
            if (kind == ClauseKind.RELATIVE) {
                ok &= relative(expr, context, scope, checker, reads, attrs);
                continue;
            }
            Scalar typed = new Typer(kind, scope, checker, reads, readSources).type(expr);
            if (typed == null) {
                ok = false;
                continue;
            }
            if (kind == ClauseKind.SINK) {
                if (typed.type() == Scalar.Type.BOOL) {
                    diagnostics.error(expr.span(), "`sink` must be a number (a logit per head, such as `sinks[h]`), found a condition");
                    ok = false;
                } else {
                    attrs.put("sink", text(expr));
                    exprs.put("sink", typed);
                }
                continue;
            }
            if (kind == ClauseKind.MASK) {
                if (typed.type() != Scalar.Type.BOOL) {
                    diagnostics.error(expr.span(), Messages.maskNotCondition(describe(typed)));
                    ok = false;
                    continue;
                }
                masks.add(text(expr));
                mask = mask == null ? typed : new Scalar.Binary("&&", mask, typed, Scalar.Type.BOOL);
                causal |= impliesCausal(expr);
            } else if (typed.type() == Scalar.Type.BOOL) {
                diagnostics.error(expr.span(), Messages.SCORE_NOT_NUMBER);
                ok = false;
            } else {
                attrs.put("score", text(expr));
                exprs.put("score", typed);
            }
        }
        if (!ok) {
            return null;
        }
        IndexRanges ranges = indexRanges(context, scope, reads, readSources);
        if (ranges != null) {
            int errors = diagnostics.errorCount();
            IndexRanges.Env bounded = queryKeyRanges(context, scope, true);
            IndexRanges.Env open = queryKeyRanges(context, scope, false);
            // A score is computed only for the keys its query's mask lets through.
            if (exprs.containsKey("score")) {
                IndexRanges.Env maskedBounded = mask == null ? bounded : ranges.narrow(mask, true, bounded);
                IndexRanges.Env maskedOpen = mask == null ? open : ranges.narrow(mask, true, open);
                exprs.put("score", ranges.annotate(exprs.get("score"), maskedBounded, maskedOpen));
            }
            mask = mask == null ? null : ranges.annotateMask(mask, bounded, open);
            if (exprs.containsKey("sink")) {
                exprs.put("sink", ranges.annotate(exprs.get("sink"), bounded, open));
            }
            if (diagnostics.errorCount() > errors) {
                return null;
            }
        }
        if (mask != null) {
            attrs.put("mask", masks.size() == 1 ? masks.get(0) : "(" + String.join(") && (", masks) + ")");
            exprs.put("mask", mask);
        }
        attrs.put("causal", Boolean.toString(causal));
        return new Result(attrs, exprs, reads, causal);
    }

    /**
     * {@code relative R}: R names a float tensor of {@code 2K + 1} rows (K a constant), each
     * as wide as a head ({@code [2K + 1, dk]}, shared by the heads, as Shaw et al.) or as all
     * the query heads ({@code [2K + 1, heads * dk]}, a table per head). Its rows join the node's
     * reads; the attributes say which input it is, K, and whether it has a table per head.
     */
    private boolean relative(Expr expr, Context context, Scope scope, Checker checker, List<Node> reads, Map<String, String> attrs) {
        if (!(expr instanceof Expr.Ref ref)) {
            diagnostics.error(expr.span(), "`relative` takes the name of a table of relative embeddings, such as `relative R` with"
                    + " `param R : [2 * K + 1, " + context.headDim() + "]`; found an expression");
            return false;
        }
        String name = ref.name().text();
        Binding binding = scope.lookup(name);
        Value.Tensor tensor = switch (binding) {
            case Binding.Input in -> {
                checker.markUsed(in.decl());
                yield in.value();
            }
            case Binding.Param p when p.info().kind() == ParamInfo.Kind.TENSOR -> {
                checker.markUsed(p.info().decl());
                yield new Value.Tensor(checker.paramNode(p.info(), ref.span()));
            }
            case Binding.Var v when v.value() instanceof Value.Tensor t -> t;
            case null -> {
                diagnostics.error(ref.span(), Checker.unknownName(name, scope, scope.visibleNames()));
                yield null;
            }
            default -> {
                diagnostics.error(ref.span(), "`relative` needs a tensor of relative embeddings, but `" + name + "` is "
                        + Checker.describe(binding));
                yield null;
            }
        };
        if (tensor == null) {
            return false;
        }
        TensorType type = tensor.type();
        long dk = context.headDim();
        long perHead = context.heads() * dk;
        java.util.Optional<Long> rows = type.rank() == 2 ? type.dim(0).constant() : java.util.Optional.empty();
        java.util.Optional<Long> width = type.rank() == 2 ? type.dim(1).constant() : java.util.Optional.empty();
        String wanted = "[2 * K + 1, " + dk + "] (one table for every head) or [2 * K + 1, " + perHead + "] (one per head)";
        if (type.dtype() != DType.FLOAT || rows.isEmpty() || width.isEmpty()
                || width.get() != dk && width.get() != perHead) {
            diagnostics.error(ref.span(), "`relative " + name + "`: the table must be " + wanted + " with K a constant, but `" + name
                    + "` is " + type);
            return false;
        }
        if (rows.get() % 2 == 0) {
            diagnostics.error(ref.span(), "`relative " + name + "`: the table must have an odd number of rows, 2 * K + 1 for the"
                    + " distances -K to K, but `" + name + "` has " + rows.get());
            return false;
        }
        if (rows.get() > MAX_RELATIVE_ROWS) {
            diagnostics.error(ref.span(), "`relative " + name + "`: a table of " + rows.get() + " rows is too large; at most "
                    + MAX_RELATIVE_ROWS + " (distances up to " + (MAX_RELATIVE_ROWS - 1) / 2 + ")");
            return false;
        }
        if (!reads.contains(tensor.node())) {
            reads.add(tensor.node());
        }
        attrs.put("relative", name);
        attrs.put("relative_input", Integer.toString(3 + reads.indexOf(tensor.node())));
        attrs.put("relative_clip", Long.toString((rows.get() - 1) / 2));
        attrs.put("relative_per_head", Boolean.toString(width.get() == perHead && perHead != dk));
        return true;
    }

    /**
     * The interval analysis of this attention's reads: h below the heads, repeat indices below
     * their counts, run-time dims up to their declared bounds (unbounded without one).
     */
    private IndexRanges indexRanges(Context context, Scope scope, List<Node> reads, Map<Scalar.Read, Expr.Index> sources) {
        if (reads.isEmpty()) {
            return null;
        }
        java.util.function.Function<String, IndexRanges.Range> variables = name -> variableRange(name, context, scope);
        return new IndexRanges(variables,
                read -> reads.get(read.input() - 3).type().shape(),
                dim -> IndexRanges.dimRange(dim, variables),
                context.queryLength(), context.keyLength(),
                (read, axis, range, size) -> {
                    Expr.Index source = sources.get(read);
                    diagnostics.error(source.indices().get(axis).span(), indexOutside(read, axis, range, reads.get(read.input() - 3).type()));
                });
    }

    private static IndexRanges.Range variableRange(String name, Context context, Scope scope) {
        if (name.equals("h")) {
            return new IndexRanges.Range(0, context.heads() - 1);
        }
        return switch (scope.lookup(name)) {
            case Binding.RepeatIndex r -> new IndexRanges.Range(0, r.count() - 1);
            case Binding.RunDim d when d.dim().equals(Dim.symbol(name)) ->
                    new IndexRanges.Range(0, d.max().map(Long::doubleValue).orElse(Double.POSITIVE_INFINITY));
            case null, default -> IndexRanges.Range.ALL;
        };
    }

    /**
     * Where i and j run: queries and keys from 0, below the query and key rows when
     * {@code bounded}, without an upper bound otherwise (a KV cache adds keys past the rows).
     */
    private static IndexRanges.Env queryKeyRanges(Context context, Scope scope, boolean bounded) {
        // Positions are Java ints, whatever the dims.
        IndexRanges.Range positions = new IndexRanges.Range(0, Integer.MAX_VALUE);
        if (!bounded) {
            return IndexRanges.Env.of(positions, positions);
        }
        java.util.function.Function<String, IndexRanges.Range> variables = name -> variableRange(name, context, scope);
        double queries = IndexRanges.dimRange(context.queryLength(), variables).hi();
        double keys = IndexRanges.dimRange(context.keyLength(), variables).hi();
        return IndexRanges.Env.of(new IndexRanges.Range(0, queries - 1).intersect(positions),
                new IndexRanges.Range(0, keys - 1).intersect(positions));
    }

    private static String indexOutside(Scalar.Read read, int axis, IndexRanges.Range range, TensorType type) {
        Scalar.Site site = read.site();
        String index = site.indices().get(axis);
        return "index `" + index + "` is outside axis " + axis + " of `" + site.tensor() + "` (" + type + ", size "
                + type.dim(axis) + ") for every allowed query, key and head: it ranges over " + range
                + " where it is read; clamp it explicitly if that is meant, e.g. `clamp(" + index + ", 0, "
                + lastIndex(type.dim(axis)) + ")`";
    }

    private static String lastIndex(Dim size) {
        return size.constant().map(c -> Long.toString(c - 1)).orElse(size + " - 1");
    }

    private static String wholeNumberTooLarge() {
        return "a whole number in an index must be between " + Integer.MIN_VALUE + " and " + Integer.MAX_VALUE;
    }

    /** False when a whole-number constant in an index does not fit a Java int. */
    private static boolean fitsInt(Scalar scalar) {
        return switch (scalar) {
            case Scalar.Const c -> c.type() != Type.INT || c.value() >= Integer.MIN_VALUE && c.value() <= Integer.MAX_VALUE;
            case Scalar.Var v -> true;
            case Scalar.Read r -> true; // its own indices were checked when it was typed
            case Scalar.Unary u -> fitsInt(u.operand());
            case Scalar.Binary b -> fitsInt(b.left()) && fitsInt(b.right());
            case Scalar.Call c -> c.args().stream().allMatch(Modifiers::fitsInt);
        };
    }

    private static String baseName(String path) {
        return path.substring(Math.max(path.lastIndexOf('/'), path.lastIndexOf('\\')) + 1);
    }

    /** An expression as .attn text, without the comments and line breaks of its source. */
    static String display(Expr expr) {
        return switch (expr) {
            case Expr.Number n -> n.text();
            case Expr.Bool b -> Boolean.toString(b.value());
            case Expr.Ref r -> r.name().text();
            case Expr.Call c -> c.callee().text() + "(" + String.join(", ", c.args().stream()
                    .map(a -> a.name().map(n -> n.text() + " = ").orElse("") + display(a.value())).toList()) + ")";
            case Expr.Index i -> display(i.target()) + "[" + String.join(", ", i.indices().stream().map(Modifiers::display).toList()) + "]";
            case Expr.Unary u -> u.op().symbol + (u.operand() instanceof Expr.Binary ? "(" + display(u.operand()) + ")" : display(u.operand()));
            case Expr.Binary b -> operand(b.left(), b.op(), false) + " " + b.op().symbol + " " + operand(b.right(), b.op(), true);
            default -> expr.getClass().getSimpleName();
        };
    }

    /** A side of a binary operator, in parentheses where the operator binds tighter than it. */
    private static String operand(Expr side, Expr.BinaryOp parent, boolean right) {
        String text = display(side);
        if (side instanceof Expr.Binary b
                && (precedence(b.op()) < precedence(parent) || right && precedence(b.op()) == precedence(parent))) {
            return "(" + text + ")";
        }
        return text;
    }

    private static int precedence(Expr.BinaryOp op) {
        return switch (op) {
            case OR -> 1;
            case AND -> 2;
            case EQ, NE -> 3;
            case LT, LE, GT, GE -> 4;
            case ADD, SUB -> 5;
            case MUL, DIV, MOD, MATMUL -> 6;
            case POW -> 7;
        };
    }

    /** Clause names known, each at most once (masks may repeat: they are and-ed). */
    private Map<Clause, ClauseKind> clauseKinds(List<Clause> clauses) {
        Map<Clause, ClauseKind> kinds = new LinkedHashMap<>();
        Map<ClauseKind, Clause> seen = new HashMap<>();
        boolean ok = true;
        for (Clause clause : clauses) {
            ClauseKind kind = ClauseKind.of(clause.key().text());
            if (kind == null) {
                diagnostics.error(clause.key().span(), Messages.unknownClause(clause.key().text(),
                        Suggest.closest(clause.key().text(), CLAUSE_NAMES)));
                ok = false;
                continue;
            }
            Clause previous = seen.putIfAbsent(kind, clause);
            if (previous != null && kind != ClauseKind.MASK) {
                diagnostics.error(clause.key().span(), Messages.duplicateClause(kind.spelling, previous.span().line()));
                ok = false;
                continue;
            }
            kinds.put(clause, kind);
        }
        return ok ? kinds : null;
    }

    /** Reports a variable read where it does not exist yet (s in a mask, h in a scale). */
    private boolean placement(Expr expr, ClauseKind kind) {
        boolean[] ok = {true};
        walk(expr, e -> {
            if (e instanceof Expr.Ref ref) {
                String name = ref.name().text();
                if (name.equals("s") && kind != ClauseKind.SCORE && kind != ClauseKind.RELATIVE) {
                    diagnostics.error(ref.span(), kind == ClauseKind.MASK ? Messages.SCORE_IN_MASK
                            : kind == ClauseKind.SINK ? "`s` cannot be read in `sink`: the sink is a logit of its own, not a change of the scores"
                            : Messages.scoreInConstant(kind.spelling));
                    ok[0] = false;
                } else if (POSITION_VARIABLES.contains(name) && kind.isConstant()) {
                    diagnostics.error(ref.span(), Messages.positionInConstant(name, kind.spelling));
                    ok[0] = false;
                } else if ((name.equals("i") || name.equals("j")) && kind == ClauseKind.SINK) {
                    diagnostics.error(ref.span(), "`sink` is one logit per head, the same for every query and key, so it cannot read `"
                            + name + "`; it may read `h`, constants and tensors (`sinks[h]`)");
                    ok[0] = false;
                }
            }
        });
        return ok[0];
    }

    /** True when the mask is a conjunction with a causal part: {@code causal}, {@code j <= i}, ... */
    private static boolean impliesCausal(Expr mask) {
        if (mask instanceof Expr.Binary b && b.op() == Expr.BinaryOp.AND) {
            return impliesCausal(b.left()) || impliesCausal(b.right());
        }
        if (mask instanceof Expr.Ref ref) {
            return ref.name().text().equals("causal");
        }
        if (mask instanceof Expr.Binary b && b.left() instanceof Expr.Ref l && b.right() instanceof Expr.Ref r) {
            String left = l.name().text();
            String right = r.name().text();
            return switch (b.op()) {
                case LE, LT -> left.equals("j") && right.equals("i");
                case GE, GT -> left.equals("i") && right.equals("j");
                default -> false;
            };
        }
        return false;
    }

    private static String text(Expr expr) {
        return expr.span().file().text().substring(expr.span().start(), expr.span().end()).replaceAll("\\s+", " ");
    }

    private static void walk(Expr expr, java.util.function.Consumer<Expr> visit) {
        visit.accept(expr);
        switch (expr) {
            case Expr.Call c -> c.args().forEach(a -> walk(a.value(), visit));
            case Expr.Attention a -> a.args().forEach(arg -> walk(arg.value(), visit));
            case Expr.Index i -> {
                walk(i.target(), visit);
                i.indices().forEach(e -> walk(e, visit));
            }
            case Expr.Unary u -> walk(u.operand(), visit);
            case Expr.Binary b -> {
                walk(b.left(), visit);
                walk(b.right(), visit);
            }
            case Expr.ListLit l -> l.items().forEach(e -> walk(e, visit));
            default -> {
            }
        }
    }

    /**
     * In a clause, {@code i}, {@code j}, {@code h} and {@code s} are the query, key, head and
     * score: a tensor, param, constant or repeat index of the same name is hidden there, which a
     * reader easily takes the other way round.
     */
    private void warnIfHidden(Expr.Ref ref, Scope scope) {
        Binding hidden = scope.lookup(ref.name().text());
        if (hidden != null) {
            diagnostics.warning(ref.span(), Messages.clauseVariableHides(ref.name().text(), Checker.noun(hidden),
                    hidden.declared().line()));
        }
    }

    /** Types one score or mask expression and builds its {@link Scalar} form; null after reporting. */
    private final class Typer {
        private final ClauseKind kind;
        private final Scope scope;
        private final Checker checker;
        private final List<Node> reads;
        private final Map<Scalar.Read, Expr.Index> readSources;

        Typer(ClauseKind kind, Scope scope, Checker checker, List<Node> reads, Map<Scalar.Read, Expr.Index> readSources) {
            this.kind = kind;
            this.scope = scope;
            this.checker = checker;
            this.reads = reads;
            this.readSources = readSources;
        }

        Scalar type(Expr expr) {
            return switch (expr) {
                case Expr.Number n -> new Scalar.Const(n.value(), n.isInt() ? Type.INT : Type.FLOAT);
                case Expr.Bool b -> new Scalar.Const(b.value() ? 1 : 0, Type.BOOL);
                case Expr.Ref ref -> name(ref);
                case Expr.Call call -> call(call);
                case Expr.Index index -> index(index);
                case Expr.Unary unary -> {
                    Scalar operand = type(unary.operand());
                    if (operand == null) {
                        yield null;
                    }
                    boolean fits = unary.op() == Expr.UnaryOp.NOT ? operand.type() == Type.BOOL : numeric(operand);
                    if (!fits) {
                        diagnostics.error(unary.operand().span(), Messages.modifierOperand(unary.op().symbol, describe(operand)));
                        yield null;
                    }
                    yield new Scalar.Unary(unary.op().symbol, operand, operand.type());
                }
                case Expr.Binary binary -> binary(binary);
                default -> {
                    diagnostics.error(expr.span(), Messages.notInModifier(kind.spelling));
                    yield null;
                }
            };
        }

        private Scalar name(Expr.Ref ref) {
            String name = ref.name().text();
            switch (name) {
                case "i", "j", "h":
                    warnIfHidden(ref, scope);
                    return new Scalar.Var(name, Type.INT);
                case "s":
                    warnIfHidden(ref, scope);
                    return new Scalar.Var(name, Type.FLOAT); // placement() already kept it to score
                case "causal":
                    return new Scalar.Binary("<=", new Scalar.Var("j", Type.INT), new Scalar.Var("i", Type.INT), Type.BOOL);
                default:
                    break;
            }
            Binding binding = scope.lookup(name);
            if (binding == null) {
                if (name.equals("inf")) {
                    return new Scalar.Const(Double.POSITIVE_INFINITY, Type.FLOAT);
                }
                if (name.equals("pi")) {
                    return new Scalar.Const(Math.PI, Type.FLOAT);
                }
                List<String> candidates = new ArrayList<>(scope.visibleNames());
                candidates.addAll(List.of("i", "j", "h", "causal"));
                if (kind == ClauseKind.SCORE) {
                    candidates.add("s");
                }
                diagnostics.error(ref.span(), Checker.unknownName(name, scope, candidates));
                return null;
            }
            return switch (binding) {
                case Binding.Constant c -> constant(c.value());
                case Binding.RunDim d -> dim(d.dim());
                case Binding.RepeatIndex r -> new Scalar.Var(r.name(), Type.INT);
                case Binding.Input in -> {
                    checker.markUsed(in.decl());
                    yield scalar(name, in.value(), ref.span());
                }
                case Binding.Var v when v.value() instanceof Value.Num n -> constant(n);
                case Binding.Var v when v.value() instanceof Value.Size size -> dim(size.dim());
                case Binding.Var v when v.value() instanceof Value.RunNum number -> number.scalar();
                case Binding.Var v when v.value() instanceof Value.Tensor t -> scalar(name, t, ref.span());
                case Binding.Param p when p.info().kind() == ParamInfo.Kind.TENSOR -> {
                    checker.markUsed(p.info().decl());
                    yield scalar(name, new Value.Tensor(checker.paramNode(p.info(), ref.span())), ref.span());
                }
                default -> {
                    diagnostics.error(ref.span(), Messages.notReadableInModifier(name, Checker.describe(binding)));
                    yield null;
                }
            };
        }

        private Scalar constant(Value.Num n) {
            return new Scalar.Const(n.value(), n.isInt() ? Type.INT : Type.FLOAT);
        }

        /** A run-time size as an expression of the dims it depends on. */
        private Scalar dim(Dim dim) {
            if (dim.constant().isPresent()) {
                return new Scalar.Const(dim.constant().get(), Type.INT);
            }
            Scalar sum = null;
            for (Map.Entry<String, Long> term : dim.terms().entrySet()) {
                Scalar monomial = term.getKey().isEmpty() ? null : null;
                for (String factor : term.getKey().isEmpty() ? new String[0] : term.getKey().split("\\*")) {
                    Scalar var = new Scalar.Var(factor, Type.INT);
                    monomial = monomial == null ? var : new Scalar.Binary("*", monomial, var, Type.INT);
                }
                Scalar coefficient = new Scalar.Const(term.getValue(), Type.INT);
                Scalar value = monomial == null ? coefficient
                        : term.getValue() == 1 ? monomial : new Scalar.Binary("*", coefficient, monomial, Type.INT);
                sum = sum == null ? value : new Scalar.Binary("+", sum, value, Type.INT);
            }
            return sum;
        }

        /** A bare tensor in a modifier must be a scalar (rank 0), such as an int input length. */
        private Scalar scalar(String name, Value.Tensor tensor, Span span) {
            if (tensor.type().rank() != 0) {
                diagnostics.error(span, Messages.tensorInModifierNeedsIndex(name, tensor.type()));
                return null;
            }
            return new Scalar.Read(read(tensor.node()), List.of(), tensor.type().dtype() == DType.INT ? Type.INT : Type.FLOAT);
        }

        /** The position of a tensor among the attention node's inputs (q, k, v come first). */
        private int read(Node node) {
            if (!reads.contains(node)) {
                reads.add(node);
            }
            return 3 + reads.indexOf(node);
        }

        private Scalar index(Expr.Index index) {
            if (!(index.target() instanceof Expr.Ref ref)) {
                diagnostics.error(index.target().span(), Messages.INDEX_NEEDS_NAME);
                return null;
            }
            String name = ref.name().text();
            Binding binding = scope.lookup(name);
            Value.Tensor tensor = switch (binding) {
                case Binding.Input in -> {
                    checker.markUsed(in.decl());
                    yield in.value();
                }
                case Binding.Param p when p.info().kind() == ParamInfo.Kind.TENSOR -> {
                    checker.markUsed(p.info().decl());
                    yield new Value.Tensor(checker.paramNode(p.info(), ref.span()));
                }
                case Binding.Var v when v.value() instanceof Value.Tensor t -> t;
                case null -> {
                    diagnostics.error(ref.span(), Checker.unknownName(name, scope, scope.visibleNames()));
                    yield null;
                }
                default -> {
                    diagnostics.error(ref.span(), Messages.notIndexable(name, Checker.describe(binding)));
                    yield null;
                }
            };
            boolean ok = tensor != null;
            List<Scalar> indices = new ArrayList<>();
            for (Expr i : index.indices()) {
                Scalar scalar = type(i);
                if (scalar == null) {
                    ok = false;
                } else if (scalar.type() != Type.INT) {
                    diagnostics.error(i.span(), Messages.indexNotWhole(describe(scalar)));
                    ok = false;
                }
                indices.add(scalar);
            }
            if (!ok) {
                return null;
            }
            if (tensor.type().rank() != index.indices().size()) {
                diagnostics.error(index.span(), Messages.indexCount(name, tensor.type(), index.indices().size()));
                return null;
            }
            for (int axis = 0; axis < indices.size(); axis++) {
                if (!fitsInt(indices.get(axis))) {
                    diagnostics.error(index.indices().get(axis).span(), wholeNumberTooLarge());
                    return null;
                }
            }
            Span span = index.span();
            Scalar.Site site = new Scalar.Site(name, index.indices().stream().map(Modifiers::display).toList(), kind.spelling,
                    baseName(span.file().name()) + ":" + span.line() + ":" + span.column());
            Scalar.Read read = new Scalar.Read(read(tensor.node()), indices, tensor.type().dtype() == DType.INT ? Type.INT : Type.FLOAT,
                    java.util.Collections.nCopies(indices.size(), Scalar.Bound.CHECK), site);
            readSources.put(read, index);
            return read;
        }

        private Scalar call(Expr.Call call) {
            String name = call.callee().text();
            Integer arity = FUNCTIONS.get(name);
            if (arity == null) {
                diagnostics.error(call.callee().span(), Messages.unknownModifierFunction(name,
                        Suggest.closest(name, FUNCTIONS.keySet())));
                return null;
            }
            if (call.args().size() != arity || call.args().stream().anyMatch(a -> a.name().isPresent())) {
                diagnostics.error(call.span(), Messages.arity(name, arity, arity, call.args().size()));
                return null;
            }
            List<Scalar> args = new ArrayList<>();
            for (Arg arg : call.args()) {
                Scalar scalar = type(arg.value());
                if (scalar == null) {
                    return null;
                }
                args.add(scalar);
            }
            Type result;
            switch (name) {
                case "where" -> {
                    if (args.get(0).type() != Type.BOOL) {
                        diagnostics.error(call.args().get(0).span(), Messages.whereCondition(describe(args.get(0))));
                        return null;
                    }
                    result = join(args.get(1), args.get(2), call.span(), name);
                }
                case "alibi_slope" -> {
                    if (args.get(0).type() != Type.INT) {
                        diagnostics.error(call.args().get(0).span(), Messages.indexNotWhole(describe(args.get(0))));
                        return null;
                    }
                    result = Type.FLOAT;
                }
                default -> {
                    for (int index = 0; index < args.size(); index++) {
                        if (!numeric(args.get(index))) {
                            diagnostics.error(call.args().get(index).span(), Messages.modifierOperand(name, describe(args.get(index))));
                            return null;
                        }
                    }
                    result = switch (name) {
                        case "abs" -> args.get(0).type();
                        case "min", "max" -> join(args.get(0), args.get(1), call.span(), name);
                        case "clamp" -> args.stream().allMatch(a -> a.type() == Type.INT) ? Type.INT : Type.FLOAT;
                        case "floor", "ceil" -> Type.INT;
                        default -> Type.FLOAT;
                    };
                }
            }
            return result == null ? null : new Scalar.Call(name, args, result);
        }

        private Type join(Scalar a, Scalar b, Span span, String op) {
            if (a.type() == b.type()) {
                return a.type();
            }
            if (numeric(a) && numeric(b)) {
                return Type.FLOAT;
            }
            diagnostics.error(span, Messages.modifierMix(op, describe(a), describe(b)));
            return null;
        }

        private Scalar binary(Expr.Binary binary) {
            Scalar left = type(binary.left());
            Scalar right = type(binary.right());
            if (left == null || right == null) {
                return null;
            }
            Expr.BinaryOp op = binary.op();
            String symbol = op.symbol;
            if (op == Expr.BinaryOp.MATMUL) {
                diagnostics.error(binary.span(), Messages.MATMUL_IN_MODIFIER);
                return null;
            }
            if (op.isLogical()) {
                for (var side : List.of(Map.entry(left, binary.left()), Map.entry(right, binary.right()))) {
                    if (side.getKey().type() != Type.BOOL) {
                        diagnostics.error(side.getValue().span(), Messages.modifierOperand(symbol, describe(side.getKey())));
                        return null;
                    }
                }
                return new Scalar.Binary(symbol, left, right, Type.BOOL);
            }
            if (op == Expr.BinaryOp.EQ || op == Expr.BinaryOp.NE) {
                if ((left.type() == Type.BOOL) != (right.type() == Type.BOOL)) {
                    diagnostics.error(binary.span(), Messages.modifierMix(symbol, describe(left), describe(right)));
                    return null;
                }
                return new Scalar.Binary(symbol, left, right, Type.BOOL);
            }
            for (var side : List.of(Map.entry(left, binary.left()), Map.entry(right, binary.right()))) {
                if (!numeric(side.getKey())) {
                    diagnostics.error(side.getValue().span(), Messages.modifierOperand(symbol, describe(side.getKey())));
                    return null;
                }
            }
            if (op.isComparison()) {
                return new Scalar.Binary(symbol, left, right, Type.BOOL);
            }
            if (op == Expr.BinaryOp.POW) {
                // a ** b is pow(a, b), a number even of whole numbers: (i - j) ** 2 overflows no int.
                return new Scalar.Call("pow", List.of(left, right), Type.FLOAT);
            }
            if (op == Expr.BinaryOp.MOD && (left.type() != Type.INT || right.type() != Type.INT)) {
                diagnostics.error(binary.span(), Messages.MOD_NEEDS_WHOLE);
                return null;
            }
            Double divisor = op == Expr.BinaryOp.DIV || op == Expr.BinaryOp.MOD ? constantValue(right) : null;
            if (divisor != null && divisor == 0) {
                diagnostics.error(binary.span(), Messages.DIVISION_BY_ZERO);
                return null;
            }
            // i / 2 is a fraction, as in Python 3; floor() gives a whole number.
            Type type = op == Expr.BinaryOp.DIV ? Type.FLOAT
                    : left.type() == Type.INT && right.type() == Type.INT ? Type.INT : Type.FLOAT;
            return new Scalar.Binary(symbol, left, right, type);
        }
    }

    /**
     * The value of a scalar made of constants only ({@code 0}, {@code D - 64}, {@code -Z}),
     * or null when it reads a position, a tensor or a dim known only at run time.
     */
    static Double constantValue(Scalar scalar) {
        return switch (scalar) {
            case Scalar.Const c -> c.type() == Type.BOOL ? null : c.value();
            case Scalar.Unary u when u.op().equals("-") -> {
                Double operand = constantValue(u.operand());
                yield operand == null ? null : -operand;
            }
            case Scalar.Binary b -> {
                Double x = constantValue(b.left());
                Double y = constantValue(b.right());
                if (x == null || y == null) {
                    yield null;
                }
                yield switch (b.op()) {
                    case "+" -> x + y;
                    case "-" -> x - y;
                    case "*" -> x * y;
                    default -> null;
                };
            }
            default -> null;
        };
    }

    private static boolean numeric(Scalar scalar) {
        return scalar.type() != Type.BOOL;
    }

    /** "a whole number", "a number" or "a condition", for messages. */
    static String describe(Scalar scalar) {
        return switch (scalar.type()) {
            case INT -> "a whole number";
            case FLOAT -> "a number";
            case BOOL -> "a condition";
        };
    }
}
