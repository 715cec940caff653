package dev.attnc.compiler.codegen;

import static dev.attnc.compiler.codegen.TestTensors.floats;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.attnc.compiler.reference.Ref;
import dev.attnc.compiler.reference.Ref.RopeLayout;
import dev.attnc.runtime.Model;
import dev.attnc.runtime.Tensor;
import java.util.HashMap;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * One feature of the language at a time: a tiny .attn model (its inputs given directly, so
 * the reference needs no weights where possible) compiled through the whole JVM backend, run
 * on seeded random inputs and compared with the float64 reference {@link Ref}.
 *
 * <p>Tolerances are stated per check as a multiple of the output's scale (its largest
 * absolute value): {@link #TOL} = 1e-4 for attention and other reductions computed in
 * float32, tighter for elementwise ops, and 0 (exact) for pure data movement.
 */
class FeaturesTest {
    /** Max abs error allowed, times the output scale, for float32 reductions (attention, norms). */
    static final double TOL = 1e-4;
    /** For elementwise float32 functions (GELU, SiLU, sin/cos tables, RoPE rotations). */
    static final double ELEMENTWISE_TOL = 5e-6;
    /** For data movement (split, concat, heads): the values must be copied exactly. */
    static final double EXACT = 0;

    static final long SEED = 20240611;

    private final SplittableRandom random = new SplittableRandom(SEED);

    // =========================================================================================
    // Masks
    // =========================================================================================

    @Test
    void causalMask() {
        int t = 20;
        Attn a = new Attn(64, 4, t);
        double[][] y = a.run("mask causal", "");
        check("mask causal", a.reference(4, 4, Double.NaN, null, Ref.CAUSAL, 0, 1), y, TOL);
    }

    @Test
    void slidingWindowMask() {
        int t = 20, w = 5;
        Attn a = new Attn(64, 4, t);
        double[][] y = a.run("mask causal && i - j < W", "const W = " + w);
        check("mask causal && i - j < 5", a.reference(4, 4, Double.NaN, null, (i, j, h) -> j <= i && i - j < w, 0, 1), y, TOL);
        // The window must matter: plain causal attention differs.
        assertDiffers("sliding window vs causal", a.reference(4, 4, Double.NaN, null, Ref.CAUSAL, 0, 1), y);
        // The same window written other ways.
        check("mask i >= j && j >= i - (W - 1)", a.reference(4, 4, Double.NaN, null, (i, j, h) -> j <= i && i - j < w, 0, 1),
                a.run("mask i >= j && j >= i - (W - 1)", "const W = " + w), TOL);
        check("mask i - j <= W - 1 && j < i + 1", a.reference(4, 4, Double.NaN, null, (i, j, h) -> j <= i && i - j < w, 0, 1),
                a.run("mask i - j <= W - 1 && j < i + 1", "const W = " + w), TOL);
    }

    @Test
    void paddingByLength() {
        int t = 20, len = 13;
        Attn a = new Attn(64, 4, t);
        a.extra.put("len", Tensor.ints(new int[] {len}));
        double[][] y = a.run("mask j < len", "", "input len : int");
        check("mask j < len (len 13 of 20)", a.reference(4, 4, Double.NaN, null, (i, j, h) -> j < len, 0, 1), y, TOL);
    }

    @Test
    void paddingByFlags() {
        int t = 20;
        int[] keep = new int[t];
        for (int j = 0; j < t; j++) {
            keep[j] = (j % 3 == 1 || j > 16) ? 0 : 1; // holes inside and a padded tail
        }
        Attn a = new Attn(64, 4, t);
        a.extra.put("keep", Tensor.ints(keep, t));
        double[][] y = a.run("mask keep[j] != 0", "", "input keep : int[T]");
        check("mask keep[j] != 0", a.reference(4, 4, Double.NaN, null, (i, j, h) -> keep[j] != 0, 0, 1), y, TOL);
    }

    @Test
    void maskReadingTheHead() {
        int t = 20;
        Attn a = new Attn(64, 4, t);
        // Bound-shaped: the key range depends on h.
        double[][] y1 = a.run("mask j <= i + h", "");
        check("mask j <= i + h", a.reference(4, 4, Double.NaN, null, (i, j, h) -> j <= i + h, 0, 1), y1, TOL);
        // Not bound-shaped: even heads are causal, odd heads see a window of 3.
        double[][] y2 = a.run("mask causal && (h % 2 == 0 || i - j < 3)", "");
        check("mask causal && (h % 2 == 0 || i - j < 3)",
                a.reference(4, 4, Double.NaN, null, (i, j, h) -> j <= i && (h % 2 == 0 || i - j < 3), 0, 1), y2, TOL);
    }

    @Test
    void prefixLm() {
        int t = 20;
        Attn a = new Attn(64, 4, t);
        double[][] y = a.run("mask j <= i || j < 4", "");
        check("mask j <= i || j < 4", a.reference(4, 4, Double.NaN, null, (i, j, h) -> j <= i || j < 4, 0, 1), y, TOL);
        assertDiffers("prefix-LM vs causal", a.reference(4, 4, Double.NaN, null, Ref.CAUSAL, 0, 1), y);
    }

    @Test
    void fullyMaskedRowIsZero() {
        int t = 12;
        Attn a = new Attn(64, 4, t);
        double[][] y = a.run("mask j > i", "");
        double[][] expected = a.reference(4, 4, Double.NaN, null, (i, j, h) -> j > i, 0, 1);
        // The last query sees no key: its row must be exactly zero (not NaN, not a stale value).
        for (int c = 0; c < y[t - 1].length; c++) {
            assertEquals(0.0, y[t - 1][c], 0.0, "row " + (t - 1) + " (sees no key), column " + c);
            assertEquals(0.0, expected[t - 1][c], 0.0, "the reference's row " + (t - 1));
        }
        check("mask j > i, rows 0..T-2", slice(expected, 0, t - 1), slice(y, 0, t - 1), TOL);
    }

    // =========================================================================================
    // Positional encodings
    // =========================================================================================

    @Test
    void sinusoidalTable() {
        int t = 40, d = 16;
        String text = """
                model Sin {
                  const D = %d
                  dim T <= 64
                  input x : [T, D]
                  pe = sinusoidal(T, D)
                  y = x + pe
                  output pe, y
                }
                """.formatted(d);
        double[][] x = normal(t, d, 1);
        Map<String, Tensor> out = compile("Sin", text).forward(Map.of("x", floats(x)));
        double[][] pe = matrix(out.get("pe"));
        // The table as written in Vaswani et al. 3.5: PE[t][2k] = sin(t / 10000^(2k/D)), PE[t][2k+1] = cos(same).
        double[][] expected = new double[t][d];
        for (int pos = 0; pos < t; pos++) {
            for (int k = 0; k < d / 2; k++) {
                double angle = pos / Math.pow(10000.0, 2.0 * k / d);
                expected[pos][2 * k] = Math.sin(angle);
                expected[pos][2 * k + 1] = Math.cos(angle);
            }
        }
        // Known values, worked out by hand (D = 16).
        double[][] known = {
            {0, 0, 0.0}, {0, 1, 1.0},
            {1, 0, 0.8414709848078965}, {1, 1, 0.5403023058681398},
            {5, 0, -0.9589242746631385}, {5, 1, 0.28366218546322625},
            {10, 2, -0.020683531529582043}, {10, 3, -0.9997860728793259}, // angle 10 / sqrt(10)
            {37, 6, 0.9207672697397994}, {37, 7, 0.3901123363544345},
        };
        for (double[] kv : known) {
            int pos = (int) kv[0], i = (int) kv[1];
            assertEquals(kv[2], expected[pos][i], 1e-12, "the test's own table at [" + pos + "][" + i + "]");
            assertEquals(kv[2], pe[pos][i], 1e-5, "sinusoidal(T, 16) at [" + pos + "][" + i + "]");
        }
        check("sinusoidal(T, 16) table", expected, pe, ELEMENTWISE_TOL * 4);
        check("sinusoidal(T, 16) vs Ref.sinusoidal", Ref.sinusoidal(t, d), pe, ELEMENTWISE_TOL * 4);
        check("x + sinusoidal(T, 16)", Ref.add(x, expected), matrix(out.get("y")), ELEMENTWISE_TOL * 4);
    }

    @Test
    void sinusoidalWithBase() {
        int t = 30, d = 8;
        String text = """
                model SinBase {
                  dim T <= 64
                  input x : [T, 8]
                  pe = sinusoidal(T, 8, base = 100.0)
                  y = x + pe
                  output y
                }
                """;
        double[][] x = normal(t, d, 1);
        double[][] y = matrix(compile("SinBase", text).forward(Map.of("x", floats(x))).get("y"));
        check("x + sinusoidal(T, 8, base = 100)", Ref.add(x, Ref.sinusoidal(t, d, 100.0)), y, ELEMENTWISE_TOL * 4);
    }

    @Test
    void ropeBothLayouts() {
        int t = 33, h = 4, d = 64;
        String text = """
                model Rope {
                  const D = 64, H = 4
                  dim T <= 64
                  input x : [T, D]
                  half = rope(x, heads = H)
                  inter = rope(x, heads = H, layout = interleaved)
                  partial = rope(x, heads = H, base = 500000.0, rotary_dim = 8)
                  output half, inter, partial
                }
                """;
        double[][] x = normal(t, d, 1);
        Map<String, Tensor> out = compile("Rope", text).forward(Map.of("x", floats(x)));
        double[][] half = matrix(out.get("half"));
        double[][] inter = matrix(out.get("inter"));
        double[][] partial = matrix(out.get("partial"));
        check("rope layout = half", Ref.rope(x, h, 10000.0, RopeLayout.HALF, -1, 0), half, ELEMENTWISE_TOL * 4);
        check("rope layout = interleaved", Ref.rope(x, h, 10000.0, RopeLayout.INTERLEAVED, -1, 0), inter, ELEMENTWISE_TOL * 4);
        check("rope base 500000, rotary_dim 8", Ref.rope(x, h, 500000.0, RopeLayout.HALF, 8, 0), partial, ELEMENTWISE_TOL * 4);
        assertDiffers("half vs interleaved", Ref.rope(x, h, 10000.0, RopeLayout.HALF, -1, 0), inter);
        // A rotation keeps each pair's norm, and position 0 is not rotated at all.
        int dh = d / h;
        double worst = 0;
        for (int pos = 0; pos < t; pos++) {
            for (int head = 0; head < h; head++) {
                for (int k = 0; k < dh / 2; k++) {
                    int o = head * dh;
                    worst = Math.max(worst, pairNormError(x[pos], half[pos], o + k, o + k + dh / 2));
                    worst = Math.max(worst, pairNormError(x[pos], inter[pos], o + 2 * k, o + 2 * k + 1));
                }
            }
        }
        System.out.printf("%-48s max pair norm change %.3g%n", "rope keeps pair norms", worst);
        assertTrue(worst <= 1e-5, "rope changed a pair's norm by " + worst);
        check("rope at position 0 is the identity", slice(x, 0, 1), slice(half, 0, 1), 1e-7);
    }

    private static double pairNormError(double[] before, double[] after, int a, int b) {
        return Math.abs(Math.hypot(before[a], before[b]) - Math.hypot(after[a], after[b]));
    }

    @Test
    void learnedPositions() {
        int t = 19, d = 32, p = 64;
        String text = """
                model Learned {
                  const D = 32, P = 64
                  dim T <= P
                  input x : [T, D]
                  param pos : embedding(P, D)
                  y = x + pos(arange(T))
                  output y
                }
                """;
        RecordingWeights weights = new RecordingWeights(SEED);
        double[][] x = normal(t, d, 1);
        double[][] y = matrix(compile("Learned", text, weights).forward(Map.of("x", floats(x))).get("y"));
        assertEquals(p * d, weights.get("pos.weight").length, "pos.weight is [P, D]");
        double[][] expected = Ref.add(x, Ref.embedding(Ref.arange(t), weights.get("pos.weight"), d));
        check("x + pos(arange(T))", expected, y, ELEMENTWISE_TOL);
    }

    @Test
    void alibiPowerOfTwoHeads() {
        alibi(8);
    }

    @Test
    void alibiTwelveHeads() {
        alibi(12);
    }

    @Test
    void alibiSixHeads() {
        alibi(6);
    }

    private void alibi(int heads) {
        int t = 24, dh = 8;
        Attn a = new Attn(heads * dh, heads, t);
        double[][] y = a.run("score s - alibi_slope(h) * (i - j)\n    mask causal", "");
        double[] slopes = Ref.alibiSlopes(heads);
        check("ALiBi, " + heads + " heads", a.reference(heads, heads, Double.NaN,
                (s, i, j, h) -> s - slopes[h] * (i - j), Ref.CAUSAL, 0, 1), y, TOL);
        if (Integer.bitCount(heads) != 1) {
            // The interleaved slopes matter: the plain geometric sequence 2^(-8(h+1)/n) gives other outputs.
            assertDiffers("ALiBi " + heads + " heads vs naive geometric slopes", a.reference(heads, heads, Double.NaN,
                    (s, i, j, h) -> s - Math.pow(2, -8.0 * (h + 1) / heads) * (i - j), Ref.CAUSAL, 0, 1), y);
        }
    }

    @Test
    void distanceBiasInEveryFormAndWithAMaskThatIsNotARange() {
        // Run by the block kernels (the bias written j - i, factor first or last), then a mask
        // the range kernel cannot apply, by the loop; and the same bias plus a constant, which
        // runs score by score: both must give the float64 reference.
        int t = 64, heads = 4;
        Attn a = new Attn(heads * 8, heads, t);
        a.scaleInputs(2.0);
        double[] slopes = Ref.alibiSlopes(heads);
        Ref.MaskFn mask = (i, j, h) -> j <= i && Math.floorMod(i - j, 3) != 1;
        for (String bias : new String[] {"s + alibi_slope(h) * (j - i)", "s - (i - j) * alibi_slope(h)"}) {
            double[][] y = a.run("score " + bias + "\n    softcap 4.0\n    mask causal && (i - j) % 3 != 1", "");
            check(bias, a.reference(heads, heads, Double.NaN, (s, i, j, h) -> s - slopes[h] * (i - j), mask, 4.0, 1), y, TOL);
        }
        double[][] y = a.run("score s - 0.25 * (i - j) + 1.0\n    mask causal", "");
        check("s - 0.25 (i - j) + 1", a.reference(heads, heads, Double.NaN, (s, i, j, h) -> s - 0.25 * (i - j) + 1.0,
                Ref.CAUSAL, 0, 1), y, TOL);
    }

    // =========================================================================================
    // Score modifiers
    // =========================================================================================

    @Test
    void additiveConstant() {
        int t = 16;
        Attn a = new Attn(64, 4, t);
        double[][] y = a.run("score s + 3.0\n    mask causal", "");
        check("score s + 3.0", a.reference(4, 4, Double.NaN, (s, i, j, h) -> s + 3.0, Ref.CAUSAL, 0, 1), y, TOL);
        // With a soft cap after it, the constant is no longer softmax-invariant.
        a.scaleInputs(2.5);
        double[][] capped = a.run("score s + 3.0\n    softcap 4.0\n    mask causal", "");
        check("score s + 3.0, softcap 4", a.reference(4, 4, Double.NaN, (s, i, j, h) -> s + 3.0, Ref.CAUSAL, 4.0, 1), capped, TOL);
        assertDiffers("s + 3 then softcap vs softcap alone", a.reference(4, 4, Double.NaN, null, Ref.CAUSAL, 4.0, 1), capped);
    }

    @Test
    void learnedPerHeadBias() {
        int t = 16, heads = 4;
        Attn a = new Attn(64, heads, t);
        double[][] y = a.run("score s - bias[h] * abs(i - j)", "", "param bias : [H]");
        float[] bias = a.weights.get("bias");
        assertEquals(heads, bias.length);
        check("score s - bias[h] * abs(i - j)", a.reference(heads, heads, Double.NaN,
                (s, i, j, h) -> s - bias[h] * Math.abs(i - j), null, 0, 1), y, TOL);
        assertDiffers("per-head bias vs none", a.reference(heads, heads, Double.NaN, null, null, 0, 1), y);
    }

    @Test
    void relativePositionTable() {
        int t = 24, heads = 4;
        Attn a = new Attn(64, heads, t);
        double[][] y = a.run("score s + 4.0 * rel[h, min(abs(i - j), 15)]\n    mask causal", "", "param rel : [H, 16]");
        float[] rel = a.weights.get("rel");
        assertEquals(heads * 16, rel.length);
        check("score s + 4 rel[h, min(abs(i - j), 15)]", a.reference(heads, heads, Double.NaN,
                (s, i, j, h) -> s + 4.0 * rel[h * 16 + Math.min(Math.abs(i - j), 15)], Ref.CAUSAL, 0, 1), y, TOL);
    }

    @Test
    void whereInScore() {
        int t = 20;
        Attn a = new Attn(64, 4, t);
        double[][] y = a.run("score where(i - j > 3, s - 2.0, s * 1.5)", "");
        check("score where(i - j > 3, s - 2, 1.5 s)", a.reference(4, 4, Double.NaN,
                (s, i, j, h) -> i - j > 3 ? s - 2.0 : s * 1.5, null, 0, 1), y, TOL);
    }

    @Test
    void clauseArithmetic() {
        // `/` of two ints is a fraction (as in the language), `%` is Python's (never negative
        // for a positive divisor), floor and ceil give whole numbers.
        int t = 20;
        Attn a = new Attn(64, 4, t);
        double[][] y = a.run("score s - (i - j) / 4 + where((j - i) % 3 == 1, 0.75, 0.0)\n"
                + "    mask floor(j / 4) <= floor(i / 4) && ceil(j / 3) != 2", "");
        check("score with / and %, mask with floor and ceil", a.reference(4, 4, Double.NaN,
                (s, i, j, h) -> s - (i - j) / 4.0 + (Math.floorMod(j - i, 3) == 1 ? 0.75 : 0.0),
                (i, j, h) -> Math.floor(j / 4.0) <= Math.floor(i / 4.0) && Math.ceil(j / 3.0) != 2, 0, 1), y, TOL);
    }

    @Test
    void temperature() {
        Attn a = new Attn(64, 4, 18);
        double[][] y = a.run("temperature 0.7\n    mask causal", "");
        check("temperature 0.7", a.reference(4, 4, Double.NaN, null, Ref.CAUSAL, 0, 0.7), y, TOL);
    }

    @Test
    void softcap() {
        Attn a = new Attn(64, 4, 18);
        a.scaleInputs(3); // scores around +-9, well past the cap
        double[][] y = a.run("softcap 1.5", "");
        check("softcap 1.5", a.reference(4, 4, Double.NaN, null, null, 1.5, 1), y, TOL);
        assertDiffers("softcap vs none", a.reference(4, 4, Double.NaN, null, null, 0, 1), y);
    }

    @Test
    void scale() {
        Attn a = new Attn(64, 4, 18);
        double[][] y = a.run("scale 0.3", "");
        check("scale 0.3", a.reference(4, 4, 0.3, null, null, 0, 1), y, TOL);
        double[][] z = a.run("scale 1 / sqrt(64)", "");
        check("scale 1 / sqrt(64)", a.reference(4, 4, 0.125, null, null, 0, 1), z, TOL);
    }

    @Test
    void everyClauseTogether() {
        int t = 22, heads = 8, kv = 2, dh = 8;
        Attn a = new Attn(heads * dh, kv * dh, kv * dh, heads, t, t);
        a.scaleInputs(1.5);
        String clauses = "scale 0.2\n    score s + rel[h, min(abs(i - j), 15)]\n    softcap 3.0\n    temperature 0.7\n    mask causal";
        double[][] y = a.run(clauses, "", "param rel : [H, 16]", "heads = H, kv_heads = 2");
        float[] rel = a.weights.get("rel");
        check("scale, score, softcap, temperature, mask, GQA", a.reference(heads, kv, 0.2,
                (s, i, j, h) -> s + rel[h * 16 + Math.min(Math.abs(i - j), 15)], Ref.CAUSAL, 3.0, 0.7), y, TOL);
    }

    // =========================================================================================
    // Head sharing and cross-attention
    // =========================================================================================

    @Test
    void groupedQueryAttention() {
        int t = 20, heads = 8, kv = 2, dh = 8;
        Attn a = new Attn(heads * dh, kv * dh, kv * dh, heads, t, t);
        double[][] y = a.run("mask causal", "", "", "heads = H, kv_heads = 2");
        check("GQA 8 heads, 2 kv heads", a.reference(heads, kv, Double.NaN, null, Ref.CAUSAL, 0, 1), y, TOL);
    }

    @Test
    void multiQueryAttention() {
        int t = 20, heads = 8, dh = 8;
        Attn a = new Attn(heads * dh, dh, dh, heads, t, t);
        double[][] y = a.run("mask causal", "", "", "heads = H, kv_heads = 1");
        check("MQA 8 heads, 1 kv head", a.reference(heads, 1, Double.NaN, null, Ref.CAUSAL, 0, 1), y, TOL);
    }

    @Test
    void crossAttentionWithPadding() {
        int t = 7, s = 19, len = 11, heads = 4;
        // Queries and keys of width 4 x 8, values of width 4 x 12.
        Attn a = new Attn(32, 32, 48, heads, t, s);
        a.extra.put("len", Tensor.ints(new int[] {len}));
        double[][] y = a.run("mask j < len", "", "input len : int", "heads = H");
        assertEquals(48, y[0].length, "the result has the values' width");
        check("cross-attention T 7, S 19, j < 11", a.reference(heads, heads, Double.NaN, null, (i, j, h) -> j < len, 0, 1), y, TOL);
    }

    // =========================================================================================
    // Other operations
    // =========================================================================================

    @Test
    void geluExactAndTanh() {
        String text = """
                model Gelus {
                  dim T <= 64
                  input x : [T, 32]
                  exact = gelu(x)
                  approx = gelu_tanh(x)
                  output exact, approx
                }
                """;
        double[][] x = uniform(40, 32, 5);
        Map<String, Tensor> out = compile("Gelus", text).forward(Map.of("x", floats(x)));
        double[][] exact = matrix(out.get("exact"));
        double[][] approx = matrix(out.get("approx"));
        double[][] refExact = Ref.gelu(x);
        double[][] refApprox = Ref.geluTanh(x);
        check("gelu (exact, erf)", refExact, exact, ELEMENTWISE_TOL);
        check("gelu_tanh", refApprox, approx, ELEMENTWISE_TOL);
        // The two differ by far more than the tolerance, so neither passes for the other.
        double apart = Ref.maxAbsDiff(refExact, refApprox) / Ref.maxAbs(refExact);
        System.out.printf("%-48s %.3g x scale%n", "gelu vs gelu_tanh differ by", apart);
        assertTrue(apart > 10 * ELEMENTWISE_TOL, "gelu and gelu_tanh too close to tell apart: " + apart);
    }

    @Test
    void unaryOpsOnAnInput() {
        // Elementwise functions applied to a value that is not a linear layer's output, so
        // nothing fuses them: each is its own kernel call.
        String text = """
                model Unary {
                  dim T <= 64
                  input x : [T, 16]
                  r = relu(x)
                  si = silu(x)
                  sg = sigmoid(x)
                  th = tanh(x)
                  e = exp(x)
                  sq = sqrt(x * x)
                  lg = log(x * x + 1.0)
                  n = -x
                  output r, si, sg, th, e, sq, lg, n
                }
                """;
        double[][] x = uniform(10, 16, 3);
        Map<String, Tensor> out = compile("Unary", text).forward(Map.of("x", floats(x)));
        check("relu(x)", Ref.relu(x), matrix(out.get("r")), ELEMENTWISE_TOL);
        check("silu(x)", Ref.silu(x), matrix(out.get("si")), ELEMENTWISE_TOL);
        check("sigmoid(x)", Ref.map(x, Ref::sigmoid), matrix(out.get("sg")), ELEMENTWISE_TOL);
        check("tanh(x)", Ref.map(x, Math::tanh), matrix(out.get("th")), ELEMENTWISE_TOL);
        check("exp(x)", Ref.map(x, Math::exp), matrix(out.get("e")), ELEMENTWISE_TOL);
        check("sqrt(x * x)", Ref.map(x, Math::abs), matrix(out.get("sq")), ELEMENTWISE_TOL);
        check("log(x * x + 1)", Ref.map(x, value -> Math.log(value * value + 1)), matrix(out.get("lg")), ELEMENTWISE_TOL);
        check("-x", Ref.scale(x, -1), matrix(out.get("n")), EXACT);
    }

    @Test
    void geluAfterLinear() {
        // The same functions fused into a linear layer (FuseLinearActivation).
        int t = 12, d = 32;
        String text = """
                model GeluLinear {
                  const D = 32
                  dim T <= 64
                  input x : [T, D]
                  param up   : linear(D, D)
                  param up2  : linear(D, D)
                  exact = gelu(up(x))
                  approx = gelu_tanh(up2(x))
                  output exact, approx
                }
                """;
        RecordingWeights w = new RecordingWeights(SEED);
        double[][] x = normal(t, d, 3);
        Map<String, Tensor> out = compile("GeluLinear", text, w).forward(Map.of("x", floats(x)));
        // Tolerance 1e-5 x scale: tight enough that gelu and gelu_tanh (up to ~5e-4 apart) are told apart.
        double tolerance = 1e-5;
        check("gelu(linear(x))", Ref.gelu(Ref.linear(x, w.get("up.weight"), w.get("up.bias"), d, d)), matrix(out.get("exact")),
                tolerance);
        check("gelu_tanh(linear(x))", Ref.geluTanh(Ref.linear(x, w.get("up2.weight"), w.get("up2.bias"), d, d)),
                matrix(out.get("approx")), tolerance);
        assertDiffersBy("gelu(linear) vs gelu_tanh(linear)", Ref.geluTanh(Ref.linear(x, w.get("up.weight"), w.get("up.bias"), d, d)),
                matrix(out.get("exact")), 4 * tolerance);
    }

    @Test
    void layerNormEps() {
        int t = 9, d = 48;
        String text = """
                model Norms {
                  const D = 48
                  dim T <= 64
                  input x : [T, D]
                  param big : layernorm(D, eps = 0.5)
                  param std : layernorm(D)
                  param nob : layernorm(D, eps = 1e-3, bias = false)
                  a = big(x)
                  b = std(x)
                  c = nob(x)
                  output a, b, c
                }
                """;
        RecordingWeights w = new RecordingWeights(SEED);
        double[][] x = normal(t, d, 0.3); // variance about 0.09, small next to eps 0.5
        Map<String, Tensor> out = compile("Norms", text, w).forward(Map.of("x", floats(x)));
        double[][] big = Ref.layerNorm(x, w.get("big.weight"), w.get("big.bias"), 0.5);
        check("layernorm eps 0.5", big, matrix(out.get("a")), TOL);
        check("layernorm eps 1e-5 (default)", Ref.layerNorm(x, w.get("std.weight"), w.get("std.bias"), 1e-5), matrix(out.get("b")), TOL);
        check("layernorm eps 1e-3, bias = false", Ref.layerNorm(x, w.get("nob.weight"), null, 1e-3), matrix(out.get("c")), TOL);
        assertDiffers("layernorm eps 0.5 vs 1e-5", Ref.layerNorm(x, w.get("big.weight"), w.get("big.bias"), 1e-5), matrix(out.get("a")));
    }

    @Test
    void rmsNormWeightOffset() {
        int t = 9, d = 48;
        String text = """
                model Rms {
                  const D = 48
                  dim T <= 64
                  input x : [T, D]
                  param gemma : rmsnorm(D, weight_offset = 1)
                  param llama : rmsnorm(D)
                  param loose : rmsnorm(D, eps = 0.25)
                  a = gemma(x)
                  b = llama(x)
                  c = loose(x)
                  output a, b, c
                }
                """;
        RecordingWeights w = new RecordingWeights(SEED);
        double[][] x = normal(t, d, 0.5);
        Map<String, Tensor> out = compile("Rms", text, w).forward(Map.of("x", floats(x)));
        check("rmsnorm weight_offset 1", Ref.rmsNorm(x, w.get("gemma.weight"), 1e-6, 1), matrix(out.get("a")), TOL);
        check("rmsnorm", Ref.rmsNorm(x, w.get("llama.weight"), 1e-6, 0), matrix(out.get("b")), TOL);
        check("rmsnorm eps 0.25", Ref.rmsNorm(x, w.get("loose.weight"), 0.25, 0), matrix(out.get("c")), TOL);
        assertDiffers("rmsnorm offset 1 vs 0", Ref.rmsNorm(x, w.get("gemma.weight"), 1e-6, 0), matrix(out.get("a")));
    }

    @Test
    void swiglu() {
        String text = """
                model Swiglu {
                  dim T <= 64
                  input x : [T, 64]
                  g, u = split(x, 2)
                  y = swiglu(g, u)
                  output y
                }
                """;
        double[][] x = normal(15, 64, 2);
        double[][] y = matrix(compile("Swiglu", text).forward(Map.of("x", floats(x))).get("y"));
        double[][][] parts = Ref.split(x, 2);
        check("swiglu(gate, up)", Ref.swiglu(parts[0], parts[1]), y, ELEMENTWISE_TOL);
    }

    @Test
    void splitConcatAndHeadsRoundtrip() {
        int t = 6, s = 5, d = 64;
        String text = """
                model Movement {
                  const D = 64, H = 4
                  dim T <= 64, S <= 64
                  input x : [T, D]
                  input z : [S, D]
                  a, b, c = split(x, [8, 16, 40])
                  joined = concat(c, a, b)
                  rows = concat(x, z, dim = 0)
                  back = merge_heads(heads(x, H))
                  twice = merge_heads(heads(x, H) * 2.0)
                  output a, b, c, joined, rows, back, twice
                }
                """;
        double[][] x = normal(t, d, 1);
        double[][] z = normal(s, d, 1);
        Map<String, Tensor> out = compile("Movement", text).forward(Map.of("x", floats(x), "z", floats(z)));
        double[][][] parts = Ref.split(x, new int[] {8, 16, 40});
        check("split(x, [8, 16, 40])[0]", parts[0], matrix(out.get("a")), EXACT);
        check("split(x, [8, 16, 40])[1]", parts[1], matrix(out.get("b")), EXACT);
        check("split(x, [8, 16, 40])[2]", parts[2], matrix(out.get("c")), EXACT);
        double[][] joined = new double[t][];
        for (int r = 0; r < t; r++) {
            joined[r] = new double[d];
            System.arraycopy(parts[2][r], 0, joined[r], 0, 40);
            System.arraycopy(parts[0][r], 0, joined[r], 40, 8);
            System.arraycopy(parts[1][r], 0, joined[r], 48, 16);
        }
        check("concat(c, a, b)", joined, matrix(out.get("joined")), EXACT);
        double[][] rows = new double[t + s][];
        for (int r = 0; r < t + s; r++) {
            rows[r] = r < t ? x[r] : z[r - t];
        }
        check("concat(x, z, dim = 0)", rows, matrix(out.get("rows")), EXACT);
        check("merge_heads(heads(x, 4))", x, matrix(out.get("back")), EXACT);
        check("merge_heads(heads(x, 4) * 2)", Ref.mergeHeads(scaleHeads(Ref.heads(x, 4), 2)), matrix(out.get("twice")), EXACT);
    }

    private static double[][][] scaleHeads(double[][][] x, double c) {
        double[][][] r = new double[x.length][][];
        for (int h = 0; h < x.length; h++) {
            r[h] = Ref.scale(x[h], c);
        }
        return r;
    }

    @Test
    void headsMatmulUnfused() {
        // heads(x, H) puts columns h*Dh .. h*Dh+Dh-1 in head h: checked through a per-head
        // product, which needs transpose of a rank-3 value (no softmax, so nothing is fused).
        int t = 6, d = 64, h = 4;
        String text = """
                model HeadScores {
                  const D = 64, H = 4
                  dim T <= 64
                  input x : [T, D]
                  scores = heads(x, H) @ transpose(heads(x * 0.5, H))
                  output scores
                }
                """;
        double[][] x = normal(t, d, 1);
        Tensor scores = compile("HeadScores", text).forward(Map.of("x", floats(x))).get("scores");
        assertArrayEquals(new int[] {h, t, t}, scores.shape(), "heads(x) @ transpose(heads(x)) shape");
        double[][][] hx = Ref.heads(x, h);
        double[][][] hy = Ref.heads(Ref.scale(x, 0.5), h);
        float[] data = scores.floatData();
        for (int head = 0; head < h; head++) {
            double[][] expected = Ref.matmul(hx[head], Ref.transpose(hy[head]));
            double[][] actual = new double[t][t];
            for (int i = 0; i < t; i++) {
                for (int j = 0; j < t; j++) {
                    actual[i][j] = data[(head * t + i) * t + j];
                }
            }
            check("heads(x) @ transpose(heads(x / 2)), head " + head, expected, actual, TOL);
        }
    }

    // =========================================================================================
    // Helpers
    // =========================================================================================

    /**
     * A single attention call on inputs q, k, v given directly, with its clauses filled in per
     * run, so one set of seeded inputs serves several models.
     */
    final class Attn {
        final int qWidth, kWidth, vWidth, heads, tq, tk;
        double[][] q, k, v;
        final Map<String, Tensor> extra = new HashMap<>();
        RecordingWeights weights;
        private int models;

        Attn(int width, int heads, int t) {
            this(width, width, width, heads, t, t);
        }

        Attn(int qWidth, int kWidth, int vWidth, int heads, int tq, int tk) {
            this.qWidth = qWidth;
            this.kWidth = kWidth;
            this.vWidth = vWidth;
            this.heads = heads;
            this.tq = tq;
            this.tk = tk;
            this.q = normal(tq, qWidth, 1);
            this.k = normal(tk, kWidth, 1);
            this.v = normal(tk, vWidth, 1);
        }

        /** Multiplies q and k by c (rounded to float), for larger scores. */
        void scaleInputs(double c) {
            q = roundToFloat(Ref.scale(q, c));
            k = roundToFloat(Ref.scale(k, c));
        }

        double[][] run(String clauses, String constants) {
            return run(clauses, constants, "", "heads = H");
        }

        double[][] run(String clauses, String constants, String declarations) {
            return run(clauses, constants, declarations, "heads = H");
        }

        double[][] run(String clauses, String constants, String declarations, String headArgs) {
            String name = "Attn" + (++models);
            // Self-attention uses one dim for queries and keys, as models do; cross-attention two.
            boolean self = tq == tk;
            String dims = self ? "dim T <= 64" : "dim T <= 64, S <= 64";
            String keys = self ? "T" : "S";
            String text = """
                    model %s {
                      const H = %d
                      %s
                      %s
                      input q : [T, %d]
                      input k : [%s, %d]
                      input v : [%s, %d]
                      %s
                      y = attention(q, k, v, %s) {
                        %s
                      }
                      output y
                    }
                    """.formatted(name, heads, constants, dims, qWidth, keys, kWidth, keys, vWidth, declarations, headArgs, clauses);
            weights = new RecordingWeights(SEED);
            Map<String, Tensor> inputs = new HashMap<>(extra);
            inputs.put("q", floats(q));
            inputs.put("k", floats(k));
            inputs.put("v", floats(v));
            Tensor y = compile(name, text, weights).forward(inputs).get("y");
            assertArrayEquals(new int[] {tq, heads * (vWidth / (kWidth / (qWidth / heads)))}, y.shape(), "attention result shape");
            return matrix(y);
        }

        double[][] reference(int h, int kv, double scale, Ref.ScoreFn score, Ref.MaskFn mask, double softcap, double temperature) {
            return Ref.attention(q, k, v, h, kv, scale, score, mask, softcap, temperature);
        }
    }

    static Model compile(String name, String text) {
        return compile(name, text, new RecordingWeights(SEED));
    }

    static Model compile(String name, String text, RecordingWeights weights) {
        return Compiled.source(name + ".attn", text).load(weights);
    }

    /** Seeded normal values, rounded to float so the reference sees exactly what the model does. */
    double[][] normal(int rows, int cols, double sigma) {
        double[][] x = new double[rows][cols];
        for (double[] row : x) {
            for (int c = 0; c < cols; c++) {
                double u = random.nextDouble(Double.MIN_VALUE, 1);
                double w = random.nextDouble();
                row[c] = (float) (sigma * Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * w));
            }
        }
        return x;
    }

    double[][] uniform(int rows, int cols, double bound) {
        double[][] x = new double[rows][cols];
        for (double[] row : x) {
            for (int c = 0; c < cols; c++) {
                row[c] = (float) random.nextDouble(-bound, bound);
            }
        }
        return x;
    }

    static double[][] roundToFloat(double[][] x) {
        return Ref.map(x, value -> (float) value);
    }

    static double[][] matrix(Tensor t) {
        assertEquals(2, t.rank(), "a [rows, cols] output, got " + t.shapeString());
        return Ref.matrix(t.floatData(), t.dim(0), t.dim(1));
    }

    static double[][] slice(double[][] x, int from, int to) {
        double[][] r = new double[to - from][];
        for (int i = from; i < to; i++) {
            r[i - from] = x[i].clone();
        }
        return r;
    }

    /** Asserts max |expected - actual| <= tolerance x max |expected|, and prints what it found. */
    static double check(String label, double[][] expected, double[][] actual, double tolerance) {
        assertEquals(expected.length, actual.length, label + ": rows");
        for (int r = 0; r < expected.length; r++) {
            assertEquals(expected[r].length, actual[r].length, label + ": width of row " + r);
        }
        double scale = Ref.maxAbs(expected);
        double error = Ref.maxAbsDiff(expected, actual);
        System.out.printf("%-48s max abs error %.3g, scale %.3g, relative %.3g (tolerance %.0e)%n", label, error, scale,
                error / scale, tolerance);
        assertTrue(scale > 0, label + ": the reference output is all zeros, which tests nothing");
        assertTrue(error <= tolerance * scale, String.format("%s: max abs error %.3g exceeds %.1g x the output scale %.3g",
                label, error, tolerance, scale));
        return error;
    }

    /** Asserts that a wrong variant of the reference is far (100 x TOL) from the output, so the check above means something. */
    static void assertDiffers(String label, double[][] wrong, double[][] actual) {
        assertDiffersBy(label, wrong, actual, 100 * TOL);
    }

    static void assertDiffersBy(String label, double[][] wrong, double[][] actual, double least) {
        double apart = Ref.maxAbsDiff(wrong, actual) / Ref.maxAbs(wrong);
        System.out.printf("%-48s %.3g x scale apart%n", label, apart);
        assertTrue(apart > least, label + ": only " + apart + " x scale apart, so the test cannot tell them apart");
    }
}
