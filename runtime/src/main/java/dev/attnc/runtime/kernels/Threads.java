package dev.attnc.runtime.kernels;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The kernels' workers: a fixed number of threads, {@code ATTNC_THREADS} (or the
 * {@code attnc.threads} system property), all cores by default. Work is split into one
 * contiguous chunk per worker ({@link #parallel}), or into a few chunks per worker handed out
 * in turn ({@link #balanced}); the caller is worker 0 and works too.
 *
 * <p>A model calls many short kernels in a row (a decoding step is a dozen kernels of tens of
 * microseconds), so handing work over must cost little: each worker thread waits for its next
 * chunk spinning for {@link #SPIN_NANOS} before it parks, and so does the caller for the other
 * chunks to finish.
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

    /** How long a waiting thread spins before it parks: long enough to bridge two kernels of a step. */
    static final long SPIN_NANOS = 50_000;

    private static final int COUNT = configured();
    /** Workers 1 to COUNT - 1; the caller of a region is worker 0. */
    private static final Worker[] WORKERS = startWorkers();
    private static final ReentrantLock REGION = new ReentrantLock();
    /** The worker index of the chunk this thread is running, or null outside a region. */
    private static final ThreadLocal<int[]> INSIDE = new ThreadLocal<>();

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

    /** Runs {@code items} items split across the workers; below {@code grain} items per worker it runs alone. */
    public static void parallel(int items, int grain, Chunk chunk) {
        int workers = Math.min(COUNT, Math.max(1, items / Math.max(1, grain)));
        run(items, workers, workers, chunk);
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

    /** Chunks per worker for {@link #balanced}: enough to even out a slowed worker, few enough to keep chunks long. */
    static final int CHUNKS_PER_WORKER = 4;

    private static void run(int items, int workers, int chunks, Chunk chunk) {
        int[] inside = INSIDE.get();
        if (inside != null) {
            chunk.run(0, items, inside[0]);
            return;
        }
        if (workers <= 1 || !REGION.tryLock()) {
            chunk.run(0, items, 0);
            return;
        }
        try {
            Region region = new Region(chunk, items, workers, chunks);
            for (int index = 1; index < workers; index++) {
                WORKERS[index].hand(region);
            }
            INSIDE.set(new int[] {0});
            try {
                region.run(0);
            } finally {
                INSIDE.remove();
            }
            region.await();
            Throwable thrown = region.failure.get();
            if (thrown instanceof RuntimeException runtime) {
                throw runtime;
            }
            if (thrown instanceof Error error) {
                throw error;
            }
        } finally {
            REGION.unlock();
        }
    }

    /** One call of {@link #parallel} or {@link #balanced}: its chunks, and how many workers have yet to finish theirs. */
    private static final class Region {
        final Chunk chunk;
        final int items;
        final int workers;
        final int chunks;
        /** The next chunk to hand out, when there are more chunks than workers. */
        final AtomicInteger next = new AtomicInteger();
        final AtomicInteger remaining;
        final AtomicReference<Throwable> failure = new AtomicReference<>();
        volatile Thread waiter;

        Region(Chunk chunk, int items, int workers, int chunks) {
            this.chunk = chunk;
            this.items = items;
            this.workers = workers;
            this.chunks = chunks;
            this.remaining = new AtomicInteger(workers - 1);
        }

        /** Worker {@code index}'s chunk, or the chunks it takes in turn; a failure is kept for the caller. */
        void run(int index) {
            try {
                if (chunks == workers) {
                    runChunk(index, index);
                    return;
                }
                int taken;
                while (failure.get() == null && (taken = next.getAndIncrement()) < chunks) {
                    runChunk(taken, index);
                }
            } catch (Throwable t) {
                failure.compareAndSet(null, t);
            }
        }

        private void runChunk(int index, int worker) {
            int from = (int) ((long) items * index / chunks);
            int to = (int) ((long) items * (index + 1) / chunks);
            chunk.run(from, to, worker);
        }

        void finished() {
            if (remaining.decrementAndGet() == 0) {
                Thread parked = waiter;
                if (parked != null) {
                    LockSupport.unpark(parked);
                }
            }
        }

        /** Until every other worker has finished: spinning at first, then parked. */
        void await() {
            long start = System.nanoTime();
            while (remaining.get() > 0) {
                if (System.nanoTime() - start < SPIN_NANOS) {
                    Thread.onSpinWait();
                } else {
                    waiter = Thread.currentThread();
                    if (remaining.get() > 0) {
                        LockSupport.park(this);
                    }
                }
            }
        }
    }

    private static final class Worker extends Thread {
        private final int index;
        /** The region whose chunk this worker runs next; set by the caller, cleared when the chunk is done. */
        private volatile Region next;
        private volatile boolean sleeping;

        Worker(int index) {
            super("attnc-kernel-" + index);
            this.index = index;
            setDaemon(true);
        }

        void hand(Region region) {
            next = region;
            // Either the worker sees the region before it parks, or this sees it sleeping.
            if (sleeping) {
                LockSupport.unpark(this);
            }
        }

        @Override
        public void run() {
            INSIDE.set(new int[] {index});
            while (true) {
                Region region = awaitRegion();
                region.run(index);
                next = null; // before finished(): the caller hands out the next region only after it
                region.finished();
            }
        }

        private Region awaitRegion() {
            long start = System.nanoTime();
            while (true) {
                Region region = next;
                if (region != null) {
                    return region;
                }
                if (System.nanoTime() - start < SPIN_NANOS) {
                    Thread.onSpinWait();
                    continue;
                }
                sleeping = true;
                region = next;
                if (region != null) {
                    sleeping = false;
                    return region;
                }
                LockSupport.park(this);
                sleeping = false;
                start = System.nanoTime();
            }
        }
    }
}
