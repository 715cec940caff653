package dev.attnc.bench.gguf;

import dev.attnc.runtime.generate.TokenModel;
import java.nio.file.Path;
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
 * attnc running {@code samples/llama/llama.attn} on the random TinyLlama-shaped GGUF files of
 * {@link RandomGguf}, 2 threads, measured as llama.cpp's {@code llama-bench} measures the same
 * files (docs/performance.md):
 *
 * <ul>
 *   <li>{@link #pp512}: an empty cache, then one prompt of {@value #PROMPT} random tokens in one
 *       call; prompt tokens/s = 512 / time (llama-bench's {@code pp512});
 *   <li>{@link #tg128}: an empty cache, then {@value #GENERATED} tokens one at a time, each step
 *       reading every weight and the cache so far; decode tokens/s = 128 / time (llama-bench's
 *       {@code tg128}, which also starts from an empty cache).
 * </ul>
 *
 * <p>The files are looked up in {@code -Dattnc.gguf.dir} (default {@code ../peers/llama.cpp/random-gguf}):
 *
 * <pre>
 * java -cp bench/target/benchmarks.jar dev.attnc.bench.gguf.RandomGguf DIR/tinyllama-q8_0.gguf --shape tinyllama --type q8_0
 * java -cp bench/target/benchmarks.jar dev.attnc.bench.gguf.RandomGguf DIR/tinyllama-f16.gguf --shape tinyllama --type f16
 * java -jar bench/target/benchmarks.jar DecodeBench -jvmArgs -Dattnc.gguf.dir=DIR
 * </pre>
 *
 * <p>Until attnc has {@code samples/llama/llama.attn} and a GGUF reader, setup fails with a
 * message naming what is missing ({@link AttncLlama#missing}).
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 1, time = 10)
@Measurement(iterations = 5, time = 10)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED",
        "-Dattnc.threads=2", "-Xmx12g"})
@State(Scope.Benchmark)
public class DecodeBench {
    public static final int PROMPT = 512;
    public static final int GENERATED = 128;
    public static final String DIR_PROPERTY = "attnc.gguf.dir";
    public static final String DEFAULT_DIR = "../peers/llama.cpp/random-gguf";

    @Param({"tinyllama-q8_0.gguf", "tinyllama-f16.gguf"})
    public String file;

    private TokenModel model;
    private int[] prompt;
    private int[] generated;

    @Setup(Level.Trial)
    public void setUp() throws AttncLlama.NotReady {
        Path gguf = Path.of(System.getProperty(DIR_PROPERTY, DEFAULT_DIR)).resolve(file);
        model = AttncLlama.open(gguf, Math.max(PROMPT, GENERATED));
        prompt = tokens(PROMPT, model.vocabularySize(), 1);
        generated = tokens(GENERATED, model.vocabularySize(), 2);
    }

    @Benchmark
    public float[] pp512() {
        model.reset();
        return model.append(prompt);
    }

    /** The generated tokens are fixed random ids, not sampled: the work per step is the same. */
    @Benchmark
    public float tg128() {
        model.reset();
        float last = 0;
        int[] one = new int[1];
        for (int token : generated) {
            one[0] = token;
            last += model.append(one)[0];
        }
        return last;
    }

    /** Seeded random token ids in [0, vocabulary). */
    static int[] tokens(int count, int vocabulary, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        int[] ids = new int[count];
        for (int i = 0; i < count; i++) {
            ids[i] = random.nextInt(vocabulary);
        }
        return ids;
    }

    /**
     * Bytes one decoding step must read at least, at {@code cached} positions already in the
     * cache: every matrix of every layer and the LM head once, the norm weights, one row of the
     * embedding, and the keys and values of the cached positions plus the new one, each of
     * {@code cacheValueBytes} bytes (llama.cpp's cache is F16 by default: 2).
     */
    public static long stepBytes(RandomGguf.Shape s, GgufType matrices, int cached, int cacheValueBytes) {
        long perLayer = (long) s.dim() * s.dim() * 2          // attn_q, attn_output
                + (long) s.dim() * s.kvDim() * 2              // attn_k, attn_v
                + (long) s.dim() * s.ffn() * 3;               // ffn_gate, ffn_up, ffn_down
        long matrixValues = perLayer * s.layers() + (long) s.dim() * s.vocab();   // + output
        long norms = (2L * s.layers() + 1) * s.dim() * 4;
        long cache = 2L * s.layers() * s.kvDim() * (cached + 1) * cacheValueBytes;
        return matrices.bytes(matrixValues) + matrices.bytes((long) s.dim()) + norms + cache;
    }
}
