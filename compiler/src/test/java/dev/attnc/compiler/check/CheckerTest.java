package dev.attnc.compiler.check;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.attnc.compiler.FrontEnd;
import dev.attnc.compiler.diag.Diagnostic;
import dev.attnc.compiler.diag.Severity;
import dev.attnc.compiler.diag.SourceFile;
import dev.attnc.compiler.ir.Node;
import dev.attnc.compiler.ir.Op;
import java.util.List;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/** The checker, construct by construct: what it infers, and what it refuses and where. */
class CheckerTest {

    /** A model with D = 64, H = 4, dim T, input x : [T, D] around the given statements. */
    static FrontEnd.Result model(String body) {
        String text = "model M {\n  const D = 64, H = 4\n  dim T\n  input x : [T, D]\n" + body + "\n}\n";
        return FrontEnd.check(new SourceFile("m.attn", text));
    }

    static FrontEnd.Result file(String text) {
        return FrontEnd.check(new SourceFile("m.attn", text));
    }

    /** The type of the value named {@code name} in a model that must check clean. */
    static String typeOf(String body, String name) {
        FrontEnd.Result result = model(body + "\n  output " + name);
        assertFalse(result.diagnostics().hasErrors(), result.diagnostics().render());
        return result.models().get(0).graph().outputs().stream()
                .filter(n -> n.name().equals(name)).findFirst().orElseThrow().type().toString();
    }

    /** The only error of a model, as "line:col: message". */
    static String error(FrontEnd.Result result) {
        List<Diagnostic> errors = result.diagnostics().all().stream().filter(d -> d.severity() == Severity.ERROR).toList();
        assertEquals(1, errors.size(), "expected exactly one error:\n" + result.diagnostics().render());
        Diagnostic d = errors.get(0);
        return d.span().line() + ":" + d.span().column() + ": " + d.message();
    }

    static List<String> headlines(FrontEnd.Result result) {
        return result.diagnostics().all().stream().map(Diagnostic::headline).toList();
    }

    static Node attention(String body) {
        FrontEnd.Result result = model(body + "\n  output a");
        assertFalse(result.diagnostics().hasErrors(), result.diagnostics().render());
        return result.models().get(0).graph().nodes().stream().filter(n -> n.op() == Op.ATTENTION).findFirst().orElseThrow();
    }

    @Nested
    class Constants {
        @Test
        void foldArithmetic() {
            assertEquals("[T, 16]", typeOf("  const Dh = D / H\n  param w : linear(D, Dh)\n  y = w(x)", "y"));
            assertEquals("[T, 192]", typeOf("  param w : linear(D, 3 * D)\n  y = w(x)", "y"));
            assertEquals("[T, 2]", typeOf("  param w : linear(D, 17 % 5)\n  y = w(x)", "y"));
        }

        @Test
        void fractionsAreNotDims() {
            assertEquals("5:23: a dimension must be a whole number, found the number 21.333333333333332",
                    error(model("  param w : linear(D, D / 3)\n  y = w(x)\n  output y")));
        }

        @Test
        void divisionByZero() {
            assertEquals("5:13: division by zero", error(model("  const Z = D / 0\n  output x")));
        }

        @Test
        void constantsFoldFunctions() {
            assertEquals("[T, 64]", typeOf("  y = x * sqrt(D) / exp(0.5)", "y"));
        }

        @Test
        void runTimeDimIsNotAConstant() {
            assertTrue(error(model("  const N = T\n  output x")).startsWith("5:13: constant `N` must be a number known before running"));
        }

        @Test
        void hugeNumbersAreReportedNotThrown() {
            assertEquals("5:13: number too large: the result does not fit in 64 bits",
                    error(model("  const N = 4000000000 * 4000000000 * 4000000000\n  output x")));
        }
    }

