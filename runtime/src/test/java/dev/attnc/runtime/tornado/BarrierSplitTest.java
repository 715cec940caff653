package dev.attnc.runtime.tornado;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.attnc.runtime.tornado.jvm.FloatArray;
import dev.attnc.runtime.tornado.jvm.IntArray;
import dev.attnc.runtime.tornado.jvm.KernelContext;
import java.io.IOException;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.nio.file.Path;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * KernelContext kernels compiled against the facade and loaded on the JVM: a class whose
 * barriers {@link BarrierSplitter} could rewrite runs each work-group's items in phases on the
 * worker threads (no virtual thread per item), every item's locals survive each barrier, and the
 * results equal a float64 reference; a class it must leave alone still runs, on a thread per
 * item; a rewritten kernel called outside a launch behaves as before; and a group whose items
 * reach a different number of barriers still fails the launch.
 */
class BarrierSplitTest {

    /** Row sums by tree reduction; each lane also carries a long, a double, a boolean and a null across the barriers. */
    static final String KERNEL_BODY = """
                int row = context.groupIdx;
                int lane = context.localIdx;
                float[] partial = context.allocateFloatLocalArray(64);
                long tag = row * 1_000_000_007L + lane;
                double half = 0.5 + lane;
                boolean active = row < rows;
                String nothing = null;
                float sum = 0;
                if (active) {
                    for (int c = lane; c < width; c += 64) {
                        sum += in.get(row * width + c);
                    }
                }
                partial[lane] = sum;
                BARRIER;
                for (int stride = 32; stride > 0; stride /= 2) {
                    if (lane < stride) {
                        partial[lane] += partial[lane + stride];
                    }
                    BARRIER;
                }
                if (Thread.currentThread().isVirtual()) {
                    virtualItems.set(0, 1);
                }
                if (active) {
                    if (lane == 0) {
                        sums.set(row, partial[0]);
                    }
                    // lane + 0.5 + lane + 1: wrong if any local of this item was lost or swapped at a barrier
                    checks.set(row * 64 + lane, (float) ((tag - row * 1_000_000_007L) + half + (nothing == null ? 1 : 0)));
                }
            """;

    static String source(String className, String barrier, String extra) {
        return """
                package demo;

                import uk.ac.manchester.tornado.api.GridScheduler;
                import uk.ac.manchester.tornado.api.KernelContext;
                import uk.ac.manchester.tornado.api.TaskGraph;
                import uk.ac.manchester.tornado.api.TornadoExecutionPlan;
                import uk.ac.manchester.tornado.api.WorkerGrid1D;
                import uk.ac.manchester.tornado.api.enums.DataTransferMode;
                import uk.ac.manchester.tornado.api.types.arrays.FloatArray;
                import uk.ac.manchester.tornado.api.types.arrays.IntArray;

                public final class CLASS {
                    public static void rowSums(KernelContext context, FloatArray in, FloatArray sums, FloatArray checks,
                            IntArray virtualItems, int rows, int width) {
                BODY
                    }

                    /** One launch of rowSums over a grid of globalSize items in groups of 64. */
                    public static void launch(FloatArray in, FloatArray sums, FloatArray checks, IntArray virtualItems,
                            int rows, int width, int globalSize) throws Exception {
                        TaskGraph graph = new TaskGraph("g")
                                .transferToDevice(DataTransferMode.EVERY_EXECUTION, in)
                                .task("sums", CLASS::rowSums, new KernelContext(), in, sums, checks, virtualItems, rows, width)
                                .transferToHost(DataTransferMode.EVERY_EXECUTION, sums, checks, virtualItems);
                        WorkerGrid1D grid = new WorkerGrid1D(globalSize);
                        grid.setLocalWork(64, 1, 1);
                        try (TornadoExecutionPlan plan = new TornadoExecutionPlan(graph.snapshot())) {
                            plan.withGridScheduler(new GridScheduler("g.sums", grid)).execute();
                        }
                    }

                    /** Lane 0 leaves before the barrier the others reach. */
                    public static void uneven(KernelContext context, IntArray out) {
                        if (context.localIdx == 0) {
                            return;
                        }
                        context.localBarrier();
                        out.set(context.globalIdx, 1);
                    }

                    public static void launchUneven(IntArray out) throws Exception {
                        TaskGraph graph = new TaskGraph("u").task("uneven", CLASS::uneven, new KernelContext(), out)
                                .transferToHost(DataTransferMode.EVERY_EXECUTION, out);
                        WorkerGrid1D grid = new WorkerGrid1D(8);
                        grid.setLocalWork(4, 1, 1);
                        try (TornadoExecutionPlan plan = new TornadoExecutionPlan(graph.snapshot())) {
                            plan.withGridScheduler(new GridScheduler("u.uneven", grid)).execute();
                        }
                    }
                EXTRA
                }
                """.replace("BODY", KERNEL_BODY.replace("BARRIER", barrier)).replace("EXTRA", extra)
                .replace("CLASS", className);
    }

