package dev.attnc.bench.gguf;

import dev.attnc.runtime.kernels.Activation;
import dev.attnc.runtime.kernels.Kernels;
import dev.attnc.runtime.weights.HalfMatrix;
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
 * One linear layer of TinyLlama-1.1B's FFN ({@code 2048 -> 5632}) in each format a GGUF file
 * hands the kernels ({@link Kernels#matrix}): float32, F16, BF16, Q8_0, 2 threads, for one row
 * (a decoding step: the weight streams from memory, 23 to 46 MB) and for 512 rows (a prompt:
 * the multiply dominates). It isolates the kernels from the rest of {@link DecodeBench}:
 * {@code 2048 * 5632 * rows / time} is the multiply-adds per second.
 *
 * <pre>java -jar bench/target/benchmarks.jar LinearFormatBench -f 1</pre>
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "-Dattnc.threads=2", "-Xmx4g"})
@State(Scope.Benchmark)
public class LinearFormatBench {
    static final int IN = 2048;
    static final int OUT = 5632;

    @Param({"F32", "F16", "BF16", "Q8_0"})
    public String weight;

    @Param({"1", "512"})
    public int rows;

    private Kernels.Matrix matrix;
    private float[] x;
    private float[] y;

    @Setup(Level.Trial)
    public void setUp() {
        SplittableRandom random = new SplittableRandom(7);
        x = new float[rows * IN];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) (random.nextDouble() * 2 - 1);
        }
        y = new float[rows * OUT];
        float[] w = new float[IN * OUT];
        for (int i = 0; i < w.length; i++) {
            w[i] = (float) (random.nextGaussian() * 0.02);
        }
        matrix = switch (weight) {
            case "F32" -> Kernels.dense(w, OUT, IN);
            case "F16" -> new Kernels.Half(HalfMatrix.round(HalfMatrix.Format.F16, w, OUT, IN));
            case "BF16" -> new Kernels.Half(HalfMatrix.round(HalfMatrix.Format.BF16, w, OUT, IN));
            case "Q8_0" -> new Kernels.Quantized(QuantizedMatrix.quantize(QuantizedMatrix.Format.Q8_0, w, OUT, IN));
            default -> throw new IllegalArgumentException(weight);
        };
    }

    @Benchmark
    public float[] linear() {
        matrix.linear(rows, x, 0, IN, null, Activation.NONE, y, 0, OUT);
        return y;
    }
}
