package dev.attnc.runtime.tornado;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.attnc.runtime.tornado.jvm.MemoryTraffic;
import dev.attnc.runtime.tornado.jvm.MemoryTraffic.Access;
import dev.attnc.runtime.tornado.jvm.MemoryTraffic.Kernel;
import dev.attnc.runtime.tornado.jvm.MemoryTraffic.Site;
import java.io.IOException;
import java.lang.reflect.Method;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Hand-written kernels whose traffic is known from their index arithmetic, run on the JVM with
 * the traffic probes on. Every expected figure below is worked out from the kernel's loops, not
 * read from a run.
 */
class MemoryTrafficTest {

    /** N elements: 32 warps of 32 items. */
    static final int N = 1024;
    /** The strided kernels' matrix: ROWS x COLS floats, one 128-byte line per row. */
    static final int ROWS = 64;
    static final int COLS = 32;
    static final int GROUP = 64;

    static final String KERNELS = """
            package demo;

            import uk.ac.manchester.tornado.api.GridScheduler;
            import uk.ac.manchester.tornado.api.KernelContext;
            import uk.ac.manchester.tornado.api.TaskGraph;
            import uk.ac.manchester.tornado.api.TornadoExecutionPlan;
            import uk.ac.manchester.tornado.api.WorkerGrid;
            import uk.ac.manchester.tornado.api.WorkerGrid1D;
            import uk.ac.manchester.tornado.api.annotations.Parallel;
            import uk.ac.manchester.tornado.api.enums.DataTransferMode;
            import uk.ac.manchester.tornado.api.types.arrays.FloatArray;

            public final class Traffic {
                static final int N = 1024, ROWS = 64, COLS = 32, GROUP = 64;

                /** out[i] = in[i]: neighbouring items, neighbouring floats. */
                static void copy(FloatArray in, FloatArray out) {
                    for (@Parallel int i = 0; i < N; i++) {
                        out.set(i, in.get(i));
                    }
                }

                /** out[r] = sum of row r: at each step the 32 lanes of a warp read 32 rows, 128 bytes apart. */
                static void rowSums(FloatArray in, FloatArray out) {
                    for (@Parallel int r = 0; r < ROWS; r++) {
                        float sum = 0;
                        for (int c = 0; c < COLS; c++) {
                            sum += in.get(r * COLS + c);
                        }
                        out.set(r, sum);
                    }
                }

                /** out[i] = in[i] * in[(i + 1) % N]: every input element read twice. */
                static void readTwice(FloatArray in, FloatArray out) {
                    for (@Parallel int i = 0; i < N; i++) {
                        out.set(i, in.get(i) * in.get((i + 1) % N));
                    }
                }

                /** A 2-D nest over [row][col]: the outer loop is x, so a warp is 32 rows of one column. */
                static void copyRowsOuter(FloatArray in, FloatArray out) {
                    for (@Parallel int r = 0; r < ROWS; r++) {
                        for (@Parallel int c = 0; c < COLS; c++) {
                            out.set(r * COLS + c, in.get(r * COLS + c));
                        }
                    }
                }

                /** Each group reverses its 64 floats through local memory. */
                static void reverseInGroups(KernelContext context, FloatArray in, FloatArray out) {
                    int lane = context.localIdx;
                    int base = context.groupIdx * GROUP;
                    float[] tile = context.allocateFloatLocalArray(64);
                    tile[lane] = in.get(base + lane);
                    context.localBarrier();
                    out.set(base + lane, tile[GROUP - 1 - lane]);
                }

                /** Item g reads row g's first float: 32 lines per warp access. */
                static void firstOfRow(KernelContext context, FloatArray in, FloatArray out) {
                    int g = context.globalIdx;
                    float[] scratch = new float[2];
                    scratch[0] = in.get(g * COLS);
                    out.set(g, scratch[0]);
                }

                public static void run(float[] matrix, float[] vector) {
                    FloatArray in = FloatArray.fromArray(vector);
                    FloatArray grid = FloatArray.fromArray(matrix);
                    FloatArray copied = new FloatArray(N);
                    FloatArray sums = new FloatArray(ROWS);
                    FloatArray products = new FloatArray(N);
                    FloatArray copied2d = new FloatArray(ROWS * COLS);
                    FloatArray reversed = new FloatArray(N);
                    FloatArray firsts = new FloatArray(ROWS);
                    TaskGraph graph = new TaskGraph("t")
                            .transferToDevice(DataTransferMode.EVERY_EXECUTION, in, grid)
                            .task("copy", Traffic::copy, in, copied)
                            .task("rowSums", Traffic::rowSums, grid, sums)
                            .task("readTwice", Traffic::readTwice, in, products)
                            .task("copyRowsOuter", Traffic::copyRowsOuter, grid, copied2d)
                            .task("reverse", Traffic::reverseInGroups, new KernelContext(), in, reversed)
                            .task("firstOfRow", Traffic::firstOfRow, new KernelContext(), grid, firsts)
                            .transferToHost(DataTransferMode.EVERY_EXECUTION, copied, sums, products, copied2d, reversed, firsts);
                    WorkerGrid groups = new WorkerGrid1D(N);
                    groups.setLocalWork(GROUP, 1, 1);
                    WorkerGrid rows = new WorkerGrid1D(ROWS);
                    rows.setLocalWork(GROUP, 1, 1);
                    GridScheduler scheduler = new GridScheduler("t.reverse", groups);
                    scheduler.addWorkerGrid("t.firstOfRow", rows);
                    new TornadoExecutionPlan(graph.snapshot()).withGridScheduler(scheduler).execute();
                    check(copied.get(5) == vector[5] && reversed.get(0) == vector[GROUP - 1] && firsts.get(3) == matrix[3 * COLS]
                            && copied2d.get(77) == matrix[77], "a kernel computed a wrong value");
                }

                private static void check(boolean ok, String message) {
                    if (!ok) {
                        throw new IllegalStateException(message);
                    }
                }
            }
            """;