    @Nested
    class Shapes {
        @Test
        void runTimeDimsStaySymbolic() {
            FrontEnd.Result result = file("model M {\n  dim T, S\n  input a : [T, 8]\n  input b : [S, 8]\n"
                    + "  c = concat(a, b, dim = 0)\n  output c\n}\n");
            assertEquals("[S + T, 8]", result.models().get(0).graph().outputs().get(0).type().toString());
        }

        @Test
        void differentRunTimeDimsDoNotBroadcast() {
            FrontEnd.Result result = file("model M {\n  dim T, S\n  input a : [T, 8]\n  input b : [S, 8]\n"
                    + "  c = a + b\n  output c\n}\n");
            assertEquals("5:7: cannot combine [T, 8] and [S, 8] with `+`: shapes differ", error(result));
        }

        @Test
        void broadcastingFollowsPyTorch() {
            assertEquals("[T, 64]", typeOf("  param g : [D]\n  y = x * g", "y"));
            assertEquals("[T, 64]", typeOf("  param g : [1, D]\n  y = g * x", "y"));
        }

        @Test
        void linearChecksItsInputWidth() {
            assertEquals("6:9: `w` is a linear over 32 features but its input is [T, 64]",
                    error(model("  param w : linear(32, D)\n  y = w(x)\n  output y")));
        }

        @Test
        void matmulAndTranspose() {
            assertEquals("[T, T]", typeOf("  y = x @ transpose(x)", "y"));
            assertEquals("5:7: cannot multiply [T, 64] by [T, 64]: the inner dims differ", error(model("  y = x @ x\n  output y")));
        }

        @Test
        void splitEqualAndSized() {
            assertEquals("[T, 32]", typeOf("  a, b = split(x, 2)", "b"));
            assertEquals("[T, 16]", typeOf("  a, b, c = split(x, [32, 16, 16])", "c"));
            assertEquals("5:22: cannot split [T, 64] into 3 equal parts", error(model("  a, b, c = split(x, 3)\n  output a")));
            assertEquals("5:19: split sizes add up to 48 but the tensor is [T, 64]",
                    error(model("  a, b = split(x, [32, 16])\n  output a")));
            assertEquals("5:13: this gives 2 values but 3 names are on the left",
                    error(model("  a, b, c = split(x, 2)\n  output a")));
        }

        @Test
        void headsAndMergeHeads() {
            assertEquals("[4, T, 16]", typeOf("  y = heads(x, H)", "y"));
            assertEquals("[T, 64]", typeOf("  y = merge_heads(heads(x, H))", "y"));
        }

        @Test
        void intTensorsDoNotMixWithFloats() {
            FrontEnd.Result result = file("model M {\n  dim T\n  input ids : int[T]\n  input x : [T]\n"
                    + "  y = x + ids\n  output y\n}\n");
            assertEquals("5:11: `+` needs a float tensor, found int[T]", error(result));
        }

        @Test
        void embeddingLooksUpInts() {
            assertEquals("6:9: embedding `e` looks up int ids; its input is [T, 64]",
                    error(model("  param e : embedding(10, D)\n  y = e(x)\n  output y")));
        }

        @Test
        void positionalEncodings() {
            assertEquals("[T, 64]", typeOf("  y = x + sinusoidal(T, D)", "y"));
            assertEquals("[T, 64]", typeOf("  y = rope(x, heads = H, layout = interleaved)", "y"));
            assertEquals("int[T]", typeOf("  y = arange(T)", "y"));
            assertEquals("5:15: heads (5) must divide the width 64", error(model("  y = rope(x, heads = 5)\n  output y")));
            assertEquals("5:35: `layout` must be one of half, interleaved, checkpoint",
                    error(model("  y = rope(x, heads = H, layout = split)\n  output y")));
        }
    }

    @Nested
    class Attention {
        @Test
        void multiHeadDefaults() {
            Node a = attention("  a = attention(x, x, x, heads = H)");
            assertEquals("4", a.attrs().get("kv_heads"));
            assertEquals("16", a.attrs().get("head_dim"));
            assertEquals(0.25, Double.parseDouble(a.attrs().get("scale")));
            assertEquals("false", a.attrs().get("causal"));
        }

