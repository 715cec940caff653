package dev.attnc.compiler.ir;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.attnc.compiler.FrontEnd;
import dev.attnc.compiler.Repo;
import dev.attnc.compiler.diag.SourceFile;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/** The verifier accepts what the checker builds and rejects hand-broken graphs, naming the problem. */
class VerifierTest {
    private static final Dim T = Dim.symbol("T");
    private static final TensorType T64 = TensorType.floats(T, Dim.of(64));
    private static final TensorType T32 = TensorType.floats(T, Dim.of(32));

    private static Node node(int id, Op op, List<Node> inputs, TensorType type, Map<String, String> attrs,
            List<Region> regions) {
        return new Node(id, op, inputs, type, attrs, Map.of(), "", null, regions);
    }

    private static Node node(int id, Op op, List<Node> inputs, TensorType type) {
        return node(id, op, inputs, type, Map.of(), List.of());
    }

    private static Node input(int id) {
        return node(id, Op.INPUT, List.of(), T64, Map.of("name", "x" + id), List.of());
    }

    private static Graph graph(List<Node> nodes, List<Param> params, List<Loop> loops) {
        return new Graph("Broken", nodes, params, loops);
    }

    private static Graph graph(Node... nodes) {
        return graph(List.of(nodes), List.of(), List.of());
    }

    private static Param linearParam(int id, long in, long out) {
        return new Param(id, "fc", "linear", Map.of("weight", TensorType.floats(Dim.of(out), Dim.of(in))),
                Map.of("in", Long.toString(in), "out", Long.toString(out)), "fc", List.of(), null);
    }