    static Map<String, byte[]> compiled;

    @BeforeAll
    static void compile(@TempDir Path scratch) throws IOException {
        String facade = RemapOnJvmTest.facadeClassesDirectory(scratch).toString();
        compiled = InMemoryJavac.compile(Map.of("demo.Traffic", KERNELS), facade);
    }

    @AfterEach
    void switchOff() {
        MemoryTraffic.instrumentNewClasses(false);
    }

    private static Class<?> load() {
        Map<String, byte[]> others = new HashMap<>(compiled);
        byte[] main = others.remove("demo.Traffic");
        return TornadoSupport.loadOnJvm("demo.Traffic", main, others, MemoryTrafficTest.class.getClassLoader());
    }

    private static MemoryTraffic.Report record(Class<?> type) throws ReflectiveOperationException {
        SplittableRandom random = new SplittableRandom(3);
        float[] matrix = new float[ROWS * COLS];
        float[] vector = new float[N];
        for (int i = 0; i < matrix.length; i++) {
            matrix[i] = (float) random.nextDouble(-1, 1);
        }
        for (int i = 0; i < vector.length; i++) {
            vector[i] = (float) random.nextDouble(-1, 1);
        }
        Method run = type.getMethod("run", float[].class, float[].class);
        try (MemoryTraffic.Recording recording = MemoryTraffic.start(1)) {
            run.invoke(null, matrix, vector);
            return recording.stop();
        }
    }

    private static MemoryTraffic.Report instrumentedRun() throws ReflectiveOperationException {
        MemoryTraffic.instrumentNewClasses(true);
        Class<?> type = load();
        MemoryTraffic.instrumentNewClasses(false);
        return record(type);
    }

    private static Site only(Kernel kernel, Access access) {
        List<Site> sites = kernel.sites().stream().filter(site -> site.access() == access).toList();
        assertEquals(1, sites.size(), kernel.name() + ": " + sites);
        return sites.get(0);
    }

