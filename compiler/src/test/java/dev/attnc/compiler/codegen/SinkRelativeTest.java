package dev.attnc.compiler.codegen;

import static dev.attnc.compiler.codegen.SinkRelativeReference.maxDifference;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.attnc.runtime.Model;
import dev.attnc.runtime.Tensor;
import java.lang.reflect.Method;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The {@code sink} and {@code relative} clauses through the whole JVM backend, against the
 * float64 reference of {@link SinkRelativeReference}: with grouped-query heads, causal and
 * windowed masks, a score clause after them, sequences of several query tiles and key blocks,
 * and decoding with a KV cache. Inputs are seeded N(0, 1); the sink logits and relative tables
 * are the model's own random weights, read back. Outputs are within 1e-5 of the reference (float32
 * dot products of 16 terms and the kernels' exponential, on outputs of size about 1); each test also
 * checks that its clause moves the output by far more than that, so a clause left out fails.
 */
class SinkRelativeTest {
    static final long SEED = 20261206;
    static final double TOLERANCE = 1e-5;
    static final int DH = 16;

    private final SplittableRandom random = new SplittableRandom(SEED);

    /** Which kernels ran: SIMD by default; the scalar ones with -Dattnc.simd=false on the Maven command line. */
    @org.junit.jupiter.api.BeforeAll
    static void sayWhichKernels() {
        System.out.println("SinkRelativeTest: " + (dev.attnc.runtime.kernels.Simd.enabled() ? "SIMD" : "scalar") + " attention kernels, "
                + dev.attnc.runtime.kernels.AttentionKernels.QUERIES + " queries a tile");
    }

