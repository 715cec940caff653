package dev.attnc.runtime.tornado.jvm;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** TaskGraph and TornadoExecutionPlan on the JVM with plain (@Parallel) tasks. */
class TaskGraphOnJvmTest {

    static void vectorAdd(FloatArray a, FloatArray b, FloatArray c, int n) {
        for (@Parallel int i = 0; i < n; i++) {
            c.set(i, a.get(i) + b.get(i));
        }
    }

    static void scale(FloatArray x, FloatArray y, float factor) {
        for (@Parallel int i = 0; i < x.getSize(); i++) {
            y.set(i, x.get(i) * factor);
        }
    }

    static void count(IntArray counter, int slot) {
        counter.set(slot, counter.get(slot) + 1);
    }

    static void rowSums2D(FloatArray m, FloatArray out, int rows, int cols) {
        for (@Parallel int r = 0; r < rows; r++) {
            float s = 0f;
            for (@Parallel int c = 0; c < cols; c++) {
                s += m.get(r * cols + c);
            }
            out.set(r, s);
        }
    }

    @Test
    void parallelVectorAddMatchesAPlainLoop() throws TornadoExecutionPlanException {
        int n = 1037;
        FloatArray a = new FloatArray(n);
        FloatArray b = new FloatArray(n);
        FloatArray c = new FloatArray(n);
        for (int i = 0; i < n; i++) {
            a.set(i, i * 0.5f);
            b.set(i, 3f - i);
        }
        TaskGraph graph = new TaskGraph("s0")
                .transferToDevice(DataTransferMode.FIRST_EXECUTION, a, b)
                .task("t0", TaskGraphOnJvmTest::vectorAdd, a, b, c, n)
                .transferToHost(DataTransferMode.EVERY_EXECUTION, c);
        try (TornadoExecutionPlan plan = new TornadoExecutionPlan(graph.snapshot())) {
            TornadoExecutionResult result = plan.execute();
            assertTrue(result.isReady());
            for (int i = 0; i < n; i++) {
                assertEquals(i * 0.5f + (3f - i), c.get(i), 0f);
            }
            // The plan is built once and run again on new inputs, as generated code does.
            b.init(1f);
            plan.execute();
            for (int i = 0; i < n; i++) {
                assertEquals(i * 0.5f + 1f, c.get(i), 0f);
            }
        }
    }

    @Test
    void nestedParallelLoopsRunSequentially() {
        int rows = 5;
        int cols = 9;
        float[] data = new float[rows * cols];
        for (int i = 0; i < data.length; i++) {
            data[i] = i;
        }
        FloatArray m = FloatArray.fromArray(data);
        FloatArray out = new FloatArray(rows);
        new TornadoExecutionPlan(new TaskGraph("g").task("sum", TaskGraphOnJvmTest::rowSums2D, m, out, rows, cols).snapshot())
                .execute();
        for (int r = 0; r < rows; r++) {
            float expected = 0;
            for (int c = 0; c < cols; c++) {
                expected += data[r * cols + c];
            }
            assertEquals(expected, out.get(r), 0f);
        }
    }

    @Test
    void graphsRunInOrderAndWithGraphSelectsOne() throws TornadoExecutionPlanException {
        IntArray runs = new IntArray(2);
        TaskGraph first = new TaskGraph("first").task("count", TaskGraphOnJvmTest::count, runs, 0);
        TaskGraph second = new TaskGraph("second").task("count", TaskGraphOnJvmTest::count, runs, 1);
        try (TornadoExecutionPlan plan = new TornadoExecutionPlan(first.snapshot(), second.snapshot())) {
            plan.execute();
            assertArrayEquals(new int[] { 1, 1 }, runs.toHeapArray());
            plan.withGraph(1).execute();
            plan.execute(); // still graph 1 only, as in TornadoVM, until withAllGraphs()
            assertArrayEquals(new int[] { 1, 3 }, runs.toHeapArray());
            plan.withAllGraphs().execute();
            assertArrayEquals(new int[] { 2, 4 }, runs.toHeapArray());
            assertThrows(IndexOutOfBoundsException.class, () -> plan.withGraph(2));
        }
    }

