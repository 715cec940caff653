package dev.attnc.bench;

import dev.attnc.runtime.kernels.Activation;
import dev.attnc.runtime.kernels.Int8Linear;
import dev.attnc.runtime.kernels.Int8Matrix;
import dev.attnc.runtime.kernels.Kernels;
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
 * One linear layer of an int8 (-q) encoder against the same layer in float32, MiniLM's shapes
 * (384 to 1536, 1536 to 384), with bias and GELU on the wider one, 2 threads: {@code int8} runs
 * {@link Int8Linear} (input quantized per call, exact integer sums), {@code float32}
 * {@link Kernels#linear} on the dequantized weight.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED",
        "-Dattnc.threads=2"})
@State(Scope.Benchmark)
public class Int8LinearBench {
    @Param({"1", "16", "128"})
    public int rows;

    @Param({"384x1536", "1536x384"})
    public String shape;

    int in;
    int out;
    Int8Matrix int8;
    float[] dense;
    float[] bias;
    float[] x;
    float[] y;
    Activation activation;

    @Setup(Level.Trial)
    public void setUp() {
        String[] sides = shape.split("x");
        in = Integer.parseInt(sides[0]);
        out = Integer.parseInt(sides[1]);
        dense = Attnc.random(in * out, 3);
        int8 = Int8Matrix.quantize(dense, out, in);
        bias = Attnc.random(out, 5);
        x = Attnc.random(rows * in, 7);
        y = new float[rows * out];
        activation = out > in ? Activation.GELU : Activation.NONE;
    }

    @Benchmark
    public float[] int8() {
        Int8Linear.linear(rows, in, out, x, 0, in, int8, bias, activation, y, 0, out);
        return y;
    }

    @Benchmark
    public float[] float32() {
        Kernels.linear(rows, in, out, x, 0, in, dense, bias, activation, y, 0, out);
        return y;
    }
}
