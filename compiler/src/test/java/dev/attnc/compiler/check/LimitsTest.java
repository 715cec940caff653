package dev.attnc.compiler.check;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.attnc.compiler.FrontEnd;
import dev.attnc.compiler.diag.Diagnostic;
import dev.attnc.compiler.diag.Severity;
import dev.attnc.compiler.diag.SourceFile;
import dev.attnc.compiler.ir.Dim;
import dev.attnc.compiler.ir.TensorType;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * {@link Limits}: each limit lets through a model exactly at it and refuses one just past it,
 * at the place that crossed it; sizes are counted without overflow; and what could expand
 * without bound (blocks calling blocks, long statements) is refused quickly.
 */
class LimitsTest {
    private static final Duration QUICK = Duration.ofSeconds(5);

    private static FrontEnd.Result check(String text) {
        return assertTimeoutPreemptively(QUICK, () -> FrontEnd.check(new SourceFile("m.attn", text)));
    }

    private static List<Diagnostic> errors(FrontEnd.Result result) {
        return result.diagnostics().all().stream().filter(d -> d.severity() == Severity.ERROR).toList();
    }

    private static void clean(String text) {
        FrontEnd.Result result = check(text);
        assertTrue(errors(result).isEmpty(), result.diagnostics().render());
    }

    /** The only error, as "line:col: message". */
    private static String onlyError(String text) {
        FrontEnd.Result result = check(text);
        List<Diagnostic> errors = errors(result);
        assertEquals(1, errors.size(), "expected one error:\n" + result.diagnostics().render());
        Diagnostic error = errors.get(0);
        return error.span().line() + ":" + error.span().column() + ": " + error.message();
    }

    private static String repeatModel(String count) {
        return "model M {\n  dim T <= 16\n  input x : [T, 8]\n  repeat " + count + " {\n    param w : rmsnorm(8)\n"
                + "    x = w(x)\n  }\n  output x\n}\n";
    }

    @Test
    void repeatCountsUpToTheLayerLimit() {
        clean(repeatModel("65536"));
        assertEquals("4:10: a repeat of 65,537 layers: at most 65,536 layers in all", onlyError(repeatModel("65537")));
        assertEquals("4:10: a repeat of 1,000,000,000 layers: at most 65,536 layers in all", onlyError(repeatModel("1000000000")));
    }

    @Test
    void nestedRepeatsMultiply() {
        String nested = "model M {\n  dim T <= 16\n  input x : [T, 8]\n  repeat 256 as a {\n    repeat %d as b {\n"
                + "      param w : rmsnorm(8) from \"{a}.{b}.norm\"\n      x = w(x)\n    }\n  }\n  output x\n}\n";
        clean(nested.formatted(256));
        assertEquals("5:12: a repeat of 257 layers (65,792 with the repeats around it): at most 65,536 layers in all",
                onlyError(nested.formatted(257)));
    }

    @Test
    void dimBoundsFitAJavaArray() {
        String model = "model M {\n  dim T <= %d\n  input x : [T]\n  output x\n}\n";
        clean(model.formatted(Limits.MAX_ARRAY_LENGTH));
        assertEquals("2:12: the largest value of a dim must be at most 2,147,483,639 (what one Java array holds), found 2,147,483,640",
                onlyError(model.formatted(Limits.MAX_ARRAY_LENGTH + 1)));
    }

    @Test
    void valuesAtTheLargestDimsFitAJavaArray() {
        String model = "model M {\n  dim T <= %d\n  input x : [T, 2]\n  y = x * 2.0\n  output y\n}\n";
        clean(model.formatted(Limits.MAX_ARRAY_LENGTH / 2));
        assertEquals("3:3: a value [T, 2] of 2,147,483,640 elements at the largest dims: one Java array holds at most 2,147,483,639",
                onlyError(model.formatted(Limits.MAX_ARRAY_LENGTH / 2 + 1)));
    }

    @Test
    void eachWeightFitsAJavaArray() {
        String model = "model M {\n  const D = %d\n  dim T\n  input x : [T, D]\n  param w : [D, D]\n  y = x * 2.0\n  output y\n}\n";
        FrontEnd.Result fits = check(model.formatted(46_340)); // 2,147,395,600 floats: fits (and is never used)
        assertTrue(errors(fits).isEmpty(), fits.diagnostics().render());
        assertEquals("5:9: param `w` needs a weight [46341, 46341] of 2,147,488,281 floats: one Java array holds at most 2,147,483,639",
                onlyError(model.formatted(46_341)));
    }

