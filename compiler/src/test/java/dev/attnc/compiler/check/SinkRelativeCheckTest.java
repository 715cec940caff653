package dev.attnc.compiler.check;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import dev.attnc.compiler.FrontEnd;
import dev.attnc.compiler.diag.Diagnostic;
import dev.attnc.compiler.diag.Severity;
import dev.attnc.compiler.diag.SourceFile;
import dev.attnc.compiler.ir.Node;
import dev.attnc.compiler.ir.Op;
import java.util.List;
import org.junit.jupiter.api.Test;

/** What the checker accepts and reports of the {@code sink} and {@code relative} clauses. */
class SinkRelativeCheckTest {
    /** A model of one attention over x : [T, 64] with 4 heads of 16, with the clauses given; the clauses are on line 7. */
    static FrontEnd.Result model(String declarations, String clauses) {
        return FrontEnd.check(new SourceFile("m.attn", """
                model M {
                  const H = 4, K = 8
                  dim T
                  input x : [T, 64]
                  %s
                  a = attention(x, x, x, heads = H) {
                    %s
                  }
                  output a
                }
                """.formatted(declarations, clauses)));
    }

    static String error(FrontEnd.Result result) {
        List<Diagnostic> errors = result.diagnostics().all().stream().filter(d -> d.severity() == Severity.ERROR).toList();
        assertEquals(1, errors.size(), "expected exactly one error:\n" + result.diagnostics().render());
        Diagnostic d = errors.get(0);
        return d.span().line() + ":" + d.span().column() + ": " + d.message();
    }

    static Node attention(FrontEnd.Result result) {
        assertFalse(result.diagnostics().hasErrors(), result.diagnostics().render());
        return result.models().get(0).graph().nodes().stream().filter(n -> n.op() == Op.ATTENTION).findFirst().orElseThrow();
    }

    @Test
    void aSinkIsRecordedWithTheTableItReads() {
        Node node = attention(model("param sinks : [H]", "sink sinks[h]\n    mask causal"));
        assertEquals("sinks[h]", node.attr("sink"));
        assertEquals(4, node.inputs().size(), "q, k, v and the sinks");
        assertEquals("1.5", attention(model("", "sink 1.5")).attr("sink"));
    }

    @Test
    void aSinkCannotReadPositionsOrScores() {
        assertEquals("7:21: `sink` is one logit per head, the same for every query and key, so it cannot read `i`; it may read `h`,"
                + " constants and tensors (`sinks[h]`)", error(model("param sinks : [H]", "sink sinks[h] + i")));
        assertEquals("7:10: `s` cannot be read in `sink`: the sink is a logit of its own, not a change of the scores",
                error(model("", "sink s")));
        assertEquals("7:10: `sink` must be a number (a logit per head, such as `sinks[h]`), found a condition",
                error(model("", "sink h > 1")));
    }

    @Test
    void aSinkIndexOutsideItsTableIsAnError() {
        assertEquals("7:16: index `h + 4` is outside axis 0 of `sinks` ([4], size 4) for every allowed query, key and head:"
                + " it ranges over [4, 7] where it is read; clamp it explicitly if that is meant, e.g. `clamp(h + 4, 0, 3)`",
                error(model("param sinks : [H]", "sink sinks[h + 4]")));
    }

    @Test
    void relativeTablesSharedOrPerHead() {
        Node shared = attention(model("param R : [2 * K + 1, 16]", "relative R\n    mask causal"));
        assertEquals("R", shared.attr("relative"));
        assertEquals("8", shared.attr("relative_clip"));
        assertEquals("false", shared.attr("relative_per_head"));
        assertEquals("3", shared.attr("relative_input"));
        Node perHead = attention(model("param R : [5, 64]", "relative R"));
        assertEquals("2", perHead.attr("relative_clip"));
        assertEquals("true", perHead.attr("relative_per_head"));
    }

    @Test
    void relativeTableMistakes() {
        assertEquals("7:14: `relative R`: the table must be [2 * K + 1, 16] (one table for every head) or [2 * K + 1, 64] (one per"
                + " head) with K a constant, but `R` is [17, 32]", error(model("param R : [2 * K + 1, 32]", "relative R")));
        assertEquals("7:14: `relative R`: the table must have an odd number of rows, 2 * K + 1 for the distances -K to K, but `R`"
                + " has 16", error(model("param R : [2 * K, 16]", "relative R")));
        assertEquals("7:14: `relative R`: the table must be [2 * K + 1, 16] (one table for every head) or [2 * K + 1, 64] (one per"
                + " head) with K a constant, but `R` is [T, 16]", error(model("input R : [T, 16]", "relative R")));
        assertEquals("7:14: `relative` takes the name of a table of relative embeddings, such as `relative R` with"
                + " `param R : [2 * K + 1, 16]`; found an expression", error(model("param R : [17, 16]", "relative R[0]")));
        assertEquals("7:14: `relative` needs a tensor of relative embeddings, but `K` is a constant",
                error(model("", "relative K")).replaceAll("is a constant.*", "is a constant"));
        assertEquals("7:14: `relative R`: a table of 16385 rows is too large; at most 8193 (distances up to 4096)",
                error(model("param R : [16385, 16]", "relative R")));
    }

    @Test
    void eachClauseAtMostOnce() {
        assertEquals("8:5: `sink` is already given on line 7", error(model("", "sink 1\n    sink 2")));
        assertEquals("7:5: unknown attention clause `sinks`; did you mean `sink`? (clauses are scale, temperature, score, mask,"
                + " softcap, sink and relative)", error(model("", "sinks 1")));
    }
}
