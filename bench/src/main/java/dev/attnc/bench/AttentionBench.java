package dev.attnc.bench;

import dev.attnc.bench.onnx.OnnxModels;
import dev.attnc.runtime.Model;
import dev.attnc.runtime.Tensor;
import java.util.Locale;
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
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The attention core, H = 12, head dim 64, batch 1, 2 threads for both engines (attnc's
 * {@code attnc.threads}, ORT's intra-op threads), on the same seeded q, k, v. A case is
 * {@code variant-T}; each engine lists the cases it can express (see {@link OnnxModels#supports}).
 * ORT's masks and biases are input tensors made in setup, not timed; attnc decides its mask
 * in the generated loop.
 *
 * <p>Not run: the MatMul/Softmax graph at T = 8192, whose [12, T, T] score tensors (3 GiB each,
 * several alive at once) would not leave this 24 GiB machine usable for the other runs.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 3, time = 2)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED",
        "-Dattnc.threads=2", "-Xmx8g", "-XX:MaxDirectMemorySize=8g"})
public class AttentionBench {

    static Variant variant(String testCase) {
        return Variant.valueOf(testCase.substring(0, testCase.lastIndexOf('-')).toUpperCase(Locale.ROOT));
    }

    static int length(String testCase) {
        return Integer.parseInt(testCase.substring(testCase.lastIndexOf('-') + 1));
    }

    @State(Scope.Benchmark)
    public static class AttncCase {
        @Param({"full-512", "full-2048", "full-8192", "causal-512", "causal-2048", "causal-8192",
                "window-8192", "alibi_softcap-2048", "gqa-2048"})
        public String testCase;

        Model model;
        Map<String, Tensor> inputs;

        @Setup(Level.Trial)
        public void setUp() {
            Variant variant = variant(testCase);
            int t = length(testCase);
            AttentionInputs in = new AttentionInputs(variant, t);
            model = Attnc.attention(variant, t);
            inputs = Map.of(
                    "q", Tensor.floats(in.q, t, Variant.WIDTH),
                    "k", Tensor.floats(in.k, t, variant.kvWidth()),
                    "v", Tensor.floats(in.v, t, variant.kvWidth()));
        }
    }

    /** The ORT side of one case with one op. */
    public abstract static class OrtCase {
        Ort ort;

        abstract String testCase();

        abstract OnnxModels.Op op();

        @Setup(Level.Trial)
        public void setUp() {
            Variant variant = variant(testCase());
            int t = length(testCase());
            AttentionInputs in = new AttentionInputs(variant, t);
            ort = new Ort(op(), variant, t, in.q, in.k, in.v);
        }

        @TearDown(Level.Trial)
        public void tearDown() {
            ort.close();
        }
    }

    @State(Scope.Benchmark)
    public static class Attention23Case extends OrtCase {
        @Param({"full-512", "full-2048", "full-8192", "causal-512", "causal-2048", "causal-8192",
                "window-8192", "alibi_softcap-2048", "gqa-2048"})
        public String testCase;

        @Override
        String testCase() {
            return testCase;
        }

        @Override
        OnnxModels.Op op() {
            return OnnxModels.Op.ATTENTION23;
        }
    }

    @State(Scope.Benchmark)
    public static class MhaCase extends OrtCase {
        @Param({"full-512", "full-2048", "full-8192", "causal-512", "causal-2048", "causal-8192", "window-8192"})
        public String testCase;

        @Override
        String testCase() {
            return testCase;
        }

        @Override
        OnnxModels.Op op() {
            return OnnxModels.Op.MHA;
        }
    }

    @State(Scope.Benchmark)
    public static class GqaCase extends OrtCase {
        @Param({"causal-512", "causal-2048", "causal-8192", "window-8192", "gqa-2048"})
        public String testCase;

        @Override
        String testCase() {
            return testCase;
        }

        @Override
        OnnxModels.Op op() {
            return OnnxModels.Op.GQA;
        }
    }

    @State(Scope.Benchmark)
    public static class MatmulCase extends OrtCase {
        @Param({"full-512", "full-2048", "causal-512", "causal-2048", "alibi_softcap-2048", "gqa-2048"})
        public String testCase;

        @Override
        String testCase() {
            return testCase;
        }

        @Override
        OnnxModels.Op op() {
            return OnnxModels.Op.MATMUL;
        }
    }

    @Benchmark
    public Map<String, Tensor> attnc(AttncCase c) {
        return c.model.forward(c.inputs);
    }

    @Benchmark
    public void ortAttention23(Attention23Case c) {
        c.ort.run();
    }

    @Benchmark
    public void ortMha(MhaCase c) {
        c.ort.run();
    }

    @Benchmark
    public void ortGqa(GqaCase c) {
        c.ort.run();
    }

    @Benchmark
    public void ortMatmul(MatmulCase c) {
        c.ort.run();
    }
}