    /** Two graphs passing {@code hidden} on the device, as TornadoVM 5.2's TestSharedBuffers runs them. */
    private static TornadoExecutionPlan twoLayers(FloatArray x, FloatArray hidden, FloatArray out, boolean persist, String source) {
        TaskGraph layer0 = new TaskGraph("layer0")
                .transferToDevice(DataTransferMode.FIRST_EXECUTION, x)
                .task("scale", TaskGraphOnJvmTest::scale, x, hidden, 2f);
        if (persist) {
            layer0.persistOnDevice(hidden);
        }
        TaskGraph layer1 = new TaskGraph("layer1")
                .consumeFromDevice(source, hidden)
                .task("scale", TaskGraphOnJvmTest::scale, hidden, out, 10f)
                .transferToHost(DataTransferMode.EVERY_EXECUTION, out);
        return new TornadoExecutionPlan(layer0.snapshot(), layer1.snapshot());
    }

    @Test
    void buffersPassBetweenGraphsRunOnePerExecute() throws TornadoExecutionPlanException {
        FloatArray x = FloatArray.fromElements(1f, 2f, 3f);
        FloatArray out = new FloatArray(3);
        try (TornadoExecutionPlan plan = twoLayers(x, new FloatArray(3), out, true, "layer0")) {
            for (int call = 0; call < 2; call++) {
                x.set(0, 1f + call);
                plan.withGraph(0).execute();
                plan.withGraph(1).execute();
                assertArrayEquals(new float[] { 20f * (1 + call), 40f, 60f }, out.toHeapArray());
            }
        }
    }

    @Test
    void aConsumedBufferMustComeFromTheGraphThatRanLastAndKeptIt() {
        FloatArray x = FloatArray.fromElements(1f, 2f, 3f);
        // One execute() for both graphs: TornadoVM 5.2 sets "the graph that ran last" only after it.
        IllegalStateException all = assertThrows(IllegalStateException.class,
                () -> twoLayers(x, new FloatArray(3), new FloatArray(3), true, "layer0").execute());
        assertTrue(all.getMessage().contains("no graph of this plan ran before it"), all.getMessage());
        IllegalStateException alone = assertThrows(IllegalStateException.class,
                () -> twoLayers(x, new FloatArray(3), new FloatArray(3), true, "layer0").withGraph(1).execute());
        assertTrue(alone.getMessage().contains("no graph of this plan ran before it"), alone.getMessage());
        TornadoExecutionPlan notKept = twoLayers(x, new FloatArray(3), new FloatArray(3), false, "layer0");
        notKept.withGraph(0).execute();
        IllegalStateException dropped = assertThrows(IllegalStateException.class, () -> notKept.withGraph(1).execute());
        assertTrue(dropped.getMessage().contains("does not keep it on the device (persistOnDevice)"), dropped.getMessage());
        TornadoExecutionPlan misnamed = twoLayers(x, new FloatArray(3), new FloatArray(3), true, "layer7");
        misnamed.withGraph(0).execute();
        IllegalStateException named = assertThrows(IllegalStateException.class, () -> misnamed.withGraph(1).execute());
        assertTrue(named.getMessage().contains("executed last is 'layer0'"), named.getMessage());
        // A buffer the graph that ran last never had.
        FloatArray stranger = new FloatArray(3);
        TornadoExecutionPlan foreign = new TornadoExecutionPlan(
                new TaskGraph("a").task("scale", TaskGraphOnJvmTest::scale, x, new FloatArray(3), 1f).snapshot(),
                new TaskGraph("b").consumeFromDevice("a", stranger).task("scale", TaskGraphOnJvmTest::scale, stranger, x, 1f).snapshot());
        foreign.withGraph(0).execute();
        IllegalStateException missing = assertThrows(IllegalStateException.class, () -> foreign.withGraph(1).execute());
        assertTrue(missing.getMessage().contains("does not have it on the device"), missing.getMessage());
    }

