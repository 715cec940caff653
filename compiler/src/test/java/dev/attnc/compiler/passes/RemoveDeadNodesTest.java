package dev.attnc.compiler.passes;

import static dev.attnc.compiler.passes.PassTesting.body;
import static dev.attnc.compiler.passes.PassTesting.count;
import static dev.attnc.compiler.passes.PassTesting.graph;
import static dev.attnc.compiler.passes.PassTesting.input;
import static dev.attnc.compiler.passes.PassTesting.ops;
import static dev.attnc.compiler.passes.PassTesting.result;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.attnc.compiler.ir.Graph;
import dev.attnc.compiler.ir.IrPrinter;
import dev.attnc.compiler.ir.Loop;
import dev.attnc.compiler.ir.Node;
import dev.attnc.compiler.ir.Op;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** RemoveDeadNodes on its own: what no output needs goes, inputs, outputs and carried values stay. */
class RemoveDeadNodesTest {

    private static Graph clean(Graph graph) {
        return PassTesting.run(new RemoveDeadNodes(), graph);
    }

    @Test
    void unusedComputationsVanish() {
        Graph after = clean(body("""
                param fc : linear(D, D)
                a = relu(x)
                b = fc(a) * 2
                c = softmax(b)
                y = x + 1
                output y
                """));
        assertEquals(List.of(Op.INPUT, Op.ADD, Op.OUTPUT), ops(after), () -> IrPrinter.print(after));
        assertSame(input(after, "x"), result(after, "y").input(0));
        assertEquals(1, after.params().size(), "params are kept: their ids are referenced by number");
    }

    @Test
    void aGraphWithNothingDeadIsReturnedUnchanged() {
        Graph before = body("y = relu(x) + x\noutput y");
        assertEquals(IrPrinter.print(before), IrPrinter.print(clean(before)));
    }

    @Test
    void inputsStayEvenWhenUnused() {
        Graph after = clean(graph("""
                model M {
                  const D = 64
                  dim T <= 32
                  input x : [T, D]
                  input unused : [T, D]
                  input len : int
                  input ids : int[T]
                  y = relu(unused) + x
                  z = x * 3
                  output z
                }
                """));
        assertEquals(List.of(Op.INPUT, Op.INPUT, Op.INPUT, Op.INPUT, Op.MUL, Op.OUTPUT), ops(after),
                () -> IrPrinter.print(after));
        Set<String> names = after.inputs().stream().map(n -> n.attr("name")).collect(Collectors.toSet());
        assertEquals(Set.of("x", "unused", "len", "ids"), names);
    }

    @Test
    void outputsStay() {
        Graph after = clean(body("""
                a = relu(x)
                output x, a
                """));
        assertEquals(List.of(Op.INPUT, Op.RELU, Op.OUTPUT, Op.OUTPUT), ops(after), () -> IrPrinter.print(after));
        assertSame(input(after, "x"), result(after, "x"), "an input returned as is");
    }

    /**
     * The output reads only {@code y}, but each layer's {@code y} reads the {@code x} of the layer
     * before, so {@code x * 2} (the exit of carried x) is needed although nothing after the loop reads it.
     */
    @Test
    void valuesCarriedThroughARepeatStay() {
        Graph after = clean(graph("""
                model M {
                  const D = 64
                  dim T <= 32
                  input x : [T, D]
                  input y : [T, D]
                  repeat 3 as layer {
                    dead = relu(y) * 5
                    y = y + x
                    x = x * 2
                  }
                  output y
                }
                """));
        assertEquals(0, count(after, Op.RELU), () -> IrPrinter.print(after));
        assertEquals(1, count(after, Op.MUL), () -> "x * 2 is carried to the next layer\n" + IrPrinter.print(after));
        assertEquals(2, count(after, Op.CARRY));
        Loop loop = after.loops().get(0);
        assertEquals(Set.of("x", "y"), loop.carries().stream().map(Loop.Carry::name).collect(Collectors.toSet()));
        for (Loop.Carry carry : loop.carries()) {
            assertEquals(Op.CARRY, after.node(carry.entry()).op());
            Node exit = after.node(carry.exit());
            assertEquals(carry.name().equals("x") ? Op.MUL : Op.ADD, exit.op(), carry.name());
        }
    }

    @Test
    void aValueCarriedButNeverReadGoesAwayWithItsCarry() {
        Graph after = clean(graph("""
                model M {
                  const D = 64
                  dim T <= 32
                  input x : [T, D]
                  input z : [T, D]
                  repeat 2 as layer {
                    z = relu(z)
                    x = x + 1
                  }
                  output x
                }
                """));
        assertEquals(0, count(after, Op.RELU), () -> IrPrinter.print(after));
        Loop loop = after.loops().get(0);
        assertEquals(List.of("x"), loop.carries().stream().map(Loop.Carry::name).toList());
        assertEquals(2, after.inputs().size());
    }

    /**
     * Not verified before or after: the verifier wrongly rejects this valid nested repeat (see
     * VerifierTest.nestedRepeatsAsCheckedAreValid), which is not what this test is about.
     */
    @Test
    void nestedRepeatsKeepEveryCarriedValue() {
        Graph after = new RemoveDeadNodes().run(PassTesting.model("""
                model M {
                  const D = 64
                  dim T <= 32
                  input x : [T, D]
                  input y : [T, D]
                  repeat 2 as outer {
                    repeat 3 as inner {
                      y = y + x
                      x = x * 2
                    }
                    x = x - 1
                  }
                  output y
                }
                """).graph());
        assertEquals(1, count(after, Op.MUL), () -> IrPrinter.print(after));
        assertEquals(1, count(after, Op.SUB), () -> IrPrinter.print(after));
        assertTrue(after.loops().stream().allMatch(l -> l.carries().size() == 2), () -> IrPrinter.print(after));
    }
}