    @Test
    void coalescedCopyUsesEveryByteOfEveryLine() throws ReflectiveOperationException {
        Kernel copy = instrumentedRun().kernel("t.copy");
        assertEquals(1, copy.launches());
        assertEquals(4L * N, copy.globalRead());
        assertEquals(4L * N, copy.globalWrite());
        assertEquals(4L * N, copy.minimumRead());
        assertEquals(4L * N, copy.minimumWrite());
        assertEquals(1.0, copy.ratioToMinimum());
        // 32 warps, one line each, per site.
        assertEquals(N / 32, only(copy, Access.GLOBAL_READ).lines());
        assertEquals(1.0, only(copy, Access.GLOBAL_READ).coalescing());
        assertEquals(1.0, only(copy, Access.GLOBAL_WRITE).coalescing());
        assertEquals(0, copy.localRead() + copy.localWrite());
        assertTrue(only(copy, Access.GLOBAL_READ).where().startsWith("Traffic.copy:"), only(copy, Access.GLOBAL_READ).where());
    }

    @Test
    void rowStridedReadUsesOneThirtySecondOfEachLine() throws ReflectiveOperationException {
        Kernel sums = instrumentedRun().kernel("t.rowSums");
        assertEquals(4L * ROWS * COLS, sums.globalRead());
        assertEquals(4L * ROWS, sums.globalWrite());
        assertEquals(1.0, sums.ratioToMinimum());
        Site read = only(sums, Access.GLOBAL_READ);
        // 2 warps x 32 steps, each step 32 lanes on 32 different rows = 32 lines for 128 bytes.
        assertEquals(2L * COLS * 32, read.lines());
        assertEquals(1.0 / 32, read.coalescing());
        assertFalse(read.approximate());
        assertEquals(1.0, only(sums, Access.GLOBAL_WRITE).coalescing());
    }

    @Test
    void readingTheInputTwiceDoublesTheReadsOverTheMinimum() throws ReflectiveOperationException {
        Kernel twice = instrumentedRun().kernel("t.readTwice");
        assertEquals(2 * 4L * N, twice.globalRead());
        assertEquals(4L * N, twice.minimumRead());
        assertEquals(2.0, (double) twice.globalRead() / twice.minimumRead());
        // Reads 2N, writes N, minimum N + N.
        assertEquals(1.5, twice.ratioToMinimum());
        // in[i]: one line per warp; in[(i + 1) % N]: 31 lanes in the warp's line, 1 in the next one.
        List<Long> lines = twice.sites().stream().filter(site -> site.access() == Access.GLOBAL_READ).map(Site::lines)
                .sorted().toList();
        assertEquals(List.of((long) N / 32, 2L * N / 32), lines);
    }

    @Test
    void outerParallelLoopIsTheWarpDimension() throws ReflectiveOperationException {
        Kernel nest = instrumentedRun().kernel("t.copyRowsOuter");
        assertEquals(4L * ROWS * COLS, nest.globalRead());
        // Warps of 32 rows in one column: every lane on its own line, for loads and stores.
        assertEquals(1.0 / 32, nest.coalescing(Access.GLOBAL_READ));
        assertEquals(1.0 / 32, nest.coalescing(Access.GLOBAL_WRITE));
        assertEquals(1.0, nest.ratioToMinimum());
    }

    @Test
    void localMemoryIsCountedAndWarpsFormWithinGroups() throws ReflectiveOperationException {
        MemoryTraffic.Report report = instrumentedRun();
        Kernel reverse = report.kernel("t.reverse");
        assertEquals(4L * N, reverse.globalRead());
        assertEquals(4L * N, reverse.globalWrite());
        assertEquals(4L * N, reverse.localRead());
        assertEquals(4L * N, reverse.localWrite());
        assertEquals(1.0, reverse.coalescing(Access.GLOBAL_READ));
        assertEquals(1.0, reverse.coalescing(Access.GLOBAL_WRITE));
        Kernel firsts = report.kernel("t.firstOfRow");
        // 64 items; their private array is neither global nor local traffic.
        assertEquals(4L * ROWS, firsts.globalRead());
        assertEquals(0, firsts.localRead() + firsts.localWrite());
        assertEquals(1.0 / 32, firsts.coalescing(Access.GLOBAL_READ));
        assertEquals(1.0, firsts.coalescing(Access.GLOBAL_WRITE));
    }

