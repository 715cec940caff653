package dev.attnc.bench;

import dev.attnc.runtime.Model;
import dev.attnc.runtime.Tensor;
import java.util.Map;
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
 * One linear layer alone (with bias), T = 512 rows of 768, to 768 or 3072 outputs, attnc,
 * 2 threads: 2 * T * 768 * OUT floating-point operations.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 3, time = 2)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED",
        "-Dattnc.threads=2"})
@State(Scope.Benchmark)
public class LinearBench {
    public static final int T = 512;
    public static final int IN = 768;

    @Param({"768", "3072"})
    public int out;

    Model model;
    Map<String, Tensor> inputs;

    @Setup(Level.Trial)
    public void setUp() {
        String text = Attnc.resource("models/linear.attn").replace("OUT = 768", "OUT = " + out);
        model = Attnc.model("linear.attn", text, T, 9);
        inputs = Map.of("x", Tensor.floats(Attnc.random(T * IN, 4), T, IN));
    }

    @Benchmark
    public Map<String, Tensor> attnc() {
        return model.forward(inputs);
    }

    public static double flops(int out) {
        return 2.0 * T * IN * out;
    }
}
