package dev.attnc.compiler.codegen;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.attnc.compiler.ir.Node;
import dev.attnc.compiler.ir.Op;
import dev.attnc.runtime.Model;
import dev.attnc.runtime.Tensor;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * Attention written out by hand,
 * {@code merge_heads(softmax(heads(q, H) @ transpose(heads(k, H)) / sqrt(D / H)) @ heads(v, H))},
 * which the fuse-attention pass turns into one online-softmax attention node: the graph must
 * hold that node and no softmax or matmul, the buffer plan must stay linear in T (no T x T
 * scores), and the result must match a plain softmax-then-matmul float64 reference (written
 * here, materialising the scores row by row) for T up to 4096, and the built-in
 * {@code attention(q, k, v, heads = H)}.
 *
 * <p>Tolerance: max abs error 1e-4 x the output scale against the float64 reference (the
 * generated code computes in float32); 1e-6 x scale against the built-in attention, which runs
 * the same float32 kernel.
 */
class FusedAttentionTest {
    static final double TOLERANCE = 1e-4;
    static final double SAME_KERNEL_TOLERANCE = 1e-6;
    static final int MAX_T = 4096;
    static final long SEED = 99;

    private final SplittableRandom random = new SplittableRandom(SEED);

    static String manual(String name, int d, int h, String scaling) {
        return """
                model %s {
                  const D = %d, H = %d
                  dim T <= %d
                  input q : [T, D]
                  input k : [T, D]
                  input v : [T, D]
                  y = merge_heads(softmax(heads(q, H) @ transpose(heads(k, H))%s) @ heads(v, H))
                  output y
                }
                """.formatted(name, d, h, MAX_T, scaling);
    }

    static String builtin(String name, int d, int h) {
        return """
                model %s {
                  const D = %d, H = %d
                  dim T <= %d
                  input q : [T, D]
                  input k : [T, D]
                  input v : [T, D]
                  y = attention(q, k, v, heads = H)
                  output y
                }
                """.formatted(name, d, h, MAX_T);
    }

    @Test
    void fusedIntoOneAttentionNodeWithLinearBuffers() {
        Compiled compiled = Compiled.source("Manual.attn", manual("Manual", 64, 4, " / sqrt(D / H)"));
        assertFused(compiled, 64, 4, 1 / Math.sqrt(16));
    }

    @Test
    void matchesPlainSoftmaxReference() {
        Model model = Compiled.source("Manual.attn", manual("Manual", 64, 4, " / sqrt(D / H)")).load(new RecordingWeights(SEED));
        for (int t : new int[] {1, 2, 17, 128, 600}) {
            compare("manual attention D 64 H 4, T " + t, model, 64, 4, t, 1 / Math.sqrt(16));
        }
    }

    @Test
    void matchesPlainSoftmaxReferenceAtMaxLength() {
        // Narrower, so the float64 reference over 4096 x 4096 scores stays quick.
        int d = 16, h = 2;
        Compiled compiled = Compiled.source("Long.attn", manual("Long", d, h, " / sqrt(D / H)"));
        assertFused(compiled, d, h, 1 / Math.sqrt(8));
        compare("manual attention D 16 H 2, T 4096", compiled.load(new RecordingWeights(SEED)), d, h, MAX_T, 1 / Math.sqrt(8));
    }

    @Test
    void otherWaysToWriteTheScale() {
        String[][] cases = {
            {" * (1 / sqrt(D / H))", "0.25"},
            {" / 2 / 2", "0.25"},
            {" * 0.1", "0.1"},
            {"", "1"},
        };
        int i = 0;
        for (String[] c : cases) {
            String name = "Scaled" + i++;
            double scale = Double.parseDouble(c[1]);
            Compiled compiled = Compiled.source(name + ".attn", manual(name, 64, 4, c[0]));
            assertFused(compiled, 64, 4, scale);
            compare("manual attention, scores" + (c[0].isEmpty() ? " unscaled" : c[0]), compiled.load(new RecordingWeights(SEED)),
                    64, 4, 50, scale);
        }
    }

