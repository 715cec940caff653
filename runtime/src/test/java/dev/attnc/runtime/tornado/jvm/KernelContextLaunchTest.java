package dev.attnc.runtime.tornado.jvm;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * KernelContext kernels launched over grids on the JVM, checked against plain loops: ids, local
 * arrays shared by a group, barriers, padding of grids that are not multiples of the group.
 */
class KernelContextLaunchTest {

    // ---- kernels, written as a TornadoVM user would ----

    static final int ROW_GROUP = 32;

    /** One work-group per row: each item folds a strided slice, then a tree reduction in local memory. */
    static void rowMaxSum(KernelContext ctx, FloatArray x, FloatArray maxOut, FloatArray sumOut, int cols) {
        int row = ctx.groupIdx;
        int lid = ctx.localIdx;
        int size = ctx.localGroupSizeX;
        float[] maxes = ctx.allocateFloatLocalArray(ROW_GROUP);
        float[] sums = ctx.allocateFloatLocalArray(ROW_GROUP);
        float m = Float.NEGATIVE_INFINITY;
        float s = 0f;
        for (int j = lid; j < cols; j += size) {
            float v = x.get(row * cols + j);
            m = TornadoMath.max(m, v);
            s += v;
        }
        maxes[lid] = m;
        sums[lid] = s;
        ctx.localBarrier();
        for (int stride = size / 2; stride > 0; stride /= 2) {
            if (lid < stride) {
                maxes[lid] = TornadoMath.max(maxes[lid], maxes[lid + stride]);
                sums[lid] += sums[lid + stride];
            }
            ctx.localBarrier();
        }
        if (lid == 0) {
            maxOut.set(row, maxes[0]);
            sumOut.set(row, sums[0]);
        }
    }

    static final int BLOCK = 64;

    /** A sum per work-group over a padded 1-D grid: items past n contribute 0 but reach every barrier. */
    static void blockSum(KernelContext ctx, FloatArray x, FloatArray partial, int n) {
        int gid = ctx.globalIdx;
        int lid = ctx.localIdx;
        float[] buffer = ctx.allocateFloatLocalArray(BLOCK);
        buffer[lid] = gid < n ? x.get(gid) : 0f;
        ctx.localBarrier();
        for (int stride = ctx.localGroupSizeX / 2; stride > 0; stride >>= 1) {
            if (lid < stride) {
                buffer[lid] += buffer[lid + stride];
            }
            ctx.globalBarrier();
        }
        if (lid == 0) {
            partial.set(ctx.groupIdx, buffer[0]);
        }
    }

    static final int TILE_W = 8;
    static final int TILE_H = 4;

    /** 2-D: each group loads a tile to local memory; each item then adds the value mirrored across its tile row. */
    static void mirrorTile(KernelContext ctx, FloatArray in, FloatArray out, int width, int height) {
        int x = ctx.globalIdx;
        int y = ctx.globalIdy;
        int lx = ctx.localIdx;
        int ly = ctx.localIdy;
        float[] tile = ctx.allocateFloatLocalArray(TILE_W * TILE_H);
        tile[ly * TILE_W + lx] = x < width && y < height ? in.get(y * width + x) : 0f;
        ctx.localBarrier();
        if (x < width && y < height) {
            out.set(y * width + x, in.get(y * width + x) + tile[ly * TILE_W + (TILE_W - 1 - lx)]);
        }
    }

    /** Records each in-range item's ids; counts the padding items. */
    static void recordIds(KernelContext ctx, IntArray ids, IntArray padding, int width, int height) {
        int x = ctx.globalIdx;
        int y = ctx.globalIdy;
        if (x < width && y < height) {
            int at = (y * width + x) * 8;
            ids.set(at, x);
            ids.set(at + 1, y);
            ids.set(at + 2, ctx.groupIdx);
            ids.set(at + 3, ctx.groupIdy);
            ids.set(at + 4, ctx.localIdx);
            ids.set(at + 5, ctx.localIdy);
            ids.set(at + 6, ctx.localGroupSizeX * 1000 + ctx.localGroupSizeY);
            ids.set(at + 7, ctx.globalGroupSizeX * 1000 + ctx.globalGroupSizeY);
        } else {
            ctx.atomicAdd(padding, 0, 1);
        }
    }

    /** Each item publishes its id, waits, then reads its right neighbour's: fails without a shared array and a real barrier. */
    static void neighbour(KernelContext ctx, IntArray out) {
        int lid = ctx.localIdx;
        int size = ctx.localGroupSizeX;
        int[] shared = ctx.allocateIntLocalArray(128);
        shared[lid] = ctx.globalIdx * 10;
        ctx.localBarrier();
        int read = shared[(lid + 1) % size];
        ctx.localBarrier();
        shared[lid] = read + 1;
        ctx.localBarrier();
        out.set(ctx.globalIdx, shared[(lid + size - 1) % size]);
    }

