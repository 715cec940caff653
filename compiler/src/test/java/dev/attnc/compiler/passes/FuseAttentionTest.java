package dev.attnc.compiler.passes;

import static dev.attnc.compiler.passes.PassTesting.count;
import static dev.attnc.compiler.passes.PassTesting.graph;
import static dev.attnc.compiler.passes.PassTesting.input;
import static dev.attnc.compiler.passes.PassTesting.modify;
import static dev.attnc.compiler.passes.PassTesting.nodes;
import static dev.attnc.compiler.passes.PassTesting.only;
import static dev.attnc.compiler.passes.PassTesting.result;
import static dev.attnc.compiler.passes.PassTesting.withAttr;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import dev.attnc.compiler.ir.Graph;
import dev.attnc.compiler.ir.IrPrinter;
import dev.attnc.compiler.ir.Node;
import dev.attnc.compiler.ir.Op;
import dev.attnc.compiler.ir.Verifier;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** FuseAttention on its own: attention written out by hand becomes one ATTENTION node, near misses stay. */
class FuseAttentionTest {
    private static final String HAND_WRITTEN =
            "merge_heads(softmax(heads(q, H) @ transpose(heads(k, H)) / sqrt(D / H)) @ heads(v, H))";

    /** A model with inputs q, k, v of [T, D] and the given statements. */
    private static Graph qkv(String constants, String body) {
        return graph("model M {\n  const " + constants + "\n  dim T <= 32\n"
                + "  input q : [T, D]\n  input k : [T, D]\n  input v : [T, D]\n" + body.strip() + "\n}\n");
    }

    private static Graph qkv(String body) {
        return qkv("D = 64, H = 4", body);
    }

    private static Graph fuse(Graph graph) {
        return PassTesting.run(new FuseAttention(), graph);
    }

    @Test
    void handWrittenAttentionBecomesOneNode() {
        Graph after = fuse(qkv("a = " + HAND_WRITTEN + "\noutput a"));
        Node attention = only(after, Op.ATTENTION);
        assertSame(attention, result(after, "a"));
        assertEquals(List.of(input(after, "q"), input(after, "k"), input(after, "v")), attention.inputs());
        assertEquals("4", attention.attr("heads"));
        assertEquals("4", attention.attr("kv_heads"));
        assertEquals("16", attention.attr("head_dim"));
        assertEquals(0.25, Double.parseDouble(attention.attr("scale")), 1e-15);
        assertEquals("false", attention.attr("causal"));
        assertEquals("false", attention.attr("cache"));
        assertEquals("[T, 64]", attention.type().toString());
        assertEquals("a", attention.name());
        for (Op gone : List.of(Op.SOFTMAX, Op.MATMUL, Op.TRANSPOSE, Op.MERGE_HEADS, Op.DIV)) {
            assertEquals(0, count(after, gone), () -> gone + " left in\n" + IrPrinter.print(after));
        }
    }

    @Test
    void theLeftoverHeadsAreDeadAndTheFullPipelineRemovesThem() {
        Graph after = Pipeline.run(qkv("a = " + HAND_WRITTEN + "\noutput a"), (pass, g) -> Verifier.verify(g));
        assertEquals(List.of(Op.INPUT, Op.INPUT, Op.INPUT, Op.ATTENTION, Op.OUTPUT), PassTesting.ops(after),
                () -> IrPrinter.print(after));
    }

    @Test
    void scaleAndHeadDimFollowTheSizes() {
        Graph after = fuse(qkv("D = 64, H = 8", "a = " + HAND_WRITTEN + "\noutput a"));
        Node attention = only(after, Op.ATTENTION);
        assertEquals("8", attention.attr("heads"));
        assertEquals("8", attention.attr("kv_heads"));
        assertEquals("8", attention.attr("head_dim"));
        assertEquals(1 / Math.sqrt(8), Double.parseDouble(attention.attr("scale")), 1e-12);
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {
            "softmax(heads(q, H) @ transpose(heads(k, H)) * 0.125)|0.125",
            "softmax(0.5 * (heads(q, H) @ transpose(heads(k, H))) / 2)|0.25",
            "softmax(heads(q, H) @ transpose(heads(k, H)))|1.0"})
    void everyScalingBeforeTheSoftmaxGoesIntoTheScale(String spec) {
        String[] parts = spec.split("\\|");
        Graph after = fuse(qkv("a = merge_heads(" + parts[0] + " @ heads(v, H))\noutput a"));
        Node attention = only(after, Op.ATTENTION);
        assertEquals(Double.parseDouble(parts[1]), Double.parseDouble(attention.attr("scale")), 1e-15);
        assertEquals(0, count(after, Op.SOFTMAX));
    }

    @Test
    void keysOfAnotherLengthStillFuse() {
        Graph after = fuse(graph("""
                model Cross {
                  const D = 64, H = 4
                  dim T <= 32, S <= 16
                  input q : [T, D]
                  input m : [S, D]
                  a = merge_heads(softmax(heads(q, H) @ transpose(heads(m, H)) / 4) @ heads(m, H))
                  output a
                }
                """));
        Node attention = only(after, Op.ATTENTION);
        assertEquals(List.of(input(after, "q"), input(after, "m"), input(after, "m")), attention.inputs());
        assertEquals("[T, 64]", attention.type().toString());
    }

