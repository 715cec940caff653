package dev.attnc.compiler.passes;

import dev.attnc.compiler.ir.Graph;

/** One small rewrite of the attention graph. Passes never change what a model computes. */
public interface Pass {
    /** The name used by {@code --dump-ir=NAME}. */
    String name();

    Graph run(Graph graph);
}
