package dev.attnc.compiler.passes;

import static dev.attnc.compiler.passes.PassTesting.body;
import static dev.attnc.compiler.passes.PassTesting.input;
import static dev.attnc.compiler.passes.PassTesting.nodes;
import static dev.attnc.compiler.passes.PassTesting.only;
import static dev.attnc.compiler.passes.PassTesting.ops;
import static dev.attnc.compiler.passes.PassTesting.result;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;

import dev.attnc.compiler.ir.Graph;
import dev.attnc.compiler.ir.IrPrinter;
import dev.attnc.compiler.ir.Node;
import dev.attnc.compiler.ir.Op;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** FuseLinearActivation on its own: act(fc(x)) becomes one LINEAR with an activation attribute. */
class FuseLinearActivationTest {

    private static Graph fuse(Graph graph) {
        return PassTesting.run(new FuseLinearActivation(), graph);
    }

    @ParameterizedTest(name = "{0}(fc(x))")
    @ValueSource(strings = {"gelu", "relu", "gelu_tanh", "silu"})
    void anActivationOfALinearBecomesOneLinear(String activation) {
        Graph before = body("param fc : linear(D, 2 * D)\ny = " + activation + "(fc(x))\noutput y");
        Node linearBefore = only(before, Op.LINEAR);
        Graph after = fuse(before);
        assertEquals(List.of(Op.INPUT, Op.LINEAR, Op.OUTPUT), ops(after), () -> IrPrinter.print(after));
        Node linear = result(after, "y");
        assertEquals(Op.LINEAR, linear.op());
        assertEquals(activation, linear.attr("activation"));
        assertSame(input(after, "x"), linear.input(0));
        assertEquals("[T, 128]", linear.type().toString());
        assertEquals("y", linear.name());
        // Everything the linear knew is kept: its param, widths, bias.
        Map<String, String> expected = new HashMap<>(linearBefore.attrs());
        expected.put("activation", activation);
        assertEquals(expected, linear.attrs());
    }

    @Test
    void aLinearWithAnotherUserIsNotFused() {
        Graph before = body("""
                param fc : linear(D, D)
                h = fc(x)
                y = gelu(h) + h
                output y
                """);
        Graph after = fuse(before);
        assertEquals(IrPrinter.print(before), IrPrinter.print(after));
        assertFalse(only(after, Op.LINEAR).attrs().containsKey("activation"));
    }

    @Test
    void aLinearThatIsAlsoAnOutputIsNotFused() {
        Graph before = body("""
                param fc : linear(D, D)
                h = fc(x)
                y = relu(h)
                output y, h
                """);
        assertEquals(IrPrinter.print(before), IrPrinter.print(fuse(before)));
    }

    @Test
    void anActivationOfSomethingElseIsLeftAlone() {
        Graph before = body("""
                param fc : linear(D, D)
                a = gelu(x)
                b = relu(fc(x) * 2)
                c = silu(fc(x) + x)
                output a, b, c
                """);
        assertEquals(IrPrinter.print(before), IrPrinter.print(fuse(before)));
    }

    @Test
    void onlyTheFirstOfTwoActivationsIsFused() {
        Graph after = fuse(body("param fc : linear(D, D)\ny = relu(gelu(fc(x)))\noutput y"));
        assertEquals(List.of(Op.INPUT, Op.LINEAR, Op.RELU, Op.OUTPUT), ops(after), () -> IrPrinter.print(after));
        assertEquals("gelu", only(after, Op.LINEAR).attr("activation"));
    }

    @Test
    void everyLinearOfAModelIsConsideredOnItsOwn() {
        Graph after = fuse(body("""
                param up : linear(D, 4 * D)
                param down : linear(4 * D, D)
                param side : linear(D, D)
                s = side(x)
                y = down(gelu_tanh(up(x))) + silu(s) + s
                output y
                """));
        List<Node> linears = nodes(after, Op.LINEAR);
        assertEquals(3, linears.size(), () -> IrPrinter.print(after));
        Map<String, String> activations = new HashMap<>();
        for (Node linear : linears) {
            activations.put(linear.attr("param"), linear.attrs().getOrDefault("activation", "none"));
        }
        assertEquals(Map.of("up", "gelu_tanh", "down", "none", "side", "none"), activations);
    }

    @Test
    void fusionInsideARepeatKeepsTheLoopValid() {
        Graph after = fuse(PassTesting.graph("""
                model M {
                  const D = 64
                  dim T <= 32
                  input x : [T, D]
                  repeat 2 as layer {
                    param fc : linear(D, D) from "layers.{layer}.fc"
                    x = relu(fc(x))
                  }
                  output x
                }
                """));
        Node linear = only(after, Op.LINEAR);
        assertEquals("relu", linear.attr("activation"));
        assertEquals(linear.id(), after.loops().get(0).carries().get(0).exit());
    }
}
