package dev.attnc.compiler.explain;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * The two numbers of a roofline: how many floating-point operations per second the machine
 * does at best, and how many bytes per second it moves between memory and the cores. A node
 * whose arithmetic intensity (FLOPs per byte) is below their ratio, the ridge point, waits on
 * memory; above it, on arithmetic.
 *
 * @param peakGflops   best float32 rate, GFLOP/s (10^9 per second)
 * @param bandwidthGbs best memory rate, GB/s (10^9 bytes per second)
 * @param source       where the figures come from, for the report ("measured: ...", "given")
 */
public record Machine(double peakGflops, double bandwidthGbs, String source) {
    private static final long FMA_WARMUP_NANOS = 150_000_000L;
    private static final long FMA_MEASURE_NANOS = 200_000_000L;
    private static final int FMA_ELEMENTS = 2048;
    private static final int FMA_CHAIN = 8;
    private static final int COPY_FLOATS = 16 * 1024 * 1024;
    private static final int COPY_ROUNDS = 4;

    private static volatile Machine measured;

    public Machine {
        if (!(peakGflops > 0) || !(bandwidthGbs > 0) || Double.isInfinite(peakGflops) || Double.isInfinite(bandwidthGbs)) {
            throw new IllegalArgumentException("peak and bandwidth must be positive numbers, not " + peakGflops + " and " + bandwidthGbs);
        }
    }

    /** Figures the user knows (a GPU's data sheet, say). */
    public static Machine given(double peakGflops, double bandwidthGbs) {
        return new Machine(peakGflops, bandwidthGbs, "given");
    }

    /** FLOPs per byte at which a node stops waiting on memory: peak / bandwidth. */
    public double ridge() {
        return peakGflops / bandwidthGbs;
    }

    /** This machine, measured on the first call (well under a second) and remembered by this JVM. */
    public static Machine measured() {
        Machine machine = measured;
        if (machine == null) {
            synchronized (Machine.class) {
                if (measured == null) {
                    measured = measure();
                }
                machine = measured;
            }
        }
        return machine;
    }

    /**
     * Measures now, on every core: fused multiply-adds over float arrays that stay in the L1 cache
     * (as the JIT compiles them, vectorised where it can), the best of many short windows, and
     * {@code System.arraycopy} of 64 MB per direction, the best of four, counting bytes read plus
     * bytes written.
     */
    public static Machine measure() {
        long started = System.nanoTime();
        int threads = Math.max(1, Runtime.getRuntime().availableProcessors());
        ExecutorService pool = Executors.newFixedThreadPool(threads, runnable -> {
            Thread thread = new Thread(runnable, "attnc-measure");
            thread.setDaemon(true);
            return thread;
        });
        try {
            double flops = fmaRate(pool, threads);
            double bytes = copyRate(pool, threads);
            double seconds = (System.nanoTime() - started) / 1e9;
            return new Machine(flops / 1e9, bytes / 1e9, String.format(
                    "measured on %d thread%s in %.2f s: float fma, array copy", threads, threads == 1 ? "" : "s", seconds));
        } finally {
            pool.shutdownNow();
        }
    }

    private static double fmaRate(ExecutorService pool, int threads) {
        List<Callable<Double>> tasks = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            tasks.add(() -> {
                float[] values = new float[FMA_ELEMENTS];
                for (int i = 0; i < values.length; i++) {
                    values[i] = i * 1e-4f;
                }
                long warmEnd = System.nanoTime() + FMA_WARMUP_NANOS;
                while (System.nanoTime() < warmEnd) {
                    fma(values, 0.999f, 1e-3f);
                }
                // The best of many short windows: other work on the machine lowers some, not all.
                double best = 0;
                long end = System.nanoTime() + FMA_MEASURE_NANOS;
                long now;
                do {
                    long start = System.nanoTime();
                    for (int i = 0; i < 32; i++) {
                        fma(values, 0.999f, 1e-3f);
                    }
                    now = System.nanoTime();
                    best = Math.max(best, 32.0 * FMA_ELEMENTS * FMA_CHAIN * 2 / ((now - start) / 1e9));
                } while (now < end);
                sink(values);
                return best;
            });
        }
        return sum(pool, tasks);
    }

    /** Eight dependent fused multiply-adds per element; elements are independent, so the JIT can vectorise across them. */
    private static void fma(float[] values, float m, float c) {
        for (int i = 0; i < values.length; i++) {
            float x = values[i];
            x = Math.fma(x, m, c);
            x = Math.fma(x, m, c);
            x = Math.fma(x, m, c);
            x = Math.fma(x, m, c);
            x = Math.fma(x, m, c);
            x = Math.fma(x, m, c);
            x = Math.fma(x, m, c);
            x = Math.fma(x, m, c);
            values[i] = x;
        }
    }

    private static double copyRate(ExecutorService pool, int threads) {
        float[] from = new float[COPY_FLOATS];
        float[] to = new float[COPY_FLOATS];
        for (int i = 0; i < from.length; i += 1024) {
            from[i] = i;
            to[i] = 0;
        }
        double best = 0;
        int chunk = COPY_FLOATS / threads;
        for (int round = 0; round < COPY_ROUNDS; round++) {
            List<Callable<Double>> tasks = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                int first = t * chunk;
                int length = t == threads - 1 ? COPY_FLOATS - first : chunk;
                tasks.add(() -> {
                    System.arraycopy(from, first, to, first, length);
                    return 0.0;
                });
            }
            long start = System.nanoTime();
            sum(pool, tasks);
            double seconds = (System.nanoTime() - start) / 1e9;
            best = Math.max(best, 2.0 * 4 * COPY_FLOATS / seconds);
        }
        sink(to);
        return best;
    }

    private static double sum(ExecutorService pool, List<Callable<Double>> tasks) {
        try {
            double total = 0;
            for (Future<Double> future : pool.invokeAll(tasks)) {
                total += future.get();
            }
            return total;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while measuring the machine", e);
        } catch (java.util.concurrent.ExecutionException e) {
            throw new IllegalStateException("measuring the machine failed", e.getCause());
        }
    }

    private static volatile float blackhole;

    /** Keeps the JIT from dropping work whose result nobody reads. */
    private static void sink(float[] values) {
        blackhole = values[values.length / 2];
    }
}