    @Test
    void aSnapshotDoesNotSeeLaterTasks() {
        IntArray runs = new IntArray(2);
        TaskGraph graph = new TaskGraph("g").task("a", TaskGraphOnJvmTest::count, runs, 0);
        ImmutableTaskGraph snapshot = graph.snapshot();
        graph.task("b", TaskGraphOnJvmTest::count, runs, 1);
        new TornadoExecutionPlan(snapshot).execute();
        assertArrayEquals(new int[] { 1, 0 }, runs.toHeapArray());
    }

    @Test
    void warmUpIterationsExecute() {
        IntArray runs = new IntArray(1);
        TornadoExecutionPlan plan = new TornadoExecutionPlan(new TaskGraph("g").task("a", TaskGraphOnJvmTest::count, runs, 0).snapshot());
        plan.withPreCompilation().withWarmUpIterations(3).withProfiler(ProfilerMode.SILENT).withPrintKernel().freeDeviceMemory();
        assertEquals(3, runs.get(0));
    }

    @Test
    void fifteenArgumentsAreBoxedAndPassedInOrder() {
        IntArray out = new IntArray(15);
        TaskGraph graph = new TaskGraph("g").task("many",
                (IntArray o, Integer a2, Integer a3, Integer a4, Integer a5, Integer a6, Integer a7, Integer a8, Integer a9,
                        Integer a10, Integer a11, Integer a12, Integer a13, Integer a14, Integer a15) -> {
                    int[] values = { 1, a2, a3, a4, a5, a6, a7, a8, a9, a10, a11, a12, a13, a14, a15 };
                    for (int i = 0; i < values.length; i++) {
                        o.set(i, values[i]);
                    }
                }, out, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
        new TornadoExecutionPlan(graph.snapshot()).execute();
        assertArrayEquals(new int[] { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15 }, out.toHeapArray());
    }

    @Test
    void taskNamesAreUniqueWithinAGraph() {
        IntArray runs = new IntArray(1);
        TaskGraph graph = new TaskGraph("g").task("a", TaskGraphOnJvmTest::count, runs, 0);
        assertThrows(IllegalArgumentException.class, () -> graph.task("a", TaskGraphOnJvmTest::count, runs, 0));
    }

    @Test
    void aGridSchedulerMustNameATaskOfThePlan() {
        TornadoExecutionPlan plan = new TornadoExecutionPlan(new TaskGraph("g").task("a", TaskGraphOnJvmTest::count, new IntArray(1), 0)
                .snapshot());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> plan.withGridScheduler(new GridScheduler("g.b", new WorkerGrid1D(4))));
        assertTrue(e.getMessage().contains("not registered"), e.getMessage());
    }

    @Test
    void unknownTransferModesAreRejected() {
        assertThrows(IllegalArgumentException.class, () -> new TaskGraph("g").transferToDevice(3, new FloatArray(1)));
    }

    @Test
    void devicesAreTheJvm() {
        TornadoDevice device = TornadoExecutionPlan.getDevice(0, 0);
        assertSame(TornadoExecutionPlan.DEFAULT_DEVICE, device);
        assertTrue(device.getDescription().contains("JVM"));
        TornadoExecutionPlan plan = new TornadoExecutionPlan(new TaskGraph("g").snapshot()).withDevice(TornadoExecutionPlan.getDevice(1, 0));
        assertEquals(1, plan.getDevice(0).getBackendIndex());
    }

    @Test
    void workerGridsReportWhatTornadoVmReports() {
        WorkerGrid grid = new WorkerGrid2D(30, 13);
        assertEquals(2, grid.dimension());
        assertArrayEquals(new long[] { 30, 13, 1 }, grid.getGlobalWork());
        assertNull(grid.getLocalWork());
        grid.setLocalWork(8, 4, 1);
        assertArrayEquals(new long[] { 3, 3, 1 }, grid.getNumberOfWorkgroups(), "rounded down, as TornadoVM computes it");
        GridScheduler scheduler = new GridScheduler();
        scheduler.addWorkerGrid("g.t", grid);
        assertTrue(scheduler.contains("g", "t"));
        assertSame(grid, scheduler.get("g.t"));
    }
}