    static void histogram(KernelContext ctx, IntArray counts, FloatArray total, int n) {
        int gid = ctx.globalIdx;
        if (gid < n) {
            ctx.atomicAdd(counts, gid % counts.getSize(), 1);
            ctx.atomicAdd(total, 0, 1f);
        }
    }

    static void recordLocalSize(KernelContext ctx, IntArray sizes) {
        sizes.set(ctx.globalIdx, ctx.localGroupSizeX);
    }

    static void divergentBarrier(KernelContext ctx, FloatArray x) {
        if (ctx.localIdx < 2) {
            ctx.localBarrier();
        }
        x.set(ctx.globalIdx, 1f);
    }

    /** Returns early in the padding, then uses a barrier: wrong on a GPU, caught here. */
    static void earlyReturnBeforeBarrier(KernelContext ctx, FloatArray x, int n) {
        if (ctx.globalIdx >= n) {
            return;
        }
        float[] buffer = ctx.allocateFloatLocalArray(16);
        buffer[ctx.localIdx] = x.get(ctx.globalIdx);
        ctx.localBarrier();
        x.set(ctx.globalIdx, buffer[0]);
    }

    static void failAtFive(KernelContext ctx, IntArray out) {
        int gid = ctx.globalIdx;
        ctx.localBarrier();
        out.set(gid, 10 / (gid - 5));
    }

    // ---- helpers ----

    private static TornadoExecutionPlan plan(TaskGraph graph, String key, WorkerGrid grid) {
        return new TornadoExecutionPlan(graph.snapshot()).withGridScheduler(new GridScheduler(key, grid));
    }

    private static WorkerGrid grid1D(int global, int local) {
        WorkerGrid grid = new WorkerGrid1D(global);
        grid.setLocalWork(local, 1, 1);
        return grid;
    }

    private static FloatArray random(int n, long seed) {
        Random random = new Random(seed);
        FloatArray a = new FloatArray(n);
        for (int i = 0; i < n; i++) {
            a.set(i, (float) random.nextGaussian());
        }
        return a;
    }

    // ---- tests ----

    @Test
    void rowMaxAndSumOneGroupPerRow() throws Exception {
        int rows = 7;
        int cols = 100; // not a multiple of the group: the strided loop covers the tail
        FloatArray x = random(rows * cols, 1);
        FloatArray max = new FloatArray(rows);
        FloatArray sum = new FloatArray(rows);
        KernelContext ctx = new KernelContext();
        TaskGraph graph = new TaskGraph("rows")
                .transferToDevice(DataTransferMode.FIRST_EXECUTION, x)
                .task("maxsum", KernelContextLaunchTest::rowMaxSum, ctx, x, max, sum, cols)
                .transferToHost(DataTransferMode.EVERY_EXECUTION, max, sum);
        try (TornadoExecutionPlan plan = plan(graph, "rows.maxsum", grid1D(rows * ROW_GROUP, ROW_GROUP))) {
            plan.execute();
        }
        for (int r = 0; r < rows; r++) {
            double expectedMax = Double.NEGATIVE_INFINITY;
            double expectedSum = 0;
            for (int c = 0; c < cols; c++) {
                expectedMax = Math.max(expectedMax, x.get(r * cols + c));
                expectedSum += x.get(r * cols + c);
            }
            assertEquals(expectedMax, max.get(r), 0.0, "max of row " + r);
            assertEquals(expectedSum, sum.get(r), 1e-4, "sum of row " + r);
        }
    }

    @Test
    void blockSumOverAPaddedGrid() throws Exception {
        int n = 1000; // 16 groups of 64: the last has 40 real items and 24 padding items
        FloatArray x = random(n, 2);
        int groups = (n + BLOCK - 1) / BLOCK;
        FloatArray partial = new FloatArray(groups);
        TaskGraph graph = new TaskGraph("g").task("sum", KernelContextLaunchTest::blockSum, new KernelContext(), x, partial, n);
        try (TornadoExecutionPlan plan = plan(graph, "g.sum", grid1D(n, BLOCK))) {
            plan.execute();
        }
        for (int g = 0; g < groups; g++) {
            double expected = 0;
            for (int i = g * BLOCK; i < Math.min(n, (g + 1) * BLOCK); i++) {
                expected += x.get(i);
            }
            assertEquals(expected, partial.get(g), 1e-4, "group " + g);
        }
    }

