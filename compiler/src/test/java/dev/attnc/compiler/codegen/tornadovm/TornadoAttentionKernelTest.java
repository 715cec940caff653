package dev.attnc.compiler.codegen.tornadovm;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.palantir.javapoet.MethodSpec;
import dev.attnc.compiler.codegen.Compiled;
import dev.attnc.runtime.Model;
import dev.attnc.runtime.Tensor;
import dev.attnc.runtime.weights.RandomWeights;
import java.lang.reflect.InvocationTargetException;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The TornadoVM backend's attention kernels (FlashAttention-2 tiles for prefill, split-KV for
 * decoding), run on the JVM launcher, against a float64 reference written here from the
 * definition in docs/language.md, and against the JVM backend on the same inputs: masks
 * (causal, windows, the {@code (A && B) || (C && D)} form TornadoVM miscompiled, float
 * conditions, {@code where}), GQA and MQA, softcap, temperature, scale, ALiBi, cross-attention
 * with a length read from an input, head widths that fill tiles and ones that do not, and KV
 * cache steps of 1, 3 and 6 rows (the split-KV and the tiled path).
 *
 * <p>Tolerance: max abs error 1e-4 x the output's largest magnitude, against either (float32
 * kernels, float64 reference).
 */
class TornadoAttentionKernelTest {
    static final double TOLERANCE = 1e-4;

    private final SplittableRandom random = new SplittableRandom(1313);

    /** A mask as the reference sees it. */
    interface Mask {
        boolean keep(int i, int j, int h);
    }

    /** A score clause as the reference sees it. */
    interface Score {
        double apply(double s, int i, int j, int h);
    }

    /** One attention as the reference computes it; inputs beyond q, k, v are read by the lambdas. */
    record Spec(int heads, int kvHeads, int dk, int dv, double scale, Score score, double softcap, double temperature, Mask mask) {
    }

    /**
     * Float64 attention: query row t is position {@code first + t}, keys are positions 0..keys-1;
     * s = q.k * scale, then the score clause, softcap, temperature; masked keys left out; a query
     * that sees no key gets zeros.
     */
    static double[] reference(float[] q, float[] k, float[] v, int queries, int keys, int first, Spec spec) {
        double[] out = new double[queries * spec.heads() * spec.dv()];
        int group = spec.heads() / spec.kvHeads();
        for (int t = 0; t < queries; t++) {
            int i = first + t;
            for (int h = 0; h < spec.heads(); h++) {
                int kv = h / group;
                double[] scores = new double[keys];
                double max = Double.NEGATIVE_INFINITY;
                for (int j = 0; j < keys; j++) {
                    scores[j] = Double.NaN;
                    if (!spec.mask().keep(i, j, h)) {
                        continue;
                    }
                    double s = 0;
                    for (int d = 0; d < spec.dk(); d++) {
                        s += (double) q[t * spec.heads() * spec.dk() + h * spec.dk() + d] * k[j * spec.kvHeads() * spec.dk() + kv * spec.dk() + d];
                    }
                    s *= spec.scale();
                    s = spec.score().apply(s, i, j, h);
                    if (spec.softcap() > 0) {
                        s = spec.softcap() * Math.tanh(s / spec.softcap());
                    }
                    if (spec.temperature() > 0) {
                        s /= spec.temperature();
                    }
                    scores[j] = s;
                    max = Math.max(max, s);
                }
                double sum = 0;
                double[] acc = new double[spec.dv()];
                for (int j = 0; j < keys; j++) {
                    if (Double.isNaN(scores[j])) {
                        continue;
                    }
                    double p = Math.exp(scores[j] - max);
                    sum += p;
                    for (int c = 0; c < spec.dv(); c++) {
                        acc[c] += p * v[j * spec.kvHeads() * spec.dv() + kv * spec.dv() + c];
                    }
                }
                for (int c = 0; c < spec.dv(); c++) {
                    out[t * spec.heads() * spec.dv() + h * spec.dv() + c] = sum > 0 ? acc[c] / sum : 0;
                }
            }
        }
        return out;
    }

    /** ALiBi slopes for a power-of-two head count (Press et al.): 2^(-8 (h + 1) / H). */
    static double alibiSlope(int h, int heads) {
        return Math.pow(2, -8.0 * (h + 1) / heads);
    }

    static String model(String name, int heads, int kvHeads, int dk, int dv, String dims, String keyDim, String extraInputs,
            String args, String clauses) {
        return """
                model %s {
                  const H = %d, KV = %d, Dk = %d, Dv = %d
                  dim %s
                  input q : [T, H * Dk]
                  input k : [%s, KV * Dk]
                  input v : [%s, KV * Dv]
                %s
                  y = attention(q, k, v, heads = H, kv_heads = KV%s) {
                %s
                  }
                  output y
                }
                """.formatted(name, heads, kvHeads, dk, dv, dims, keyDim, keyDim, extraInputs, args, clauses);
    }