        @Test
        void groupedAndMultiQuery() {
            Node gqa = attention("  param wk : linear(D, 32)\n  a = attention(x, wk(x), wk(x), heads = H, kv_heads = 2)");
            assertEquals("2", gqa.attrs().get("kv_heads"));
            assertEquals("[T, 64]", gqa.type().toString());
            Node mqa = attention("  param wk : linear(D, 16)\n  a = attention(x, wk(x), wk(x), heads = H, kv_heads = 1)");
            assertEquals("1", mqa.attrs().get("kv_heads"));
        }

        @Test
        void kvHeadsMustDivideHeads() {
            assertEquals("6:45: kv_heads (3) must divide heads (4)",
                    error(model("  param wk : linear(D, 48)\n  a = attention(x, wk(x), wk(x), heads = H, kv_heads = 3)\n  output a")));
        }

        @Test
        void headWidthsMustAgree() {
            assertEquals("6:20: query heads are 16 wide (64 / 4) but key heads are 8 wide (32 / 4)",
                    error(model("  param wk : linear(D, 32)\n  a = attention(x, wk(x), wk(x), heads = H)\n  output a")));
        }

        @Test
        void crossAttentionShapes() {
            FrontEnd.Result ok = file("model M {\n  dim T, S\n  input q : [T, 64]\n  input m : [S, 64]\n"
                    + "  a = attention(q, m, m, heads = 4)\n  output a\n}\n");
            assertEquals("[T, 64]", ok.models().get(0).graph().outputs().get(0).type().toString());
            FrontEnd.Result bad = file("model M {\n  dim T, S\n  input q : [T, 64]\n  input m : [S, 64]\n"
                    + "  a = attention(q, m, q, heads = 4)\n  output a\n}\n");
            assertEquals("5:23: keys and values must have the same length: k is [S, 64], v is [T, 64]", error(bad));
        }

        @Test
        void clausesAreRecorded() {
            Node a = attention("  a = attention(x, x, x, heads = H) {\n    scale 0.5\n    softcap 30\n    temperature 2\n"
                    + "    score s + 1\n    mask causal\n    mask i - j < 8\n  }");
            assertEquals("0.5", a.attrs().get("scale"));
            assertEquals("30", a.attrs().get("softcap"));
            assertEquals("2", a.attrs().get("temperature"));
            assertEquals("s + 1", a.attrs().get("score"));
            assertEquals("(causal) && (i - j < 8)", a.attrs().get("mask"));
            assertEquals("true", a.attrs().get("causal"));
        }

        @Test
        void maskCannotReadScore() {
            assertEquals("5:44: `s` cannot be read in a mask: masks are decided before scores exist; change scores with `score`",
                    error(model("  a = attention(x, x, x, heads = H) { mask s > 0 }\n  output a")));
        }

        @Test
        void scaleIsConstant() {
            assertTrue(error(model("  a = attention(x, x, x, heads = H) { scale 1 / h }\n  output a"))
                    .startsWith("5:49: `scale` is one constant for all positions and heads, so it cannot read `h`"));
        }

        @Test
        void maskMustBeACondition() {
            assertEquals("5:44: `mask` must be a condition such as `j <= i`, found a whole number",
                    error(model("  a = attention(x, x, x, heads = H) { mask i - j }\n  output a")));
            assertEquals("5:45: `score` must be a number, not a condition; to hide keys use `mask`",
                    error(model("  a = attention(x, x, x, heads = H) { score j < i }\n  output a")));
        }