    @Test
    void twoDimensionalTilesInLocalMemoryOverAPaddedGrid() throws Exception {
        int width = 30;
        int height = 13; // groups of 8 x 4: a 4 x 4 grid of groups, padded in both dimensions
        FloatArray in = random(width * height, 3);
        FloatArray out = new FloatArray(width * height);
        TaskGraph graph = new TaskGraph("img").task("mirror", KernelContextLaunchTest::mirrorTile, new KernelContext(), in, out,
                width, height);
        WorkerGrid grid = new WorkerGrid2D(width, height);
        grid.setLocalWork(TILE_W, TILE_H, 1);
        try (TornadoExecutionPlan plan = plan(graph, "img.mirror", grid)) {
            plan.execute();
        }
        for (int y = 0; y < height; y++) {
            for (int x = 0; x < width; x++) {
                int tileX = x / TILE_W * TILE_W;
                int mirrored = tileX + (TILE_W - 1 - x % TILE_W);
                float neighbour = mirrored < width ? in.get(y * width + mirrored) : 0f;
                assertEquals(in.get(y * width + x) + neighbour, out.get(y * width + x), 0f, "(" + x + ", " + y + ")");
            }
        }
    }

    @Test
    void idsFollowTheGridIn2D() throws Exception {
        int width = 30;
        int height = 13;
        IntArray ids = new IntArray(width * height * 8);
        IntArray padding = new IntArray(1);
        TaskGraph graph = new TaskGraph("ids").task("record", KernelContextLaunchTest::recordIds, new KernelContext(), ids, padding,
                width, height);
        WorkerGrid grid = new WorkerGrid2D(width, height);
        grid.setLocalWork(8, 4, 1);
        try (TornadoExecutionPlan plan = plan(graph, "ids.record", grid)) {
            plan.execute();
        }
        for (int y = 0; y < height; y++) {
            for (int x = 0; x < width; x++) {
                int at = (y * width + x) * 8;
                assertArrayEquals(new int[] { x, y, x / 8, y / 4, x % 8, y % 4, 8 * 1000 + 4, width * 1000 + height },
                        java.util.Arrays.copyOfRange(ids.toHeapArray(), at, at + 8), "(" + x + ", " + y + ")");
            }
        }
        assertEquals(4 * 8 * 4 * 4 - width * height, padding.get(0), "padding items: 32 x 16 launched, 30 x 13 real");
    }

    @Test
    void idsFollowTheGridIn3DWithAnOffset() throws Exception {
        IntArray seen = new IntArray(5 * 3 * 2);
        TaskGraph graph = new TaskGraph("g").task("t", (KernelContext ctx, IntArray out) -> {
            int x = ctx.globalIdx - 100;
            int y = ctx.globalIdy;
            int z = ctx.globalIdz;
            if (x < 5 && y < 3 && z < 2) {
                assertEquals(ctx.groupIdx * 2 + ctx.localIdx + 100, ctx.globalIdx.intValue());
                assertEquals(ctx.groupIdz * 2 + ctx.localIdz, z);
                ctx.atomicAdd(out, (z * 3 + y) * 5 + x, 1);
            }
        }, new KernelContext(), seen);
        WorkerGrid grid = new WorkerGrid3D(5, 3, 2);
        grid.setLocalWork(2, 2, 2);
        grid.setGlobalOffset(100, 0, 0);
        try (TornadoExecutionPlan plan = plan(graph, "g.t", grid)) {
            plan.execute();
        }
        int[] ones = new int[30];
        java.util.Arrays.fill(ones, 1);
        assertArrayEquals(ones, seen.toHeapArray(), "each item of the 5 x 3 x 2 grid exactly once");
    }

    @Test
    void localArraysAreSharedWithinAGroupAndBarriersWait() throws Exception {
        int n = 4 * 96;
        IntArray out = new IntArray(n);
        TaskGraph graph = new TaskGraph("n").task("k", KernelContextLaunchTest::neighbour, new KernelContext(), out);
        try (TornadoExecutionPlan plan = plan(graph, "n.k", grid1D(n, 96))) {
            plan.execute();
        }
        for (int i = 0; i < n; i++) {
            int group = i / 96;
            int lid = i % 96;
            // item lid ends with what item lid - 1 read, which is item lid's own id * 10, plus one
            assertEquals((group * 96 + lid) * 10 + 1, out.get(i), "item " + i);
        }
    }

    @Test
    void localArraysAreFreshForEachGroup() throws Exception {
        IntArray out = new IntArray(6);
        TaskGraph graph = new TaskGraph("g").task("t", (KernelContext ctx, IntArray o) -> {
            int[] local = ctx.allocateIntLocalArray(3);
            local[ctx.localIdx] += 1; // zero-filled and not seen by other groups
            ctx.localBarrier();
            o.set(ctx.globalIdx, local[0] + local[1] + local[2]);
        }, new KernelContext(), out);
        try (TornadoExecutionPlan plan = plan(graph, "g.t", grid1D(6, 3))) {
            plan.execute();
            plan.execute();
        }
        assertArrayEquals(new int[] { 3, 3, 3, 3, 3, 3 }, out.toHeapArray());
    }

