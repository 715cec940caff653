package dev.attnc.bench;

import dev.attnc.runtime.kernels.Activation;
import dev.attnc.runtime.kernels.Kernels;
import dev.attnc.runtime.kernels.Simd;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * {@link Kernels#unary} on a [512, 3072] tensor (a GPT-2 block's feed-forward width at T = 512),
 * with SIMD and with the scalar kernels ({@link #simd}, set as {@code attnc.simd} before the
 * kernels first ask; each value is its own fork), on 2 kernel threads.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "-Dattnc.threads=2", "-Xmx1g"})
@State(Scope.Benchmark)
public class UnaryBench {
    static final int ROWS = 512;
    static final int COLS = 3072;

    @Param({"GELU", "SILU", "GELU_TANH", "RELU"})
    public Activation activation;

    @Param({"true", "false"})
    public boolean simd;

    float[] in;
    float[] out;

    @Setup(Level.Trial)
    public void setUp() {
        System.setProperty("attnc.simd", Boolean.toString(simd));
        if (Simd.enabled() != simd) {
            throw new IllegalStateException("the kernels chose SIMD = " + Simd.enabled() + " before setup set " + simd);
        }
        in = Attnc.random(ROWS * COLS, 9);
        out = new float[ROWS * COLS];
    }

    @Benchmark
    public float[] unary() {
        Kernels.unary(activation, ROWS, COLS, in, 0, COLS, 1, out, 0, COLS, 1);
        return out;
    }
}
