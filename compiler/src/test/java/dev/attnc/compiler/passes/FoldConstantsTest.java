package dev.attnc.compiler.passes;

import static dev.attnc.compiler.passes.PassTesting.body;
import static dev.attnc.compiler.passes.PassTesting.count;
import static dev.attnc.compiler.passes.PassTesting.input;
import static dev.attnc.compiler.passes.PassTesting.nodes;
import static dev.attnc.compiler.passes.PassTesting.ops;
import static dev.attnc.compiler.passes.PassTesting.result;
import static dev.attnc.compiler.passes.PassTesting.scalar;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;

import dev.attnc.compiler.ir.Graph;
import dev.attnc.compiler.ir.IrPrinter;
import dev.attnc.compiler.ir.Node;
import dev.attnc.compiler.ir.Op;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** FoldConstants on its own: identities vanish, scalings merge, double negation cancels, nothing else moves. */
class FoldConstantsTest {

    private static Graph fold(Graph graph) {
        return PassTesting.run(new FoldConstants(), graph);
    }

    @ParameterizedTest(name = "y = {0}")
    @ValueSource(strings = {"x * 1", "x + 0", "x / 1", "1 * x", "0 + x", "x - 0", "x * 1.0"})
    void arithmeticThatChangesNothingDisappears(String expression) {
        Graph after = fold(body("y = " + expression + "\noutput y"));
        assertEquals(List.of(Op.INPUT, Op.OUTPUT), ops(after), () -> IrPrinter.print(after));
        assertSame(input(after, "x"), result(after, "y"), "the output reads x itself");
    }

    @Test
    void anIdentityInsideAnExpressionIsBypassed() {
        Graph after = fold(body("y = relu(x * 1) + (x + 0)\noutput y"));
        assertEquals(List.of(Op.INPUT, Op.RELU, Op.ADD, Op.OUTPUT), ops(after), () -> IrPrinter.print(after));
        Node x = input(after, "x");
        Node add = result(after, "y");
        assertSame(x, add.input(0).input(0), "relu reads x");
        assertSame(x, add.input(1), "the sum reads x");
    }

    @Test
    void twoScalingsBecomeOneMultiply() {
        Graph after = fold(body("y = x * 2 / 4\noutput y"));
        assertEquals(List.of(Op.INPUT, Op.MUL, Op.OUTPUT), ops(after), () -> IrPrinter.print(after));
        Node mul = result(after, "y");
        assertEquals(0.5, scalar(mul), 0.0);
        assertEquals("right", mul.attr("scalar_side"));
        assertSame(input(after, "x"), mul.input(0));
    }

    @ParameterizedTest(name = "y = {0}")
    @CsvSource(delimiter = ';', value = {
            "x * 2 * 3 / 4; 1.5",
            "2 * (x / 4) * 8; 4.0",
            "x / 2 / 5 * 20; 2.0",
            "0.5 * (3 * x) / 0.25; 6.0"})
    void aChainOfThreeScalingsBecomesOne(String expression, double factor) {
        Graph after = fold(body("y = " + expression + "\noutput y"));
        assertEquals(List.of(Op.INPUT, Op.MUL, Op.OUTPUT), ops(after), () -> IrPrinter.print(after));
        Node mul = result(after, "y");
        assertEquals(factor, scalar(mul), 1e-12);
        assertSame(input(after, "x"), mul.input(0));
    }

    @Test
    void doubleNegationDisappears() {
        Graph after = fold(body("y = -(-x)\noutput y"));
        assertEquals(List.of(Op.INPUT, Op.OUTPUT), ops(after), () -> IrPrinter.print(after));
        assertSame(input(after, "x"), result(after, "y"));
    }

    @Test
    void fourNegationsDisappear() {
        Graph after = fold(body("y = -(-(-(-x)))\noutput y"));
        assertEquals(List.of(Op.INPUT, Op.OUTPUT), ops(after), () -> IrPrinter.print(after));
        assertSame(input(after, "x"), result(after, "y"));
    }

