package dev.attnc.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * This machine's ceilings, measured in the same run as the engines, on all cores:
 *
 * <ul>
 *   <li>{@link #fma}: {@link #FMA_FLOPS} floating-point operations (fused multiply-adds on the
 *       widest Vector API species, {@link #CHAINS} independent chains per thread so the FMA units,
 *       not their latency, set the pace): GFLOP/s = FMA_FLOPS / time; {@link #fmaOneThread}
 *       runs one thread's share alone, to tell one core's ceiling from what the machine's load leaves;
 *   <li>{@link #copy}: {@link #COPY_BYTES} bytes read and as many written by System.arraycopy,
 *       each thread its share: GB/s = 2 * COPY_BYTES / time (STREAM's count);
 *   <li>{@link #read}: COPY_BYTES bytes summed with the Vector API: GB/s = COPY_BYTES / time,
 *       the rate at which a decode step can stream weights and a KV cache.
 * </ul>
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED"})
@State(Scope.Benchmark)
public class PeakBench {
    static final VectorSpecies<Float> SPECIES = FloatVector.SPECIES_PREFERRED;
    static final int THREADS = Runtime.getRuntime().availableProcessors();
    static final int CHAINS = 12;
    static final int FMA_ITERATIONS = 1 << 21;
    /** Per call: every thread runs FMA_ITERATIONS x CHAINS vector FMAs of 2 operations per lane. */
    public static final double FMA_FLOPS = 2.0 * THREADS * FMA_ITERATIONS * CHAINS * SPECIES.length();
    static final int COPY_FLOATS = 1 << 26;
    /** 256 MiB: far beyond the caches. */
    public static final double COPY_BYTES = 4.0 * COPY_FLOATS;

    private ExecutorService pool;
    private float[] source;
    private float[] target;

    @Setup(Level.Trial)
    public void setUp() {
        pool = Executors.newFixedThreadPool(THREADS);
        source = Attnc.random(COPY_FLOATS, 5);
        target = new float[COPY_FLOATS];
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        pool.shutdownNow();
    }

    @Benchmark
    public float fma() throws Exception {
        return onEveryThread(worker -> fmaChains(FMA_ITERATIONS, 1 + worker * 1e-7f));
    }

    /** The same FMA loop on the calling thread alone: one core's ceiling, FMA_FLOPS / THREADS per call. */
    @Benchmark
    public float fmaOneThread() {
        return fmaChains(FMA_ITERATIONS, 1);
    }

    @Benchmark
    public float copy() throws Exception {
        return onEveryThread(worker -> {
            int from = (int) ((long) COPY_FLOATS * worker / THREADS);
            int to = (int) ((long) COPY_FLOATS * (worker + 1) / THREADS);
            System.arraycopy(source, from, target, from, to - from);
            return target[from];
        });
    }

    @Benchmark
    public float read() throws Exception {
        return onEveryThread(worker -> {
            int from = (int) ((long) COPY_FLOATS * worker / THREADS);
            int to = (int) ((long) COPY_FLOATS * (worker + 1) / THREADS);
            return sum(source, from, to);
        });
    }

    interface Work {
        float run(int worker);
    }

    private float onEveryThread(Work work) throws InterruptedException, ExecutionException {
        List<Future<Float>> futures = new ArrayList<>();
        for (int worker = 1; worker < THREADS; worker++) {
            int index = worker;
            futures.add(pool.submit(() -> work.run(index)));
        }
        float result = work.run(0);
        for (Future<Float> future : futures) {
            result += future.get();
        }
        return result;
    }

    /** CHAINS independent accumulators, each {@code acc = acc * m + c} per iteration. */
    static float fmaChains(int iterations, float seed) {
        FloatVector m = FloatVector.broadcast(SPECIES, 0.999999f);
        FloatVector c = FloatVector.broadcast(SPECIES, 1e-6f);
        FloatVector a0 = FloatVector.broadcast(SPECIES, seed);
        FloatVector a1 = a0.add(1e-3f);
        FloatVector a2 = a0.add(2e-3f);
        FloatVector a3 = a0.add(3e-3f);
        FloatVector a4 = a0.add(4e-3f);
        FloatVector a5 = a0.add(5e-3f);
        FloatVector a6 = a0.add(6e-3f);
        FloatVector a7 = a0.add(7e-3f);
        FloatVector a8 = a0.add(8e-3f);
        FloatVector a9 = a0.add(9e-3f);
        FloatVector a10 = a0.add(10e-3f);
        FloatVector a11 = a0.add(11e-3f);
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

    static float sum(float[] values, int from, int to) {
        FloatVector s0 = FloatVector.zero(SPECIES);
        FloatVector s1 = FloatVector.zero(SPECIES);
        FloatVector s2 = FloatVector.zero(SPECIES);
        FloatVector s3 = FloatVector.zero(SPECIES);
        int step = SPECIES.length();
        int i = from;
        for (; i + 4 * step <= to; i += 4 * step) {
            s0 = s0.add(FloatVector.fromArray(SPECIES, values, i));
            s1 = s1.add(FloatVector.fromArray(SPECIES, values, i + step));
            s2 = s2.add(FloatVector.fromArray(SPECIES, values, i + 2 * step));
            s3 = s3.add(FloatVector.fromArray(SPECIES, values, i + 3 * step));
        }
        float total = s0.add(s1).add(s2).add(s3).reduceLanes(VectorOperators.ADD);
        for (; i < to; i++) {
            total += values[i];
        }
        return total;
    }
}
