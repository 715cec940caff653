package dev.attnc.bench;

import dev.attnc.runtime.Model;
import dev.attnc.runtime.Tensor;
import dev.attnc.runtime.kernels.Threads;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLongArray;
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
import org.openjdk.jmh.annotations.Warmup;

/**
 * The fixed cost of handing work to the kernel workers ({@link Threads}), on 2 threads:
 *
 * <ul>
 *   <li>{@link #emptyParallel}: one {@code Threads.parallel} of 2 chunks that do nothing but
 *       count, back to back: the hand-off alone, as a decoding step pays it about 200 times;
 *   <li>{@link #smallParallel}: the same with about a microsecond of work per chunk, as a
 *       norm or a small matrix of a short sequence;
 *   <li>{@link #miniLm8}: one all-MiniLM-L6-v2 call on 8 tokens (about 90 kernel calls), where
 *       the hand-offs are a large share of the call.
 * </ul>
 *
 * <pre>
 * java -jar bench/target/benchmarks.jar HandoffBench
 * </pre>
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 3, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED",
        "-Dattnc.threads=2", "-Xmx2g"})
@State(Scope.Benchmark)
public class HandoffBench {
    /** Counts per worker, on separate cache lines, so that the chunks do not share one. */
    private final AtomicLongArray counts = new AtomicLongArray(64);
    private final float[][] rows = {new float[512], new float[512]};

    @Benchmark
    public void emptyParallel() {
        Threads.parallel(2, 1, (from, to, worker) -> counts.incrementAndGet(worker * 16));
    }

    @Benchmark
    public void smallParallel() {
        Threads.parallel(2, 1, (from, to, worker) -> {
            float[] row = rows[from];
            for (int repeat = 0; repeat < 4; repeat++) {
                for (int i = 0; i < row.length; i++) {
                    row[i] = row[i] * 0.5f + 1f;
                }
            }
        });
    }

    /** all-MiniLM-L6-v2 with its published weights, one sentence of 8 tokens. */
    @State(Scope.Benchmark)
    public static class MiniLm {
        Model model;
        Map<String, Tensor> inputs;

        @Setup(Level.Trial)
        public void setUp() {
            model = MiniLmBatchBench.attnc(MiniLmBatchBench.onnxBytes());
            inputs = MiniLmBatchBench.inputs(new int[] {101, 2023, 2003, 1037, 2460, 6251, 1012, 102});
        }
    }

    @Benchmark
    public Map<String, Tensor> miniLm8(MiniLm state) {
        return state.model.forward(state.inputs);
    }
}