    float[] normal(int n) {
        float[] values = new float[n];
        for (int index = 0; index < n; index++) {
            // Box-Muller: seeded, never all zeros.
            values[index] = (float) (Math.sqrt(-2 * Math.log(1 - random.nextDouble())) * Math.cos(2 * Math.PI * random.nextDouble()));
        }
        return values;
    }

    /** Runs a prefill case through both backends at the given lengths and checks both against the reference. */
    void prefill(String name, String source, Spec spec, int[] lengths, Map<String, Tensor> extra) {
        TornadoCompiled tornado = TornadoCompiled.source(name + ".attn", source);
        assertNoShortCircuits(tornado);
        Model device = tornado.load(new RandomWeights(1));
        Model jvm = Compiled.source(name + ".attn", source).load(new RandomWeights(1));
        for (int t : lengths) {
            float[] q = normal(t * spec.heads() * spec.dk());
            float[] k = normal(t * spec.kvHeads() * spec.dk());
            float[] v = normal(t * spec.kvHeads() * spec.dv());
            Map<String, Tensor> inputs = new HashMap<>(extra);
            inputs.put("q", Tensor.floats(q, t, spec.heads() * spec.dk()));
            inputs.put("k", Tensor.floats(k, t, spec.kvHeads() * spec.dk()));
            inputs.put("v", Tensor.floats(v, t, spec.kvHeads() * spec.dv()));
            double[] expected = reference(q, k, v, t, t, 0, spec);
            float[] actual = device.forward(inputs).get("y").floatData();
            float[] jvmOut = jvm.forward(inputs).get("y").floatData();
            check(name + " T " + t + ", TornadoVM kernels vs float64", expected, actual);
            check(name + " T " + t + ", TornadoVM kernels vs JVM backend", toDouble(jvmOut), actual);
        }
    }

    static double[] toDouble(float[] values) {
        double[] result = new double[values.length];
        for (int n = 0; n < values.length; n++) {
            result[n] = values[n];
        }
        return result;
    }

    static void check(String what, double[] expected, float[] actual) {
        assertTrue(expected.length == actual.length, what + ": " + actual.length + " values, expected " + expected.length);
        double scale = 0;
        double error = 0;
        for (int n = 0; n < expected.length; n++) {
            scale = Math.max(scale, Math.abs(expected[n]));
            error = Math.max(error, Math.abs(expected[n] - actual[n]));
        }
        assertTrue(scale > 0, what + ": the expected output is all zeros, so the check could not fail");
        assertTrue(error <= TOLERANCE * scale, what + ": max abs error " + error + " > " + TOLERANCE + " x scale " + scale);
    }

    /** TornadoVM miscompiled short-circuit conditions and unsigned shifts: the attention kernels' code must have none. */
    static void assertNoShortCircuits(TornadoCompiled compiled) {
        List<MethodSpec> kernels = compiled.generated.file().typeSpec().methodSpecs().stream()
                .filter(m -> m.name().startsWith("attention_")).toList();
        assertFalse(kernels.isEmpty(), "no attention kernel in the generated class");
        for (MethodSpec kernel : kernels) {
            // Comments quote the .attn clauses as written; only the code counts.
            String body = kernel.code().toString().replaceAll("//[^\n]*", "");
            assertFalse(body.contains("&&") || body.contains("||"), kernel.name() + " has a short-circuit condition:\n" + body);
            // TornadoVM 5.2.0 writes Java's >>> as OpenCL's >>, an arithmetic shift on signed ints (seen on PoCL).
            assertFalse(body.contains(">>>"), kernel.name() + " has an unsigned shift:\n" + body);
        }
    }

    // ---------------------------------------------------------------- prefill

    @Test
    void causalOverSeveralQueryAndKeyTiles() {
        Spec spec = new Spec(4, 4, 16, 16, 0.25, (s, i, j, h) -> s, 0, 0, (i, j, h) -> j <= i);
        prefill("Causal", model("Causal", 4, 4, 16, 16, "T <= 80", "T", "", "", "mask causal"), spec,
                new int[] {1, 16, 33, 80}, Map.of());
    }

    @Test
    void slidingWindowWithGroupedQueries() {
        Spec spec = new Spec(4, 2, 16, 16, 0.25, (s, i, j, h) -> s, 0, 0, (i, j, h) -> j <= i && i - j < 9);
        prefill("Window", model("Window", 4, 2, 16, 16, "T <= 70", "T", "", "", "mask causal && i - j < 9"), spec,
                new int[] {7, 70}, Map.of());
    }