        @Test
        void modifiersReadParamsInputsAndRepeatIndices() {
            FrontEnd.Result result = model("  param rel : [H, 16]\n  input keep : int[T]\n  repeat 2 as layer {\n"
                    + "    x = attention(x, x, x, heads = H) {\n      score s + rel[h, min(abs(i - j), 15)]\n"
                    + "      mask keep[j] != 0 && (layer % 2 == 0 || i - j < 4)\n    }\n  }\n  output x");
            assertEquals("", result.diagnostics().render());
            Node a = result.models().get(0).graph().nodes().stream().filter(n -> n.op() == Op.ATTENTION).findFirst().orElseThrow();
            assertEquals(5, a.inputs().size(), "q, k, v and the two tensors the clauses read");
        }

        @Test
        void indexCountMustMatchRank() {
            assertEquals("6:49: `rel` is [4, 16] and needs one index per dim, found 1",
                    error(model("  param rel : [H, 16]\n  a = attention(x, x, x, heads = H) { score s + rel[h] }\n  output a")));
        }

        @Test
        void cacheNeedsCausalSelfAttention() {
            assertTrue(error(model("  a = attention(x, x, x, heads = H, cache = true)\n  output a"))
                    .startsWith("5:37: `cache = true` needs a causal mask"));
            assertEquals("true", attention("  a = attention(x, x, x, heads = H, cache = true) { mask j <= i }").attrs().get("cache"));
        }

        @Test
        void namedVariantsResolveAtTheirUse() {
            FrontEnd.Result result = file("attention Biased {\n  score s + bias[h]\n  mask causal\n}\n"
                    + "model M {\n  dim T\n  input x : [T, 8]\n  param bias : [2]\n  a = Biased(x, x, x, heads = 2)\n  output a\n}\n");
            assertEquals("", result.diagnostics().render());
        }

        @Test
        void headCountsMustBePositive() {
            assertEquals("5:26: heads must be positive, found 0", error(model("  a = attention(x, x, x, heads = 0)\n  output a")));
            assertEquals("5:15: heads must be positive, found 0", error(model("  y = rope(x, heads = 0)\n  output y")));
            assertEquals("5:16: a head count must be positive, found 0", error(model("  y = heads(x, 0)\n  output y")));
        }

        @Test
        void clausesCannotDivideByAConstantZero() {
            assertEquals("5:45: division by zero", error(model("  a = attention(x, x, x, heads = H) { score s / 0 }\n  output a")));
            assertEquals("5:44: division by zero",
                    error(model("  a = attention(x, x, x, heads = H) { mask i % (H - 4) == 1 }\n  output a")));
            attention("  a = attention(x, x, x, heads = H) { score s / (i - j + 1) }");
        }

        @Test
        void unknownAndDuplicateClauses() {
            assertEquals("5:39: unknown attention clause `mask_`; did you mean `mask`? "
                    + "(clauses are scale, temperature, score, mask, softcap, sink and relative)",
                    error(model("  a = attention(x, x, x, heads = H) { mask_ causal }\n  output a")));
            assertEquals("5:47: `scale` is already given on line 5",
                    error(model("  a = attention(x, x, x, heads = H) { scale 1 scale 2 }\n  output a")));
        }
    }

    @Nested
    class BlocksAndRepeat {
        @Test
        void blockBindsDimsFromItsArguments() {
            FrontEnd.Result result = file("block Mlp(x : [N, W]) {\n  param up : linear(W, 2 * W)\n  return up(x)\n}\n"
                    + "model M {\n  dim T\n  input x : [T, 8]\n  y = Mlp(x)\n  output y\n}\n");
            assertEquals("[T, 16]", result.models().get(0).graph().outputs().get(0).type().toString());
        }

        @Test
        void blockPrefixAndRepeatIndexMakeCheckpointNames() {
            FrontEnd.Result result = file("block Layer(x : [T, D]) {\n  param w : linear(D, D) from \"mlp.fc\"\n  return w(x)\n}\n"
                    + "model M {\n  dim T\n  input x : [T, 8]\n  repeat 3 as layer {\n"
                    + "    x = Layer(x, prefix = \"h.{layer}\")\n    param g : [8]\n    x = x * g\n  }\n  output x\n}\n");
            assertEquals("", result.diagnostics().render());
            assertEquals(List.of("h.{layer}.mlp.fc", "layer.{layer}.g"),
                    result.models().get(0).checkpointNames().keySet().stream().sorted().toList());
        }

