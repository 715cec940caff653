package dev.attnc.compiler.passes;

import dev.attnc.compiler.ir.Graph;
import java.util.List;
import java.util.function.BiConsumer;

/** The passes every model goes through, in order, as a flat list of named steps. */
public final class Pipeline {
    private Pipeline() {
    }

    public static List<Pass> standard() {
        return List.of(new FoldConstants(), new FuseAttention(), new FuseLinearActivation(), new RemoveDeadNodes());
    }

    public static List<String> passNames() {
        return standard().stream().map(Pass::name).toList();
    }

    /** Runs the passes; {@code afterEach} sees the graph after each one (for dumps and verification). */
    public static Graph run(Graph graph, BiConsumer<String, Graph> afterEach) {
        Graph current = graph;
        for (Pass pass : standard()) {
            current = pass.run(current);
            afterEach.accept(pass.name(), current);
        }
        return current;
    }

    public static Graph run(Graph graph) {
        return run(graph, (name, g) -> {
        });
    }
}