    @Test
    void matchesBuiltinAttention() {
        int d = 64, h = 4;
        Model manual = Compiled.source("Manual.attn", manual("Manual", d, h, " / sqrt(D / H)")).load(new RecordingWeights(SEED));
        Model builtin = Compiled.source("Builtin.attn", builtin("Builtin", d, h)).load(new RecordingWeights(SEED));
        for (int t : new int[] {1, 33, 700}) {
            float[][] qkv = {normal(t * d), normal(t * d), normal(t * d)};
            Map<String, Tensor> inputs = Map.of("q", Tensor.floats(qkv[0], t, d), "k", Tensor.floats(qkv[1], t, d),
                    "v", Tensor.floats(qkv[2], t, d));
            float[] a = manual.forward(inputs).get("y").floatData();
            float[] b = builtin.forward(inputs).get("y").floatData();
            double scale = 0;
            double error = 0;
            int same = 0;
            for (int e = 0; e < a.length; e++) {
                scale = Math.max(scale, Math.abs(b[e]));
                error = Math.max(error, Math.abs(a[e] - b[e]));
                same += a[e] == b[e] ? 1 : 0;
            }
            System.out.printf("%-48s max abs difference %.3g, scale %.3g, %d of %d identical (tolerance %.0e)%n",
                    "manual vs attention(), T " + t, error, scale, same, a.length, SAME_KERNEL_TOLERANCE);
            assertTrue(scale > 0);
            assertTrue(error <= SAME_KERNEL_TOLERANCE * scale, "manual vs built-in attention at T " + t + ": " + error);
        }
    }

    @Test
    void crossLengthsAndWiderValues() {
        // Keys and values from another sequence, values twice as wide as the queries.
        String text = """
                model CrossManual {
                  const D = 32, H = 4
                  dim T <= 256, S <= 256
                  input q : [T, D]
                  input k : [S, D]
                  input v : [S, 2 * D]
                  y = merge_heads(softmax(heads(q, H) @ transpose(heads(k, H)) / sqrt(D / H)) @ heads(v, H))
                  output y
                }
                """;
        Compiled compiled = Compiled.source("CrossManual.attn", text);
        assertNoScoresMaterialised(compiled);
        int t = 9, s = 40, d = 32, h = 4;
        float[] q = normal(t * d);
        float[] k = normal(s * d);
        float[] v = normal(s * 2 * d);
        Tensor y = compiled.load(new RecordingWeights(SEED)).forward(Map.of("q", Tensor.floats(q, t, d),
                "k", Tensor.floats(k, s, d), "v", Tensor.floats(v, s, 2 * d))).get("y");
        assertArrayEquals(new int[] {t, 2 * d}, y.shape());
        check("manual cross-attention T 9, S 40, dv 16", plainAttention(q, k, v, t, s, d, 2 * d, h, 1 / Math.sqrt(8)), y.floatData());
    }

    @Test
    void oneSourceForQueriesKeysAndValues() {
        // As in the language reference's Operations example: q, k and v all heads(x, H).
        String text = """
                model SelfManual {
                  const D = 64, H = 4
                  dim T <= 4096
                  input x : [T, D]
                  scores = heads(x, H) @ transpose(heads(x, H)) / sqrt(D / H)
                  y = merge_heads(softmax(scores) @ heads(x, H))
                  output y
                }
                """;
        Compiled compiled = Compiled.source("SelfManual.attn", text);
        assertFused(compiled, 64, 4, 0.25);
        int t = 45, d = 64;
        float[] x = normal(t * d);
        Tensor y = compiled.load(new RecordingWeights(SEED)).forward(Map.of("x", Tensor.floats(x, t, d))).get("y");
        check("manual self-attention, one source, T 45", plainAttention(x, x, x, t, t, d, d, 4, 0.25), y.floatData());
    }

    @Test
    void notFusedWhenScoresAreAlsoAnOutput() {
        // The probabilities are an output too, so they must exist: no fusion, same numbers.
        String text = """
                model Kept {
                  const D = 32, H = 2
                  dim T <= 64
                  input q : [T, D]
                  input k : [T, D]
                  input v : [T, D]
                  p = softmax(heads(q, H) @ transpose(heads(k, H)) / 4)
                  y = merge_heads(p @ heads(v, H))
                  output y, p
                }
                """;
        Compiled compiled = Compiled.source("Kept.attn", text);
        assertTrue(ops(compiled).contains(Op.SOFTMAX), "the softmax is an output and must stay: " + ops(compiled));
        int t = 23, d = 32, h = 2;
        float[] q = normal(t * d);
        float[] k = normal(t * d);
        float[] v = normal(t * d);
        Map<String, Tensor> out = compiled.load(new RecordingWeights(SEED)).forward(Map.of("q", Tensor.floats(q, t, d),
                "k", Tensor.floats(k, t, d), "v", Tensor.floats(v, t, d)));
        check("unfused manual attention T 23", plainAttention(q, k, v, t, t, d, d, h, 0.25), out.get("y").floatData());
        assertArrayEquals(new int[] {h, t, t}, out.get("p").shape());
    }

    // -----------------------------------------------------------------------------------------

