package dev.attnc.compiler.check;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import dev.attnc.compiler.FrontEnd;
import dev.attnc.compiler.diag.Diagnostic;
import dev.attnc.compiler.diag.Severity;
import dev.attnc.compiler.diag.SourceFile;
import dev.attnc.compiler.ir.Node;
import dev.attnc.compiler.ir.Op;
import dev.attnc.compiler.ir.Scalar;
import dev.attnc.compiler.ir.Scalar.Bound;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Indices of the tensors that attention clauses read, checked where the dims allow: an index
 * that can never be inside its axis is an error at its position; one proved inside needs no
 * run-time check; any other is checked when it is evaluated.
 */
class IndexBoundsTest {

    /** Two heads of 8, a table rel : [H, 16], and the clauses given on line 10. */
    static FrontEnd.Result model(String dims, String clauses) {
        String text = """
                model M {
                  const H = 2
                  %s
                  input q : [T, 16]
                  input k : [T, 16]
                  input v : [T, 16]
                  input keep : int[T]
                  param rel : [H, 16]
                  y = attention(q, k, v, heads = H) {
                    %s
                  }
                  output y
                }
                """.formatted(dims, clauses);
        return FrontEnd.check(new SourceFile("dir/m.attn", text));
    }

    static String error(FrontEnd.Result result) {
        List<Diagnostic> errors = result.diagnostics().all().stream().filter(d -> d.severity() == Severity.ERROR).toList();
        assertEquals(1, errors.size(), "expected exactly one error:\n" + result.diagnostics().render());
        Diagnostic d = errors.get(0);
        return d.span().line() + ":" + d.span().column() + ": " + d.message();
    }

    /** The bounds of every read in the attention's score and mask, as "rel[h, i - j]: INSIDE CHECK". */
    static List<String> bounds(String dims, String clauses) {
        FrontEnd.Result result = model(dims, clauses);
        assertFalse(result.diagnostics().hasErrors(), result.diagnostics().render());
        Node attention = result.models().get(0).graph().nodes().stream().filter(n -> n.op() == Op.ATTENTION).findFirst()
                .orElseThrow();
        List<String> found = new ArrayList<>();
        for (String clause : List.of("mask", "score")) {
            collect(attention.exprs().get(clause), found);
        }
        return found;
    }

    private static void collect(Scalar scalar, List<String> found) {
        switch (scalar) {
            case null -> {
            }
            case Scalar.Read r -> {
                r.indices().forEach(index -> collect(index, found));
                found.add(r.site().text() + ": " + String.join(" ", r.bounds().stream().map(Bound::name).toList()));
            }
            case Scalar.Unary u -> collect(u.operand(), found);
            case Scalar.Binary b -> {
                collect(b.left(), found);
                collect(b.right(), found);
            }
            case Scalar.Call c -> c.args().forEach(arg -> collect(arg, found));
            default -> {
            }
        }
    }

    // ------------------------------------------------------------------ never inside: errors

    @Test
    void rowPastTheTableIsAnError() {
        assertEquals("10:19: index `2` is outside axis 0 of `rel` ([2, 16], size 2) for every allowed query, key and head:"
                + " it ranges over [2, 2] where it is read; clamp it explicitly if that is meant, e.g. `clamp(2, 0, 1)`",
                error(model("dim T <= 64", "score s + rel[2, i - j]")));
    }

    @Test
    void causalDistancePastTheTableIsAnError() {
        // Under a causal mask i - j >= 0, so i - j + 16 >= 16 for every key the score is computed for.
        assertEquals("10:22: index `i - j + 16` is outside axis 1 of `rel` ([2, 16], size 16) for every allowed query, key"
                + " and head: it ranges over [16, 79] where it is read; clamp it explicitly if that is meant,"
                + " e.g. `clamp(i - j + 16, 0, 15)`",
                error(model("dim T <= 64", "score s + rel[0, i - j + 16]\n    mask causal")));
    }

    @Test
    void negativeEverywhereIsAnError() {
        assertEquals("10:22: index `-1 - abs(i - j)` is outside axis 1 of `rel` ([2, 16], size 16) for every allowed query,"
                + " key and head: it ranges over [-2147483648, -1] where it is read; clamp it explicitly if that is meant,"
                + " e.g. `clamp(-1 - abs(i - j), 0, 15)`",
                error(model("dim T", "score s + rel[0, -1 - abs(i - j)]")));
    }

    @Test
    void headPastTheTableIsAnError() {
        assertEquals("10:14: index `h + H` is outside axis 0 of `rel` ([2, 16], size 2) for every allowed query, key and head:"
                + " it ranges over [2, 3] where it is read; clamp it explicitly if that is meant, e.g. `clamp(h + H, 0, 1)`",
                error(model("dim T <= 64", "mask rel[h + H, 0] > 0")));
    }

    @Test
    void aWhereBranchNeverTakenInRangeIsAnError() {
        // The read is evaluated only where i - j >= 16: never inside a table of 16 columns.
        assertEquals("10:41: index `i - j` is outside axis 1 of `rel` ([2, 16], size 16) for every allowed query, key and head:"
                + " it ranges over [16, 63] where it is read; clamp it explicitly if that is meant, e.g. `clamp(i - j, 0, 15)`",
                error(model("dim T <= 64", "score where(i - j >= 16, s + rel[h, i - j], s)")));
    }

    @Test
    void wholeNumberBeyondJavaIntInAnIndex() {
        assertEquals("10:22: a whole number in an index must be between -2147483648 and 2147483647",
                error(model("dim T <= 64", "score s + rel[0, i + 3000000000 - 3000000000]")));
    }

