package dev.attnc.compiler.codegen.tornadovm;

import static dev.attnc.compiler.codegen.SinkRelativeReference.maxDifference;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.attnc.compiler.codegen.SinkRelativeReference;
import dev.attnc.compiler.codegen.TestTensors;
import dev.attnc.runtime.Model;
import dev.attnc.runtime.Tensor;
import java.lang.reflect.Method;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

/**
 * The {@code sink} and {@code relative} clauses on the TornadoVM backend (its kernels run on
 * the JVM here, as CI has no TornadoVM), against the float64 reference of
 * {@link SinkRelativeReference}: the prefill kernel over several query and key tiles, with
 * grouped-query heads and masks, and the split-KV decoding kernels with a KV cache. Within
 * 1e-5 of the reference (float32 sums of 16 products, outputs of size about 1); each test
 * checks too that its clause moves the output by far more than that.
 */
class TornadoSinkRelativeTest {
    static final long SEED = 20261207;
    static final double TOLERANCE = 1e-5;
    static final int DH = 16;

    private final SplittableRandom random = new SplittableRandom(SEED);

    static String model(String name, int heads, int kvHeads, String declarations, String clauses, boolean cache) {
        return """
                model %s {
                  const H = %d, KV = %d, Dh = %d
                  dim T <= 256
                  input q : [T, H * Dh]
                  input k : [T, KV * Dh]
                  input v : [T, KV * Dh]
                  %s
                  y = attention(q, k, v, heads = H, kv_heads = KV%s) {
                    %s
                  }
                  output y
                }
                """.formatted(name, heads, kvHeads, DH, declarations, cache ? ", cache = true" : "", clauses);
    }

    private static SinkRelativeReference reference(int heads, int kvHeads) {
        SinkRelativeReference reference = new SinkRelativeReference();
        reference.heads = heads;
        reference.kvHeads = kvHeads;
        reference.scale = 1 / Math.sqrt(DH);
        return reference;
    }

    private double[][][] qkv(int t, int heads, int kvHeads) {
        return new double[][][] {SinkRelativeReference.normal(random, t, heads * DH), SinkRelativeReference.normal(random, t, kvHeads * DH),
                SinkRelativeReference.normal(random, t, kvHeads * DH)};
    }

    static Map<String, Tensor> inputs(double[][][] qkv, int from, int to) {
        Map<String, Tensor> inputs = new HashMap<>();
        String[] names = {"q", "k", "v"};
        for (int index = 0; index < 3; index++) {
            inputs.put(names[index], TestTensors.floats(Arrays.copyOfRange(qkv[index], from, to)));
        }
        return inputs;
    }

    private static void check(String what, double[][] expected, float[] actual, double[][] without) {
        double error = maxDifference(expected, actual);
        System.out.printf("TornadoVM backend, %s: max abs error %.3g%n", what, error);
        assertTrue(error <= TOLERANCE, what + ": max abs error " + error);
        double effect = maxDifference(expected, without);
        assertTrue(effect > 100 * TOLERANCE, what + ": the clause changes the output by only " + effect);
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 20, 77})
    void sinkAndSharedRelativeTableWithGroupedQueriesAndACausalMask(int t) {
        RecordingTornadoWeights weights = new RecordingTornadoWeights(SEED);
        Model model = TornadoCompiled.source("Both.attn", model("Both", 4, 2, "param sinks : [H]\n  param R : [9, Dh]",
                "sink sinks[h]\n    relative R\n    mask causal", false)).load(weights);
        double[][][] qkv = qkv(t, 4, 2);
        SinkRelativeReference reference = reference(4, 2);
        reference.sinks = SinkRelativeReference.vector(weights.get("sinks"));
        reference.relative = SinkRelativeReference.rows(weights.get("R"), DH);
        reference.mask = SinkRelativeReference.CAUSAL;
        float[] y = model.forward(inputs(qkv, 0, t)).get("y").floatData();
        SinkRelativeReference without = reference(4, 2);
        without.mask = SinkRelativeReference.CAUSAL;
        check("sink + relative [9, 16], GQA 4/2, causal, T = " + t, reference.run(qkv[0], qkv[1], qkv[2]), y,
                without.run(qkv[0], qkv[1], qkv[2]));
    }

    @Test
    void aTablePerHeadWithAWindowAndAConstantSink() {
        int t = 120;
        RecordingTornadoWeights weights = new RecordingTornadoWeights(SEED);
        Model model = TornadoCompiled.source("PerHead.attn", model("PerHead", 2, 2, "param R : [61, H * Dh]",
                "relative R\n    sink 0.75\n    score s - 0.05 * (i - j)\n    mask j <= i && i - j < 50", false)).load(weights);
        double[][][] qkv = qkv(t, 2, 2);
        SinkRelativeReference reference = reference(2, 2);
        reference.sinks = new double[] {0.75, 0.75};
        reference.relative = SinkRelativeReference.rows(weights.get("R"), 2 * DH);
        reference.mask = (i, j, h) -> j <= i && i - j < 50;
        reference.score = (s, i, j, h) -> s - 0.05 * (i - j);
        SinkRelativeReference without = reference(2, 2);
        without.mask = reference.mask;
        without.score = reference.score;
        float[] y = model.forward(inputs(qkv, 0, t)).get("y").floatData();
        check("relative per head [61, 32], sink 0.75, window, T = " + t, reference.run(qkv[0], qkv[1], qkv[2]), y,
                without.run(qkv[0], qkv[1], qkv[2]));
    }

    @Test
    void decodingStepsTakeTheSplitKernelsAndMatchTheReference() throws Exception {
        RecordingTornadoWeights weights = new RecordingTornadoWeights(SEED);
        TornadoCompiled compiled = TornadoCompiled.source("Decode.attn", model("Decode", 4, 2, "param sinks : [H]\n  param R : [21, Dh]",
                "sink sinks[h]\n    relative R\n    mask causal", true));
        Model model = compiled.load(weights);
        Method step = compiled.type.getMethod("step", Map.class);
        int t = 90;
        int prefill = 70;
        double[][][] qkv = qkv(t, 4, 2);
        SinkRelativeReference reference = reference(4, 2);
        reference.sinks = SinkRelativeReference.vector(weights.get("sinks"));
        reference.relative = SinkRelativeReference.rows(weights.get("R"), DH);
        reference.mask = SinkRelativeReference.CAUSAL;
        float[] actual = new float[t * 4 * DH];
        float[] first = model.forward(inputs(qkv, 0, prefill)).get("y").floatData();
        System.arraycopy(first, 0, actual, 0, first.length);
        // One row a step, then two of three rows: both take the split-KV kernels (at most 4 rows).
        for (int row = prefill; row < t; ) {
            int rows = row < 80 ? 1 : Math.min(3, t - row);
            @SuppressWarnings("unchecked")
            Map<String, Tensor> out = (Map<String, Tensor>) step.invoke(model, inputs(qkv, row, row + rows));
            System.arraycopy(out.get("y").floatData(), 0, actual, row * 4 * DH, rows * 4 * DH);
            row += rows;
        }
        SinkRelativeReference without = reference(4, 2);
        without.mask = SinkRelativeReference.CAUSAL;
        check("decoding with sink and relative [21, 16]", reference.run(qkv[0], qkv[1], qkv[2]), actual,
                without.run(qkv[0], qkv[1], qkv[2]));
    }
}
