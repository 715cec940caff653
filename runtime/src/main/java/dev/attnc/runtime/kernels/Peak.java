package dev.attnc.runtime.kernels;

import java.util.concurrent.atomic.DoubleAdder;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * This machine's ceiling for the kernels, measured in a fraction of a second: fused
 * multiply-adds per second with the Vector API on every kernel thread (independent chains, so
 * latency does not hide throughput). Benchmarks report their GFLOP/s as a share of it.
 */
public final class Peak {
    private static final int CHAINS = 12;

    private Peak() {
    }

    /** Measured GFLOP/s (an FMA counts two), on {@link Threads#count()} threads; 0 without the Vector API. */
    public static double gflops() {
        if (!Simd.enabled()) {
            return 0;
        }
        int iterations = 20_000_000 / Math.max(1, Lanes.width());
        // Warm-up: until C2 has compiled the loop, vectors are boxed and slow. Many short calls, so
        // that C2 compiles the whole method: a long loop alone gets on-stack-replaced code, in which
        // the vectors stayed boxed and the figure came out at a quarter of the real one.
        for (int warm = 0; warm < 3_000; warm++) {
            Lanes.run(200);
        }
        // The best of several rounds: C2 compiles in the background, and the first rounds may still run slower code.
        double best = 0;
        for (int round = 0; round < 10; round++) {
            best = Math.max(best, round(iterations));
        }
        return best;
    }

    /** One round on every kernel thread at once: GFLOP/s, or 0 if interrupted. */
    private static double round(int iterations) {
        int threads = Threads.count();
        DoubleAdder sink = new DoubleAdder();
        long start = System.nanoTime();
        Thread[] workers = new Thread[threads];
        for (int t = 0; t < threads; t++) {
            workers[t] = new Thread(() -> sink.add(Lanes.run(iterations)));
            workers[t].start();
        }
        for (Thread worker : workers) {
            try {
                worker.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return 0;
            }
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        if (sink.sum() == 42) {
            return 0; // keep the result alive
        }
        return threads * (double) iterations * CHAINS * Lanes.width() * 2 / seconds / 1e9;
    }

    private static final class Lanes {
        private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;

        static int width() {
            return S.length();
        }

        static float run(int iterations) {
            FloatVector m = FloatVector.broadcast(S, 0.9999f);
            FloatVector c = FloatVector.broadcast(S, 0.0001f);
            FloatVector a0 = FloatVector.broadcast(S, 1f), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0;
            FloatVector a6 = a0, a7 = a0, a8 = a0, a9 = a0, a10 = a0, a11 = a0;
            for (int i = 0; i < iterations; i++) {
                a0 = a0.fma(m, c);
                a1 = a1.fma(m, c);
                a2 = a2.fma(m, c);
                a3 = a3.fma(m, c);
                a4 = a4.fma(m, c);
                a5 = a5.fma(m, c);
                a6 = a6.fma(m, c);
                a7 = a7.fma(m, c);
                a8 = a8.fma(m, c);
                a9 = a9.fma(m, c);
                a10 = a10.fma(m, c);
                a11 = a11.fma(m, c);
            }
            return a0.add(a1).add(a2).add(a3).add(a4).add(a5).add(a6).add(a7).add(a8).add(a9).add(a10).add(a11)
                    .reduceLanes(VectorOperators.ADD);
        }
    }
}