    // ---------------------------------------------------------------- near misses

    private static void assertUnchanged(Graph before) {
        Graph after = fuse(before);
        assertEquals(0, count(after, Op.ATTENTION), () -> IrPrinter.print(after));
        assertEquals(IrPrinter.print(before), IrPrinter.print(after));
    }

    @Test
    void softmaxOverAnotherDimIsLeftAlone() {
        assertUnchanged(qkv("a = merge_heads(softmax(heads(q, H) @ transpose(heads(k, H)) / 4, dim = 1) @ heads(v, H))"
                + "\noutput a"));
    }

    @Test
    void softmaxOverTheLastDimWrittenAsMinusOneFuses() {
        Graph after = fuse(qkv("a = merge_heads(softmax(heads(q, H) @ transpose(heads(k, H)) / 4, dim = -1) @ heads(v, H))"
                + "\noutput a"));
        only(after, Op.ATTENTION);
    }

    /** Head counts cannot differ in checked source (batch dims must agree), so the graph is edited by hand. */
    @ParameterizedTest(name = "heads of {0} differ")
    @ValueSource(strings = {"k", "v"})
    void headCountsDifferingAreLeftAlone(String which) {
        Graph checked = qkv("a = " + HAND_WRITTEN + "\noutput a");
        Node source = input(checked, which);
        Node heads = checked.nodes().stream().filter(n -> n.op() == Op.HEADS && n.input(0) == source).findFirst()
                .orElseThrow();
        Graph edited = modify(checked, heads.id(), n -> withAttr(n, "heads", "2"));
        Verifier.verify(edited);
        assertUnchanged(edited);
    }

    @ParameterizedTest(name = "{0} is used elsewhere")
    @ValueSource(strings = {"scores", "scaled", "weights", "weighted", "kt"})
    void anIntermediateUsedElsewhereIsLeftAlone(String used) {
        assertUnchanged(qkv("""
                kt = transpose(heads(k, H))
                scores = heads(q, H) @ kt
                scaled = scores / 4
                weights = softmax(scaled)
                weighted = weights @ heads(v, H)
                a = merge_heads(weighted)
                output a, %s
                """.formatted(used)));
    }

    @Test
    void theSameStatementsWithNoOtherUseFuse() {
        Graph after = fuse(qkv("""
                kt = transpose(heads(k, H))
                scores = heads(q, H) @ kt
                scaled = scores / 4
                weights = softmax(scaled)
                weighted = weights @ heads(v, H)
                a = merge_heads(weighted)
                output a
                """));
        Node attention = only(after, Op.ATTENTION);
        assertEquals(0.25, Double.parseDouble(attention.attr("scale")), 1e-15);
    }

    @Test
    void aBiasBeforeTheSoftmaxIsLeftAlone() {
        assertUnchanged(graph("""
                model M {
                  const D = 64, H = 4
                  dim T <= 32
                  input q : [T, D]
                  input k : [T, D]
                  input v : [T, D]
                  input bias : [H, T, T]
                  a = merge_heads(softmax(heads(q, H) @ transpose(heads(k, H)) / 4 + bias) @ heads(v, H))
                  output a
                }
                """));
    }

    @Test
    void anotherActivationInsteadOfSoftmaxIsLeftAlone() {
        assertUnchanged(qkv("a = merge_heads(sigmoid(heads(q, H) @ transpose(heads(k, H)) / 4) @ heads(v, H))\noutput a"));
    }

    @Test
    void keysNotTransposedFromHeadsAreLeftAlone() {
        // heads(k) @ transpose(heads(q)) swapped into transpose position: q side is a transpose, not heads.
        assertUnchanged(qkv("""
                s = transpose(heads(k, H) @ transpose(heads(q, H)))
                a = merge_heads(softmax(s / 4) @ heads(v, H))
                output a
                """));
    }

    @Test
    void twoHandWrittenAttentionsBothFuse() {
        Graph after = fuse(qkv("""
                a = merge_heads(softmax(heads(q, H) @ transpose(heads(k, H)) / 4) @ heads(v, H))
                b = merge_heads(softmax(heads(k, H) @ transpose(heads(q, H)) / 2) @ heads(q, H))
                y = a + b
                output y
                """));
        List<Node> attentions = nodes(after, Op.ATTENTION);
        assertEquals(2, attentions.size(), () -> IrPrinter.print(after));
        assertEquals(0.25, Double.parseDouble(attentions.get(0).attr("scale")), 1e-15);
        assertEquals(0.5, Double.parseDouble(attentions.get(1).attr("scale")), 1e-15);
        assertEquals(List.of(input(after, "k"), input(after, "q"), input(after, "q")), attentions.get(1).inputs());
    }
}
