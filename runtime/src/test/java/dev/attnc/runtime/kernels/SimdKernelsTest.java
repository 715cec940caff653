package dev.attnc.runtime.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * Every SIMD kernel against its scalar twin and against float64 sums written here, on seeded
 * random data whose sizes are not multiples of the vector length. Tolerances are relative to
 * the size of the result: float32 sums in another order differ by a few ulps per term.
 */
class SimdKernelsTest {
    private final SplittableRandom random = new SplittableRandom(17);

    private float[] random(int n) {
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = (float) (random.nextDouble() * 2 - 1);
        }
        return x;
    }

    @Test
    void theVectorApiIsOnInTheseTests() {
        assertTrue(Simd.enabled(), "the tests run with --add-modules jdk.incubator.vector; SIMD must be on");
    }

    @Test
    void dotAxpyScaleAndExp() {
        for (int n : new int[] {1, 7, 16, 33, 64, 100}) {
            float[] a = random(n + 3);
            float[] b = random(n + 5);
            double expected = 0;
            float scalar = 0;
            for (int i = 0; i < n; i++) {
                expected += (double) a[i + 3] * b[i + 5];
                scalar += a[i + 3] * b[i + 5];
            }
            float simd = VectorKernels.dot(a, 3, b, 5, n);
            assertEquals(expected, simd, 1e-5 * Math.max(1, n), "dot of " + n);
            assertEquals(scalar, simd, 1e-5 * Math.max(1, n), "dot of " + n + " against the scalar loop");

            float[] y = random(n);
            float[] reference = y.clone();
            VectorKernels.axpy(0.37f, a, 3, y, 0, n);
            for (int i = 0; i < n; i++) {
                assertEquals(reference[i] + 0.37 * a[i + 3], y[i], 1e-6, "axpy");
            }
            VectorKernels.scale(-1.5f, y, 0, n);
            float[] scores = random(n);
            double sum = 0;
            double[] exps = new double[n];
            for (int i = 0; i < n; i++) {
                exps[i] = Math.exp(scores[i] - 0.5);
                sum += exps[i];
            }
            float total = VectorKernels.expShift(scores, n, 0.5f);
            assertEquals(sum, total, 1e-5 * sum, "sum of exponentials");
            for (int i = 0; i < n; i++) {
                assertEquals(exps[i], scores[i], 1e-6 * exps[i], "exp");
            }
        }
    }

    @Test
    void linearMatchesScalarAndFloat64() {
        // Partial panels, several 256-input slices, more rows than one 96-row block, full six-row
        // tiles and, with 512-bit vectors, eight- and four-row tiles of three-vector panels.
        for (int[] size : new int[][] {{1, 33, 5}, {3, 64, 17}, {7, 100, 48}, {9, 768, 13}, {100, 300, 70}, {13, 520, 64},
                {16, 520, 96}, {12, 40, 144}}) {
            int rows = size[0];
            int in = size[1];
            int out = size[2];
            float[] x = random(rows * in);
            float[] w = random(out * in);
            float[] bias = random(out);
            float[] simd = new float[rows * out];
            float[] scalar = new float[rows * out];
            Kernels.linear(rows, in, out, x, 0, in, w, bias, Activation.GELU, simd, 0, out);
            Kernels.linearScalar(rows, in, out, x, 0, in, w, bias, Activation.GELU, scalar, 0, out);
            for (int r = 0; r < rows; r++) {
                for (int o = 0; o < out; o++) {
                    double sum = bias[o];
                    for (int i = 0; i < in; i++) {
                        sum += (double) x[r * in + i] * w[o * in + i];
                    }
                    double expected = 0.5 * sum * (1 + Erf.erf(sum / Math.sqrt(2)));
                    assertEquals(expected, simd[r * out + o], 1e-5 * Math.sqrt(in) + 1e-6, "linear " + r + "," + o);
                    assertEquals(scalar[r * out + o], simd[r * out + o], 1e-5 * Math.sqrt(in) + 1e-6, "SIMD vs scalar");
                }
            }
        }
    }

    @Test
    void scoresOfPartTilesMatchFloat64() {
        int q = AttentionKernels.QUERIES;
        int width = 64;
        int stride = width + 3; // key rows apart, as in a [T, heads * width] layout: copied first
        // A full tile takes keys six, then four at a time, then one by one: 39 = 6 * 6 + 3,
        // 64 = 10 * 6 + 4, 45 = 7 * 6 + 3; the other tiles take them in groups of four and eight.
        for (int keys : new int[] {39, 64, 45}) {
            float[] k = random(keys * stride);
            // One query (a decoding step), one vector and a bit, an odd number of vectors, all.
            for (int present : new int[] {1, 17, Math.min(q, 40), q}) {
                float[] queries = random(q * width);
                float[] qT = new float[width * q];
                AttentionKernels.transposeQueries(queries, 0, width, present, width, qT);
                float[] simd = new float[keys * q];
                Lanes.scores(qT, k, 0, stride, keys, present, width, 0.125f, simd);
                for (int x = 0; x < keys; x++) {
                    for (int r = 0; r < present; r++) {
                        double expected = 0;
                        for (int d = 0; d < width; d++) {
                            expected += (double) queries[r * width + d] * k[x * stride + d];
                        }
                        assertEquals(0.125 * expected, simd[x * q + r], 1e-5, present + " queries: score " + x + "," + r);
                    }
                }
            }
        }
    }

    @Test
    void valuesOfWideHeadsMatchFloat64() {
        // Heads of 64 and 128 values take six queries at a time by four vectors of features, then
        // four queries, then one by one: 59 = 9 * 6 + 4 + 1, 10 = 6 + 4, 7 = 6 + 1.
        int q = AttentionKernels.QUERIES;
        int keys = 64;
        for (int width : new int[] {64, 128}) {
            for (int queries : new int[] {q, q - 5, 10, 7, 1}) {
                float[] s = new float[keys * q];
                for (int i = 0; i < s.length; i++) {
                    s[i] = (float) (4 * random.nextDouble() - 2);
                }
                s[5 * q + 2] = Float.NEGATIVE_INFINITY; // a masked key
                float[] original = s.clone();
                int vStride = width + 5;
                float[] v = random(keys * vStride);
                float[] max = new float[q];
                float[] sum = new float[q];
                java.util.Arrays.fill(max, Float.NEGATIVE_INFINITY);
                float[] acc = new float[q * width];
                AttentionKernels.accumulate(s, keys, queries, max, sum, v, 0, vStride, width, acc);
                for (int r = 0; r < queries; r++) {
                    double top = Double.NEGATIVE_INFINITY;
                    for (int x = 0; x < keys; x++) {
                        top = Math.max(top, original[x * q + r]);
                    }
                    double total = 0;
                    double[] expected = new double[width];
                    for (int x = 0; x < keys; x++) {
                        double p = Math.exp(original[x * q + r] - top);
                        total += p;
                        for (int d = 0; d < width; d++) {
                            expected[d] += p * v[x * vStride + d];
                        }
                    }
                    for (int d = 0; d < width; d++) {
                        assertEquals(expected[d] / total, acc[r * width + d] / sum[r], 1e-5,
                                "width " + width + ", " + queries + " queries: query " + r + " feature " + d);
                    }
                }
            }
        }
    }

    @Test
    void attentionExponentialsAreWithinThreeUlpsOfMathExp() {
        int q = AttentionKernels.QUERIES;
        int keys = 20_011;
        float[] s = new float[keys * q];
        float[] max = new float[q];
        float[] sum = new float[q];
        for (int r = 0; r < q; r++) {
            max[r] = (float) (random.nextDouble() * 4 - 2);
            sum[r] = 0.5f;
        }
        for (int i = 0; i < s.length; i++) {
            // Scores may pass the running max by up to HEADROOM.
            s[i] = max[i % q] + (float) (AttentionKernels.HEADROOM - (90 + AttentionKernels.HEADROOM) * random.nextDouble());
        }
        // Edges as offsets from the max: the headroom, 0, the ends of the reduced interval, the underflow cut, -infinity.
        float[] edges = {AttentionKernels.HEADROOM, 1f, 0f, -1e-30f, -1e-7f, -0.34657f, -0.34658f, -1f, -86.4f, -86.49f, -86.51f, -87.5f, -200f,
            Float.NEGATIVE_INFINITY};
        for (int x = 0; x < edges.length; x++) {
            s[x * q] = max[0] + edges[x];
        }
        float[] before = s.clone();
        AttentionKernels.exponentiate(s, keys, max, sum);
        double[] expectedSums = new double[q];
        java.util.Arrays.fill(expectedSums, 0.5);
        for (int i = 0; i < s.length; i++) {
            // The exponential of the float difference the kernel takes: its own error alone.
            float x = before[i] - max[i % q];
            double expected = Math.exp(x);
            expectedSums[i % q] += expected;
            if (x >= -86.5f) {
                // 2.5e-7 relative: three float ulps at most (measured worst, 4M points: 2.2e-7)
                assertEquals(expected, s[i], 2.5e-7 * expected, "exp(" + x + ")");
            } else {
                assertEquals(0f, s[i], "exp(" + x + ") is taken as 0");
                assertTrue(expected < 3e-38, "only values below the smallest normal float are dropped");
            }
        }
        for (int r = 0; r < q; r++) {
            assertEquals(expectedSums[r], sum[r], 1e-5 * expectedSums[r], "sum of row " + r);
        }
        // Where no score was seen yet, the max is -infinity: masked scores give 0, never NaN.
        float[] masked = {Float.NEGATIVE_INFINITY};
        float[] unseen = new float[q];
        java.util.Arrays.fill(unseen, Float.NEGATIVE_INFINITY);
        float[] row = new float[q];
        java.util.Arrays.fill(row, masked[0]);
        float[] zeros = new float[q];
        AttentionKernels.exponentiate(row, 1, unseen, zeros);
        for (int r = 0; r < q; r++) {
            assertEquals(0f, row[r]);
            assertEquals(0f, zeros[r]);
        }
    }

    @Test
    void maskOutsideHidesExactlyTheKeysOutsideEachRange() {
        int q = AttentionKernels.QUERIES;
        int block = 128;
        for (int queries : new int[] {1, q / 2 + 3, q}) {
            for (int keys : new int[] {64, 37}) {
                int[] range = new int[2 * q];
                for (int r = 0; r < queries; r++) {
                    // Ranges that start before, inside and after the block, some empty, some covering it.
                    range[r] = block - 20 + random.nextInt(100);
                    range[q + r] = r % 5 == 0 ? block + keys + random.nextInt(3) : range[r] + random.nextInt(80);
                    if (r % 7 == 3) {
                        range[r] = 0;
                    }
                }
                float[] simd = random(keys * q);
                float[] scalar = simd.clone();
                float[] original = simd.clone();
                AttentionKernels.maskOutside(simd, block, keys, queries, range);
                AttentionKernels.maskOutsideScalar(scalar, block, keys, queries, range);
                for (int x = 0; x < keys; x++) {
                    int j = block + x;
                    for (int r = 0; r < q; r++) {
                        int at = x * q + r;
                        boolean seen = r < queries && j >= range[r] && j < range[q + r];
                        float expected = seen ? original[at] : Float.NEGATIVE_INFINITY;
                        String where = "query " + r + " key " + j + " of " + queries + " queries, " + keys + " keys";
                        assertEquals(expected, scalar[at], where + " (scalar)");
                        // SIMD leaves vectors without real queries alone: accumulate skips them.
                        int lanes = AttentionKernels.QUERIES / 4;
                        if (r < (queries + lanes - 1) / lanes * lanes) {
                            assertEquals(expected, simd[at], where);
                        }
                    }
                }
            }
        }
    }

    @Test
    void onlineSoftmaxOverManyBlocksMatchesFloat64() {
        int q = AttentionKernels.QUERIES;
        int width = 16;
        int blocks = 6;
        int queries = q - 5;
        float[][] scores = new float[blocks][64 * q];
        float[] v = random(blocks * 64 * width);
        for (int b = 0; b < blocks; b++) {
            for (int i = 0; i < 64 * q; i++) {
                int r = i % q;
                // Some queries' scores jump past the running max by more than the headroom, some by less, some never.
                float jump = b == 3 && r % 3 == 0 ? 20 : b == 4 && r % 3 == 1 ? 5 : 0;
                scores[b][i] = (float) (4 * random.nextDouble() - 2) + jump;
            }
        }
        scores[2][7 * q + 1] = Float.NEGATIVE_INFINITY; // a masked key
        for (boolean simd : new boolean[] {true, false}) {
            float[] max = new float[q];
            float[] sum = new float[q];
            float[] acc = new float[q * width];
            java.util.Arrays.fill(max, Float.NEGATIVE_INFINITY);
            for (int b = 0; b < blocks; b++) {
                float[] s = scores[b].clone();
                if (simd) {
                    AttentionKernels.accumulate(s, 64, queries, max, sum, v, b * 64 * width, width, width, acc);
                } else {
                    AttentionKernels.accumulateScalar(s, 64, queries, max, sum, v, b * 64 * width, width, width, acc);
                }
            }
            for (int r = 0; r < queries; r++) {
                double top = Double.NEGATIVE_INFINITY;
                for (float[] block : scores) {
                    for (int x = 0; x < 64; x++) {
                        top = Math.max(top, block[x * q + r]);
                    }
                }
                double total = 0;
                double[] expected = new double[width];
                for (int b = 0; b < blocks; b++) {
                    for (int x = 0; x < 64; x++) {
                        double p = Math.exp(scores[b][x * q + r] - top);
                        total += p;
                        for (int d = 0; d < width; d++) {
                            expected[d] += p * v[(b * 64 + x) * width + d];
                        }
                    }
                }
                for (int d = 0; d < width; d++) {
                    assertEquals(expected[d] / total, acc[r * width + d] / sum[r], 1e-5,
                            (simd ? "SIMD" : "scalar") + " query " + r + " feature " + d);
                }
            }
        }
    }

    @Test
    void softcapTanhIsWithinOneUlpOfMathTanh() {
        int q = AttentionKernels.QUERIES;
        int keys = (200_000 + 2 * 40_001 + 13 + q - 1) / q;
        float[] s = new float[keys * q];
        // Magnitudes from 1e-30 to 12 spread evenly in the logarithm, both signs; every float
        // within 20,000 ulps of the point where the polynomial hands over; and the edges.
        int at = 0;
        for (int i = 0; i < 200_000; i++) {
            float magnitude = (float) Math.pow(10, -30 + 31.08 * random.nextDouble());
            s[at++] = random.nextBoolean() ? magnitude : -magnitude;
        }
        int handover = Float.floatToIntBits(0.625f);
        for (int bits = handover - 20_000; bits <= handover + 20_000; bits++) {
            s[at++] = Float.intBitsToFloat(bits);
            s[at++] = -Float.intBitsToFloat(bits);
        }
        float[] edges = {0f, -0f, Float.MIN_VALUE, -Float.MIN_VALUE, Float.MIN_NORMAL, 9.01f, 20f, -40f, 1e30f, -1e30f,
            Float.MAX_VALUE, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY};
        for (float edge : edges) {
            s[at++] = edge;
        }
        int filled = at;
        float[] original = s.clone();
        AttentionKernels.softcap(s, keys, q, 1f);
        for (int i = 0; i < filled; i++) {
            float expected = (float) Math.tanh(original[i]);
            assertTrue(Math.abs(s[i] - expected) <= Math.ulp(expected), "tanh(" + original[i] + ") = " + s[i] + ", Math.tanh " + expected);
            assertEquals(Math.copySign(1f, original[i]), Math.copySign(1f, s[i]), "the sign of tanh(" + original[i] + ")");
        }
        float[] nan = new float[q];
        java.util.Arrays.fill(nan, Float.NaN);
        AttentionKernels.softcap(nan, 1, q, 50f);
        for (float value : nan) {
            assertTrue(Float.isNaN(value), "softcap of NaN");
        }
    }

    @Test
    void distanceBiasAndSoftcapMatchFloat64AndTheScalarPath() {
        int q = AttentionKernels.QUERIES;
        int lanes = q / 4;
        for (int queries : new int[] {1, q / 2 + 3, q}) {
            int keys = 45;
            int block = 1984;
            int firstQuery = 2000;
            float slope = -0.0625f;
            float[] simd = new float[keys * q];
            for (int i = 0; i < simd.length; i++) {
                simd[i] = (float) (200 * random.nextDouble() - 100);
            }
            float[] scalar = simd.clone();
            float[] original = simd.clone();
            AttentionKernels.addDistanceBias(simd, block, keys, queries, firstQuery, slope);
            AttentionKernels.addDistanceBiasScalar(scalar, block, keys, queries, firstQuery, slope);
            float[] biased = simd.clone();
            AttentionKernels.softcap(simd, keys, queries, 50f);
            AttentionKernels.softcapScalar(scalar, keys, queries, 50f);
            // The SIMD path works on whole vectors of queries: only those with real queries are checked.
            int checked = (queries + lanes - 1) / lanes * lanes;
            for (int x = 0; x < keys; x++) {
                for (int r = 0; r < checked; r++) {
                    int at = x * q + r;
                    double bias = original[at] + (double) slope * ((firstQuery + r) - (block + x));
                    assertEquals(bias, biased[at], 1e-5 * Math.abs(bias) + 1e-5, "bias at query " + r + " key " + x);
                    double capped = 50 * Math.tanh(bias / 50);
                    assertEquals(capped, simd[at], 1e-5 * Math.abs(capped) + 1e-5, "softcap at query " + r + " key " + x);
                    if (r < queries) {
                        assertEquals(scalar[at], simd[at], 1e-5 * Math.abs(capped) + 1e-5, "against the scalar path");
                    }
                }
            }
        }
    }

    @Test
    void attentionTilesMatchTheScalarPath() {
        int q = AttentionKernels.QUERIES;
        int width = 40;
        int keys = 37;
        float[] queries = random(q * width);
        float[] qT = new float[width * q];
        AttentionKernels.transposeQueries(queries, 0, width, q - 3, width, qT);
        float[] k = random(keys * width);
        float[] simd = new float[keys * q];
        float[] scalar = new float[keys * q];
        Lanes.scores(qT, k, 0, width, keys, q - 3, width, 0.25f, simd);
        AttentionKernels.scoresScalar(qT, k, 0, width, keys, q - 3, width, 0.25f, scalar);
        for (int x = 0; x < keys; x++) {
            for (int r = 0; r < q; r++) {
                double expected = 0;
                for (int d = 0; d < width && r < q - 3; d++) {
                    expected += (double) queries[r * width + d] * k[x * width + d];
                }
                assertEquals(0.25 * expected, simd[x * q + r], 1e-5, "score " + x + "," + r);
                assertEquals(scalar[x * q + r], simd[x * q + r], 1e-5);
            }
        }
        // Mask some, then one online-softmax step on both paths from the same state.
        simd[3 * q] = Float.NEGATIVE_INFINITY;
        scalar[3 * q] = Float.NEGATIVE_INFINITY;
        int vStride = width + 2; // value rows apart: the SIMD path copies them together first
        float[] v = random(keys * vStride);
        float[] maxS = new float[q];
        float[] maxV = new float[q];
        float[] sumS = new float[q];
        float[] sumV = new float[q];
        java.util.Arrays.fill(maxS, Float.NEGATIVE_INFINITY);
        java.util.Arrays.fill(maxV, Float.NEGATIVE_INFINITY);
        float[] accS = new float[q * width];
        float[] accV = new float[q * width];
        // Only the first q - 3 queries exist; the SIMD path sums whole groups of four.
        int present = q - 3;
        Lanes.accumulate(simd, keys, present, maxV, sumV, v, 0, vStride, width, accV);
        AttentionKernels.accumulateScalar(scalar, keys, present, maxS, sumS, v, 0, vStride, width, accS);
        for (int r = 0; r < q; r++) {
            assertEquals(maxS[r], maxV[r], 1e-6);
            assertEquals(sumS[r], sumV[r], 1e-4 * sumS[r]);
            for (int d = 0; r < present && d < width; d++) {
                double expected = 0;
                for (int x = 0; x < keys; x++) {
                    expected += (double) scalar[x * q + r] * v[x * vStride + d];
                }
                assertEquals(expected, accV[r * width + d], 1e-4, "acc " + r + "," + d);
                assertEquals(accS[r * width + d], accV[r * width + d], 1e-4);
            }
        }
    }

    /** The SIMD halves, reached from the test through the package. */
    private static final class Lanes {
        static void scores(float[] qT, float[] k, int kAt, int kStride, int keys, int queries, int width, float scale,
                float[] s) {
            AttentionKernels.scores(qT, k, kAt, kStride, keys, queries, width, scale, s);
        }

        static void accumulate(float[] s, int keys, int queries, float[] max, float[] sum, float[] v, int vAt, int vStride,
                int width, float[] acc) {
            AttentionKernels.accumulate(s, keys, queries, max, sum, v, vAt, vStride, width, acc);
        }
    }
}
