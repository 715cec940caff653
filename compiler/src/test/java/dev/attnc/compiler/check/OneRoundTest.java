package dev.attnc.compiler.check;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.attnc.compiler.FrontEnd;
import dev.attnc.compiler.diag.Diagnostic;
import dev.attnc.compiler.diag.Severity;
import dev.attnc.compiler.diag.SourceFile;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A file with several mistakes, as a user makes them, reports every one of them in one run:
 * each at its line and column, none hidden behind another.
 */
class OneRoundTest {
    private static final String MISTAKES = """
            model Errs {
              const D = 64, H = 4
              dim T
              input x : [T, D]
              input h : [T, D]
              param qkv : linear(D, 3 * D) from "attn.qkv"
              param out : linear(D, D) from "attn.out"
              param ln : layernorm(D) from "ln"
              q, k, v = split(qkv(lnn(x)), 3)
              a = attention(q, k, v, heads = H) {
                mask causal and i - j < 16
                score s - h
              }
              b = atention(x, x, x, heads = H) { mask not causal }
              y = x + out(x) + qkv(x)
              z = softmx(y)
              output y
            }
            """;

    private static List<String> located(FrontEnd.Result result, Severity severity) {
        return result.diagnostics().all().stream().filter(d -> d.severity() == severity)
                .map(d -> d.span().line() + ":" + d.span().column() + ": " + d.message()).toList();
    }

    @Test
    void everyMistakeOfTheFileInOneRun() {
        FrontEnd.Result result = FrontEnd.check(new SourceFile("errs.attn", MISTAKES));
        assertEquals(List.of(
                "9:23: unknown function `lnn`; did you mean `ln`?",
                "11:17: `and` is not an operator in .attn: use `&&`",
                "14:7: unknown function `atention`; did you mean `attention`? (only `attention(...)` takes a block of clauses)",
                "14:43: `not` is not an operator in .attn: use `!`",
                "15:7: cannot combine [T, 64] and [T, 192] with `+`: shapes differ",
                "16:7: unknown function `softmx`; did you mean `softmax`?"),
                located(result, Severity.ERROR), result.diagnostics().render());
        assertTrue(located(result, Severity.WARNING).contains("12:15: `h` in a clause is the head index, not the input `h`"
                + " declared on line 5; rename that input to read it here"), result.diagnostics().render());
        // Rendered as the user sees it: file, line, column, the line and a caret under the word.
        String rendered = result.diagnostics().render();
        assertTrue(rendered.contains("""
                errs.attn:11:17: error: `and` is not an operator in .attn: use `&&`
                   11 |     mask causal and i - j < 16
                      |                 ^~~
                """), rendered);
    }

    @Test
    void orBecomesTheOperatorAndTheModelChecksClean() {
        FrontEnd.Result result = CheckerTest.model("""
                  a = attention(x, x, x, heads = H) { mask j == 0 or j <= i }
                  output a
                """);
        assertEquals(List.of("5:51: `or` is not an operator in .attn: use `||`"), located(result, Severity.ERROR));
    }

    @Test
    void aTensorNamedOrIsStillATensor() {
        // Between two operands only: `or` standing alone is a name.
        FrontEnd.Result result = CheckerTest.model("""
                  or = x + x
                  y = or * 2
                  output y
                """);
        assertFalse(result.diagnostics().hasErrors(), result.diagnostics().render());
    }

    @Test
    void aClauseBlockAfterAnotherCallIsOneError() {
        FrontEnd.Result result = CheckerTest.model("""
                  y = softmax(x) { mask causal }
                  output y
                """);
        assertEquals(List.of("5:18: `softmax(...)` takes no block of clauses: only `attention(...)` does (a named attention"
                + " variant takes its clauses where it is declared)"), located(result, Severity.ERROR));
    }

    @Test
    void aRepeatCountThatIsACallStillOpensItsBody() {
        FrontEnd.Result result = CheckerTest.model("""
                  param w : linear(D, D) from "w.{l}"
                  repeat max(2, 3) as l { x = w(x) }
                  output x
                """);
        assertFalse(located(result, Severity.ERROR).stream().anyMatch(e -> e.contains("block of clauses")),
                result.diagnostics().render());
    }

    @Test
    void clausesAreCheckedWhenTheAttentionsArgumentsFailed() {
        FrontEnd.Result result = CheckerTest.model("""
                  a = attention(qq, x, x, heads = H) { mask causal && i - jj < 16
                    sclae 0.5 }
                  output a
                """);
        List<String> errors = located(result, Severity.ERROR);
        assertEquals(3, errors.size(), result.diagnostics().render());
        assertTrue(errors.get(0).startsWith("5:17: unknown name `qq`"), errors.toString());
        assertTrue(errors.get(1).startsWith("5:59: unknown name `jj`"), errors.toString());
        assertTrue(errors.get(2).startsWith("6:5: unknown attention clause `sclae`; did you mean `scale`?"), errors.toString());
    }

    @Test
    void eachClauseVariableWarnsWhereItHidesAName() {
        FrontEnd.Result result = CheckerTest.model("""
                  const i = 3
                  param j : [D] from "j"
                  s = x
                  a = attention(x, x, x, heads = H) { score s + j * i }
                  output a
                """);
        assertFalse(result.diagnostics().hasErrors(), result.diagnostics().render());
        List<String> warnings = located(result, Severity.WARNING);
        assertTrue(warnings.contains("8:45: `s` in a clause is the score, not the value `s` declared on line 7;"
                + " rename that value to read it here"), warnings.toString());
        assertTrue(warnings.contains("8:49: `j` in a clause is the key position, not the param `j` declared on line 6;"
                + " rename that param to read it here"), warnings.toString());
        assertTrue(warnings.contains("8:53: `i` in a clause is the query position, not the constant `i` declared on line 5;"
                + " rename that constant to read it here"), warnings.toString());
    }

    @Test
    void noWarningWithoutAHiddenName() {
        FrontEnd.Result result = CheckerTest.model("""
                  a = attention(x, x, x, heads = H) { score s - 0.1 * h * (i - j) }
                  output a
                """);
        assertEquals(List.of(), result.diagnostics().all().stream().map(Diagnostic::headline).toList());
    }
}
