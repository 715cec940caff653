package dev.attnc.runtime.tornado.jvm;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Runs immutable task graphs, as TornadoVM's {@code TornadoExecutionPlan} (there a sealed class
 * whose chaining methods return new nodes sharing the plan's state; here they return this plan,
 * which has the same effect).
 *
 * <p>{@link #execute()} runs, in order, every task of every selected graph (all graphs, or the
 * one chosen by {@link #withGraph(int)}). A task with a {@link KernelContext} argument is
 * launched over the {@link WorkerGrid} that the {@link GridScheduler} given to
 * {@link #withGridScheduler(GridScheduler)} has under {@code "graphName.taskId"}; without one it
 * fails with an {@link IllegalStateException}. A task without a {@code KernelContext} is called
 * once as plain Java, even if it has a grid. Device selection, pre-compilation, profiling,
 * kernel printing and freeing device memory have no effect on the JVM.
 *
 * <p>Buffers passed between graphs are checked as TornadoVM 5.2 hands them over, since the JVM
 * would run a wrong hand-over without complaint: a graph's {@code consumeFromDevice} objects
 * come from the graph the plan executed last, which each {@code execute()} sets, once it is
 * done, to the last graph it ran ({@code TornadoExecutor.updateLastExecutedTaskGraph};
 * {@code TornadoTaskGraph.updatePersistedObjectState} syncs from it). So graphs that pass
 * buffers run one per {@code execute()}: {@code withGraph(0).execute()}, then
 * {@code withGraph(1).execute()}... A graph that consumes objects fails with an
 * {@link IllegalStateException} when no graph ran before it, when the graph that ran last is
 * not the one it names, or when that graph does not hold the object or does not keep it on the
 * device ({@code persistOnDevice}). (TornadoVM would then crash or read another buffer; with a
 * wrong name it falls back to syncing from the graph that ran last, which this refuses.)
 */
public class TornadoExecutionPlan implements AutoCloseable {

    /** The device plans use unless told otherwise: the JVM. */
    public static TornadoDevice DEFAULT_DEVICE = JvmDevice.DEFAULT;

    private static final AtomicLong globalExecutionPlanCounter = new AtomicLong(0);

    private final long id;
    private final List<ImmutableTaskGraph> graphs;
    private int selectedGraph = -1;
    private GridScheduler gridScheduler;
    private TornadoDevice device = DEFAULT_DEVICE;
    private ImmutableTaskGraph lastExecuted;

    public TornadoExecutionPlan(ImmutableTaskGraph... immutableTaskGraphs) {
        Objects.requireNonNull(immutableTaskGraphs, "immutableTaskGraphs");
        List<ImmutableTaskGraph> list = new ArrayList<>();
        for (ImmutableTaskGraph graph : immutableTaskGraphs) {
            list.add(Objects.requireNonNull(graph, "an immutable task graph is null"));
        }
        this.graphs = List.copyOf(list);
        this.id = globalExecutionPlanCounter.incrementAndGet();
    }

    /** The JVM stands for every (backend, device) pair. */
    public static TornadoDevice getDevice(int driverIndex, int deviceIndex) {
        if (driverIndex < 0 || deviceIndex < 0) {
            throw new IllegalArgumentException("negative device index " + driverIndex + ":" + deviceIndex);
        }
        return driverIndex == 0 && deviceIndex == 0 ? JvmDevice.DEFAULT : new JvmDevice(driverIndex, deviceIndex);
    }

    public static int getTotalPlans() {
        return globalExecutionPlanCounter.intValue();
    }

    /** Runs the selected graphs' tasks in order; returns when all have finished. */
    public TornadoExecutionResult execute() {
        for (ImmutableTaskGraph graph : selectedGraphs()) {
            checkHandOver(graph, lastExecuted);
            for (JvmTask task : graph.tasks()) {
                runTask(graph, task);
            }
            // What TornadoVM would copy back now: every EVERY_EXECUTION transfer to the host, whole.
            for (Transfer transfer : graph.transfers()) {
                if (transfer.kind() == Transfer.Kind.TO_HOST && transfer.mode() == DataTransferMode.EVERY_EXECUTION) {
                    for (Object object : transfer.objects()) {
                        if (object instanceof TornadoNativeArray array) {
                            HostTransfers.countToHost(array.getNumBytesOfSegment());
                        }
                    }
                }
            }
        }
        lastExecuted = selectedGraphs().getLast();
        return new TornadoExecutionResult(selectedGraphs());
    }

    /** Whether {@code graph} can take over the buffers it consumes from {@code source}, as TornadoVM 5.2 would. */
    private static void checkHandOver(ImmutableTaskGraph graph, ImmutableTaskGraph source) {
        for (Transfer transfer : graph.transfers()) {
            if (transfer.kind() != Transfer.Kind.CONSUME_FROM_DEVICE) {
                continue;
            }
            String named = transfer.graphName() == null ? "the graph that ran last" : "'" + transfer.graphName() + "'";
            if (source == null) {
                throw new IllegalStateException("task graph '" + graph.name() + "' consumes buffers from " + named
                        + ", but no graph of this plan ran before it: TornadoVM 5.2 takes them from the graph the plan"
                        + " executed last, so run the graphs one per execute(), in order (withGraph(i).execute())");
            }
            if (transfer.graphName() != null && !transfer.graphName().equals(source.name())) {
                throw new IllegalStateException("task graph '" + graph.name() + "' consumes buffers from " + named
                        + ", but the graph this plan executed last is '" + source.name() + "': TornadoVM 5.2 takes them from"
                        + " that one (one execute() sets it, once done, to the last graph it ran)");
            }
            for (Object object : transfer.objects()) {
                if (!source.holds(object) || !source.persists(object)) {
                    throw new IllegalStateException("task graph '" + graph.name() + "' consumes " + object + " from '" + source.name()
                            + "', which " + (source.holds(object) ? "does not keep it on the device (persistOnDevice)"
                            : "does not have it on the device"));
                }
            }
        }
    }

    private List<ImmutableTaskGraph> selectedGraphs() {
        return selectedGraph < 0 ? graphs : List.of(graphs.get(selectedGraph));
    }

    private void runTask(ImmutableTaskGraph graph, JvmTask task) {
        TrafficRecorder recorder = TrafficRecorder.active;
        if (recorder == null) {
            launch(graph, task);
            return;
        }
        recorder.beginKernel(graph.name() + "." + task.id());
        try {
            launch(graph, task);
        } finally {
            recorder.endKernel();
        }
    }

    private void launch(ImmutableTaskGraph graph, JvmTask task) {
        if (!task.usesKernelContext()) {
            task.run();
            return;
        }
        String key = graph.name() + "." + task.id();
        WorkerGrid grid = gridScheduler == null ? null : gridScheduler.get(key);
        if (grid == null) {
            throw new IllegalStateException("task '" + key + "' takes a KernelContext but the plan has no WorkerGrid for '"
                    + key + "': give one with withGridScheduler(new GridScheduler(\"" + key + "\", grid))");
        }
        WorkGroupLauncher.launch(key, task, grid);
    }

    /** Runs only the graph at this index from now on, until {@link #withAllGraphs()}. */
    public TornadoExecutionPlan withGraph(int graphIndex) {
        if (graphIndex < 0 || graphIndex >= graphs.size()) {
            throw new IndexOutOfBoundsException("graph index " + graphIndex + " of a plan with " + graphs.size() + " graph(s)");
        }
        selectedGraph = graphIndex;
        return this;
    }

    public TornadoExecutionPlan withAllGraphs() {
        selectedGraph = -1;
        return this;
    }

    /** Nothing to compile ahead on the JVM. */
    public TornadoExecutionPlan withPreCompilation() {
        return this;
    }

    public TornadoExecutionPlan withDevice(TornadoDevice device) {
        this.device = Objects.requireNonNull(device, "device");
        return this;
    }

    public TornadoExecutionPlan withDevice(String taskName, TornadoDevice device) {
        Objects.requireNonNull(taskName, "taskName");
        Objects.requireNonNull(device, "device");
        return this;
    }

    /** The device the graph at this index runs on (the JVM, or what {@link #withDevice} named). */
    public TornadoDevice getDevice(int immutableTaskGraphIndex) {
        Objects.checkIndex(immutableTaskGraphIndex, graphs.size());
        return device;
    }

    public TornadoExecutionPlan freeDeviceMemory() {
        return this;
    }

    /**
     * Sets the grids of KernelContext tasks. As TornadoVM, fails if none of its names is
     * "graphName.taskId" of a task in this plan.
     */
    public TornadoExecutionPlan withGridScheduler(GridScheduler gridScheduler) {
        Objects.requireNonNull(gridScheduler, "gridScheduler");
        boolean registered = false;
        for (ImmutableTaskGraph graph : graphs) {
            for (JvmTask task : graph.tasks()) {
                registered |= gridScheduler.contains(graph.name(), task.id());
            }
        }
        if (!registered) {
            throw new IllegalArgumentException("[ERROR] GridScheduler Name not registered in any task-graph: "
                    + gridScheduler.keySet() + " names no \"graphName.taskId\" of this plan");
        }
        this.gridScheduler = gridScheduler;
        return this;
    }

    public TornadoExecutionPlan withProfiler(ProfilerMode profilerMode) {
        Objects.requireNonNull(profilerMode, "profilerMode");
        return this;
    }

    public TornadoExecutionPlan withPrintKernel() {
        return this;
    }

    /** As TornadoVM: executes the plan this many times now. */
    public TornadoExecutionPlan withWarmUpIterations(int iterations) {
        if (iterations < 0) {
            throw new IllegalArgumentException("[ERROR] Warm-up iterations cannot be negative");
        }
        for (int i = 0; i < iterations; i++) {
            execute();
        }
        return this;
    }

    public long getId() {
        return id;
    }

    @Override
    public void close() throws TornadoExecutionPlanException {
        // No device memory to free on the JVM.
    }

    @Override
    public String toString() {
        return "TornadoExecutionPlan[" + id + " on the JVM, graphs " + graphs + "]";
    }
}