    @Test
    void sampledWarpsKeepTheByteCountsExact() throws ReflectiveOperationException {
        MemoryTraffic.instrumentNewClasses(true);
        Class<?> type = load();
        MemoryTraffic.instrumentNewClasses(false);
        SplittableRandom random = new SplittableRandom(5);
        float[] matrix = new float[ROWS * COLS];
        float[] vector = new float[N];
        for (int i = 0; i < N; i++) {
            vector[i] = (float) random.nextDouble(-1, 1);
        }
        for (int i = 0; i < matrix.length; i++) {
            matrix[i] = (float) random.nextDouble(-1, 1);
        }
        MemoryTraffic.Report report;
        try (MemoryTraffic.Recording recording = MemoryTraffic.start(4)) {
            type.getMethod("run", float[].class, float[].class).invoke(null, matrix, vector);
            report = recording.stop();
        }
        Kernel copy = report.kernel("t.copy");
        assertEquals(4L * N, copy.globalRead());
        Site read = only(copy, Access.GLOBAL_READ);
        assertTrue(read.sampledBytes() < read.bytes() && read.sampledBytes() > 0, read.toString());
        assertEquals(1.0, read.coalescing());
    }

    static final String OTHER_ARRAYS = """
            package demo;

            import dev.attnc.runtime.tornado.jvm.Parallel;
            import dev.attnc.runtime.tornado.jvm.PairTestArray;
            import dev.attnc.runtime.tornado.jvm.TaskGraph;
            import dev.attnc.runtime.tornado.jvm.TornadoExecutionPlan;

            public final class Pairs {
                static void swapHalves(PairTestArray in, PairTestArray out, int n) {
                    for (@Parallel int i = 0; i < n; i++) {
                        long wide = 1L;
                        double wider = 2.0;
                        out.set(i, (short) (in.get(i) + 1));
                        out.set(i, (short) (out.get(i) + wide + wider));
                    }
                }

                public static short run(int n) {
                    PairTestArray in = new PairTestArray(n);
                    PairTestArray out = new PairTestArray(n);
                    in.set(3, (short) 7);
                    new TornadoExecutionPlan(new TaskGraph("p").task("swap", Pairs::swapHalves, in, out, n).snapshot()).execute();
                    return out.get(3);
                }
            }
            """;

    @Test
    void otherArrayTypesAreCountedThroughTheGenericProbe() throws ReflectiveOperationException {
        Map<String, byte[]> classes = InMemoryJavac.compile(Map.of("demo.Pairs", OTHER_ARRAYS), System.getProperty("java.class.path"));
        MemoryTraffic.instrumentNewClasses(true);
        Class<?> type = TornadoSupport.loadOnJvm("demo.Pairs", classes.get("demo.Pairs"), Map.of(), getClass().getClassLoader());
        MemoryTraffic.instrumentNewClasses(false);
        MemoryTraffic.Report report;
        try (MemoryTraffic.Recording recording = MemoryTraffic.start(1)) {
            // The value stashed around the probe comes back: 7 + 1 + 1 + 2.
            assertEquals((short) 11, type.getMethod("run", int.class).invoke(null, N));
            report = recording.stop();
        }
        Kernel swap = report.kernel("p.swap");
        // Not a TornadoNativeArray: 4 bytes an element is assumed. Two reads and two writes per item.
        assertEquals(2 * 4L * N, swap.globalRead());
        assertEquals(2 * 4L * N, swap.globalWrite());
        // in read once, out written (its read comes after the write): N + N elements.
        assertEquals(2 * 4L * N, swap.minimumBytes());
        assertEquals(1.0, swap.coalescing(Access.GLOBAL_READ));
    }