    @Test
    void threeNegationsLeaveOne() {
        Graph after = fold(body("y = -(-(-x))\noutput y"));
        assertEquals(List.of(Op.INPUT, Op.NEG, Op.OUTPUT), ops(after), () -> IrPrinter.print(after));
        assertSame(input(after, "x"), result(after, "y").input(0));
    }

    @Test
    void nothingElseChanges() {
        Graph before = body("""
                param fc : linear(D, D)
                a = x * 2
                b = x + 1
                c = 0 - x
                d = 1 / x
                e = x * 0
                f = -x
                g = relu(x) * 3
                h = 2 / x * 3
                i = fc(x) / 8
                j = x - 1
                k = x + x * 2
                output a, b, c, d, e, f, g, h, i, j, k
                """);
        Graph after = fold(before);
        assertEquals(IrPrinter.print(before), IrPrinter.print(after));
    }

    @Test
    void aScalingUsedTwiceIsNotMerged() {
        Graph after = fold(body("""
                a = x * 2
                b = a * 3
                c = a / 5
                output b, c
                """));
        assertEquals(3, count(after, Op.MUL) + count(after, Op.DIV), () -> IrPrinter.print(after));
        Node a = nodes(after, Op.MUL).get(0);
        assertEquals(2.0, scalar(a), 0.0);
        assertSame(a, result(after, "b").input(0), "b still scales a");
        assertSame(a, result(after, "c").input(0), "c still scales a");
        assertEquals(3.0, scalar(result(after, "b")), 0.0);
        assertEquals(5.0, scalar(result(after, "c")), 0.0);
    }

    @Test
    void aScalingThatIsAlsoAnOutputIsNotMerged() {
        Graph before = body("""
                a = x * 2
                b = a * 3
                output a, b
                """);
        assertEquals(IrPrinter.print(before), IrPrinter.print(fold(before)));
    }

    @Test
    void aNegationUsedTwiceIsNotCancelled() {
        Graph before = body("""
                n = -x
                y = -n
                output n, y
                """);
        assertEquals(IrPrinter.print(before), IrPrinter.print(fold(before)));
    }

    @Test
    void foldsInsideARepeatKeepTheLoopValid() {
        Graph after = fold(body("""
                repeat 3 as layer {
                  x = x * 2 / 4 + 0
                }
                output x
                """));
        // The carried exit is now the single multiply; the verifier (in run) checked the loop.
        assertEquals(List.of(Op.INPUT, Op.CARRY, Op.MUL, Op.OUTPUT), ops(after), () -> IrPrinter.print(after));
        Node mul = result(after, "x");
        assertEquals(0.5, scalar(mul), 0.0);
        assertEquals(1, after.loops().size());
        assertEquals(mul.id(), after.loops().get(0).carries().get(0).exit());
    }

    /** A chain whose factors multiply to one is {@code x * 1}, which this pass promises to remove. */
    @ParameterizedTest(name = "y = {0}")
    @ValueSource(strings = {"x * 2 / 2", "x * 4 * 0.25"})
    void scalingsThatCancelOutDisappear(String expression) {
        Graph after = fold(body("y = " + expression + "\noutput y"));
        assertEquals(List.of(Op.INPUT, Op.OUTPUT), ops(after), () -> IrPrinter.print(after));
    }

    /**
     * Inside a repeat, {@code y = x * 1} (x from before the loop) folds the exit of carried y
     * to x itself, a node outside the loop body. The graph must still verify (run() verifies).
     */
    @ParameterizedTest(name = "y = {0} in a repeat")
    @ValueSource(strings = {"x * 1", "-(-x)"})
    void foldingACarriedValueToOneFromBeforeTheLoopKeepsTheGraphValid(String expression) {
        Graph before = PassTesting.graph("""
                model M {
                  const D = 64
                  dim T <= 32
                  input x : [T, D]
                  input y : [T, D]
                  repeat 2 as layer {
                    y = %s
                  }
                  output y
                }
                """.formatted(expression));
        Graph after = fold(before);
        // The value handed to the next layer keeps a node of its own inside the loop: folding it
        // away would make y's carried buffer alias x's (FoldConstants leaves loop exits alone).
        dev.attnc.compiler.ir.Verifier.verify(after);
        assertNotSame(input(after, "x"), result(after, "y"));
    }
}
