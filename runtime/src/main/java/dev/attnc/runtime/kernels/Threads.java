package dev.attnc.runtime.kernels;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The kernels' workers: a fixed number of threads, {@code ATTNC_THREADS} (or the
 * {@code attnc.threads} system property), all cores by default. Work is cut into contiguous
 * chunks, a few per worker, that the workers take in turn ({@link #parallel}, {@link #balanced});
 * the caller is worker 0 and takes chunks too, so a worker that comes late (descheduled on a
 * shared machine) leaves its chunks to the others instead of holding up the call. A chunk's
 * {@code worker} index is unique among the chunks running at the same time, and one worker may
 * run several chunks one after the other.
 *
 * <p>A model calls many short kernels in a row (a decoding step is about 200 of them), so handing
 * work over must cost little. The caller publishes a region in one volatile field; a waiting
 * worker sees it by itself while it spins ({@link #SPIN_NANOS}) or yields ({@link #YIELD_NANOS})
 * and is unparked (a system call) only when it has parked. The caller waits for the chunks still
 * running the same way. Nothing spins longer than {@link #YIELD_NANOS}: idle workers park. With
 * one thread ({@code -Dattnc.threads=1}) no worker is started and every call runs on its caller.
 *
 * <p>A failure in a chunk (an exception or error) is kept, the chunks not yet started are
 * skipped, and the first failure is thrown to the caller once the running chunks are done.
 *
 * <p>One parallel region runs at a time. A call made while another thread's region is running
 * (two models used from two threads) runs alone on its own thread, and so does a call made from
 * inside a chunk (with that chunk's worker index), so that no call ever waits for workers that
 * wait for it.
 */
public final class Threads {
    /** The work of one worker: items {@code from} (inclusive) to {@code to} (exclusive); {@code worker} indexes its scratch space. */
    @FunctionalInterface
    public interface Chunk {
        void run(int from, int to, int worker);
    }

    /** How long a waiting thread spins: long enough to bridge two kernels of a step on a quiet machine. */
    static final long SPIN_NANOS = 20_000;
    /**
     * How long a waiting thread stays awake in all, yielding its core after {@link #SPIN_NANOS}:
     * long enough to bridge the unevenness of a step on a loaded machine, so that the next
     * hand-off rarely needs a system call to wake it; short enough that idle workers soon park.
     */
    static final long YIELD_NANOS = 500_000;

    private static final int COUNT = configured();
    /** Workers 1 to COUNT - 1; the caller of a region is worker 0. */
    private static final Worker[] WORKERS = startWorkers();
    private static final ReentrantLock REGION = new ReentrantLock();

    private Threads() {
    }

    /** How many workers the kernels use. */
    public static int count() {
        return COUNT;
    }

    private static int configured() {
        return Setting.configured().orElse(Runtime.getRuntime().availableProcessors());
    }

    /**
     * The thread count set by the {@code attnc.threads} system property, else by the
     * {@code ATTNC_THREADS} environment variable. A class of its own so that a program (the
     * {@code attnc} command) can check the setting before anything starts the workers: an
     * unusable value then fails as one clear line instead of failing the kernels' first call.
     */
    public static final class Setting {
        /** The most threads accepted; more is a typing mistake, not a machine. */
        public static final int MAX = 1024;

        private Setting() {
        }

        /**
         * The configured count, or empty when neither the property nor the variable is set.
         *
         * @throws IllegalArgumentException if the value set is not a whole number from 1 to {@link #MAX}
         */
        public static java.util.Optional<Integer> configured() {
            String property = System.getProperty("attnc.threads");
            if (property != null) {
                return java.util.Optional.of(parse("the attnc.threads property", property));
            }
            String variable = System.getenv("ATTNC_THREADS");
            return variable == null ? java.util.Optional.empty() : java.util.Optional.of(parse("ATTNC_THREADS", variable));
        }

        /**
         * {@code value} as a thread count.
         *
         * @param source what set it, for the message ("ATTNC_THREADS")
         * @throws IllegalArgumentException with a one-line message if it is not a whole number from 1 to {@link #MAX}
         */
        public static int parse(String source, String value) {
            String trimmed = value.trim();
            int count;
            try {
                count = Integer.parseInt(trimmed);
            } catch (NumberFormatException e) {
                count = -1;
            }
            if (count < 1 || count > MAX) {
                String shown = trimmed.length() > 20 ? trimmed.substring(0, 20) + "..." : trimmed;
                throw new IllegalArgumentException(source + " must be a whole number from 1 to " + MAX + ", found '"
                        + shown.replaceAll("[^\\x20-\\x7e]", "?") + "'");
            }
            return count;
        }
    }

    private static Worker[] startWorkers() {
        Worker[] workers = new Worker[COUNT];
        for (int index = 1; index < COUNT; index++) {
            workers[index] = new Worker(index);
            workers[index].start();
        }
        return workers;
    }

    /**
     * Runs {@code items} items split across the workers; below {@code grain} items per worker it
     * runs alone. The items are cut into contiguous chunks of at least {@code grain} items, up to
     * {@link #CHUNKS_PER_WORKER} per worker, taken in turn as in {@link #balanced}.
     */
    public static void parallel(int items, int grain, Chunk chunk) {
        int most = Math.max(1, items / Math.max(1, grain));
        int workers = Math.min(COUNT, most);
        run(items, workers, Math.min(most, workers * CHUNKS_PER_WORKER), chunk);
    }

    /**
     * Chunks of a long loop handed out in turn: each worker takes the next of
     * {@link #CHUNKS_PER_WORKER} chunks per worker when it is done with one, so that a worker
     * slowed by another process (the machine is shared) leaves its share to the others instead of
     * holding up the call. A worker may run several chunks, never two at once.
     */
    public static void balanced(int items, Chunk chunk) {
        int workers = Math.min(COUNT, Math.max(1, items));
        run(items, workers, Math.min(items, workers * CHUNKS_PER_WORKER), chunk);
    }

    /** Chunks per worker: enough to even out a slowed or late worker, few enough to keep chunks long. */
    static final int CHUNKS_PER_WORKER = 4;

    private static void run(int items, int workers, int chunks, Chunk chunk) {
        if (Thread.currentThread() instanceof Worker self) {
            chunk.run(0, items, self.index); // called from inside a chunk: run it there
            return;
        }
        if (workers <= 1 || REGION.isHeldByCurrentThread() || !REGION.tryLock()) {
            chunk.run(0, items, 0);
            return;
        }
        try {
            Region region = new Region(chunk, items, chunks, ++generation);
            current = region;
            // Only a parked worker needs waking (a system call); a spinning one sees the region by itself.
            for (int index = 1; index < workers; index++) {
                WORKERS[index].wake();
            }
            region.take(0);
            region.await();
            current = null; // let go of the chunk (and the arrays it holds) once it is done
            Throwable thrown = region.failure.get();
            if (thrown instanceof RuntimeException runtime) {
                throw runtime;
            }
            if (thrown instanceof Error error) {
                throw error;
            }
            if (thrown != null) {
                throw new IllegalStateException(thrown);
            }
        } finally {
            REGION.unlock();
        }
    }

    /** The region the workers should help with, or null; written by the thread holding {@link #REGION}. */
    private static volatile Region current;
    /** The number of the latest region; guarded by {@link #REGION}. */
    private static long generation;

    /** Something a thread waits for: whether it has come, and how to park until it is woken for it. */
    private interface Wait {
        boolean ready();

        /** Parks unless {@link #ready}, after making sure whoever makes it ready will unpark this thread. */
        void sleep();
    }

    /**
     * Waits until {@code wait} is ready: spinning for {@link #SPIN_NANOS}, then giving the core
     * to other threads in turn ({@link Thread#yield}) until {@link #YIELD_NANOS}, then parked. On
     * a shared machine a waiter that only spun would hold a core that the thread it waits for may need.
     */
    private static void await(Wait wait) {
        long start = System.nanoTime();
        while (!wait.ready()) {
            long waited = System.nanoTime() - start;
            if (waited < SPIN_NANOS) {
                Thread.onSpinWait();
            } else if (waited < YIELD_NANOS) {
                Thread.yield();
            } else {
                wait.sleep();
                start = System.nanoTime();
            }
        }
    }

    /** One call of {@link #parallel} or {@link #balanced}: its chunks, taken in turn by whoever comes, and how many are done. */
    private static final class Region implements Wait {
        final Chunk chunk;
        final int items;
        final int chunks;
        final long generation;
        /** The next chunk to take. */
        final AtomicInteger next = new AtomicInteger();
        /** Chunks finished (or skipped after a failure). */
        final AtomicInteger done = new AtomicInteger();
        final AtomicReference<Throwable> failure = new AtomicReference<>();
        /** The caller, once it has parked waiting for the last chunks. */
        volatile Thread waiter;

        Region(Chunk chunk, int items, int chunks, long generation) {
            this.chunk = chunk;
            this.items = items;
            this.chunks = chunks;
            this.generation = generation;
        }

        /** Takes and runs chunks as worker {@code worker} until none are left; a failure is kept for the caller and skips the rest. */
        void take(int worker) {
            int taken;
            while ((taken = next.getAndIncrement()) < chunks) {
                try {
                    if (failure.get() == null) {
                        int from = (int) ((long) items * taken / chunks);
                        int to = (int) ((long) items * (taken + 1) / chunks);
                        chunk.run(from, to, worker);
                    }
                } catch (Throwable t) {
                    failure.compareAndSet(null, t);
                } finally {
                    if (done.incrementAndGet() == chunks) {
                        Thread parked = waiter;
                        if (parked != null) {
                            LockSupport.unpark(parked);
                        }
                    }
                }
            }
        }

        /** Until every chunk is done; the caller has taken its own share by then, so it waits only for chunks in progress. */
        void await() {
            Threads.await(this);
        }

        @Override
        public boolean ready() {
            return done.get() == chunks;
        }

        @Override
        public void sleep() {
            waiter = Thread.currentThread();
            if (done.get() < chunks) {
                LockSupport.park(this);
            }
        }
    }

    private static final class Worker extends Thread implements Wait {
        private final int index;
        /** Set while parked (or about to park): the only state in which a caller has to unpark it. */
        private volatile boolean sleeping;
        /** The generation of the last region this worker helped with. */
        private long seen;

        Worker(int index) {
            super("attnc-kernel-" + index);
            this.index = index;
            setDaemon(true);
        }

        void wake() {
            // Either the worker sees the region before it parks, or this sees it sleeping (both fields are volatile).
            if (sleeping) {
                LockSupport.unpark(this);
            }
        }

        @Override
        public void run() {
            while (true) {
                Threads.await(this);
                Region region = fresh();
                if (region != null) { // null if the caller has finished it meanwhile
                    seen = region.generation;
                    region.take(index);
                }
            }
        }

        @Override
        public boolean ready() {
            return fresh() != null;
        }

        @Override
        public void sleep() {
            sleeping = true;
            if (fresh() == null) {
                LockSupport.park(this);
            }
            sleeping = false;
        }

        /** The current region if this worker has not helped with it yet. */
        private Region fresh() {
            Region region = current;
            return region != null && region.generation != seen ? region : null;
        }
    }
}