    /** Issue 13 item 1: TornadoVM emitted {@code (h != 1 && j < i) ? 0 : 1} for this mask. */
    @Test
    void maskOfOrOfAnds() {
        Spec spec = new Spec(2, 2, 16, 16, 0.25, (s, i, j, h) -> s, 0, 0, (i, j, h) -> (h == 0 && j <= i) || (h == 1 && j >= i));
        prefill("OrOfAnds", model("OrOfAnds", 2, 2, 16, 16, "T <= 40", "T", "", "", "mask (h == 0 && j <= i) || (h == 1 && j >= i)"),
                spec, new int[] {5, 40}, Map.of());
    }

    /**
     * Comparisons whose difference overflows an int (2147483647 - (i - j) for j > i): the
     * kernels compare without widening to long (see TornadoAttentionWriter's {@code below}).
     */
    @Test
    void comparisonsNearTheIntLimits() {
        Spec spec = new Spec(2, 2, 16, 16, 0.25, (s, i, j, h) -> s, 0, 0,
                (i, j, h) -> i - j < 2147483647 && j - i < 3 && -2147483647 < j - i - 5 && (h % 2 == 1 || j <= i));
        prefill("IntLimits", model("IntLimits", 2, 2, 16, 16, "T <= 40", "T", "", "", """
                    mask i - j < 2147483647 && j - i < 3 && -2147483647 < j - i - 5 && (h % 2 == 1 || j <= i)"""),
                spec, new int[] {6, 40}, Map.of());
    }

    /** A window, a negated conjunction and an || at the top, so that no key range can be read off the mask. */
    @Test
    void maskWithNoRange() {
        Spec spec = new Spec(4, 2, 32, 16, 0.2, (s, i, j, h) -> s, 0, 0,
                (i, j, h) -> j <= i && i - j < 20 && !(h == 3 && j == i - 1) || (j == 0 && h != 1));
        prefill("NoRange", model("NoRange", 4, 2, 32, 16, "T <= 80", "T", "", "", """
                    scale 0.2
                    mask causal && i - j < 20 && !(h == 3 && j == i - 1) || (j == 0 && h != 1)"""), spec,
                new int[] {5, 77}, Map.of());
    }

    @Test
    void negationsWhereAndFloatConditions() {
        int t = 37;
        float[] keep = normal(t);
        Spec spec = new Spec(2, 1, 8, 8, 0.5, (s, i, j, h) -> (i - j > 4) ? s - 1.5 : s, 0, 0,
                (i, j, h) -> !(j > i) && (keep[j] > 0.0f || j == i || (h == 1 && !(i - j != 3))));
        String source = model("Conditions", 2, 1, 8, 8, "T <= 40", "T", "  input keep : [T]", "", """
                    scale 0.5
                    score where(i - j > 4, s - 1.5, s)
                    mask !(j > i) && (keep[j] > 0.0 || j == i || (h == 1 && !(i - j != 3)))""");
        prefill("Conditions", source, spec, new int[] {t}, Map.of("keep", Tensor.floats(keep, t)));
    }

    @Test
    void softcapTemperatureAndScale() {
        Spec spec = new Spec(2, 2, 32, 32, 0.7, (s, i, j, h) -> s, 3.0, 0.6, (i, j, h) -> j <= i);
        prefill("Softcap", model("Softcap", 2, 2, 32, 32, "T <= 50", "T", "", "", """
                    scale 0.7
                    softcap 3.0
                    temperature 0.6
                    mask causal"""), spec, new int[] {50}, Map.of());
    }

    @Test
    void alibiWithCausalMask() {
        Spec spec = new Spec(4, 4, 16, 16, 0.25, (s, i, j, h) -> s - alibiSlope(h, 4) * (i - j), 0, 0, (i, j, h) -> j <= i);
        prefill("Alibi", model("Alibi", 4, 4, 16, 16, "T <= 60", "T", "", "", """
                    score s - alibi_slope(h) * (i - j)
                    mask causal"""), spec, new int[] {3, 60}, Map.of());
    }

    @Test
    void wideHeadsShrinkTheTiles() {
        Spec spec = new Spec(2, 1, 128, 128, 1 / Math.sqrt(128), (s, i, j, h) -> s, 0, 0, (i, j, h) -> j <= i);
        prefill("Wide", model("Wide", 2, 1, 128, 128, "T <= 40", "T", "", "", "mask causal"), spec, new int[] {40}, Map.of());
    }

    @Test
    void oddHeadWidthsAndValuesWiderThanKeys() {
        Spec spec = new Spec(3, 3, 6, 12, 0.4, (s, i, j, h) -> s, 0, 0, (i, j, h) -> true);
        prefill("Odd", model("Odd", 3, 3, 6, 12, "T <= 30", "T", "", "", "scale 0.4"), spec, new int[] {1, 29}, Map.of());
    }

    // ---------------------------------------------------------------- cross-attention

