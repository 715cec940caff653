package dev.attnc.runtime.tornado.jvm;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The state behind {@link MemoryTraffic}: the access sites of instrumented classes, and, while a
 * recording is open, the counts per kernel. Probes ({@link TrafficProbes}) report every access of
 * an instrumented class here; only those made inside a task, between {@link #beginKernel} and
 * {@link #endKernel}, are counted.
 *
 * <p><b>Work-items.</b> An access belongs to the current work-item: for a KernelContext launch
 * the item the launcher is running (it sets {@link #current} before each call, or the thread's
 * item when items run on threads); for a {@code @Parallel} kernel the loop indices, which probes
 * after each write of a {@code @Parallel} loop variable report (the outermost loop is x, as
 * TornadoVM maps it to dimension 0); for any other task the single item 0. A warp is 32 items:
 * in a launch, 32 consecutive local linear ids of one work-group (as GPUs form warps); in a
 * {@code @Parallel} nest, 32 consecutive x indices with the same y and z.
 *
 * <p><b>Coalescing.</b> The n-th execution of an access site by each item of a warp is one warp
 * access (the lanes run it together on a GPU). It fetches every distinct 128-byte line its lanes
 * touch (each array is taken to start on a line). Per warp, site and n the recorder keeps the
 * lowest, highest and last line seen: a lane's line is new when it lies outside that range, seen
 * when it equals one of them, and otherwise counted as new and flagged approximate (only a
 * pattern that is neither monotone in the lane nor a repeat of the previous lane gets there).
 * Lanes arrive in order (x, or local id, ascending) since recordings run single-threaded, except
 * in launches that run each item on a thread.
 *
 * <p>Recordings run kernels on one thread: the launcher and {@link ParallelLoops} use one worker.
 * Launches that run items on threads (barriers that could not be made resumable) make every
 * access take a lock.
 */
final class TrafficRecorder {

    /** A line is 128 bytes. */
    static final int LINE_SHIFT = 7;
    static final int WARP = 32;

    /** Site kinds. */
    static final int GLOBAL_READ = 0;
    static final int GLOBAL_WRITE = 1;
    static final int LOCAL_READ = 2;
    static final int LOCAL_WRITE = 3;

    record Site(String where, int kind) {
    }

    private static final List<Site> SITES = new ArrayList<>();

    /** The open recording, or null. */
    static volatile TrafficRecorder active;

    /** Registers an access site of an instrumented class; its id is what the probe passes. */
    static synchronized int register(String where, int kind) {
        SITES.add(new Site(where, kind));
        return SITES.size() - 1;
    }

    static synchronized Site site(int id) {
        return SITES.get(id);
    }

    private final int warpSampling;
    private final Map<String, KernelStats> kernels = new LinkedHashMap<>();
    private KernelStats kernel;
    /** Whether items of the running launch are on threads of their own. */
    private volatile boolean concurrent;
    /** The running item, when not concurrent. */
    Item current;
    private final ThreadLocal<Item> threadItem = new ThreadLocal<>();

    // The @Parallel nest being run: its indices, and the warps of the current block of 32 x indices.
    private final int[] loopIndex = new int[3];
    private int pendingBlock = -1;
    private final Map<List<Integer>, Warp> pendingWarps = new HashMap<>();
    private Item loopItem;

    TrafficRecorder(int warpSampling) {
        this.warpSampling = warpSampling;
    }

    // ---------------------------------------------------------------- kernels

    void beginKernel(String key) {
        kernel = kernels.computeIfAbsent(key, KernelStats::new);
        kernel.launches++;
        pendingWarps.clear();
        pendingBlock = -1;
        Arrays.fill(loopIndex, 0);
        loopItem = new Item(warp(0L, 0L), null);
        current = loopItem;
    }

    void endKernel() {
        kernel.foldLaunch();
        kernel = null;
        current = null;
        loopItem = null;
        pendingWarps.clear();
    }

    /** The items of one work-group of a launch, by local linear id, each with its warp. */
    Item[] groupItems(long groupIndex, WorkGroup group, int groupSize) {
        Item[] items = new Item[groupSize];
        Warp[] warps = new Warp[(groupSize + WARP - 1) / WARP];
        for (int w = 0; w < warps.length; w++) {
            warps[w] = warp(groupIndex, w);
        }
        for (int i = 0; i < groupSize; i++) {
            items[i] = new Item(warps[i / WARP], group);
        }
        return items;
    }

    void launchOnThreads(boolean onThreads) {
        concurrent = onThreads;
    }

    void setThreadItem(Item item) {
        threadItem.set(item);
    }

    /** A new write of {@code @Parallel} loop variable number {@code depth} (0 outermost): a new work-item. */
    void loopIndex(int value, int depth) {
        if (kernel == null || concurrent || depth > 2) {
            return;
        }
        loopIndex[depth] = value;
        for (int d = depth + 1; d < 3; d++) {
            loopIndex[d] = 0;
        }
        int block = loopIndex[0] >> 5;
        if (block != pendingBlock) {
            // The warps of the previous block of x indices are complete.
            pendingWarps.clear();
            pendingBlock = block;
        }
        Warp warp = pendingWarps.computeIfAbsent(List.of(block, loopIndex[1], loopIndex[2]),
                key -> warp(((long) key.get(0) << 32) | (key.get(1) & 0xffffffffL), key.get(2)));
        loopItem = new Item(warp, null);
        current = loopItem;
    }

    /** Null for a warp left out by sampling. */
    private Warp warp(long a, long b) {
        if (warpSampling > 1) {
            long h = a * 0x9E3779B97F4A7C15L + b * 0xC2B2AE3D27D4EB4FL;
            h ^= h >>> 31;
            h *= 0xBF58476D1CE4E5B9L;
            h ^= h >>> 29;
            if (Long.remainderUnsigned(h, warpSampling) != 0) {
                return null;
            }
        }
        return new Warp();
    }

    // ---------------------------------------------------------------- accesses

    void global(Object array, int index, int elementBytes, int site) {
        if (concurrent) {
            synchronized (this) {
                countGlobal(threadItem.get(), array, index, elementBytes, site);
            }
        } else {
            countGlobal(current, array, index, elementBytes, site);
        }
    }

    void local(Object array, int elementBytes, int site) {
        if (concurrent) {
            synchronized (this) {
                countLocal(threadItem.get(), array, elementBytes, site);
            }
        } else {
            countLocal(current, array, elementBytes, site);
        }
    }

    private void countGlobal(Item item, Object array, int index, int elementBytes, int site) {
        KernelStats stats = kernel;
        if (stats == null || item == null) {
            return; // host code, or an item of no launch
        }
        SiteStats s = stats.site(site);
        s.bytes += elementBytes;
        ArrayUse use = stats.use(site, array, elementBytes);
        if (s.kind == GLOBAL_WRITE) {
            use.written.set(index);
        } else if (!use.written.get(index)) {
            use.inputRead.set(index);
        }
        Warp warp = item.warp;
        if (warp != null) {
            int occurrence = item.next(site);
            int line = (int) (((long) index * elementBytes) >>> LINE_SHIFT);
            s.sampledBytes += elementBytes;
            switch (warp.touch(site, occurrence, use.id, line)) {
                case Warp.NEW -> s.lines++;
                case Warp.AMBIGUOUS -> {
                    s.lines++;
                    s.approximate++;
                }
                default -> {
                }
            }
        }
    }

    private void countLocal(Item item, Object array, int elementBytes, int site) {
        KernelStats stats = kernel;
        if (stats == null || item == null || item.group == null || !item.group.isLocal(array)) {
            return; // private arrays (registers) are not memory traffic
        }
        stats.site(site).bytes += elementBytes;
    }

    // ---------------------------------------------------------------- results

    MemoryTraffic.Report report() {
        List<MemoryTraffic.Kernel> list = new ArrayList<>();
        for (KernelStats stats : kernels.values()) {
            list.add(stats.toReport());
        }
        return new MemoryTraffic.Report(List.copyOf(list), warpSampling);
    }

    /** One work-item: its warp (null when sampled out), its group (for local arrays), and how often it has run each site. */
    static final class Item {
        final Warp warp;
        final WorkGroup group;
        private int[] occurrences = new int[16];

        Item(Warp warp, WorkGroup group) {
            this.warp = warp;
            this.group = group;
        }

        int next(int site) {
            if (site >= occurrences.length) {
                occurrences = Arrays.copyOf(occurrences, Math.max(site + 1, 2 * occurrences.length));
            }
            return occurrences[site]++;
        }
    }

    /** The lines one warp has touched, per site and occurrence: lowest, highest and last. */
    static final class Warp {
        static final int SEEN = 0;
        static final int NEW = 1;
        static final int AMBIGUOUS = 2;

        private SiteLines[] sites = new SiteLines[16];

        int touch(int site, int occurrence, int arrayId, int line) {
            if (site >= sites.length) {
                sites = Arrays.copyOf(sites, Math.max(site + 1, 2 * sites.length));
            }
            SiteLines lines = sites[site];
            if (lines == null) {
                lines = sites[site] = new SiteLines(arrayId);
            }
            return lines.touch(occurrence, arrayId, line);
        }
    }

    private static final class SiteLines {
        private final int arrayId;
        /** {lowest, highest, last} per occurrence. */
        private int[] state = new int[3 * 8];
        private int filled;

        SiteLines(int arrayId) {
            this.arrayId = arrayId;
        }

        int touch(int occurrence, int array, int line) {
            if (array != arrayId) {
                return Warp.AMBIGUOUS; // one site, two arrays in one warp: a line of another array
            }
            int at = 3 * occurrence;
            if (occurrence >= filled) {
                // A lane's occurrences come in order, so this is the first lane to get here.
                if (at + 3 > state.length) {
                    state = Arrays.copyOf(state, Math.max(at + 3, 2 * state.length));
                }
                state[at] = line;
                state[at + 1] = line;
                state[at + 2] = line;
                filled = occurrence + 1;
                return Warp.NEW;
            }
            int low = state[at];
            int high = state[at + 1];
            int last = state[at + 2];
            state[at + 2] = line;
            if (line == last || line == low || line == high) {
                return Warp.SEEN;
            }
            if (line > high) {
                state[at + 1] = line;
                return Warp.NEW;
            }
            if (line < low) {
                state[at] = line;
                return Warp.NEW;
            }
            return Warp.AMBIGUOUS;
        }
    }

    private static final class SiteStats {
        final int kind;
        long bytes;
        long sampledBytes;
        long lines;
        long approximate;

        SiteStats(Site site) {
            this.kind = site.kind();
        }
    }

    /** Distinct elements of one array read before being written (inputs) and written, in one launch. */
    private static final class ArrayUse {
        final int id;
        final int elementBytes;
        final BitSet inputRead = new BitSet();
        final BitSet written = new BitSet();

        ArrayUse(int id, int elementBytes) {
            this.id = id;
            this.elementBytes = elementBytes;
        }
    }

    private static final class KernelStats {
        final String key;
        int launches;
        SiteStats[] sites = new SiteStats[16];
        final Map<Object, ArrayUse> uses = new IdentityHashMap<>();
        // The array each site last saw, to skip the identity lookup.
        Object[] siteArray = new Object[16];
        ArrayUse[] siteUse = new ArrayUse[16];
        long minimumRead;
        long minimumWrite;

        KernelStats(String key) {
            this.key = key;
        }

        SiteStats site(int id) {
            if (id >= sites.length) {
                int length = Math.max(id + 1, 2 * sites.length);
                sites = Arrays.copyOf(sites, length);
                siteArray = Arrays.copyOf(siteArray, length);
                siteUse = Arrays.copyOf(siteUse, length);
            }
            SiteStats s = sites[id];
            if (s == null) {
                s = sites[id] = new SiteStats(TrafficRecorder.site(id));
            }
            return s;
        }

        ArrayUse use(int site, Object array, int elementBytes) {
            if (siteArray[site] == array) {
                return siteUse[site];
            }
            ArrayUse use = uses.computeIfAbsent(array, a -> new ArrayUse(uses.size(), elementBytes));
            siteArray[site] = array;
            siteUse[site] = use;
            return use;
        }

        /** Adds this launch's distinct bytes to the minimum and forgets them. */
        void foldLaunch() {
            for (ArrayUse use : uses.values()) {
                minimumRead += (long) use.inputRead.cardinality() * use.elementBytes;
                minimumWrite += (long) use.written.cardinality() * use.elementBytes;
            }
            uses.clear();
            Arrays.fill(siteArray, null);
            Arrays.fill(siteUse, null);
        }

        MemoryTraffic.Kernel toReport() {
            List<MemoryTraffic.Site> list = new ArrayList<>();
            long[] bytes = new long[4];
            for (int id = 0; id < sites.length; id++) {
                SiteStats s = sites[id];
                if (s == null || s.bytes == 0) {
                    continue;
                }
                bytes[s.kind] += s.bytes;
                list.add(new MemoryTraffic.Site(TrafficRecorder.site(id).where(), MemoryTraffic.Access.values()[s.kind],
                        s.bytes, s.sampledBytes, s.lines, s.approximate > 0));
            }
            list.sort((a, b) -> Long.compare(b.bytes(), a.bytes()));
            return new MemoryTraffic.Kernel(key, launches, bytes[GLOBAL_READ], bytes[GLOBAL_WRITE], minimumRead, minimumWrite,
                    bytes[LOCAL_READ], bytes[LOCAL_WRITE], List.copyOf(list));
        }
    }
}