    /** q : [T, H * 16], k and v : [T, KV * 16], params as declared, one attention with the clauses. */
    static String model(String name, int heads, int kvHeads, String declarations, String clauses, boolean cache) {
        return """
                model %s {
                  const H = %d, KV = %d, Dh = %d
                  dim T <= 512
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

    record Run(double[][] q, double[][] k, double[][] v, float[] y) {
    }

    private Run run(Model model, int t, int heads, int kvHeads) {
        double[][] q = SinkRelativeReference.normal(random, t, heads * DH);
        double[][] k = SinkRelativeReference.normal(random, t, kvHeads * DH);
        double[][] v = SinkRelativeReference.normal(random, t, kvHeads * DH);
        Map<String, Tensor> inputs = new HashMap<>();
        inputs.put("q", TestTensors.floats(q));
        inputs.put("k", TestTensors.floats(k));
        inputs.put("v", TestTensors.floats(v));
        return new Run(q, k, v, model.forward(inputs).get("y").floatData());
    }

    /** Checks the run against the reference, and that the reference without {@code without}'s change differs. */
    private static void check(String what, SinkRelativeReference reference, Run run, SinkRelativeReference without) {
        double[][] expected = reference.run(run.q(), run.k(), run.v());
        double error = maxDifference(expected, run.y());
        System.out.printf("%s: max abs error %.3g%n", what, error);
        assertTrue(error <= TOLERANCE, what + ": max abs error " + error);
        double effect = maxDifference(expected, without.run(run.q(), run.k(), run.v()));
        assertTrue(effect > 100 * TOLERANCE, what + ": the clause changes the output by only " + effect);
    }

    private static SinkRelativeReference reference(int heads, int kvHeads) {
        SinkRelativeReference reference = new SinkRelativeReference();
        reference.heads = heads;
        reference.kvHeads = kvHeads;
        reference.scale = 1 / Math.sqrt(DH);
        return reference;
    }

    private static SinkRelativeReference copy(SinkRelativeReference r) {
        SinkRelativeReference c = reference(r.heads, r.kvHeads);
        c.scale = r.scale;
        c.sinks = r.sinks;
        c.relative = r.relative;
        c.mask = r.mask;
        c.score = r.score;
        c.firstQuery = r.firstQuery;
        return c;
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 5, 37, 150})
    void aSinkPerHeadWithGroupedQueriesAndACausalMask(int t) {
        RecordingWeights weights = new RecordingWeights(SEED);
        Model model = Compiled.source("Sink.attn", model("Sink", 4, 2, "param sinks : [H]", "sink sinks[h]\n    mask causal", false))
                .load(weights);
        SinkRelativeReference reference = reference(4, 2);
        reference.sinks = SinkRelativeReference.vector(weights.get("sinks"));
        reference.mask = SinkRelativeReference.CAUSAL;
        SinkRelativeReference without = copy(reference);
        without.sinks = null;
        check("sink, GQA 4/2, causal, T = " + t, reference, run(model, t, 4, 2), without);
    }

    @Test
    void aConstantSinkAndAQueryThatSeesNoKey() {
        // Keys from 3 on only: queries 0 to 2 see nothing but the sink and get zeros.
        Model model = Compiled.source("Window.attn", model("Window", 2, 2, "", "sink 1.5\n    mask j >= 3 && i - j < 40", false))
                .load(new RecordingWeights(SEED));
        SinkRelativeReference reference = reference(2, 2);
        reference.sinks = new double[] {1.5, 1.5};
        reference.mask = (i, j, h) -> j >= 3 && i - j < 40;
        SinkRelativeReference without = copy(reference);
        without.sinks = null;
        check("constant sink, window", reference, run(model, 90, 2, 2), without);
    }

    @ParameterizedTest
    @ValueSource(ints = {3, 70, 200})
    void aSharedRelativeTableClippedAtThreeWithGroupedQueries(int t) {
        RecordingWeights weights = new RecordingWeights(SEED);
        Model model = Compiled.source("Shaw.attn", model("Shaw", 4, 2, "const K = 3\n  param R : [2 * K + 1, Dh]",
                "relative R\n    mask causal", false)).load(weights);
        SinkRelativeReference reference = reference(4, 2);
        reference.relative = SinkRelativeReference.rows(weights.get("R"), DH);
        reference.mask = SinkRelativeReference.CAUSAL;
        SinkRelativeReference without = copy(reference);
        without.relative = null;
        check("relative [7, 16], GQA 4/2, causal, T = " + t, reference, run(model, t, 4, 2), without);
    }

    @ParameterizedTest
    @ValueSource(ints = {9, 100, 300})
    void aTablePerHeadBothWaysWithoutAMask(int t) {
        // K = 40: tiles meet distances inside the clip, past it on both sides, and across it.
        RecordingWeights weights = new RecordingWeights(SEED);
        Model model = Compiled.source("PerHead.attn", model("PerHead", 2, 1, "param R : [81, H * Dh]", "relative R", false))
                .load(weights);
        SinkRelativeReference reference = reference(2, 1);
        reference.relative = SinkRelativeReference.rows(weights.get("R"), 2 * DH);
        SinkRelativeReference without = copy(reference);
        without.relative = null;
        check("relative per head [81, 32], MQA, T = " + t, reference, run(model, t, 2, 1), without);
    }

    @Test
    void sinkRelativeWindowAndAScoreClauseTogether() {
        RecordingWeights weights = new RecordingWeights(SEED);
        Model model = Compiled.source("All.attn", model("All", 4, 4, "param sinks : [H]\n  param R : [33, Dh]",
                "relative R\n    sink sinks[h]\n    score s - 0.05 * (i - j)\n    mask causal && i - j < 70", false)).load(weights);
        SinkRelativeReference reference = reference(4, 4);
        reference.sinks = SinkRelativeReference.vector(weights.get("sinks"));
        reference.relative = SinkRelativeReference.rows(weights.get("R"), DH);
        reference.mask = (i, j, h) -> j <= i && i - j < 70;
        reference.score = (s, i, j, h) -> s - 0.05 * (i - j);
        SinkRelativeReference without = copy(reference);
        without.sinks = null;
        without.relative = null;
        check("sink + relative + distance score + window", reference, run(model, 160, 4, 4), without);
    }

    @Test
    void decodingWithACacheMatchesTheWholeSequence() throws Exception {
        RecordingWeights weights = new RecordingWeights(SEED);
        Compiled compiled = Compiled.source("Decode.attn", model("Decode", 4, 2, "param sinks : [H]\n  param R : [17, Dh]",
                "sink sinks[h]\n    relative R\n    mask causal", true));
        Model model = compiled.load(weights);
        Method step = compiled.type.getMethod("step", Map.class);
        int t = 45;
        int prefill = 38;
        double[][] q = SinkRelativeReference.normal(random, t, 4 * DH);
        double[][] k = SinkRelativeReference.normal(random, t, 2 * DH);
        double[][] v = SinkRelativeReference.normal(random, t, 2 * DH);
        SinkRelativeReference reference = reference(4, 2);
        reference.sinks = SinkRelativeReference.vector(weights.get("sinks"));
        reference.relative = SinkRelativeReference.rows(weights.get("R"), DH);
        reference.mask = SinkRelativeReference.CAUSAL;
        double[][] expected = reference.run(q, k, v);
        float[] actual = new float[t * 4 * DH];
        float[] first = model.forward(inputs(q, k, v, 0, prefill)).get("y").floatData();
        System.arraycopy(first, 0, actual, 0, first.length);
        for (int row = prefill; row < t; row++) {
            @SuppressWarnings("unchecked")
            Map<String, Tensor> out = (Map<String, Tensor>) step.invoke(model, inputs(q, k, v, row, row + 1));
            System.arraycopy(out.get("y").floatData(), 0, actual, row * 4 * DH, 4 * DH);
        }
        double error = maxDifference(expected, actual);
        System.out.printf("decoding with sink and relative: max abs error %.3g%n", error);
        assertTrue(error <= TOLERANCE, "max abs error " + error);
    }

    @Test
    void attentionMapsLeaveTheSinksShareOut() {
        RecordingWeights weights = new RecordingWeights(SEED);
        Model model = Compiled.source("Maps.attn", model("Maps", 2, 1, "param sinks : [H]\n  param R : [9, Dh]",
                "sink sinks[h]\n    relative R\n    mask causal", false)).load(weights);
        dev.attnc.runtime.AttentionMaps maps = new dev.attnc.runtime.AttentionMaps(java.util.Set.of(), java.util.Set.of(1));
        model.recordAttention(maps);
        int t = 30;
        Run run = run(model, t, 2, 1);
        SinkRelativeReference reference = reference(2, 1);
        reference.sinks = SinkRelativeReference.vector(weights.get("sinks"));
        reference.relative = SinkRelativeReference.rows(weights.get("R"), DH);
        reference.mask = SinkRelativeReference.CAUSAL;
        double[][] expected = reference.weights(run.q(), run.k(), 1);
        dev.attnc.runtime.AttentionMaps.Map map = maps.maps().get(0);
        double error = 0;
        double smallestRow = 1;
        for (int i = 0; i < t; i++) {
            double row = 0;
            for (int j = 0; j < t; j++) {
                error = Math.max(error, Math.abs(expected[i][j] - map.weight(i, j)));
                row += map.weight(i, j);
            }
            smallestRow = Math.min(smallestRow, row);
        }
        System.out.printf("attention map with sink and relative: max abs error %.3g, smallest row sum %.3f%n", error, smallestRow);
        assertTrue(error <= TOLERANCE, "max abs error " + error);
        assertTrue(smallestRow < 0.99, "the sink takes a share: row sums down to " + smallestRow);
    }

    static Map<String, Tensor> inputs(double[][] q, double[][] k, double[][] v, int from, int to) {
        return Map.of("q", TestTensors.floats(Arrays.copyOfRange(q, from, to)), "k", TestTensors.floats(Arrays.copyOfRange(k, from, to)),
                "v", TestTensors.floats(Arrays.copyOfRange(v, from, to)));
    }
}