    private static List<Op> ops(Compiled compiled) {
        return compiled.generated.graph().nodes().stream().map(Node::op).toList();
    }

    private static void assertFused(Compiled compiled, int d, int h, double scale) {
        List<Op> ops = ops(compiled);
        assertTrue(ops.contains(Op.ATTENTION), "no attention node after fuse-attention: " + ops);
        assertTrue(!ops.contains(Op.SOFTMAX) && !ops.contains(Op.MATMUL), "softmax or matmul left after fusion: " + ops);
        Node attention = compiled.generated.graph().nodes().stream().filter(n -> n.op() == Op.ATTENTION).findFirst().orElseThrow();
        assertEquals(Integer.toString(h), attention.attr("heads"), "heads of the fused node");
        assertEquals(Integer.toString(d / h), attention.attr("head_dim"), "head_dim of the fused node");
        assertEquals(scale, Double.parseDouble(attention.attr("scale")), 1e-12, "scale of the fused node");
        assertNoScoresMaterialised(compiled);
    }

    private static void assertNoScoresMaterialised(Compiled compiled) {
        long floats = compiled.generated.plan().floats();
        long bound = 64L * MAX_T * 10;
        System.out.printf("%-48s %d floats (bound %d; one 4096 x 4096 score matrix is %d)%n",
                compiled.generated.graph().modelName() + " buffer plan", floats, bound, (long) MAX_T * MAX_T);
        assertTrue(floats < bound, "the buffer plan holds " + floats + " floats: scores are materialised");
    }

    private void compare(String label, Model model, int d, int h, int t, double scale) {
        float[] q = normal(t * d);
        float[] k = normal(t * d);
        float[] v = normal(t * d);
        Tensor y = model.forward(Map.of("q", Tensor.floats(q, t, d), "k", Tensor.floats(k, t, d), "v", Tensor.floats(v, t, d))).get("y");
        assertArrayEquals(new int[] {t, d}, y.shape(), label + " shape");
        check(label, plainAttention(q, k, v, t, t, d, d, h, scale), y.floatData());
    }

    /**
     * The long form, literally, in float64: per head, the scores {@code q_h k_h^T * scale}, the
     * row's max-subtracted softmax, then the probabilities times {@code v_h}. One query row of
     * scores at a time, so T = 4096 needs no 4096 x 4096 array.
     */
    static double[] plainAttention(float[] q, float[] k, float[] v, int t, int s, int d, int dvAll, int h, double scale) {
        int dk = d / h, dv = dvAll / h;
        double[] out = new double[t * dvAll];
        double[] scores = new double[s];
        for (int head = 0; head < h; head++) {
            for (int i = 0; i < t; i++) {
                double max = Double.NEGATIVE_INFINITY;
                for (int j = 0; j < s; j++) {
                    double dot = 0;
                    for (int c = 0; c < dk; c++) {
                        dot += (double) q[i * d + head * dk + c] * k[j * d + head * dk + c];
                    }
                    scores[j] = dot * scale;
                    max = Math.max(max, scores[j]);
                }
                double sum = 0;
                for (int j = 0; j < s; j++) {
                    scores[j] = Math.exp(scores[j] - max);
                    sum += scores[j];
                }
                for (int j = 0; j < s; j++) {
                    double p = scores[j] / sum;
                    for (int c = 0; c < dv; c++) {
                        out[i * dvAll + head * dv + c] += p * v[j * dvAll + head * dv + c];
                    }
                }
            }
        }
        return out;
    }

    static void check(String label, double[] expected, float[] actual) {
        assertEquals(expected.length, actual.length, label + ": size");
        double scale = 0;
        double error = 0;
        for (int e = 0; e < expected.length; e++) {
            scale = Math.max(scale, Math.abs(expected[e]));
            error = Math.max(error, Math.abs(expected[e] - actual[e]));
        }
        System.out.printf("%-48s max abs error %.3g, scale %.3g, relative %.3g (tolerance %.0e)%n", label, error, scale,
                error / scale, TOLERANCE);
        assertTrue(scale > 0, label + ": the reference is all zeros");
        assertTrue(error <= TOLERANCE * scale, String.format("%s: max abs error %.3g exceeds %.0e x the output scale %.3g",
                label, error, TOLERANCE, scale));
    }

    /** Seeded standard normal floats. */
    private float[] normal(int n) {
        float[] x = new float[n];
        for (int e = 0; e < n; e++) {
            double u = random.nextDouble(Double.MIN_VALUE, 1);
            double w = random.nextDouble();
            x[e] = (float) (Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * w));
        }
        return x;
    }
}