    static Class<?> phased;
    static Class<?> threaded;

    @BeforeAll
    static void compileAndLoad(@TempDir Path scratch) throws IOException {
        String facade = RemapOnJvmTest.facadeClassesDirectory(scratch).toString();
        String phasedSource = source("Phased", "context.localBarrier()", "");
        // A barrier inside a helper cannot suspend the kernel that called it: the class stays on threads.
        String threadedSource = source("Threaded", "pause(context)",
                "    static void pause(KernelContext context) {\n        context.globalBarrier();\n    }\n");
        Map<String, byte[]> compiled = InMemoryJavac.compile(
                Map.of("demo.Phased", phasedSource, "demo.Threaded", threadedSource), facade);
        ClassLoader parent = BarrierSplitTest.class.getClassLoader();
        phased = TornadoSupport.loadOnJvm("demo.Phased", compiled.get("demo.Phased"), Map.of(), parent);
        threaded = TornadoSupport.loadOnJvm("demo.Threaded", compiled.get("demo.Threaded"), Map.of(), parent);
    }

    @Test
    void aSplitClassRunsItsGroupsInPhasesWithoutAThreadPerItem() throws ReflectiveOperationException {
        assertEquals(0, launchAndCheck(phased), "work-items that ran on a virtual thread");
    }

    @Test
    void aClassWithABarrierInAHelperRunsOnAThreadPerItem() throws ReflectiveOperationException {
        assertEquals(1, launchAndCheck(threaded), "work-items that ran on a virtual thread");
    }

    /** 37 rows of 150 on a grid of 2500 items in groups of 64 (not a multiple); returns the virtual-thread flag. */
    private static int launchAndCheck(Class<?> kernels) throws ReflectiveOperationException {
        int rows = 37;
        int width = 150;
        int globalSize = 2500;
        int groups = (globalSize + 63) / 64;
        SplittableRandom random = new SplittableRandom(41);
        FloatArray in = new FloatArray(groups * width);
        for (int i = 0; i < in.getSize(); i++) {
            in.set(i, (float) random.nextDouble(-1, 1));
        }
        FloatArray sums = new FloatArray(groups);
        FloatArray checks = new FloatArray(groups * 64);
        IntArray virtualItems = new IntArray(1);
        kernels.getMethod("launch", FloatArray.class, FloatArray.class, FloatArray.class, IntArray.class, int.class,
                int.class, int.class).invoke(null, in, sums, checks, virtualItems, rows, width, globalSize);
        for (int row = 0; row < groups; row++) {
            double expected = 0;
            for (int c = 0; row < rows && c < width; c++) {
                expected += in.get(row * width + c);
            }
            // float32 sums of 150 values in [-1, 1]: well within 1e-4
            assertEquals(expected, sums.get(row), 1e-4, kernels.getSimpleName() + " row " + row);
            for (int lane = 0; lane < 64; lane++) {
                assertEquals(row < rows ? 2 * lane + 1.5f : 0f, checks.get(row * 64 + lane),
                        kernels.getSimpleName() + " locals of row " + row + " lane " + lane);
            }
        }
        return virtualItems.get(0);
    }

    @Test
    void aRewrittenKernelCalledOutsideALaunchRunsAsWritten() throws ReflectiveOperationException {
        int width = 150;
        SplittableRandom random = new SplittableRandom(43);
        FloatArray in = new FloatArray(width);
        for (int i = 0; i < width; i++) {
            in.set(i, (float) random.nextDouble(-1, 1));
        }
        FloatArray sums = new FloatArray(1);
        FloatArray checks = new FloatArray(64);
        Method rowSums = phased.getMethod("rowSums", KernelContext.class, FloatArray.class, FloatArray.class,
                FloatArray.class, IntArray.class, int.class, int.class);
        rowSums.invoke(null, new KernelContext(), in, sums, checks, new IntArray(1), 1, width);
        // One item, lane 0, barriers that do nothing: only its own columns 0, 64, 128 are summed.
        assertEquals((double) in.get(0) + in.get(64) + in.get(128), sums.get(0), 1e-6);
        assertEquals(1.5f, checks.get(0));
    }

    @Test
    void unevenBarriersStillFailTheLaunch() throws NoSuchMethodException {
        for (Class<?> kernels : new Class<?>[] {phased, threaded}) {
            Method launch = kernels.getMethod("launchUneven", IntArray.class);
            InvocationTargetException thrown = assertThrows(InvocationTargetException.class,
                    () -> launch.invoke(null, new IntArray(8)));
            String message = thrown.getCause().getMessage();
            assertTrue(message.contains("between 0 and 1 times"), kernels.getSimpleName() + ": " + message);
        }
    }
}
