package dev.attnc.compiler.parse;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.attnc.compiler.ast.AttnFile;
import dev.attnc.compiler.ast.Expr;
import dev.attnc.compiler.ast.ParamType;
import dev.attnc.compiler.ast.Stmt;
import dev.attnc.compiler.diag.Diagnostics;
import dev.attnc.compiler.diag.SourceFile;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Text to AST: every construct parses into the records the checker reads. */
class SourceParserTest {

    static AttnFile parse(String text) {
        Diagnostics diagnostics = new Diagnostics();
        Optional<AttnFile> file = SourceParser.parse(new SourceFile("p.attn", text), diagnostics);
        assertFalse(diagnostics.hasErrors(), diagnostics.render());
        return file.orElseThrow();
    }

    static List<String> errors(String text) {
        Diagnostics diagnostics = new Diagnostics();
        SourceParser.parse(new SourceFile("p.attn", text), diagnostics);
        return diagnostics.all().stream().map(d -> d.span().line() + ":" + d.span().column() + ": " + d.message()).toList();
    }

    @Test
    void topLevelDeclarations() {
        AttnFile file = parse("const H = 4\nblock B(x, y : [T, D]) { return x }\nattention A { mask causal }\nmodel M { }\n");
        assertEquals(4, file.decls().size());
        assertInstanceOf(Stmt.Const.class, file.decls().get(0));
        Stmt.Block block = (Stmt.Block) file.decls().get(1);
        assertEquals(2, block.params().size());
        assertTrue(block.params().get(1).type().isPresent());
        Stmt.Attention spec = (Stmt.Attention) file.decls().get(2);
        assertEquals("mask", spec.clauses().get(0).key().text());
        assertInstanceOf(Stmt.Model.class, file.decls().get(3));
    }

    @Test
    void statementsNeedNoSeparators() {
        Stmt.Model model = (Stmt.Model) parse("model M {\n  const D = 8, H = 2; dim T <= 16, S\n"
                + "  input ids : int[T]\n  input n : int\n  param w : linear(D, D, bias = false) from \"w\"\n"
                + "  param g : [D]\n  a, b = split(w(x), 2)\n  repeat 3 as l { x = x }\n  output a, b\n}").decls().get(0);
        List<Class<?>> kinds = model.body().stream().<Class<?>>map(Object::getClass).toList();
        assertEquals(List.of(Stmt.Const.class, Stmt.Dim.class, Stmt.Input.class, Stmt.Input.class, Stmt.Param.class,
                Stmt.Param.class, Stmt.Assign.class, Stmt.Repeat.class, Stmt.Output.class), kinds);
        Stmt.Input scalar = (Stmt.Input) model.body().get(3);
        assertTrue(scalar.type().isInt() && scalar.type().dims().isEmpty());
        Stmt.Param w = (Stmt.Param) model.body().get(4);
        assertEquals("w", w.source().orElseThrow().value());
        assertEquals("bias", ((ParamType.Layer) w.type()).args().get(2).name().orElseThrow().text());
        assertEquals("l", ((Stmt.Repeat) model.body().get(7)).index().orElseThrow().text());
    }

    @Test
    void precedenceIsTheUsualOne() {
        Stmt.Model model = (Stmt.Model) parse("model M { y = a + b * c @ d - -e }").decls().get(0);
        Expr value = ((Stmt.Assign) model.body().get(0)).value();
        // ((a + (b * (c @ d))) - (-e))
        Expr.Binary minus = assertInstanceOf(Expr.Binary.class, value);
        assertEquals(Expr.BinaryOp.SUB, minus.op());
        Expr.Binary plus = assertInstanceOf(Expr.Binary.class, minus.left());
        Expr.Binary times = assertInstanceOf(Expr.Binary.class, plus.right());
        assertEquals(Expr.BinaryOp.MUL, times.op());
        assertEquals(Expr.BinaryOp.MATMUL, assertInstanceOf(Expr.Binary.class, times.right()).op());
        assertInstanceOf(Expr.Unary.class, minus.right());

        Stmt.Attention spec = (Stmt.Attention) parse("attention A { mask j <= i && i - j < 8 || !causal }").decls().get(0);
        Expr.Binary or = assertInstanceOf(Expr.Binary.class, spec.clauses().get(0).value());
        assertEquals(Expr.BinaryOp.OR, or.op());
        assertEquals(Expr.BinaryOp.AND, assertInstanceOf(Expr.Binary.class, or.left()).op());
    }

    @Test
    void numbersStringsAndComments() {
        Stmt.Model model = (Stmt.Model) parse("model M {\n  // line\n  /* block\n comment */\n"
                + "  const a = 50_257, b = 1e-5, c = .5, d = 2.\n  y = f(\"h.{layer}\\\"q\")\n}").decls().get(0);
        Stmt.Const constants = (Stmt.Const) model.body().get(0);
        Expr.Number a = (Expr.Number) constants.items().get(0).value();
        assertEquals(50257, a.value());
        assertTrue(a.isInt());
        assertEquals(1e-5, ((Expr.Number) constants.items().get(1).value()).value());
        assertEquals(0.5, ((Expr.Number) constants.items().get(2).value()).value());
        assertFalse(((Expr.Number) constants.items().get(3).value()).isInt());
        Expr.Call call = (Expr.Call) ((Stmt.Assign) model.body().get(1)).value();
        assertEquals("h.{layer}\"q", ((Expr.Str) call.args().get(0).value()).value());
    }

