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

    /** Whether this graph has {@code object} on the device: a task argument, sent, or taken over from another graph. */
    boolean holds(Object object) {
        for (JvmTask task : tasks) {
            for (Object argument : task.args()) {
                if (argument == object) {
                    return true;
                }
            }
        }
        return transfers.stream().anyMatch(transfer -> transfer.kind() != Transfer.Kind.TO_HOST && transfer.contains(object));
    }

    /** Whether this graph keeps {@code object} on the device after it ran ({@code persistOnDevice}). */
    boolean persists(Object object) {
        return transfers.stream().anyMatch(transfer -> transfer.kind() == Transfer.Kind.TO_HOST
                && transfer.mode() == DataTransferMode.UNDER_DEMAND && transfer.contains(object));
    }

    @Override
    public String toString() {
        return "ImmutableTaskGraph[" + name + ", " + tasks.size() + " task(s)]";
    }
}
