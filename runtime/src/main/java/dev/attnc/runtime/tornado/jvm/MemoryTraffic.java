package dev.attnc.runtime.tornado.jvm;

import java.util.List;

/**
 * Counts the memory traffic of kernels run on the JVM, as a proxy for their efficiency on a GPU.
 * Not part of the TornadoVM API. Off by default, and free when off: only classes loaded through
 * {@link dev.attnc.runtime.tornado.TornadoSupport#loadOnJvm} while {@link #instrumenting()} is
 * on get probes (each {@code FloatArray}/{@code IntArray} get and set, each load and store of a
 * primitive array, each write of a {@code @Parallel} loop variable); other classes run as before.
 * The switch is {@link #instrumentNewClasses(boolean)} or the system property
 * {@value #PROPERTY}.
 *
 * <p>Probes count only inside a task run while a {@link Recording} is open (host code that fills
 * inputs is not counted). Per task ({@code "graph.task"}), summed over its launches:
 * <ul>
 *   <li>global bytes read and written: every FloatArray/IntArray access, 4 bytes each;</li>
 *   <li>the minimum: per launch, the distinct bytes read before the kernel wrote them (its
 *       inputs, each read once) plus the distinct bytes it wrote (each output written once);</li>
 *   <li>local bytes read and written: accesses to the work-group's local arrays
 *       ({@code allocate*LocalArray}); other primitive arrays are private memory and not counted;</li>
 *   <li>per access site (a get, set, load or store in the bytecode), the bytes moved and its
 *       coalescing: the bytes the lanes of each warp asked for over the 128-byte lines they
 *       fetched (see {@link TrafficRecorder} for how items and warps are formed).</li>
 * </ul>
 * Recording runs kernels on one thread, and instrumented code is several times slower: use it
 * for measurement only.
 */
public final class MemoryTraffic {

    /** Set to {@code true} to instrument every class loaded on the JVM from the start. */
    public static final String PROPERTY = "attnc.tornado.traffic";

    private static volatile boolean instrumenting = Boolean.getBoolean(PROPERTY);

    private MemoryTraffic() {
    }

    /** Whether classes loaded on the JVM now get traffic probes. */
    public static boolean instrumenting() {
        return instrumenting;
    }

    /** Turns the probes on or off for classes loaded from now on (classes already loaded keep theirs). */
    public static void instrumentNewClasses(boolean on) {
        instrumenting = on;
    }

    /**
     * Starts counting; stop with {@link Recording#stop()}.
     *
     * @param warpSampling 1 to measure coalescing on every warp; n to measure it on about one warp
     *     in n (chosen by a hash of the warp's position), which bounds the time and memory of large
     *     runs. Byte counts and minimums always cover every access.
     * @throws IllegalStateException if a recording is already open
     */
    public static synchronized Recording start(int warpSampling) {
        if (warpSampling < 1) {
            throw new IllegalArgumentException("warp sampling must be at least 1, not " + warpSampling);
        }
        if (TrafficRecorder.active != null) {
            throw new IllegalStateException("a traffic recording is already open");
        }
        TrafficRecorder recorder = new TrafficRecorder(warpSampling);
        TrafficRecorder.active = recorder;
        return new Recording(recorder);
    }

    /** An open recording. */
    public static final class Recording implements AutoCloseable {
        private final TrafficRecorder recorder;
        private Report report;

        private Recording(TrafficRecorder recorder) {
            this.recorder = recorder;
        }

        /** Stops counting (once; later calls return the same report). */
        public Report stop() {
            synchronized (MemoryTraffic.class) {
                if (report == null) {
                    if (TrafficRecorder.active == recorder) {
                        TrafficRecorder.active = null;
                    }
                    report = recorder.report();
                }
                return report;
            }
        }

        @Override
        public void close() {
            stop();
        }
    }

    /** What an access site does. */
    public enum Access {
        GLOBAL_READ, GLOBAL_WRITE, LOCAL_READ, LOCAL_WRITE
    }

    /**
     * One access site in one kernel.
     *
     * @param where {@code Class.method:line}
     * @param bytes bytes it moved
     * @param sampledBytes of those, the bytes of warps whose coalescing was measured
     * @param lines 128-byte lines those warps fetched (0 for local sites)
     * @param approximate whether some lane's line could not be told new or seen (counted as new)
     */
    public record Site(String where, Access access, long bytes, long sampledBytes, long lines, boolean approximate) {

        /** Bytes used per byte fetched, 0 to 1; NaN when nothing was measured (local sites). */
        public double coalescing() {
            return lines == 0 ? Double.NaN : sampledBytes / (lines * 128.0);
        }
    }

    /**
     * One kernel (task), summed over its launches.
     *
     * @param sites its access sites, most bytes first
     */
    public record Kernel(String name, int launches, long globalRead, long globalWrite, long minimumRead, long minimumWrite,
            long localRead, long localWrite, List<Site> sites) {

        public long globalBytes() {
            return globalRead + globalWrite;
        }

        public long minimumBytes() {
            return minimumRead + minimumWrite;
        }

        /** Global bytes over the minimum; NaN when the minimum is 0. */
        public double ratioToMinimum() {
            return minimumBytes() == 0 ? Double.NaN : (double) globalBytes() / minimumBytes();
        }

        /** Coalescing of every global site of this kind together: bytes used over bytes fetched. */
        public double coalescing(Access access) {
            long used = 0;
            long lines = 0;
            for (Site site : sites) {
                if (site.access() == access) {
                    used += site.sampledBytes();
                    lines += site.lines();
                }
            }
            return lines == 0 ? Double.NaN : used / (lines * 128.0);
        }
    }

    /** Every kernel that ran during a recording, in the order they first ran. */
    public record Report(List<Kernel> kernels, int warpSampling) {

        public Kernel kernel(String name) {
            for (Kernel kernel : kernels) {
                if (kernel.name().equals(name)) {
                    return kernel;
                }
            }
            throw new IllegalArgumentException("no kernel " + name + " in " + kernels.stream().map(Kernel::name).toList());
        }
    }
}