        @Test
        void repeatParamsMustUseTheIndex() {
            assertTrue(error(model("  repeat 2 {\n    param w : linear(D, D) from \"w\"\n    x = w(x)\n  }\n  output x"))
                    .startsWith("6:33: param `w` is inside `repeat ... as layer` but its checkpoint name \"w\" does not use {layer}"));
        }

        @Test
        void repeatMustKeepCarriedShapes() {
            assertEquals("7:5: `x` is [T, 64] before the repeat but [T, 128] after its body; "
                    + "each layer must hand the next the shape it received",
                    error(model("  repeat 2 {\n    param w : linear(D, 2 * D) from \"w{layer}\"\n    x = w(x)\n  }\n  output x")));
        }

        @Test
        void blockWithAMistakeCalledTwiceIsReportedOnce() {
            FrontEnd.Result result = file("block B(x : [T, D]) {\n  param w : linear(2 * D, D) from \"w\"\n  return w(x)\n}\n"
                    + "model M {\n  dim T\n  input x : [T, 8]\n  y = B(x, prefix = \"a\")\n  z = B(x, prefix = \"b\")\n  output y, z\n}\n");
            assertEquals("3:12: `w` is a linear over 16 features but its input is [T, 8]", error(result));
        }

        @Test
        void blockWithoutReturn() {
            FrontEnd.Result result = file("block B(x) {\n  y = x\n}\nmodel M {\n  dim T\n  input x : [T, 8]\n  y = B(x)\n  output y\n}\n");
            assertEquals("1:7: block `B` returns nothing; end it with `return <value>`", error(result));
        }

        @Test
        void returnFollowedByStatementsIsStillChecked() {
            FrontEnd.Result result = file("block B(x) {\n  return relu(x)\n  y = x\n}\n"
                    + "model M {\n  dim T\n  input x : [T, 8]\n  y = B(x)\n  output y\n}\n");
            assertEquals("3:3: statement after `return`: `return` must be the last statement of a block", error(result));
        }

        @Test
        void repeatIndexCannotHideADeclaration() {
            assertEquals("5:15: repeat index `D` hides the constant `D` declared on line 2",
                    error(model("  repeat 2 as D {\n    param w : linear(D, D) from \"w.{D}\"\n    x = w(x)\n  }\n  output x")));
            assertEquals("5:15: repeat index `x` hides the input `x` declared on line 4",
                    error(model("  repeat 2 as x {\n    x = relu(x)\n  }\n  output x")));
            // The implicit index `layer` too.
            assertEquals("6:3: repeat index `layer` hides the value `layer` declared on line 5",
                    error(model("  layer = relu(x)\n  repeat 2 {\n    x = x + layer\n  }\n  output x")));
        }

        @Test
        void valuesOfARepeatBodyAreLocalToIt() {
            assertEquals("8:11: unknown name `h`: it is assigned only inside the repeat on line 5, "
                    + "and values first assigned in a repeat body are local to it",
                    error(model("  repeat 2 {\n    h = relu(x)\n  }\n  y = x + h\n  output y")));
        }

        @Test
        void blocksCannotRecurse() {
            FrontEnd.Result result = file("block A(x) {\n  return B(x)\n}\nblock B(x) {\n  return A(x)\n}\n"
                    + "model M {\n  dim T\n  input x : [T, 8]\n  y = A(x)\n  output y\n}\n");
            assertEquals("5:10: blocks call each other in a cycle (A -> B -> A); blocks are expanded in place and cannot recurse",
                    error(result));
        }

        @Test
        void blockBodyCannotChangeCallerValues() {
            FrontEnd.Result result = file("block Twice(v) {\n  x = v + v\n  return x\n}\n"
                    + "model M {\n  dim T\n  input x : [T, 8]\n  input y : [T, 8]\n  z = Twice(y)\n  output x, z\n}\n");
            assertEquals("", result.diagnostics().render());
            Node x = result.models().get(0).graph().outputs().get(0);
            assertEquals(Op.INPUT, x.inputs().get(0).op(), "the caller's x is still the input");
        }
    }