    /** Verifies, expecting a rejection whose message contains every fragment. */
    private static String rejected(Graph graph, String... fragments) {
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> Verifier.verify(graph));
        for (String fragment : fragments) {
            assertTrue(e.getMessage().contains(fragment), () -> "message lacks \"" + fragment + "\":\n" + e.getMessage());
        }
        return e.getMessage();
    }

    // ---------------------------------------------------------------- valid graphs

    @TestFactory
    Stream<DynamicTest> everySampleAsCheckedIsValid() {
        return Repo.samples().stream().map(path -> DynamicTest.dynamicTest(path.getFileName().toString(), () -> {
            FrontEnd.Result result = Repo.check(path.toString(), Repo.read(path));
            assertDoesNotThrow(() -> Verifier.verify(result.models().get(0).graph()));
        }));
    }

    /**
     * Nested repeats are part of the language ("nested repeats need different index names").
     * Here {@code y} is assigned only inside the inner repeat, so the outer loop's exit for
     * {@code y} is the inner body's node: it is in the outer body, though not innermost there.
     */
    @Test
    void nestedRepeatsAsCheckedAreValid() {
        FrontEnd.Result result = FrontEnd.check(new SourceFile("nested.attn", """
                model Nested {
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
                """));
        assertFalse(result.diagnostics().hasErrors(), result.diagnostics().render());
        Graph graph = result.models().get(0).graph();
        assertDoesNotThrow(() -> Verifier.verify(graph), () -> IrPrinter.print(graph));
    }

    /**
     * {@code y = x} in a repeat body, x from before the loop: the checker makes x itself the
     * exit of carried y. The program is valid (y is x after any number of layers).
     */
    @Test
    void aCarriedValueAssignedFromBeforeTheLoopIsValid() {
        FrontEnd.Result result = FrontEnd.check(new SourceFile("assign.attn", """
                model Assign {
                  const D = 64
                  dim T <= 32
                  input x : [T, D]
                  input y : [T, D]
                  repeat 2 as layer {
                    y = x
                  }
                  output y
                }
                """));
        assertFalse(result.diagnostics().hasErrors(), result.diagnostics().render());
        Graph graph = result.models().get(0).graph();
        assertDoesNotThrow(() -> Verifier.verify(graph), () -> IrPrinter.print(graph));
    }

    @Test
    void aSmallHandBuiltGraphIsValid() {
        GraphBuilder builder = new GraphBuilder("Small");
        Region loop = builder.region(Region.Kind.REPEAT, "repeat 2 as layer");
        int fc = builder.param("fc", "linear", Map.of("weight", TensorType.floats(Dim.of(64), Dim.of(64))),
                Map.of("in", "64", "out", "64"), "fc", List.of(), null);
        Node x = builder.add(Op.INPUT, List.of(), T64, Map.of("name", "x"), null, List.of());
        Node carry = builder.add(Op.CARRY, List.of(x), T64, Map.of("name", "x"), null, List.of(loop));
        Node linear = builder.add(Op.LINEAR, List.of(carry), T64, Map.of("param_id", Integer.toString(fc)), null, List.of(loop));
        Node sum = builder.add(Op.ADD, List.of(carry, linear), T64, Map.of(), null, List.of(loop));
        builder.add(Op.OUTPUT, List.of(sum), T64, Map.of("name", "x"), null, List.of());
        builder.loop(new Loop(loop.id(), "layer", 2, List.of(new Loop.Carry("x", carry.id(), sum.id()))));
        assertDoesNotThrow(() -> Verifier.verify(builder.build()));
    }

    // ---------------------------------------------------------------- broken graphs

    @Test
    void anInputDefinedAfterItsUserIsRejected() {
        Node later = input(1);
        Node relu = node(0, Op.RELU, List.of(later), T64);
        rejected(graph(relu, later), "%0 relu", "reads %1", "not an earlier node");
    }

    @Test
    void aNodeReadingItselfIsRejected() {
        Node x = input(0);
        Node self = node(1, Op.RELU, List.of(node(1, Op.INPUT, List.of(), T64)), T64);
        rejected(graph(x, self), "%1 relu", "reads %1");
    }

    @Test
    void anInputFromAnotherGraphIsRejected() {
        Node x = input(0);
        Node stranger = input(0); // equal id, but not this graph's node
        Node relu = node(1, Op.RELU, List.of(stranger), T64);
        Node ok = node(1, Op.RELU, List.of(x), T64);
        rejected(graph(x, relu), "%1 relu", "reads %0", "not an earlier node of this graph");
        assertDoesNotThrow(() -> Verifier.verify(graph(x, ok)));
    }

    @Test
    void idsOutOfOrderAreRejected() {
        Node x = input(0);
        Node relu = node(5, Op.RELU, List.of(x), T64);
        rejected(graph(x, relu), "has id 5 at position 1");
    }

    @Test
    void tooManyInputsAreRejected() {
        Node x = input(0);
        Node y = input(1);
        rejected(graph(x, y, node(2, Op.RELU, List.of(x, y), T64)), "%2 relu", "has 2 inputs, expected 1");
        rejected(graph(x, y, node(2, Op.INPUT, List.of(x), T64)), "%2 input", "has 1 inputs, expected 0");
        rejected(graph(x, y, node(2, Op.ADD, List.of(x, y), T64, Map.of("scalar", "2", "scalar_side", "right"),
                List.of())), "%2 add", "has 2 inputs, expected 1");
        rejected(graph(x, y, node(2, Op.OUTPUT, List.of(x, y), T64)), "%2 output", "has 2 inputs, expected 1");
    }

    @Test
    void tooFewInputsAreRejected() {
        Node x = input(0);
        rejected(graph(x, node(1, Op.ADD, List.of(x), T64)), "%1 add", "has 1 inputs, expected 2");
        rejected(graph(x, node(1, Op.SWIGLU, List.of(x), T64)), "%1 swiglu", "has 1 inputs, expected 2");
        rejected(graph(x, node(1, Op.ATTENTION, List.of(x, x), T64,
                Map.of("heads", "4", "kv_heads", "4", "head_dim", "16", "causal", "false", "cache", "false"), List.of())),
                "%1 attention", "needs q, k and v");
    }

    /** A unary op with no input at all must be reported, not crash the verifier. */
    @Test
    void noInputAtAllIsRejectedWithAMessage() {
        Node x = input(0);
        rejected(graph(x, node(1, Op.RELU, List.of(), T64)), "%1 relu", "has 0 inputs, expected 1");
        rejected(graph(x, node(1, Op.CARRY, List.of(), T64)), "%1 carry", "has 0 inputs, expected 1");
        rejected(graph(x, node(1, Op.OUTPUT, List.of(), T64)), "%1 output", "has 0 inputs, expected 1");
        rejected(graph(List.of(x, node(1, Op.LINEAR, List.of(), T64, Map.of("param_id", "0"), List.of())),
                List.of(linearParam(0, 64, 64)), List.of()), "%1 linear", "has 0 inputs, expected 1");
    }

    /** A matrix product has exactly two operands. */
    @Test
    void aMatmulWithOneOperandIsRejected() {
        Node x = input(0);
        rejected(graph(x, node(1, Op.MATMUL, List.of(x), T64)), "%1 matmul");
        rejected(graph(x, node(1, Op.MATMUL, List.of(x, x, x), T64)), "%1 matmul");
    }

    @Test
    void aCarryWhoseTypeDiffersFromItsInputIsRejected() {
        Region region = new Region(Region.Kind.REPEAT, 0, "repeat 2 as layer");
        Node x = input(0);
        Node carry = node(1, Op.CARRY, List.of(x), T32, Map.of("name", "x"), List.of(region));
        Node exit = node(2, Op.RELU, List.of(carry), T32, Map.of(), List.of(region));
        Loop loop = new Loop(0, "layer", 2, List.of(new Loop.Carry("x", 1, 2)));
        rejected(graph(List.of(x, carry, exit), List.of(), List.of(loop)), "%1 carry", "is [T, 32] but its input is [T, 64]");
    }

    @Test
    void aCarriedValueLeavingWithAnotherTypeIsRejected() {
        Region region = new Region(Region.Kind.REPEAT, 0, "repeat 2 as layer");
        Node x = input(0);
        Node carry = node(1, Op.CARRY, List.of(x), T64, Map.of("name", "x"), List.of(region));
        Node exit = node(2, Op.SLICE, List.of(carry), T32, Map.of("dim", "1", "start", "0", "size", "32"), List.of(region));
        Loop loop = new Loop(0, "layer", 2, List.of(new Loop.Carry("x", 1, 2)));
        rejected(graph(List.of(x, carry, exit), List.of(), List.of(loop)), "%2 slice",
                "leaves the loop as [T, 32] but entered as [T, 64]");
    }

    @Test
    void aCarryEntryThatIsNotACarryIsRejected() {
        Region region = new Region(Region.Kind.REPEAT, 0, "repeat 2 as layer");
        Node x = input(0);
        Node entry = node(1, Op.RELU, List.of(x), T64, Map.of(), List.of(region));
        Node exit = node(2, Op.RELU, List.of(entry), T64, Map.of(), List.of(region));
        Loop loop = new Loop(0, "layer", 2, List.of(new Loop.Carry("x", 1, 2)));
        rejected(graph(List.of(x, entry, exit), List.of(), List.of(loop)), "%1 relu", "is the entry of carried x but is not a carry");
    }

    @Test
    void aCarryThroughMissingNodesIsRejected() {
        Node x = input(0);
        Loop loop = new Loop(0, "layer", 2, List.of(new Loop.Carry("x", 1, 7)));
        rejected(graph(List.of(x), List.of(), List.of(loop)), "layer loop carries x through missing nodes");
    }

    @Test
    void anExitOutsideTheLoopBodyIsRejected() {
        Region region = new Region(Region.Kind.REPEAT, 0, "repeat 2 as layer");
        Node x = input(0);
        Node carry = node(1, Op.CARRY, List.of(x), T64, Map.of("name", "x"), List.of(region));
        Node inBody = node(2, Op.RELU, List.of(carry), T64, Map.of(), List.of(region));
        Node after = node(3, Op.RELU, List.of(inBody), T64);
        Loop loop = new Loop(0, "layer", 2, List.of(new Loop.Carry("x", 1, 3)));
        rejected(graph(List.of(x, carry, inBody, after), List.of(), List.of(loop)), "%3 relu",
                "is the exit of carried x but is not in its loop body");
    }

    @Test
    void aMissingParamIdIsRejected() {
        Node x = input(0);
        Node linear = node(1, Op.LINEAR, List.of(x), T64);
        rejected(graph(List.of(x, linear), List.of(linearParam(0, 64, 64)), List.of()), "%1 linear", "names no param");
        Node norm = node(1, Op.LAYERNORM, List.of(x), T64);
        rejected(graph(x, norm), "%1 layernorm", "names no param");
    }

    @Test
    void aParamIdThatDoesNotExistIsRejected() {
        Node x = input(0);
        Node linear = node(1, Op.LINEAR, List.of(x), T64, Map.of("param_id", "3"), List.of());
        rejected(graph(List.of(x, linear), List.of(linearParam(0, 64, 64)), List.of()), "%1 linear",
                "names param #3, which does not exist");
        Node weights = node(1, Op.PARAM, List.of(), T64, Map.of("param_id", "0"), List.of());
        rejected(graph(x, weights), "%1 param", "names param #0, which does not exist");
    }

    @Test
    void aLinearOfTheWrongWidthIsRejected() {
        Node x = input(0);
        Node linear = node(1, Op.LINEAR, List.of(x), T64, Map.of("param_id", "0"), List.of());
        rejected(graph(List.of(x, linear), List.of(linearParam(0, 32, 64)), List.of()), "%1 linear",
                "expects last dim 32 in [T, 64]");
    }

    @Test
    void anElementwiseOpThatChangesTheTypeIsRejected() {
        Node x = input(0);
        rejected(graph(x, node(1, Op.GELU, List.of(x), T32)), "%1 gelu", "is [T, 32] but its input is [T, 64]");
    }

    @Test
    void anEmbeddingOfFloatsIsRejected() {
        Node x = input(0);
        Param table = new Param(0, "emb", "embedding", Map.of("weight", TensorType.floats(Dim.of(10), Dim.of(64))),
                Map.of("count", "10", "dim", "64"), "emb", List.of(), null);
        Node lookup = node(1, Op.EMBEDDING, List.of(x), TensorType.floats(T, Dim.of(64), Dim.of(64)),
                Map.of("param_id", "0"), List.of());
        rejected(graph(List.of(x, lookup), List.of(table), List.of()), "%1 embedding", "looks up a non-int tensor");
    }

    @Test
    void anAttentionWithoutItsAttributesIsRejected() {
        Node x = input(0);
        Node attention = node(1, Op.ATTENTION, List.of(x, x, x), T64, Map.of("heads", "4"), List.of());
        rejected(graph(x, attention), "%1 attention", "lacks attribute kv_heads", "lacks attribute head_dim",
                "lacks attribute causal", "lacks attribute cache");
    }

    @Test
    void aNonContiguousRepeatRegionIsRejected() {
        Region region = new Region(Region.Kind.REPEAT, 0, "repeat 2 as layer");
        Node x = input(0);
        Node carry = node(1, Op.CARRY, List.of(x), T64, Map.of("name", "x"), List.of(region));
        Node outside = node(2, Op.RELU, List.of(x), T64);
        Node exit = node(3, Op.ADD, List.of(carry, outside), T64, Map.of(), List.of(region));
        Loop loop = new Loop(0, "layer", 2, List.of(new Loop.Carry("x", 1, 3)));
        rejected(graph(List.of(x, carry, outside, exit), List.of(), List.of(loop)), "%3 add",
                "is in repeat 2 as layer but nodes between %1 and it are not");
    }

    @Test
    void aBlockRegionMayBeInterrupted() {
        // Only repeats must be contiguous: a block call's nodes are just labels.
        Region block = new Region(Region.Kind.BLOCK, 0, "block Mlp");
        Node x = input(0);
        Node a = node(1, Op.RELU, List.of(x), T64, Map.of(), List.of(block));
        Node b = node(2, Op.RELU, List.of(x), T64);
        Node c = node(3, Op.RELU, List.of(a), T64, Map.of(), List.of(block));
        assertDoesNotThrow(() -> Verifier.verify(graph(x, a, b, c)));
    }

    @Test
    void everyProblemIsListedAtOnce() {
        Node x = input(0);
        Node wrongType = node(1, Op.RELU, List.of(x), T32);
        Node noParam = node(2, Op.RMSNORM, List.of(x), T64);
        String message = rejected(graph(x, wrongType, noParam), "invalid graph Broken", "%1 relu", "%2 rmsnorm");
        List<String> lines = new ArrayList<>(List.of(message.split("\n")));
        assertTrue(lines.size() >= 3, message);
    }
}
