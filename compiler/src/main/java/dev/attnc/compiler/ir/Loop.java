package dev.attnc.compiler.ir;

import java.util.List;

/**
 * A {@code repeat count as index} stack. Its body is the nodes in region {@code region}, run
 * {@code count} times. Each carried value enters the body as a CARRY node ({@code entry}, whose
 * input is the value before the loop) and leaves it as {@code exit}; the next layer's entry
 * is the previous layer's exit, and after the loop the value is the last exit.
 */
public record Loop(int region, String index, long count, List<Carry> carries) {

    public Loop {
        carries = List.copyOf(carries);
    }

    /** A value handed from layer to layer, by node id. */
    public record Carry(String name, int entry, int exit) {
    }
}