    @Test
    void clampNeedsThreeNumbers() {
        assertEquals("10:22: `clamp` takes 3 arguments, found 2", error(model("dim T <= 64", "score s + rel[0, clamp(i - j, 0)]")));
        assertEquals("10:38: `clamp` cannot take a condition",
                error(model("dim T <= 64", "score s + rel[0, clamp(i - j, 0, i > j)]")));
    }

    // ------------------------------------------------------------------ proved inside: no check

    @Test
    void clampedDistanceNeedsNoCheck() {
        assertEquals(List.of("rel[h, clamp(i - j, 0, 15)]: INSIDE INSIDE"), bounds("dim T", "score s + rel[h, clamp(i - j, 0, 15)]"));
        assertEquals(List.of("rel[h, min(max(i - j, 0), 15)]: INSIDE INSIDE"),
                bounds("dim T", "score s + rel[h, min(max(i - j, 0), 15)]"));
        assertEquals(List.of("rel[h, min(abs(i - j), 15)]: INSIDE INSIDE"), bounds("dim T", "score s + rel[h, min(abs(i - j), 15)]"));
        assertEquals(List.of("rel[h, floor(i / 4) % 16]: INSIDE INSIDE"), bounds("dim T", "score s + rel[h, floor(i / 4) % 16]"));
    }

    @Test
    void theMaskNarrowsTheScore() {
        // A causal window of 16 keys: 0 <= i - j <= 15, whatever T is.
        assertEquals(List.of("rel[h, i - j]: INSIDE INSIDE"), bounds("dim T", "score s + rel[h, i - j]\n    mask causal && i - j < 16"));
        assertEquals(List.of("rel[h, j - i + 15]: INSIDE INSIDE"),
                bounds("dim T", "score s + rel[h, j - i + 15]\n    mask j <= i && j > i - 16"));
        // where and && narrow what they guard.
        assertEquals(List.of("rel[h, i - j]: INSIDE INSIDE"),
                bounds("dim T", "score where(i - j >= 0 && i - j < 16, s + rel[h, i - j], s)"));
        assertEquals(List.of("rel[h, j - i]: INSIDE INSIDE"),
                bounds("dim T", "score where(j - i >= 16 || j < i, s, s + rel[h, j - i])"));
        assertEquals(List.of("rel[0, i - j]: INSIDE INSIDE"), bounds("dim T", "mask i >= j && i - j < 16 && rel[0, i - j] > 0"));
    }

    @Test
    void boundedDimsProveReadsUnlessACacheAddsKeys() {
        // i - j <= 15 while keys are the 16 rows of k; a KV cache adds keys, so then it is checked.
        assertEquals(List.of("rel[h, i - j]: INSIDE INSIDE_WITHOUT_CACHE"), bounds("dim T <= 16", "score s + rel[h, i - j]\n    mask causal"));
        // keep : int[T] read at the key: inside while keys are k's T rows.
        assertEquals(List.of("keep[j]: INSIDE_WITHOUT_CACHE"), bounds("dim T", "mask keep[j] != 0"));
    }

    // ------------------------------------------------------------------ not proved: checked at run time

    @Test
    void theIssuesExamplesAreCheckedAtRunTime() {
        // rel[0, i - j] past column 15 used to read row 1; rel[h, i - j] past the end crashed.
        assertEquals(List.of("rel[0, i - j]: INSIDE CHECK"), bounds("dim T <= 64", "score s + rel[0, i - j]"));
        assertEquals(List.of("rel[h, i - j]: INSIDE CHECK"), bounds("dim T <= 64", "score s + rel[h, i - j]\n    mask causal"));
        // A mask part to the right of the read does not guard it.
        assertEquals(List.of("rel[0, i - j]: INSIDE CHECK"), bounds("dim T", "mask rel[0, i - j] > 0 && i >= j && i - j < 16"));
        assertEquals(List.of("keep[j + 1]: CHECK"), bounds("dim T", "mask keep[j + 1] != 0"));
        // A bound on the keys is evaluated for every query, whatever the conjuncts before it.
        assertEquals(List.of("keep[i - 1]: CHECK"), bounds("dim T <= 64", "mask i >= 1 && j < keep[i - 1]"));
        assertEquals(List.of("keep[i - 1]: CHECK"), bounds("dim T <= 64", "mask i >= 1 && keep[i - 1] > j"));
        assertEquals(List.of("keep[i - 1]: INSIDE_WITHOUT_CACHE"), bounds("dim T <= 64", "mask i >= 1 && keep[i - 1] != 0"));
        // An index read from a tensor is any whole number.
        assertEquals(List.of("keep[0]: CHECK", "rel[h, keep[0]]: INSIDE CHECK"), bounds("dim T", "score s + rel[h, keep[0]]"));
    }

    @Test
    void wrappingArithmeticIsNotTrusted() {
        // In Java ints, j * 2^20 < 5 holds again past j = 2047: the mask says nothing about j.
        assertEquals(List.of("rel[0, j]: INSIDE CHECK"), bounds("dim T", "mask j * 1048576 < 5 && rel[0, j] > 0"));
        // Bounded, the product fits an int and the comparison narrows j to 0.
        assertEquals(List.of("rel[0, j]: INSIDE INSIDE_WITHOUT_CACHE"), bounds("dim T <= 64", "mask j * 1048576 < 5 && rel[0, j] > 0"));
    }
}
