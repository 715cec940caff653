package dev.attnc.runtime.kernels;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The kernels' thread pool: a fixed number of daemon workers, {@code ATTNC_THREADS} (or the
 * {@code attnc.threads} system property), all cores by default. Work is split into one
 * contiguous chunk per worker; the caller runs the first chunk itself.
 */
public final class Threads {
    /** The work of one worker: items {@code from} (inclusive) to {@code to} (exclusive); {@code worker} indexes its scratch space. */
    @FunctionalInterface
    public interface Chunk {
        void run(int from, int to, int worker);
    }

    private static final int COUNT = configured();
    private static final ExecutorService POOL = COUNT > 1 ? Executors.newFixedThreadPool(COUNT - 1, runnable -> {
        Thread thread = new Thread(runnable, "attnc-kernel");
        thread.setDaemon(true);
        return thread;
    }) : null;

    private Threads() {
    }

    /** How many workers the kernels use. */
    public static int count() {
        return COUNT;
    }

    private static int configured() {
        String value = System.getProperty("attnc.threads", System.getenv("ATTNC_THREADS"));
        if (value != null) {
            try {
                return Math.max(1, Integer.parseInt(value.trim()));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("ATTNC_THREADS must be a whole number, found '" + value + "'");
            }
        }
        return Runtime.getRuntime().availableProcessors();
    }

    /** Runs {@code items} items split across the workers; below {@code grain} items per worker it runs alone. */
    public static void parallel(int items, int grain, Chunk chunk) {
        int workers = Math.min(COUNT, Math.max(1, items / Math.max(1, grain)));
        if (workers <= 1 || POOL == null) {
            chunk.run(0, items, 0);
            return;
        }
        CountDownLatch done = new CountDownLatch(workers - 1);
        AtomicReference<Throwable> failure = new AtomicReference<>();
        for (int worker = 1; worker < workers; worker++) {
            int from = (int) ((long) items * worker / workers);
            int to = (int) ((long) items * (worker + 1) / workers);
            int index = worker;
            POOL.execute(() -> {
                try {
                    chunk.run(from, to, index);
                } catch (Throwable t) {
                    failure.compareAndSet(null, t);
                } finally {
                    done.countDown();
                }
            });
        }
        chunk.run(0, items / workers, 0);
        try {
            done.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for kernel workers", e);
        }
        Throwable thrown = failure.get();
        if (thrown instanceof RuntimeException runtime) {
            throw runtime;
        }
        if (thrown instanceof Error error) {
            throw error;
        }
    }
}