    /** A barrier in a helper: the class cannot run groups in phases, so each item runs on a thread of its own. */
    static final String ON_THREADS = """
            package demo;

            import uk.ac.manchester.tornado.api.GridScheduler;
            import uk.ac.manchester.tornado.api.KernelContext;
            import uk.ac.manchester.tornado.api.TaskGraph;
            import uk.ac.manchester.tornado.api.TornadoExecutionPlan;
            import uk.ac.manchester.tornado.api.WorkerGrid;
            import uk.ac.manchester.tornado.api.WorkerGrid1D;
            import uk.ac.manchester.tornado.api.types.arrays.FloatArray;

            public final class OnThreads {
                static void sync(KernelContext context) {
                    context.localBarrier();
                }

                static void rotate(KernelContext context, FloatArray in, FloatArray out) {
                    int lane = context.localIdx;
                    int base = context.groupIdx * 64;
                    float[] tile = context.allocateFloatLocalArray(64);
                    tile[lane] = in.get(base + lane);
                    sync(context);
                    out.set(base + lane, tile[(lane + 1) % 64] + tile[lane]);
                }

                public static float run(int n) {
                    FloatArray in = new FloatArray(n);
                    FloatArray out = new FloatArray(n);
                    in.set(1, 5f);
                    WorkerGrid grid = new WorkerGrid1D(n);
                    grid.setLocalWork(64, 1, 1);
                    new TornadoExecutionPlan(new TaskGraph("o").task("rotate", OnThreads::rotate, new KernelContext(), in, out)
                            .snapshot()).withGridScheduler(new GridScheduler("o.rotate", grid)).execute();
                    return out.get(0);
                }
            }
            """;

    @Test
    void itemsOnThreadsAreCountedUnderALock(@TempDir Path scratch) throws ReflectiveOperationException, IOException {
        String facade = RemapOnJvmTest.facadeClassesDirectory(scratch).toString();
        Map<String, byte[]> classes = InMemoryJavac.compile(Map.of("demo.OnThreads", ON_THREADS), facade);
        MemoryTraffic.instrumentNewClasses(true);
        Class<?> type = TornadoSupport.loadOnJvm("demo.OnThreads", classes.get("demo.OnThreads"), Map.of(),
                getClass().getClassLoader());
        MemoryTraffic.instrumentNewClasses(false);
        MemoryTraffic.Report report;
        try (MemoryTraffic.Recording recording = MemoryTraffic.start(1)) {
            assertEquals(5f, type.getMethod("run", int.class).invoke(null, N));
            report = recording.stop();
        }
        Kernel rotate = report.kernel("o.rotate");
        assertEquals(4L * N, rotate.globalRead());
        assertEquals(4L * N, rotate.globalWrite());
        assertEquals(4L * N, rotate.localWrite());
        assertEquals(2 * 4L * N, rotate.localRead());
        // Lanes arrive in any order, but a warp's 32 consecutive floats are one line whatever the order.
        assertEquals(1.0, rotate.coalescing(Access.GLOBAL_READ));
    }

    @Test
    void withoutTheSwitchClassesHaveNoProbesAndNothingIsCounted() throws ReflectiveOperationException {
        Map<String, byte[]> others = new HashMap<>(compiled);
        byte[] main = others.remove("demo.Traffic");
        JvmApiClassLoader loader = new JvmApiClassLoader(Map.of("demo.Traffic", main), getClass().getClassLoader());
        String text = new String(loader.rewrittenBytes("demo.Traffic"), StandardCharsets.ISO_8859_1);
        assertFalse(text.contains("TrafficProbes"));
        MemoryTraffic.Report report = record(load());
        assertTrue(report.kernels().stream().allMatch(k -> k.globalBytes() == 0 && k.sites().isEmpty()), report.toString());
    }
}
