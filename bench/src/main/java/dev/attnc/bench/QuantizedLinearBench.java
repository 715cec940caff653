package dev.attnc.bench;

import dev.attnc.runtime.kernels.Activation;
import dev.attnc.runtime.kernels.Kernels;
import dev.attnc.runtime.kernels.QuantizedLinear;
import dev.attnc.runtime.weights.QuantizedMatrix;
import java.util.SplittableRandom;
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
 * One decoding step's matrix-vector product (one row) at TinyLlama-1.1B's sizes: the attention
 * projection {@code 2048 -> 2048} and the FFN's gate or up projection {@code 2048 -> 5632},
 * with the weight in float32 ({@link Kernels#linear}, its packed panels) or kept in Q8_0 or
 * Q4_0 blocks ({@link QuantizedLinear}), 2 threads. The weights (4.5 to 46 MB) are far larger
 * than the caches, so a call streams them from memory: {@link #weightBytes} over the time of one
 * operation is the bandwidth the kernel gets out of memory, in GB/s.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "-Dattnc.threads=2"})
@State(Scope.Benchmark)
public class QuantizedLinearBench {

    /** {@code IN x OUT}: inputs by outputs. */
    @Param({"2048x2048", "2048x5632"})
    public String shape;

    @Param({"F32", "Q8_0", "Q4_0"})
    public String weight;

    int in;
    int out;
    float[] x;
    float[] y;
    float[] floats;
    QuantizedMatrix quantized;

    @Setup(Level.Trial)
    public void setUp() {
        String[] parts = shape.split("x");
        in = Integer.parseInt(parts[0]);
        out = Integer.parseInt(parts[1]);
        SplittableRandom random = new SplittableRandom(7);
        x = new float[in];
        for (int i = 0; i < in; i++) {
            x[i] = (float) (random.nextDouble() * 2 - 1);
        }
        y = new float[out];
        float[] w = new float[in * out];
        for (int i = 0; i < w.length; i++) {
            w[i] = (float) (random.nextGaussian() * 0.02);
        }
        if (weight.equals("F32")) {
            floats = w;
        } else {
            quantized = QuantizedMatrix.quantize(QuantizedMatrix.Format.valueOf(weight), w, out, in);
        }
    }

    @Benchmark
    public float[] matVec() {
        if (quantized == null) {
            Kernels.linear(1, in, out, x, 0, in, floats, null, Activation.NONE, y, 0, out);
        } else {
            QuantizedLinear.linear(1, in, out, x, 0, in, quantized, null, Activation.NONE, y, 0, out);
        }
        return y;
    }

    /**
     * The weight bytes one call reads: 4 a value in F32; in Q8_0 and Q4_0 one byte or half a
     * byte a value plus a float32 scale per 32 values (1.125 and 0.625 bytes a value).
     */
    public static long weightBytes(String weight, int in, int out) {
        long values = (long) in * out;
        return switch (weight) {
            case "F32" -> 4 * values;
            case "Q8_0" -> values + values / 32 * 4;
            case "Q4_0" -> values / 2 + values / 32 * 4;
            default -> throw new IllegalArgumentException(weight);
        };
    }
}