    @Test
    void weightsOverAllLayersAreCounted() {
        String model = "model M {\n  dim T <= 4\n  input x : [T, 8192]\n  repeat %d {\n    param w : linear(8192, 8192)\n"
                + "    x = w(x)\n  }\n  output x\n}\n";
        // 8192 * 8192 + 8192 floats a layer: 65,528 layers are just within 2^42, 65,529 are not.
        clean(model.formatted(65_528));
        assertEquals("5:11: model `M` has 4,398,113,562,624 weights over all layers with this param: at most 4,398,046,511,104",
                onlyError(model.formatted(65_529)));
    }

    @Test
    void stepsUpToWhatOneGeneratedMethodHolds() {
        // The input, y = y * 2.0 n times (from line 5), the output: n + 2 steps.
        String model = "model M {\n  dim T <= 16\n  input x : [T, 8]\n  y = x\n%s  output y\n}\n";
        clean(model.formatted("  y = y * 2.0\n".repeat(Limits.MAX_STEPS - 2)));
        String message = onlyError(model.formatted("  y = y * 2.0\n".repeat(Limits.MAX_STEPS - 1)));
        assertTrue(message.startsWith((5 + Limits.MAX_STEPS - 1) + ":10: model `M` has more than 600 steps"), message);
        message = onlyError(model.formatted("  y = y * 2.0\n".repeat(Limits.MAX_STEPS)));
        assertTrue(message.startsWith((5 + Limits.MAX_STEPS - 1) + ":7: model `M` has more than 600 steps"), message);
    }

    @Test
    void inputsUpToTheLimit() {
        StringBuilder model = new StringBuilder("model M {\n  dim T\n");
        for (int i = 0; i <= Limits.MAX_INPUTS; i++) {
            model.append("  input x").append(i).append(" : [T, 4]\n");
        }
        model.append("  output x0\n}\n");
        assertEquals((3 + Limits.MAX_INPUTS) + ":9: model `M` has more than 256 inputs", onlyError(model.toString()));
    }

    @Test
    void operatorsInOneStatementUpToTheLimit() {
        // Constants: no step each, so only the operator limit applies.
        String model = "model M {\n  const C = 1%s\n  dim T\n  input x : [T, 8]\n  y = x * C\n  output y\n}\n";
        clean(model.formatted(" + 1".repeat(Limits.MAX_EXPRESSION_OPERATORS)));
        String tooMany = model.formatted(" + 1".repeat(Limits.MAX_EXPRESSION_OPERATORS + 1));
        assertEquals("2:" + (15 + 4 * Limits.MAX_EXPRESSION_OPERATORS)
                + ": more than 1,000 operators in one statement; split it into named steps", onlyError(tooMany));
    }

    @Test
    void operatorsOfOneStatementIncludeBracketsAndClauses() {
        // 600 operators in the arguments and 401 in the clauses: one statement, 1,001 operators.
        String model = "model M {\n  const D = 64\n  dim T\n  input x : [T, D]\n  y = attention(x, x, x, heads = 1%s) {\n"
                + "    mask j <= i%s\n  }\n  output y\n}\n";
        String text = model.formatted(" * 1".repeat(600), " && i >= 0".repeat(200));
        assertTrue(onlyError(text).endsWith("more than 1,000 operators in one statement; split it into named steps"));
        // The same operators spread over statements are fine.
        clean("model M {\n  const D = 64, A = 1" + " * 1".repeat(600) + "\n  dim T\n  input x : [T, D]\n"
                + "  y = attention(x, x, x, heads = A) {\n    mask j <= i" + " && i >= 0".repeat(200) + "\n  }\n  output y\n}\n");
    }

