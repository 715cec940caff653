package dev.attnc.runtime.tornado.jvm;

import java.util.List;

/**
 * What {@link TornadoExecutionPlan#execute()} returns. On the JVM the results are already on the
 * host; a copy asked for here is checked as TornadoVM would (the object must be one the graphs
 * send to the host, the range must fit) and counted in {@link HostTransfers}.
 */
public class TornadoExecutionResult {

    private final List<ImmutableTaskGraph> graphs;

    TornadoExecutionResult(List<ImmutableTaskGraph> graphs) {
        this.graphs = graphs;
    }

    /** Copies UNDER_DEMAND results to the host: whole arrays. */
    public TornadoExecutionResult transferToHost(Object... objects) {
        for (Object object : objects) {
            requireToHost(object);
            HostTransfers.countToHost(object instanceof TornadoNativeArray array ? array.getNumBytesOfSegment() : 0);
        }
        return this;
    }

    /** Copies part of an UNDER_DEMAND result to the host. */
    public TornadoExecutionResult transferToHost(DataRange dataRange) {
        dataRange.materialize();
        requireToHost(dataRange.getArray());
        HostTransfers.countToHost(dataRange.getPartialSize());
        return this;
    }

    /** Always true: {@code execute()} returns once every task has finished. */
    public boolean isReady() {
        return true;
    }

    private void requireToHost(Object object) {
        for (ImmutableTaskGraph graph : graphs) {
            for (Transfer transfer : graph.transfers()) {
                if (transfer.kind() == Transfer.Kind.TO_HOST
                        && transfer.objects().stream().anyMatch(declared -> declared == object)) {
                    return;
                }
            }
        }
        throw new IllegalStateException("transferToHost of an object no graph of the plan sends to the host: " + object);
    }
}
