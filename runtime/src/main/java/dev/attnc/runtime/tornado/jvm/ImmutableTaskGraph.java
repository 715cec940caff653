package dev.attnc.runtime.tornado.jvm;

import java.util.List;

/**
 * A frozen copy of a {@link TaskGraph}, made by {@link TaskGraph#snapshot()}: later changes to
 * the graph do not reach it. As in TornadoVM it has no public members.
 */
public class ImmutableTaskGraph {

    private final String name;
    private final List<JvmTask> tasks;
    private final List<Transfer> transfers;

    ImmutableTaskGraph(String name, List<JvmTask> tasks, List<Transfer> transfers) {
        this.name = name;
        this.tasks = tasks;
        this.transfers = transfers;
    }

    String name() {
        return name;
    }

    List<JvmTask> tasks() {
        return tasks;
    }

    List<Transfer> transfers() {
        return transfers;
    }

    @Override
    public String toString() {
        return "ImmutableTaskGraph[" + name + ", " + tasks.size() + " task(s)]";
    }
}
