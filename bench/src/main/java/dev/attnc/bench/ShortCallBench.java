package dev.attnc.bench;

import dev.attnc.runtime.Model;
import dev.attnc.runtime.Tensor;
import dev.attnc.runtime.kernels.Activation;
import dev.attnc.runtime.kernels.Kernels;
import dev.attnc.runtime.kernels.Threads;
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
 * The fixed cost of short work (issue 17, target 4): the kernels of one all-MiniLM-L6-v2 layer
 * at {@link #ROWS} tokens, each alone, and the whole model at that length, on 1 and on 2 kernel
 * threads ({@link #threads}, set before the workers start; each value is its own fork). Against
 * the 1-thread figures, the 2-thread ones show what a hand-off to the workers costs per kernel;
 * {@link #handOff} is that cost alone, a parallel region whose chunks do nothing.
 *
 * <p>The shapes are MiniLM's (D = 384, F = 1536); the linear weights are seeded random (their
 * values do not change the time); {@link #model} runs the published weights, as
 * {@link MiniLmBench} does.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED", "-Xmx2g"})
@State(Scope.Benchmark)
public class ShortCallBench {
    static final int ROWS = 8;
    static final int D = 384;
    static final int F = 1536;

    /** Kernel threads; set as {@code attnc.threads} in setup, before any kernel starts the workers. */
    @Param({"1", "2"})
    public int threads;

    float[] x;
    float[] hidden;
    float[] y;
    float[] square;
    float[] up;
    float[] down;
    float[] biasD;
    float[] biasF;
    float[] gamma;
    float[] beta;
    int[] touched;
    Model model;
    Map<String, Tensor> inputs;

    @Setup(Level.Trial)
    public void setUp() {
        System.setProperty("attnc.threads", Integer.toString(threads));
        if (Threads.count() != threads) {
            throw new IllegalStateException("the workers started with " + Threads.count() + " threads before setup set "
                    + threads + ": run each value in its own fork");
        }
        x = Attnc.random(ROWS * D, 1);
        hidden = new float[ROWS * F];
        y = new float[ROWS * D];
        square = Attnc.random(D * D, 2);
        up = Attnc.random(F * D, 3);
        down = Attnc.random(D * F, 4);
        biasD = Attnc.random(D, 5);
        biasF = Attnc.random(F, 6);
        gamma = Attnc.random(D, 7);
        beta = Attnc.random(D, 8);
        touched = new int[2];
        model = MiniLmBatchBench.attnc(MiniLmBatchBench.onnxBytes());
        inputs = MiniLmBatchBench.inputs(MiniLmBench.sentence(ROWS, 17));
    }

    /** A parallel region over two items whose chunks only write their worker index: the hand-off alone. */
    @Benchmark
    public int[] handOff() {
        Threads.parallel(2, 1, (from, to, worker) -> touched[from] = worker);
        return touched;
    }

    /** A query, key, value or output projection: linear(384, 384) with bias. */
    @Benchmark
    public float[] linearSquare() {
        Kernels.linear(ROWS, D, D, x, 0, D, square, biasD, Activation.NONE, y, 0, D);
        return y;
    }

    /** The feed-forward layer's first half: linear(384, 1536) with bias and GELU in its epilogue. */
    @Benchmark
    public float[] linearUpGelu() {
        Kernels.linear(ROWS, D, F, x, 0, D, up, biasF, Activation.GELU, hidden, 0, F);
        return hidden;
    }

    /** The feed-forward layer's second half: linear(1536, 384) with bias. */
    @Benchmark
    public float[] linearDown() {
        Kernels.linear(ROWS, F, D, hidden, 0, F, down, biasD, Activation.NONE, y, 0, D);
        return y;
    }

    /** One layernorm of the residual stream. */
    @Benchmark
    public float[] layerNorm() {
        Kernels.layerNorm(ROWS, D, x, 0, D, gamma, beta, 1e-12f, y, 0, D);
        return y;
    }

    /** The whole model, one sentence of {@link #ROWS} tokens, output x only. */
    @Benchmark
    public Map<String, Tensor> model() {
        return model.forward(inputs);
    }
}