    @Test
    void attentionCallsWithAndWithoutBodies() {
        Stmt.Model model = (Stmt.Model) parse("model M {\n  a = attention(q, k, v, heads = 2) {\n    scale 0.5\n"
                + "    mask causal\n  }\n  b = attention(q, k, v, heads = 2)\n  c = softmax(x, dim = 0)\n}").decls().get(0);
        Expr.Attention a = (Expr.Attention) ((Stmt.Assign) model.body().get(0)).value();
        assertEquals(2, a.clauses().size());
        assertEquals(4, a.args().size());
        Expr.Attention b = (Expr.Attention) ((Stmt.Assign) model.body().get(1)).value();
        assertTrue(b.clauses().isEmpty());
        Expr.Call c = (Expr.Call) ((Stmt.Assign) model.body().get(2)).value();
        assertEquals("dim", c.args().get(1).name().orElseThrow().text(), "the keyword dim works as an argument name");
    }

    @Test
    void spansPointAtTheSource() {
        Stmt.Model model = (Stmt.Model) parse("model M {\n  y = relu(x)\n}").decls().get(0);
        Stmt.Assign assign = (Stmt.Assign) model.body().get(0);
        assertEquals(2, assign.span().line());
        assertEquals(3, assign.span().column());
        assertEquals("relu(x)", assign.value().span().file().text().substring(assign.value().span().start(), assign.value().span().end()));
    }

    @Test
    void syntaxErrorsAreAllReportedWithPlainWords() {
        assertEquals(List.of("3:3: expected `)`, found `output`"), errors("model M {\n  y = f(x, 1\n  output y\n}"));
        assertEquals(List.of("1:11: unexpected character '$'"), errors("model M { $ }"));
        assertEquals(List.of("1:15: unterminated string: add the closing `\"` on the same line"),
                errors("model M { y = \"abc\n}"));
        assertEquals(List.of("1:11: unterminated comment: `/*` has no matching `*/`"), errors("model M { /* never closed"));
        List<String> several = errors("model M {\n  y = = 1\n  z = (2\n  output y\n}");
        assertEquals(2, several.size(), "one error per broken statement: " + several);
    }

    @Test
    void deepNestingIsRefusedBeforeParsing() {
        String deep = "model M { y = " + "(".repeat(5000) + "x" + ")".repeat(5000) + " }";
        List<String> found = errors(deep);
        assertEquals(1, found.size());
        assertTrue(found.get(0).contains("brackets nested more than 200 deep"), found.get(0));
    }

    @Test
    void attentionClausesMayBeSeparatedBySemicolons() {
        Stmt.Attention spec = (Stmt.Attention) parse("attention A { mask causal; scale 0.5; }").decls().get(0);
        assertEquals(2, spec.clauses().size());
        Stmt.Model model = (Stmt.Model) parse("model M {\n  a = attention(q, k, v, heads = 2) { ; mask causal; mask j < 4 }\n}")
                .decls().get(0);
        assertEquals(2, ((Expr.Attention) ((Stmt.Assign) model.body().get(0)).value()).clauses().size());
    }

    @Test
    void topLevelSaysWhatMayStandThere() {
        assertEquals(List.of("2:1: expected `model`, `block`, `attention` or `const`, found `x`"),
                errors("model M { }\nx = 1\n"));
    }

    @Test
    void fileEndingInsideABodyAsksForTheBrace() {
        assertEquals(List.of("2:8: expected `}`, found end of file"), errors("model M {\n  y = x\n"));
        assertEquals(List.of("2:14: expected `}`, found end of file"), errors("attention A {\n  mask causal\n"));
    }

    @Test
    void pythonCommentIsOneErrorForTheWholeLine() {
        assertEquals(List.of("2:10: unexpected character '#': comments start with `//`"),
                errors("model M {\n  y = x  # y = = (\n}"));
    }

    @Test
    void curlyQuotesAreOneErrorWithTheStraightString() {
        assertEquals(List.of("1:30: a string in curly quotes: write it with straight quotes, \"w.b\""),
                errors("model M { param w : [4] from \u201Cw.b\u201D }"));
        assertEquals(List.of("1:15: unexpected character U+201C; use straight quotes `\"`"), errors("model M { y = \u201Cw }"));
    }

    @Test
    void columnsCountCharactersOutsideTheBmpOnce() {
        // U+1F680 is two UTF-16 units; columns count it once, before it on the line and after.
        assertEquals(List.of("2:11: unexpected character '$'"), errors("// \uD83D\uDE80\nmodel M { $ }"));
        assertEquals(List.of("1:9: unexpected character '$'"), errors("/* \uD83D\uDE80 */ $"));
        assertEquals(List.of("1:11: unexpected character U+1F680"), errors("model M { \uD83D\uDE80 }"));
        assertEquals(List.of("1:11: unexpected characters U+1F680... (2 in a row)"),
                errors("model M { \uD83D\uDE80\uD83D\uDE80 }"));
    }

    @Test
    void leadingByteOrderMarkIsWhitespace() {
        parse("\uFEFFmodel M { }");
        assertEquals(List.of("1:11: unexpected character '$'"), errors("\uFEFFmodel M { $ }"));
        assertEquals(List.of("1:11: unexpected character U+FEFF"), errors("model M { \uFEFF }"));
    }

    @Test
    void numberTooLargeGivesNoAst() {
        Diagnostics diagnostics = new Diagnostics();
        Optional<AttnFile> file = SourceParser.parse(new SourceFile("p.attn", "model M { const D = 99999999999999999999 }"),
                diagnostics);
        assertTrue(file.isEmpty(), "a stand-in 0 would only cause follow-on errors");
        assertEquals(1, diagnostics.errorCount());
    }

    @Test
    void badCharactersInARowAreOneError() {
        List<String> found = errors("model M { \u0001\u0002\u0003 }");
        assertEquals(List.of("1:11: unexpected characters U+0001... (3 in a row)"), found);
    }
}
