package dev.attnc.bench;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import dev.attnc.runtime.Model;
import dev.attnc.runtime.Tensor;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.LongBuffer;
import java.util.Arrays;
import java.util.LinkedHashMap;
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
 * all-MiniLM-L6-v2 (published weights, from langchain4j's jar) on one sentence per call, the
 * way an embedding service sees short requests: {@link #tokens} word pieces ({@code [CLS]},
 * seeded random words, {@code [SEP]}), no padding, last hidden state only. Both engines on 2
 * threads (attnc's {@code attnc.threads}, ORT's intra-op threads), in the same run:
 *
 * <ul>
 *   <li>{@link #attnc}: {@code forward} of the sample with {@code x} as its only output, which
 *       includes copying the ids into the arena and allocating the output tensor, as every call of
 *       attnc's API does;
 *   <li>{@link #ort}: {@code OrtSession.run} on the same ids, asking for {@code last_hidden_state}
 *       only, its inputs in direct buffers made in setup and its output pinned, so a timed call is
 *       ORT's {@code Run} alone;
 *   <li>{@link #attncOneThread}: {@link #attnc} in forks whose kernels run on one thread.
 * </ul>
 *
 * The warm-up is long (8 s) because a call at 8 tokens is a few milliseconds and the generated
 * {@code forward} is large: on a loaded machine C2 takes seconds to compile it.
 *
 * Setup checks that both engines agree within 1e-3 on every value of the output.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 8, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 3, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED",
        "-Dattnc.threads=2", "-Xmx2g"})
public class MiniLmBench {
    static final int WIDTH = 384;

    /** [CLS] words [SEP], {@code length} ids in all; the same ids for a given length and seed. */
    public static int[] sentence(int length, long seed) {
        if (length < 2) {
            throw new IllegalArgumentException("a sentence holds [CLS] and [SEP] at least, not " + length + " ids");
        }
        SplittableRandom random = new SplittableRandom(seed);
        int[] ids = new int[length];
        ids[0] = 101;
        for (int i = 1; i < length - 1; i++) {
            ids[i] = 1996 + random.nextInt(28000);
        }
        ids[length - 1] = 102;
        return ids;
    }

    @State(Scope.Benchmark)
    public static class Sentence {
        @Param({"8", "32", "128"})
        public int tokens;

        Model model;
        Map<String, Tensor> inputs;
        OrtSession session;
        Map<String, OnnxTensor> ortInputs;
        Map<String, OnnxTensor> ortOutputs;
        FloatBuffer ortOut;

        @Setup(Level.Trial)
        public void setUp() throws OrtException {
            byte[] onnx = MiniLmBatchBench.onnxBytes();
            int[] ids = sentence(tokens, 17);
            model = MiniLmBatchBench.attnc(onnx);
            inputs = MiniLmBatchBench.inputs(ids);
            session = MiniLmBatchBench.session(onnx);
            OrtEnvironment env = OrtEnvironment.getEnvironment();
            long[] shape = {1, tokens};
            long[] ones = new long[tokens];
            Arrays.fill(ones, 1);
            long[] longIds = new long[tokens];
            for (int i = 0; i < tokens; i++) {
                longIds[i] = ids[i];
            }
            ortInputs = new LinkedHashMap<>();
            ortInputs.put("input_ids", OnnxTensor.createTensor(env, directLongs(longIds), shape));
            ortInputs.put("attention_mask", OnnxTensor.createTensor(env, directLongs(ones), shape));
            ortInputs.put("token_type_ids", OnnxTensor.createTensor(env, directLongs(new long[tokens]), shape));
            ortOut = Ort.floats((long) tokens * WIDTH);
            ortOutputs = Map.of("last_hidden_state", OnnxTensor.createTensor(env, ortOut, new long[] {1, tokens, WIDTH}));
            check();
        }

        /** Both engines once; throws when their outputs differ by more than 1e-3 anywhere. */
        void check() {
            float[] x = model.forward(inputs).get("x").floatData();
            runOrt();
            double worst = 0;
            for (int i = 0; i < x.length; i++) {
                worst = Math.max(worst, Math.abs(x[i] - ortOut.get(i)));
            }
            if (x.length != tokens * WIDTH || !(worst <= 1e-3)) {
                throw new IllegalStateException("attnc and ONNX Runtime differ by " + worst + " at " + tokens + " tokens");
            }
        }

        void runOrt() {
            try {
                session.run(ortInputs, ortOutputs).close();
            } catch (OrtException e) {
                throw new IllegalStateException(e);
            }
        }

        @TearDown(Level.Trial)
        public void tearDown() throws OrtException {
            ortInputs.values().forEach(OnnxTensor::close);
            ortOutputs.values().forEach(OnnxTensor::close);
            session.close();
        }
    }

    static LongBuffer directLongs(long[] values) {
        LongBuffer buffer = ByteBuffer.allocateDirect(values.length * 8).order(ByteOrder.nativeOrder()).asLongBuffer();
        buffer.put(0, values);
        return buffer;
    }

    @Benchmark
    public Map<String, Tensor> attnc(Sentence s) {
        return s.model.forward(s.inputs);
    }

    /** attnc on one kernel thread: against {@link #attnc}, what the hand-offs to a second thread gain or cost. */
    @Benchmark
    @Fork(value = 3, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED",
            "-Dattnc.threads=1", "-Xmx2g"})
    public Map<String, Tensor> attncOneThread(Sentence s) {
        return s.model.forward(s.inputs);
    }

    @Benchmark
    public void ort(Sentence s) {
        s.runOrt();
    }
}