    @Test
    void atomicAddCountsEveryItem() throws Exception {
        int n = 10_000;
        IntArray counts = new IntArray(7);
        FloatArray total = new FloatArray(1);
        TaskGraph graph = new TaskGraph("h").task("count", KernelContextLaunchTest::histogram, new KernelContext(), counts, total, n);
        try (TornadoExecutionPlan plan = plan(graph, "h.count", grid1D(n, 128))) {
            plan.execute();
        }
        int[] expected = new int[7];
        for (int i = 0; i < n; i++) {
            expected[i % 7]++;
        }
        assertArrayEquals(expected, counts.toHeapArray());
        assertEquals(n, total.get(0), 0f);
    }

    @Test
    void withoutLocalWorkTheGroupIsTheLargestDivisorUpTo256() throws Exception {
        IntArray sizes = new IntArray(1000);
        TaskGraph graph = new TaskGraph("d").task("t", KernelContextLaunchTest::recordLocalSize, new KernelContext(), sizes);
        try (TornadoExecutionPlan plan = plan(graph, "d.t", new WorkerGrid1D(1000))) {
            plan.execute();
        }
        for (int i = 0; i < 1000; i++) {
            assertEquals(250, sizes.get(i));
        }
    }

    @Test
    void aBarrierNotReachedByEveryItemFailsTheLaunch() {
        FloatArray x = new FloatArray(8);
        TaskGraph graph = new TaskGraph("b").task("t", KernelContextLaunchTest::divergentBarrier, new KernelContext(), x);
        TornadoExecutionPlan plan = plan(graph, "b.t", grid1D(8, 4));
        IllegalStateException e = assertThrows(IllegalStateException.class, plan::execute);
        assertTrue(e.getMessage().contains("between 0 and 1 times"), e.getMessage());
        assertTrue(e.getMessage().contains("'b.t'"), e.getMessage());
    }

    @Test
    void returningInThePaddingBeforeABarrierFailsTheLaunch() {
        FloatArray x = new FloatArray(20);
        TaskGraph graph = new TaskGraph("b").task("t", KernelContextLaunchTest::earlyReturnBeforeBarrier, new KernelContext(), x, 20);
        TornadoExecutionPlan plan = plan(graph, "b.t", grid1D(20, 16));
        IllegalStateException e = assertThrows(IllegalStateException.class, plan::execute);
        assertTrue(e.getMessage().contains("work-group [1, 0, 0]"), e.getMessage());
    }

    @Test
    void anExceptionInAWorkItemNamesTheItem() {
        IntArray out = new IntArray(16);
        TaskGraph graph = new TaskGraph("f").task("t", KernelContextLaunchTest::failAtFive, new KernelContext(), out);
        TornadoExecutionPlan plan = plan(graph, "f.t", grid1D(16, 4));
        IllegalStateException e = assertThrows(IllegalStateException.class, plan::execute);
        assertInstanceOf(ArithmeticException.class, e.getCause());
        assertTrue(e.getMessage().contains("work-item global [5, 0, 0], group [1, 0, 0], local [1, 0, 0]"), e.getMessage());
    }

    @Test
    void aKernelContextTaskNeedsAGrid() {
        TaskGraph graph = new TaskGraph("g").task("t", KernelContextLaunchTest::recordLocalSize, new KernelContext(), new IntArray(4));
        TornadoExecutionPlan plan = new TornadoExecutionPlan(graph.snapshot());
        IllegalStateException e = assertThrows(IllegalStateException.class, plan::execute);
        assertTrue(e.getMessage().contains("no WorkerGrid for 'g.t'"), e.getMessage());
    }

    @Test
    void groupsLargerThan1024AreRejected() {
        TaskGraph graph = new TaskGraph("g").task("t", KernelContextLaunchTest::recordLocalSize, new KernelContext(), new IntArray(4096));
        WorkerGrid grid = new WorkerGrid2D(64, 64);
        grid.setLocalWork(64, 32, 1);
        TornadoExecutionPlan plan = plan(graph, "g.t", grid);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, plan::execute);
        assertTrue(e.getMessage().contains("2048 items"), e.getMessage());
    }

    @Test
    void outsideALaunchEveryIdIsZeroAndBarriersDoNothing() {
        KernelContext ctx = new KernelContext();
        assertEquals(0, ctx.globalIdx);
        assertEquals(0, ctx.localGroupSizeZ);
        ctx.localBarrier();
        ctx.globalBarrier();
        float[] a = ctx.allocateFloatLocalArray(4);
        float[] b = ctx.allocateFloatLocalArray(4);
        assertTrue(a != b, "a new array per allocation");
    }
}
