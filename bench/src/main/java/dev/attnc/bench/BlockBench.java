package dev.attnc.bench;

import dev.attnc.runtime.Model;
import dev.attnc.runtime.Tensor;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;
import java.util.Map;
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
 * Whole blocks of the samples, attnc only, 2 threads, seeded random weights:
 *
 * <ul>
 *   <li>{@link #block}: {@code samples/gpt2_block} and {@code samples/llama_block}, one forward at T = 512;
 *   <li>{@link #gpt2Decode}: one KV-cache decode step of gpt2_block after 2047 cached positions
 *       (T = 2048 in all). GPT-2's position table stops at 1024, so this runs the sample with
 *       {@code P = 2048}, everything else unchanged. The cache is filled once in setup; after each
 *       step its length is set back to 2047, so every step reads the same 2048 positions.
 * </ul>
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 3, time = 2)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED",
        "-Dattnc.threads=2", "-Xmx4g"})
public class BlockBench {
    public static final int BLOCK_T = 512;
    public static final int DECODE_T = 2048;

    static String gpt2(int positions) {
        String text = Attnc.resource("/samples/gpt2_block/gpt2_block.attn");
        String patched = text.replace("P = 1024", "P = " + positions);
        if (positions != 1024 && patched.equals(text)) {
            throw new IllegalStateException("gpt2_block.attn no longer declares P = 1024");
        }
        return patched;
    }

    static int[] ids(int t, int vocabulary) {
        SplittableRandom random = new SplittableRandom(7);
        int[] ids = new int[t];
        for (int i = 0; i < t; i++) {
            ids[i] = random.nextInt(vocabulary);
        }
        return ids;
    }

    @State(Scope.Benchmark)
    public static class Block {
        @Param({"gpt2_block", "llama_block"})
        public String sample;

        Model model;
        Map<String, Tensor> inputs;

        @Setup(Level.Trial)
        public void setUp() {
            String path = "/samples/" + sample + "/" + sample + ".attn";
            model = Attnc.model(path, Attnc.resource(path), BLOCK_T, 42);
            inputs = sample.equals("gpt2_block")
                    ? Map.of("ids", Tensor.ints(ids(BLOCK_T, 50257), BLOCK_T))
                    : Map.of("x", Tensor.floats(Attnc.random(BLOCK_T * 576, 3), BLOCK_T, 576));
        }
    }

    @State(Scope.Benchmark)
    public static class Decode {
        Model model;
        MethodHandle step;
        VarHandle cached;
        Map<String, Tensor> next;

        @Setup(Level.Trial)
        public void setUp() {
            model = Attnc.model("gpt2_block_2048.attn", gpt2(DECODE_T), DECODE_T, 42);
            step = Attnc.step(model);
            cached = Attnc.cachedPositions(model);
            int[] ids = ids(DECODE_T, 50257);
            int[] prefix = java.util.Arrays.copyOf(ids, DECODE_T - 1);
            model.forward(Map.of("ids", Tensor.ints(prefix, DECODE_T - 1)));
            if ((int) cached.get(model) != DECODE_T - 1) {
                throw new IllegalStateException("prefill left " + cached.get(model) + " cached positions");
            }
            next = Map.of("ids", Tensor.ints(new int[] {ids[DECODE_T - 1]}, 1));
        }
    }

    @Benchmark
    public Map<String, Tensor> block(Block b) {
        return b.model.forward(b.inputs);
    }

    @Benchmark
    @SuppressWarnings("unchecked")
    public Map<String, Tensor> gpt2Decode(Decode d) throws Throwable {
        Map<String, Tensor> out = (Map<String, Tensor>) d.step.invokeExact(d.model, d.next);
        d.cached.set(d.model, DECODE_T - 1);
        return out;
    }

    /** Bytes one decode step must read at least: every linear weight and bias once, two embedding rows, the whole KV cache. */
    public static double decodeBytes() {
        int d = 768;
        long weights = (long) d * 3 * d + 3 * d      // c_attn
                + (long) d * d + d                    // c_proj
                + (long) d * 4 * d + 4 * d            // c_fc
                + (long) 4 * d * d + d                // mlp c_proj
                + 4L * d                              // ln_1, ln_2 weights and biases
                + 2L * d;                             // one row of wte, one of wpe
        long cache = 2L * DECODE_T * d;               // keys and values of 2048 positions
        return 4.0 * (weights + cache);
    }
}