    @Test
    void crossAttentionWithLengthFromAnInput() {
        int heads = 2;
        int dk = 32;
        String source = model("Cross", heads, heads, dk, dk, "T <= 20, S <= 100", "S", "  input len : int", "", "mask j < len");
        TornadoCompiled tornado = TornadoCompiled.source("Cross.attn", source);
        assertNoShortCircuits(tornado);
        Model device = tornado.load(new RandomWeights(1));
        Model jvm = Compiled.source("Cross.attn", source).load(new RandomWeights(1));
        for (int[] size : new int[][] {{3, 100, 71}, {20, 45, 45}, {1, 9, 2}}) {
            int t = size[0];
            int keys = size[1];
            int len = size[2];
            Spec spec = new Spec(heads, heads, dk, dk, 1 / Math.sqrt(dk), (s, i, j, h) -> s, 0, 0, (i, j, h) -> j < len);
            float[] q = normal(t * heads * dk);
            float[] k = normal(keys * heads * dk);
            float[] v = normal(keys * heads * dk);
            Map<String, Tensor> inputs = Map.of("q", Tensor.floats(q, t, heads * dk), "k", Tensor.floats(k, keys, heads * dk),
                    "v", Tensor.floats(v, keys, heads * dk), "len", Tensor.ints(new int[] {len}));
            double[] expected = reference(q, k, v, t, keys, 0, spec);
            float[] actual = device.forward(inputs).get("y").floatData();
            check("cross-attention T " + t + ", S " + keys + ", len " + len + ", vs float64", expected, actual);
            check("cross-attention T " + t + ", S " + keys + ", len " + len + ", vs JVM backend",
                    toDouble(jvm.forward(inputs).get("y").floatData()), actual);
        }
    }

    // ---------------------------------------------------------------- KV cache steps

    /**
     * A prompt, then steps of 1 row (split-KV over up to ~150 keys, several splits), 3 rows
     * (split-KV, several queries) and 6 rows (the tiled kernel on the cache), with MQA, a window
     * and ALiBi: each call's rows against the float64 reference over every position so far.
     */
    @Test
    void cacheStepsTakeTheSplitAndTiledPaths() throws ReflectiveOperationException {
        int heads = 4;
        int dk = 16;
        Spec spec = new Spec(heads, 1, dk, dk, 0.25, (s, i, j, h) -> s - alibiSlope(h, heads) * (i - j), 0, 0,
                (i, j, h) -> j <= i && i - j < 100);
        String source = model("Steps", heads, 1, dk, dk, "T <= 200", "T", "", ", cache = true", """
                    score s - alibi_slope(h) * (i - j)
                    mask causal && i - j < 100""");
        TornadoCompiled tornado = TornadoCompiled.source("Steps.attn", source);
        assertNoShortCircuits(tornado);
        assertTrue(tornado.source().contains("_split(") && tornado.source().contains("_combine("),
                "a cached attention has split-KV kernels");
        Model device = tornado.load(new RandomWeights(1));
        Model jvm = Compiled.source("Steps.attn", source).load(new RandomWeights(1));
        float[] allK = new float[0];
        float[] allV = new float[0];
        int position = 0;
        int[] calls = {20, 1, 1, 3, 6, 1, 60, 1, 1, 1, 3, 1};
        for (int call = 0; call < calls.length; call++) {
            int t = calls[call];
            float[] q = normal(t * heads * dk);
            float[] k = normal(t * dk);
            float[] v = normal(t * dk);
            allK = concat(allK, k);
            allV = concat(allV, v);
            Map<String, Tensor> inputs = Map.of("q", Tensor.floats(q, t, heads * dk), "k", Tensor.floats(k, t, dk),
                    "v", Tensor.floats(v, t, dk));
            String method = call == 0 ? "forward" : "step";
            float[] actual = invoke(device, method, inputs).get("y").floatData();
            float[] fromJvm = invoke(jvm, method, inputs).get("y").floatData();
            double[] expected = reference(q, allK, allV, t, position + t, position, spec);
            check("cache call " + call + " (" + t + " rows at position " + position + ") vs float64", expected, actual);
            check("cache call " + call + " (" + t + " rows at position " + position + ") vs JVM backend", toDouble(fromJvm), actual);
            position += t;
        }
    }

    @SuppressWarnings("unchecked")
    static Map<String, Tensor> invoke(Model model, String method, Map<String, Tensor> inputs) throws ReflectiveOperationException {
        try {
            return (Map<String, Tensor>) model.getClass().getMethod(method, Map.class).invoke(model, inputs);
        } catch (InvocationTargetException e) {
            if (e.getCause() instanceof RuntimeException runtime) {
                throw runtime;
            }
            throw e;
        }
    }

    static float[] concat(float[] a, float[] b) {
        float[] result = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, result, a.length, b.length);
        return result;
    }
}
