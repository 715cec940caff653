package dev.attnc.compiler.passes;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.attnc.compiler.Repo;
import dev.attnc.compiler.check.CheckedModel;
import dev.attnc.compiler.ir.Graph;
import dev.attnc.compiler.ir.IrPrinter;
import dev.attnc.compiler.ir.Node;
import dev.attnc.compiler.ir.Verifier;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/** The whole pipeline on every sample, with the verifier after every pass. */
class PipelineTest {

    static CheckedModel sample(Path path) {
        return PassTesting.model(Repo.read(path));
    }

    @Test
    void thereAreSamples() {
        assertFalse(Repo.samples().isEmpty(), "no samples under " + Repo.path("samples"));
    }

    @Test
    void thePassesRunInTheirDocumentedOrder() {
        assertEquals(List.of("fold-constants", "fuse-attention", "fuse-bias-activation", "remove-dead-nodes"),
                Pipeline.passNames());
    }

    @TestFactory
    Stream<DynamicTest> everySampleVerifiesAfterEveryPassAndNeverGrows() {
        return Repo.samples().stream().map(path -> DynamicTest.dynamicTest(path.getFileName().toString(), () -> {
            Graph checked = sample(path).graph();
            Verifier.verify(checked);
            List<String> passes = new ArrayList<>();
            List<Integer> sizes = new ArrayList<>(List.of(checked.nodes().size()));
            List<Graph> graphs = new ArrayList<>(List.of(checked));
            Graph last = Pipeline.run(checked, (name, graph) -> {
                try {
                    Verifier.verify(graph);
                } catch (IllegalStateException e) {
                    throw new AssertionError("after " + name + ": " + e.getMessage() + "\n" + IrPrinter.print(graph), e);
                }
                passes.add(name);
                sizes.add(graph.nodes().size());
                graphs.add(graph);
            });
            assertEquals(Pipeline.passNames(), passes, "every pass reported once, in order");
            for (int step = 1; step < sizes.size(); step++) {
                int index = step;
                assertTrue(sizes.get(step) <= sizes.get(step - 1),
                        () -> passes.get(index - 1) + " grew the graph from " + sizes.get(index - 1) + " to "
                                + sizes.get(index) + " nodes");
            }
            assertSame(graphs.get(graphs.size() - 1), last, "run returns the graph the last pass made");
            // The model's interface survives: the same inputs and outputs, with the same types.
            assertEquals(signature(checked.inputs()), signature(last.inputs()));
            assertEquals(signature(checked.outputs()), signature(last.outputs()));
            assertEquals(checked.params(), last.params());
            assertEquals(checked.loops().size(), last.loops().size());
        }));
    }

    @TestFactory
    Stream<DynamicTest> theFinalGraphIsAFixedPoint() {
        return Repo.samples().stream().map(path -> DynamicTest.dynamicTest(path.getFileName().toString(), () -> {
            Graph once = Pipeline.run(sample(path).graph());
            Graph twice = Pipeline.run(once, (name, graph) -> Verifier.verify(graph));
            assertEquals(IrPrinter.print(once), IrPrinter.print(twice));
        }));
    }

    private static List<String> signature(List<Node> nodes) {
        return nodes.stream().map(n -> n.attrs().get("name") + " : " + n.type()).toList();
    }
}