    @Test
    void namesAndStringsUpToTheirLength() {
        String model = "model M {\n  dim T\n  input %s : [T, 8]\n  param w : rmsnorm(8) from \"%s\"\n  y = w(%s)\n  output y\n}\n";
        String name = "n".repeat(Limits.MAX_NAME_LENGTH);
        String string = "s".repeat(Limits.MAX_STRING_LENGTH);
        clean(model.formatted(name, string, name));
        assertEquals("4:29: a string of 1,025 characters: strings have at most 1,024",
                onlyError(model.formatted(name, string + "s", name)));
        FrontEnd.Result longName = check(model.formatted(name + "n", string, name + "n"));
        assertEquals(List.of("m.attn:3:9: error: a name of 257 characters: names have at most 256",
                        "m.attn:5:9: error: a name of 257 characters: names have at most 256"),
                errors(longName).stream().map(Diagnostic::headline).toList());
    }

    @Test
    void blocksCallingBlocksStopAtTheWorkLimit() {
        // 2^40 expansions if nothing stopped them.
        StringBuilder file = new StringBuilder("block b0(x) {\n  return x * 0.5\n}\n");
        for (int i = 1; i < 40; i++) {
            file.append("block b").append(i).append("(x) {\n  y = b").append(i - 1).append("(x)\n  return b")
                    .append(i - 1).append("(y)\n}\n");
        }
        file.append("model M {\n  dim T <= 16\n  input x : [T, 8]\n  y = b39(x)\n  output y\n}\n");
        FrontEnd.Result result = check(file.toString());
        List<String> messages = errors(result).stream().map(Diagnostic::message).toList();
        assertTrue(messages.stream().anyMatch(m -> m.startsWith("checking stopped here: block calls expand to more than 200,000")),
                result.diagnostics().render());
        assertTrue(messages.stream().anyMatch(m -> m.startsWith("model `M` has more than 600 steps")), result.diagnostics().render());
        assertFalse(result.ok());
    }

    @Test
    void aNamedAttentionUsedOftenCountsItsClausesEachTime() {
        // Each use of Wide checks its 901-term clause again: 16 uses in a block called 16 times.
        StringBuilder file = new StringBuilder("attention Wide {\n  mask j <= i" + " && i >= 0".repeat(450) + "\n}\n");
        file.append("block b(x) {\n");
        for (int i = 0; i < 16; i++) {
            file.append("  x = x + Wide(x, x, x, heads = 1)\n");
        }
        file.append("  return x\n}\nmodel M {\n  dim T <= 16\n  input x : [T, 8]\n");
        for (int i = 0; i < 16; i++) {
            file.append("  x = b(x)\n");
        }
        file.append("  output x\n}\n");
        FrontEnd.Result result = check(file.toString());
        assertTrue(errors(result).stream().anyMatch(d -> d.message().startsWith("checking stopped here")), result.diagnostics().render());
    }

    @Test
    void aHugeLineIsShownClipped() {
        String text = "model M {\n  const D = 8\n  dim T\n  input x : [T, D]\n  y = x" + " + x".repeat(50_000) + "\n  output y\n}\n";
        FrontEnd.Result result = check(text);
        String rendered = result.diagnostics().render();
        assertTrue(rendered.length() < 1_000, () -> rendered.length() + " characters:\n" + rendered.substring(0, 1_000));
        assertTrue(rendered.contains("more than 1,000 operators"), rendered);
    }

    @Test
    void sizesSaturateInsteadOfOverflowing() {
        assertEquals(Long.MAX_VALUE, Limits.saturatingTimes(3_037_000_500L, 3_037_000_500L));
        assertEquals(9_223_372_030_926_249_001L, Limits.saturatingTimes(3_037_000_499L, 3_037_000_499L));
        assertEquals(0, Limits.saturatingTimes(0, Long.MAX_VALUE));
        assertEquals(Long.MAX_VALUE, Limits.saturatingPlus(Long.MAX_VALUE, 1));
        Dim big = Dim.of(3_037_000_500L);
        assertEquals(Long.MAX_VALUE, Limits.elements(TensorType.floats(big, big, big), Map.of()));
        // A run-time dim counts at its bound, and as 1 without one.
        Dim t = Dim.symbol("T");
        assertEquals(2 * 1000 + 3, Limits.largest(t.times(Dim.of(2)).plus(Dim.of(3)), Map.of("T", Optional.of(1000L))));
        assertEquals(64, Limits.elements(TensorType.floats(t, Dim.of(64)), Map.of("T", Optional.empty())));
    }
}