    @Nested
    class NamesAndWarnings {
        @Test
        void unknownNamesSuggestNearMisses() {
            assertEquals("5:7: unknown name `xx`; did you mean `x`?", error(model("  y = xx\n  output y")));
            assertEquals("5:7: unknown function `gelu_tahn`; did you mean `gelu_tanh`?",
                    error(model("  y = gelu_tahn(x)\n  output y")));
        }

        @Test
        void duplicatesAndAssignments() {
            assertEquals("5:9: `D` is already declared on line 2", error(model("  const D = 3\n  output x")));
            assertEquals("5:3: cannot assign to `D`: it is a constant (line 2)", error(model("  D = x\n  output x")));
        }

        @Test
        void unusedParamsAndInputsWarn() {
            FrontEnd.Result result = model("  input extra : [T, D]\n  param w : linear(D, D)\n  output x");
            assertFalse(result.diagnostics().hasErrors());
            List<String> warnings = result.diagnostics().all().stream().map(Diagnostic::headline).toList();
            assertEquals(List.of("m.attn:5:9: warning: input `extra` is never used",
                    "m.attn:6:9: warning: param `w` is never used"), warnings);
        }

        @Test
        void noUnusedWarningOnTopOfAnError() {
            // Used in a call that fails before looking at its arguments.
            FrontEnd.Result call = model("  input keep : int[T]\n  y = softmax(x, keep)\n  output y");
            assertEquals(List.of("m.attn:6:7: error: `softmax` takes 1 argument, found 2"), headlines(call));
            // A param whose declaration fails, then applied.
            FrontEnd.Result param = model("  param w : linear(D)\n  y = w(x)\n  output y");
            assertEquals(List.of("m.attn:5:13: error: `linear` takes 2 arguments, found 1"), headlines(param));
            // A duplicate declaration.
            FrontEnd.Result duplicate = model("  param x : linear(D, D)\n  y = relu(x)\n  output y");
            assertEquals(List.of("m.attn:5:9: error: `x` is already declared on line 4"), headlines(duplicate));
            // A genuinely unused input still warns next to an error.
            FrontEnd.Result unused = model("  input extra : [T, D]\n  y = nope\n  output x");
            assertEquals(List.of("m.attn:5:9: warning: input `extra` is never used", "m.attn:6:7: error: unknown name `nope`"),
                    headlines(unused));
        }

        @Test
        void functionsUsedAsValuesSayHowToCallThem() {
            assertEquals("5:11: `gelu` is a function; call it: `gelu(x)`", error(model("  y = x + gelu\n  output y")));
            assertEquals("5:7: `concat` is a function; call it: `concat(...)`", error(model("  y = concat\n  output y")));
        }

        @Test
        void misplacedOutputAndReturnAreOneErrorEach() {
            assertEquals("6:3: `return` ends a block; a model names its results with `output`",
                    error(model("  y = relu(x)\n  return y")));
            assertEquals("5:10: output `D` must be a tensor, found the number 64", error(model("  output D")));
            // Declared all the same, so its use is not an unknown name too.
            assertEquals("6:5: `input` belongs in the model body",
                    error(model("  repeat 2 {\n    input b : [T, D]\n    x = x + b\n  }\n  output x")));
        }

        @Test
        void everyErrorOfAFileIsReported() {
            FrontEnd.Result result = model("  a = nope\n  b = x @ x\n  c = attention(x, x, x, heads = 3)\n  output x");
            assertEquals(3, result.diagnostics().errorCount(), result.diagnostics().render());
        }

        @Test
        void modelNeedsAnOutput() {
            assertEquals("1:7: model `M` has no `output`", error(model("  y = x")));
        }
    }
}
