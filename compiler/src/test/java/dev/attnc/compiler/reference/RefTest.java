package dev.attnc.compiler.reference;

import static dev.attnc.compiler.reference.Ref.*;
import static org.junit.jupiter.api.Assertions.*;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** Tests of the float64 references themselves, against known values and identities. */
class RefTest {
    private static double[][] random(SplittableRandom r, int rows, int cols) {
        double[][] x = new double[rows][cols];
        for (double[] row : x)
            for (int j = 0; j < cols; j++) row[j] = r.nextDouble(-1, 1);
        return x;
    }

    private static float[] randomFloats(SplittableRandom r, int n) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) a[i] = (float) r.nextDouble(-1, 1);
        return a;
    }

    private static void assertClose(double[][] expected, double[][] actual, double tol) {
        assertEquals(expected.length, actual.length, "rows");
        double d = maxAbsDiff(expected, actual);
        assertTrue(d <= tol, "max abs diff " + d + " > " + tol);
    }

    // ---------------------------------------------------------------------------- erf, GELU

    @Test
    void erfKnownValues() {
        // Reference values: erf to 16+ significant digits (A&S table 7.1; agrees with
        // scipy.special.erf and Python's math.erf).
        double[][] known = {
            {0.0, 0.0},
            {0.01, 0.011283415555849616},
            {0.1, 0.1124629160182849},
            {-0.3, -0.3286267594591274},
            {0.5, 0.5204998778130465},
            {1.0, 0.8427007929497149},
            {1.5, 0.9661051464753108},
            {-2.0, -0.9953222650189527},
            {2.5, 0.999593047982555},
            {3.0, 0.9999779095030014},
            {4.0, 0.9999999845827421},
            {5.0, 0.9999999999984626},
            {7.0, 1.0},
            {-30.0, -1.0},
        };
        for (double[] kv : known)
            assertEquals(kv[1], erf(kv[0]), 1e-15, "erf(" + kv[0] + ")");
        // More points, on both sides of the switch from the series to the continued fraction
        // at 2.5, from mpmath.erf at 40 digits (rounded to 20 here).
        double[][] precise = {
            {-5.5, -0.99999999999999264215},
            {-3.7, -0.99999983284894209085},
            {-2.4999, -0.99959283009966654908},
            {-1.25, -0.92290012825645823014},
            {-0.75, -0.7111556336535151316},
            {0.001, 0.0011283787909692363799},
            {0.3, 0.32862675945912742764},
            {0.9, 0.79690821242283212852},
            {1.1, 0.88020506957408169977},
            {1.9, 0.99279042923525746995},
            {2.2, 0.99813715370201810856},
            {2.5, 0.99959304798255504106},
            {2.75, 0.99989937807788036316},
            {3.3, 0.99999694229020356184},
            {4.5, 0.99999999980338395585},
            {5.2, 0.99999999999980750939},
            {5.95, 0.99999999999999996057},
        };
        for (double[] kv : precise)
            assertEquals(kv[1], erf(kv[0]), 1e-15, "erf(" + kv[0] + ")");
    }

    @Test
    void erfIsOddAndMonotoneAndMatchesTheIntegral() {
        SplittableRandom r = new SplittableRandom(1);
        double prev = -1.0;
        for (double x = -7; x <= 7; x += 0.01) {
            double e = erf(x);
            assertEquals(-e, erf(-x), 0.0, "odd at " + x);
            assertTrue(e >= prev - 2e-16, "monotone at " + x);
            prev = e;
        }
        // Against 2/sqrt(pi) * integral_0^x exp(-t^2) dt by composite Simpson's rule.
        for (int n = 0; n < 20; n++) {
            double x = r.nextDouble(-4, 4);
            int steps = 20000;
            double hh = x / steps, sum = 1 + Math.exp(-x * x);
            for (int i = 1; i < steps; i++) sum += (i % 2 == 1 ? 4 : 2) * Math.exp(-Math.pow(i * hh, 2));
            double integral = sum * hh / 3 * 2 / Math.sqrt(Math.PI);
            assertEquals(integral, erf(x), 1e-12, "erf(" + x + ")");
        }
    }

    @Test
    void geluValues() {
        // gelu(x) = x * Phi(x); Phi(1) = 0.8413447460685429, Phi(-1) = 0.15865525393145707.
        assertEquals(0.8413447460685429, gelu(1.0), 1e-15);
        assertEquals(-0.15865525393145707, gelu(-1.0), 1e-15);
        assertEquals(1.9544997361036416, gelu(2.0), 1e-14);
        assertEquals(-0.00404969409489031, gelu(-3.0), 1e-15);
        assertEquals(0.0, gelu(0.0), 0.0);
        // The tanh approximation: 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))).
        assertEquals(0.8411919906082768, geluTanh(1.0), 1e-15);
        assertEquals(-0.15880800939172324, geluTanh(-1.0), 1e-15);
        assertEquals(1.954597694087775, geluTanh(2.0), 1e-14);
        for (double x = -6; x <= 6; x += 0.05) assertEquals(gelu(x), geluTanh(x), 1e-3, "x = " + x);
        assertEquals(1 / (1 + Math.exp(-2.0)) * 2.0, silu(2.0), 1e-15);
        assertEquals(0.0, relu(-3.0), 0.0);
        assertEquals(3.0, relu(3.0), 0.0);
    }

    // ---------------------------------------------------------------------------- softmax

    @Test
    void softmaxDoesNotOverflow() {
        double[] p = softmax(new double[] {1000.0, 0.0, -1000.0, 1000.0});
        assertArrayEquals(new double[] {0.5, 0.0, 0.0, 0.5}, p, 1e-300);
        double[] q = softmax(new double[] {1e308, 1e308});
        assertArrayEquals(new double[] {0.5, 0.5}, q, 0.0);
        double[] r = softmax(new double[] {1, 2, 3});
        double z = Math.exp(1) + Math.exp(2) + Math.exp(3);
        assertArrayEquals(new double[] {Math.exp(1) / z, Math.exp(2) / z, Math.exp(3) / z}, r, 1e-15);
    }

    // ---------------------------------------------------------------------------- linear, norms

    @Test
    void linearAndItsTransposedLayoutAgree() {
        SplittableRandom r = new SplittableRandom(2);
        int in = 5, out = 3;
        double[][] x = random(r, 4, in);
        float[] w = randomFloats(r, in * out), b = randomFloats(r, out);
        float[] wt = new float[in * out];
        for (int o = 0; o < out; o++)
            for (int i = 0; i < in; i++) wt[i * out + o] = w[o * in + i];
        double[][] y = linear(x, w, b, in, out);
        assertClose(y, linearTransposed(x, wt, b, in, out), 1e-15);
        // y = x W^T + b by matmul.
        double[][] ref = matmul(x, transpose(matrix(w, out, in)));
        for (int t = 0; t < 4; t++)
            for (int o = 0; o < out; o++) ref[t][o] += b[o];
        assertClose(ref, y, 1e-15);
        // By hand: W = [[1, 2], [3, 4], [5, 6]] ([out = 3][in = 2]), b = [1, 0, -1], x = [1, -1].
        double[][] h = linear(new double[][] {{1, -1}}, new float[] {1, 2, 3, 4, 5, 6}, new float[] {1, 0, -1}, 2, 3);
        assertArrayEquals(new double[] {0, -1, -2}, h[0], 0.0);
    }

    @Test
    void layerNormKnownValues() {
        // x = [1, 2, 3]: mean 2, biased variance 2/3, y = (x - 2) / sqrt(2/3) = [-1.2247..., 0, 1.2247...].
        double[][] y = layerNorm(new double[][] {{1, 2, 3}}, null, null, 0.0);
        double s = Math.sqrt(1.5);
        assertArrayEquals(new double[] {-s, 0, s}, y[0], 1e-15);
        double[][] z = layerNorm(new double[][] {{1, 2, 3}}, new float[] {2, 2, 2}, new float[] {1, 1, 1}, 1e-5);
        double inv = 1 / Math.sqrt(2.0 / 3 + 1e-5);
        assertArrayEquals(new double[] {1 - 2 * inv, 1, 1 + 2 * inv}, z[0], 1e-15);
        SplittableRandom r = new SplittableRandom(3);
        double[][] x = random(r, 3, 64);
        double[][] n = layerNorm(x, null, null, 0.0);
        for (double[] row : n) {
            double m = 0, v = 0;
            for (double e : row) m += e;
            m /= row.length;
            for (double e : row) v += (e - m) * (e - m);
            assertEquals(0.0, m, 1e-15);
            assertEquals(1.0, v / row.length, 1e-13);
        }
    }

    @Test
    void rmsNormKnownValues() {
        // x = [3, 4]: mean(x^2) = 12.5, y = x / sqrt(12.5) * w.
        double r = Math.sqrt(12.5);
        double[][] y = rmsNorm(new double[][] {{3, 4}}, new float[] {1, 2}, 0.0, 0.0);
        assertArrayEquals(new double[] {3 / r, 8 / r}, y[0], 1e-15);
        // Gemma: weight stored as w - 1, applied as (1 + stored).
        double[][] g = rmsNorm(new double[][] {{3, 4}}, new float[] {0, 1}, 0.0, 1.0);
        assertArrayEquals(new double[] {3 / r, 8 / r}, g[0], 1e-15);
        double[][] e = rmsNorm(new double[][] {{3, 4}}, new float[] {1, 1}, 1e-6, 0.0);
        double re = Math.sqrt(12.5 + 1e-6);
        assertArrayEquals(new double[] {3 / re, 4 / re}, e[0], 1e-15);
    }

    @Test
    void embeddingAndHeads() {
        float[] table = {0, 1, 10, 11, 20, 21};
        double[][] e = embedding(new int[] {2, 0, 2}, table, 2);
        assertArrayEquals(new double[] {20, 21}, e[0], 0.0);
        assertArrayEquals(new double[] {0, 1}, e[1], 0.0);
        assertThrows(IndexOutOfBoundsException.class, () -> embedding(new int[] {3}, table, 2));
        SplittableRandom r = new SplittableRandom(4);
        double[][] x = random(r, 3, 12);
        double[][][] h = heads(x, 4);
        assertEquals(x[1][2 * 3 + 1], h[2][1][1], 0.0);
        assertClose(x, mergeHeads(h), 0.0);
        double[][][] parts = split(x, 3);
        assertEquals(x[2][4 + 3], parts[1][2][3], 0.0);
    }

    // ---------------------------------------------------------------------------- sinusoidal

    @Test
    void sinusoidalKnownValues() {
        int d = 8;
        double[][] pe = sinusoidal(6, d);
        // Position 0: sin(0) = 0 on even dims, cos(0) = 1 on odd dims.
        assertArrayEquals(new double[] {0, 1, 0, 1, 0, 1, 0, 1}, pe[0], 0.0);
        // k = 0: angle t / 10000^0 = t.
        assertEquals(Math.sin(1), pe[1][0], 0.0);
        assertEquals(Math.cos(1), pe[1][1], 0.0);
        // D = 8, k = 1: 10000^(2/8) = 10, so PE[3][2] = sin(0.3), PE[3][3] = cos(0.3).
        assertEquals(0.29552020666133955, pe[3][2], 1e-15);
        assertEquals(0.955336489125606, pe[3][3], 1e-15);
        // k = 2: 10000^(4/8) = 100, so PE[5][4] = sin(0.05), PE[5][5] = cos(0.05).
        assertEquals(0.04997916927067833, pe[5][4], 1e-15);
        assertEquals(Math.cos(0.05), pe[5][5], 1e-15);
        // k = 3: 10000^(6/8) = 1000, so PE[5][6] = sin(0.005).
        assertEquals(Math.sin(0.005), pe[5][6], 1e-15);
        // Another base.
        assertEquals(Math.sin(4 / Math.pow(500.0, 2.0 / 8)), sinusoidal(5, 8, 500.0)[4][2], 1e-15);
    }

    // ---------------------------------------------------------------------------- RoPE

    @Test
    void ropeByHand() {
        // One head of width 4, position 1, base 10000: pair k = 0 turns by 1 rad,
        // pair k = 1 by 10000^(-2/4) = 0.01 rad.
        double[][] x = {{0, 0, 0, 0}, {1, 2, 3, 4}};
        double c1 = Math.cos(1), s1 = Math.sin(1), c2 = Math.cos(0.01), s2 = Math.sin(0.01);
        // Half layout: pairs (0, 2) and (1, 3).
        double[][] h = rope(x, 1);
        assertArrayEquals(new double[] {1 * c1 - 3 * s1, 2 * c2 - 4 * s2, 3 * c1 + 1 * s1, 4 * c2 + 2 * s2}, h[1], 1e-15);
        // Interleaved: pairs (0, 1) and (2, 3).
        double[][] i = rope(x, 1, 10000.0, RopeLayout.INTERLEAVED, -1);
        assertArrayEquals(new double[] {1 * c1 - 2 * s1, 2 * c1 + 1 * s1, 3 * c2 - 4 * s2, 4 * c2 + 3 * s2}, i[1], 1e-15);
    }

    @Test
    void ropePreservesPairNormsAndIsIdentityAtZero() {
        SplittableRandom r = new SplittableRandom(5);
        int heads = 3, dh = 8;
        double[][] x = random(r, 7, heads * dh);
        for (RopeLayout layout : RopeLayout.values()) {
            double[][] y = rope(x, heads, 10000.0, layout, -1);
            assertArrayEquals(x[0], y[0], 0.0, "position 0 is the identity");
            for (int t = 0; t < x.length; t++)
                for (int h = 0; h < heads; h++)
                    for (int k = 0; k < dh / 2; k++) {
                        int a = h * dh + (layout == RopeLayout.HALF ? k : 2 * k);
                        int b = h * dh + (layout == RopeLayout.HALF ? k + dh / 2 : 2 * k + 1);
                        assertEquals(Math.hypot(x[t][a], x[t][b]), Math.hypot(y[t][a], y[t][b]), 1e-15, "pair norm");
                    }
        }
    }

    @Test
    void ropeDotProductDependsOnlyOnRelativePosition() {
        // Su et al., eq. 16: <R_m q, R_n k> = <q, R_{n-m} k>, a function of m - n only.
        SplittableRandom r = new SplittableRandom(6);
        int dh = 16;
        double[] q = random(r, 1, dh)[0], k = random(r, 1, dh)[0];
        for (RopeLayout layout : RopeLayout.values())
            for (int rot : new int[] {dh, 8}) {
                double[] byOffset = new double[7];
                for (int m = 0; m < 12; m++)
                    for (int n = 0; n < 12; n++) {
                        double[] qm = rope(new double[][] {q}, 1, 10000.0, layout, rot, m)[0];
                        double[] kn = rope(new double[][] {k}, 1, 10000.0, layout, rot, n)[0];
                        double dot = dot(qm, kn);
                        int off = m - n;
                        if (off < 0 || off > 6) continue;
                        if (n == 0) byOffset[off] = dot;
                        else assertEquals(byOffset[off], dot, 1e-12, layout + " rot " + rot + " m " + m + " n " + n);
                    }
            }
    }

    @Test
    void ropeHalfMatchesRotateHalfAndInterleavedMatchesComplexProduct() {
        SplittableRandom r = new SplittableRandom(7);
        int heads = 2, dh = 8, t = 5;
        double base = 500000.0;
        double[][] x = random(r, t, heads * dh);
        // Hugging Face: emb = cat(freqs, freqs); x * cos(emb) + rotate_half(x) * sin(emb),
        // rotate_half(x) = cat(-x2, x1).
        double[][] half = rope(x, heads, base, RopeLayout.HALF, -1);
        // Meta: view pairs (2k, 2k+1) as complex numbers and multiply by exp(i t theta_k).
        double[][] inter = rope(x, heads, base, RopeLayout.INTERLEAVED, -1);
        for (int p = 0; p < t; p++)
            for (int h = 0; h < heads; h++)
                for (int d = 0; d < dh; d++) {
                    int k = d % (dh / 2);
                    double theta = p / Math.pow(base, (2.0 * k) / dh);
                    double rotated = d < dh / 2 ? -x[p][h * dh + d + dh / 2] : x[p][h * dh + d - dh / 2];
                    double hf = x[p][h * dh + d] * Math.cos(theta) + rotated * Math.sin(theta);
                    assertEquals(hf, half[p][h * dh + d], 1e-14);
                }
        for (int p = 0; p < t; p++)
            for (int h = 0; h < heads; h++)
                for (int k = 0; k < dh / 2; k++) {
                    double theta = p * Math.pow(base, -2.0 * k / dh);
                    double re = x[p][h * dh + 2 * k], im = x[p][h * dh + 2 * k + 1];
                    assertEquals(re * Math.cos(theta) - im * Math.sin(theta), inter[p][h * dh + 2 * k], 1e-14);
                    assertEquals(re * Math.sin(theta) + im * Math.cos(theta), inter[p][h * dh + 2 * k + 1], 1e-14);
                }
        // The layouts are one permutation apart: interleaved position 2k is half position k,
        // 2k + 1 is k + dh/2 (why HF permutes Meta's q/k weights).
        double[][] permuted = new double[t][heads * dh];
        for (int p = 0; p < t; p++)
            for (int h = 0; h < heads; h++)
                for (int k = 0; k < dh / 2; k++) {
                    permuted[p][h * dh + k] = x[p][h * dh + 2 * k];
                    permuted[p][h * dh + k + dh / 2] = x[p][h * dh + 2 * k + 1];
                }
        double[][] viaHalf = rope(permuted, heads, base, RopeLayout.HALF, -1);
        for (int p = 0; p < t; p++)
            for (int h = 0; h < heads; h++)
                for (int k = 0; k < dh / 2; k++) {
                    assertEquals(inter[p][h * dh + 2 * k], viaHalf[p][h * dh + k], 1e-15);
                    assertEquals(inter[p][h * dh + 2 * k + 1], viaHalf[p][h * dh + k + dh / 2], 1e-15);
                }
    }

    @Test
    void partialRotaryLeavesTheTailAlone() {
        // GPT-NeoX: rotary_dim = 4 of a head of 8; pairs (0, 2), (1, 3) with angles t and
        // t * 10000^(-2/4); features 4..7 unchanged.
        double[][] x = {{0, 0, 0, 0, 0, 0, 0, 0}, {0, 0, 0, 0, 0, 0, 0, 0}, {1, 2, 3, 4, 5, 6, 7, 8}};
        double[][] y = rope(x, 1, 10000.0, RopeLayout.HALF, 4);
        double c1 = Math.cos(2), s1 = Math.sin(2), c2 = Math.cos(0.02), s2 = Math.sin(0.02);
        assertArrayEquals(new double[] {c1 - 3 * s1, 2 * c2 - 4 * s2, 3 * c1 + s1, 4 * c2 + 2 * s2, 5, 6, 7, 8}, y[2], 1e-15);
    }

    // ---------------------------------------------------------------------------- ALiBi

    @Test
    void alibiSlopesForPowersOfTwo() {
        // n = 8: start = ratio = 2^(-8/8) = 1/2, so 1/2, 1/4, ..., 1/256 (the paper, section 3).
        assertArrayEquals(new double[] {1. / 2, 1. / 4, 1. / 8, 1. / 16, 1. / 32, 1. / 64, 1. / 128, 1. / 256},
                alibiSlopes(8), 1e-16);
        // n = 16: 2^-0.5, 2^-1, ..., 2^-8.
        double[] s16 = alibiSlopes(16);
        // (The reference code's start * ratio**i rounds: its 2^-1 is 0.5000000000000001.)
        for (int h = 0; h < 16; h++) assertEquals(Math.pow(2, -0.5 * (h + 1)), s16[h], 1e-15);
        // n = 1: 2^-8; n = 2: 2^-4, 2^-8.
        assertArrayEquals(new double[] {1. / 256}, alibiSlopes(1), 0.0);
        assertArrayEquals(new double[] {1. / 16, 1. / 256}, alibiSlopes(2), 1e-16);
    }

    @Test
    void alibiSlopesForOtherHeadCounts() {
        // n = 12 by the reference code: closest power of two 8, get_slopes(8) =
        // [2^-1, 2^-2, ..., 2^-8], then get_slopes(16) = [2^-0.5, 2^-1, 2^-1.5, ..., 2^-8],
        // [0::2] = [2^-0.5, 2^-1.5, 2^-2.5, 2^-3.5, ...], first 12 - 8 = 4 of them.
        double[] expected = {
            0.5, 0.25, 0.125, 0.0625, 0.03125, 0.015625, 0.0078125, 0.00390625,
            Math.pow(2, -0.5), Math.pow(2, -1.5), Math.pow(2, -2.5), Math.pow(2, -3.5),
        };
        assertArrayEquals(expected, alibiSlopes(12), 1e-15);
        // n = 6: get_slopes(4) = [2^-2, 2^-4, 2^-6, 2^-8], then get_slopes(8)[0::2][:2] = [2^-1, 2^-3].
        assertArrayEquals(new double[] {0.25, 1. / 16, 1. / 64, 1. / 256, 0.5, 0.125}, alibiSlopes(6), 1e-16);
        // n = 3: get_slopes(2) = [2^-4, 2^-8], then get_slopes(4)[0::2][:1] = [2^-2].
        assertArrayEquals(new double[] {1. / 16, 1. / 256, 0.25}, alibiSlopes(3), 1e-16);
    }

    // ---------------------------------------------------------------------------- attention

    @Test
    void attentionByHand() {
        // One head, dk = 2: q = [1, 0]; keys [1, 0] and [0, 1]; scale 1/sqrt 2.
        double[][] q = {{1, 0}}, k = {{1, 0}, {0, 1}}, v = {{10, 0}, {0, 10}};
        double a = Math.exp(1 / Math.sqrt(2)), b = 1.0;
        double[][] y = attention(q, k, v, 1);
        assertArrayEquals(new double[] {10 * a / (a + b), 10 * b / (a + b)}, y[0], 1e-14);
        double[][][] p = attentionWeights(q, k, v, 1, 1, Double.NaN, null, null, 0, 1);
        assertArrayEquals(new double[] {a / (a + b), b / (a + b)}, p[0][0], 1e-15);
    }

    @Test
    void attentionMatchesTheMatrixFormulaPerHead() {
        // Vaswani eq. 1 and section 3.2.2: concat_h softmax(Q_h K_h^T / sqrt(dk)) V_h.
        SplittableRandom r = new SplittableRandom(8);
        int heads = 4, dk = 5, dv = 3, tq = 6, tk = 7;
        double[][] q = random(r, tq, heads * dk), k = random(r, tk, heads * dk), v = random(r, tk, heads * dv);
        double[][][] qh = heads(q, heads), kh = heads(k, heads), vh = heads(v, heads);
        double[][][] out = new double[heads][][];
        for (int h = 0; h < heads; h++)
            out[h] = matmul(softmax(scale(matmul(qh[h], transpose(kh[h])), 1 / Math.sqrt(dk))), vh[h]);
        assertClose(mergeHeads(out), attention(q, k, v, heads), 1e-14);
    }

    @Test
    void clausesApplyInTheDocumentedOrder() {
        SplittableRandom r = new SplittableRandom(9);
        int heads = 2, dk = 4, t = 5;
        double[][] q = scale(random(r, t, heads * dk), 20), k = scale(random(r, t, heads * dk), 20), v = random(r, t, heads * dk);
        double scale = 0.3, cap = 5.0, temp = 0.7;
        ScoreFn score = (s, i, j, h) -> s + 0.25 * h - 0.5 * Math.abs(i - j);
        double[][][] p = attentionWeights(q, k, v, heads, heads, scale, score, CAUSAL, cap, temp);
        for (int h = 0; h < heads; h++)
            for (int i = 0; i < t; i++) {
                double[] logits = new double[i + 1];
                for (int j = 0; j <= i; j++) {
                    double s = 0;
                    for (int d = 0; d < dk; d++) s += q[i][h * dk + d] * k[j][h * dk + d];
                    s = s * scale;
                    s = s + 0.25 * h - 0.5 * Math.abs(i - j);
                    s = cap * Math.tanh(s / cap);
                    logits[j] = s / temp;
                }
                double[] expected = softmax(logits);
                for (int j = 0; j < t; j++)
                    assertEquals(j <= i ? expected[j] : 0.0, p[h][i][j], 1e-15, "h " + h + " i " + i + " j " + j);
            }
    }

    @Test
    void fullyMaskedQueryGetsZeros() {
        SplittableRandom r = new SplittableRandom(10);
        double[][] q = random(r, 4, 8), k = random(r, 3, 8), v = random(r, 3, 8);
        // Query 0 sees nothing; the others see keys j < i.
        MaskFn mask = (i, j, h) -> j < i;
        double[][] y = attention(q, k, v, 2, 2, mask);
        assertArrayEquals(new double[8], y[0], 0.0);
        double[][][] p = attentionWeights(q, k, v, 2, 2, Double.NaN, null, mask, 0, 1);
        for (int h = 0; h < 2; h++) assertArrayEquals(new double[3], p[h][0], 0.0);
        for (int h = 0; h < 2; h++)
            for (int i = 1; i < 4; i++) {
                double sum = 0;
                for (int j = 0; j < 3; j++) sum += p[h][i][j];
                assertEquals(1.0, sum, 1e-15);
                for (int j = i; j < 3; j++) assertEquals(0.0, p[h][i][j], 0.0);
            }
        // A mask that shuts everything out gives an all-zero result.
        double[][] none = attention(q, k, v, 2, 2, (i, j, h) -> false);
        assertEquals(0.0, maxAbs(none), 0.0);
        // So does attending to no keys at all.
        assertArrayEquals(new double[0], attention(q, new double[0][], new double[0][], 2)[0], 0.0);
    }

    @Test
    void allTrueMaskEqualsUnmasked() {
        SplittableRandom r = new SplittableRandom(11);
        double[][] q = random(r, 5, 12), k = random(r, 6, 12), v = random(r, 6, 9);
        double[][] plain = attention(q, k, v, 3);
        assertClose(plain, attention(q, k, v, 3, 3, (i, j, h) -> true), 0.0);
        assertClose(plain, attention(q, k, v, 3, 3, null), 0.0);
    }

    @Test
    void gqaWithAsManyKvHeadsIsMhaAndOtherwiseRepeatsKvHeads() {
        SplittableRandom r = new SplittableRandom(12);
        int heads = 6, dk = 4, dv = 5, t = 7;
        double[][] q = random(r, t, heads * dk);
        // kvHeads = heads: multi-head attention, head by head.
        double[][] k = random(r, t, heads * dk), v = random(r, t, heads * dv);
        double[][] gqa = attention(q, k, v, heads, heads, CAUSAL);
        double[][][] qh = heads(q, heads), kh = heads(k, heads), vh = heads(v, heads);
        double[][][] per = new double[heads][][];
        for (int h = 0; h < heads; h++) per[h] = attention(qh[h], kh[h], vh[h], 1, 1, CAUSAL);
        assertClose(mergeHeads(per), gqa, 1e-15);
        // kvHeads = 2: each kv head serves heads / kvHeads = 3 consecutive query heads, the same
        // as MHA with kv heads repeated (HF repeat_kv / torch.repeat_interleave).
        for (int kv : new int[] {1, 2, 3}) {
            double[][] k2 = random(r, t, kv * dk), v2 = random(r, t, kv * dv);
            double[][][] k2h = heads(k2, kv), v2h = heads(v2, kv);
            double[][][] kRep = new double[heads][][], vRep = new double[heads][][];
            for (int h = 0; h < heads; h++) {
                kRep[h] = k2h[h / (heads / kv)];
                vRep[h] = v2h[h / (heads / kv)];
            }
            assertClose(attention(q, mergeHeads(kRep), mergeHeads(vRep), heads, heads, CAUSAL),
                    attention(q, k2, v2, heads, kv, CAUSAL), 1e-15);
        }
        assertThrows(IllegalArgumentException.class, () -> attention(q, k, v, heads, 4, null));
    }

    @Test
    void crossAttentionWithDifferentLengthsAndWidths() {
        SplittableRandom r = new SplittableRandom(13);
        double[][] q = random(r, 3, 8), k = random(r, 9, 8), v = random(r, 9, 6);
        double[][] y = attention(q, k, v, 2);
        assertEquals(3, y.length);
        assertEquals(6, y[0].length);
    }

    @Test
    void alibiBiasEqualsBloomsKeyPositionForm() {
        // Press et al. add -m (i - j); BLOOM adds m * j. They differ by -m * i, constant per
        // query, which the softmax removes.
        SplittableRandom r = new SplittableRandom(14);
        int heads = 12, t = 9;
        double[] m = alibiSlopes(heads);
        double[][] q = random(r, t, heads * 4), k = random(r, t, heads * 4), v = random(r, t, heads * 4);
        double[][] paper = attention(q, k, v, heads, heads, Double.NaN, (s, i, j, h) -> s - m[h] * (i - j), CAUSAL, 0, 1);
        double[][] bloom = attention(q, k, v, heads, heads, Double.NaN, (s, i, j, h) -> s + m[h] * j, CAUSAL, 0, 1);
        assertClose(paper, bloom, 1e-14);
        double[][] none = attention(q, k, v, heads, heads, CAUSAL);
        assertTrue(maxAbsDiff(paper, none) > 1e-3, "the bias changes something");
    }

    @Test
    void temperatureAndSoftcapBehave() {
        SplittableRandom r = new SplittableRandom(15);
        double[][] q = scale(random(r, 4, 8), 50), k = scale(random(r, 4, 8), 50), v = random(r, 4, 8);
        // temperature t equals scaling by 1/t when nothing else is set.
        assertClose(attention(q, k, v, 2, 2, 0.25 / 0.5, null, null, 0, 1),
                attention(q, k, v, 2, 2, 0.25, null, null, 0, 0.5), 1e-14);
        // A softcap bounds every logit: softmax weights are at least exp(-2 cap) / Tk.
        double[][][] p = attentionWeights(q, k, v, 2, 2, 1.0, null, null, 1.0, 1);
        for (double[][] head : p)
            for (double[] row : head)
                for (double x : row) assertTrue(x >= Math.exp(-2.0) / 4 - 1e-15);
    }
}
