package dev.attnc.runtime.kernels;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * The inner loops of FlashAttention-style attention over a tile of {@link #QUERIES} queries
 * and a block of keys: scores kept transposed, one vector of queries per key ({@code s[x * Q + r]}
 * for key x and query r), so that dot products need no horizontal sums and the online
 * softmax runs on all queries at once. Generated attention methods call these and apply their
 * mask and score clauses to the tile in between.
 *
 * <p>Every method has a scalar path (no Vector API, or {@code -Dattnc.simd=false}) that the
 * tests compare with the SIMD one.
 */
public final class AttentionKernels {
    /** Queries per tile: one SIMD vector of floats (16 with AVX-512), or 8 without SIMD. */
    public static final int QUERIES = Simd.enabled() ? Lanes.count() : 8;

    private AttentionKernels() {
    }

    /** Copies a tile of query rows transposed: {@code qT[d * QUERIES + r] = q[qAt + r * qStride + d]}; missing rows are 0. */
    public static void transposeQueries(float[] q, int qAt, int qStride, int rows, int width, float[] qT) {
        for (int d = 0; d < width; d++) {
            int base = d * QUERIES;
            for (int r = 0; r < QUERIES; r++) {
                qT[base + r] = r < rows ? q[qAt + r * qStride + d] : 0;
            }
        }
    }

    /**
     * Scores of the tile against {@code keys} keys: {@code s[x * QUERIES + r] = scale * (q_r . k_x)},
     * the keys at {@code kAt + x * kStride}, each {@code width} wide.
     */
    public static void scores(float[] qT, float[] k, int kAt, int kStride, int keys, int width, float scale, float[] s) {
        if (Simd.enabled()) {
            Lanes.scores(qT, k, kAt, kStride, keys, width, scale, s);
            return;
        }
        scoresScalar(qT, k, kAt, kStride, keys, width, scale, s);
    }

    /** The scalar path of {@link #scores}. */
    static void scoresScalar(float[] qT, float[] k, int kAt, int kStride, int keys, int width, float scale, float[] s) {
        for (int x = 0; x < keys; x++) {
            int key = kAt + x * kStride;
            for (int r = 0; r < QUERIES; r++) {
                float sum = 0;
                for (int d = 0; d < width; d++) {
                    sum += qT[d * QUERIES + r] * k[key + d];
                }
                s[x * QUERIES + r] = sum * scale;
            }
        }
    }

    /**
     * One step of the online softmax for every query of the tile: the block's scores become
     * {@code exp(s - max)} against the new running max, the running sums and accumulators are
     * rescaled to it, then the block's values are added, weighted:
     * {@code acc[d * QUERIES + r] += sum_x p[x][r] * v_x[d]}. The accumulator is transposed, one
     * vector of queries per value feature, so the sums stay in registers. Masked scores are
     * -infinity and weigh 0.
     */
    public static void accumulate(float[] s, int keys, float[] max, float[] sum, float[] v, int vAt, int vStride,
            int width, float[] acc) {
        if (Simd.enabled()) {
            Lanes.accumulate(s, keys, max, sum, v, vAt, vStride, width, acc);
            return;
        }
        accumulateScalar(s, keys, max, sum, v, vAt, vStride, width, acc);
    }

    /** The scalar path of {@link #accumulate}. */
    static void accumulateScalar(float[] s, int keys, float[] max, float[] sum, float[] v, int vAt, int vStride,
            int width, float[] acc) {
        for (int r = 0; r < QUERIES; r++) {
            float blockMax = Float.NEGATIVE_INFINITY;
            for (int x = 0; x < keys; x++) {
                blockMax = Math.max(blockMax, s[x * QUERIES + r]);
            }
            float newMax = Math.max(max[r], blockMax);
            if (newMax == Float.NEGATIVE_INFINITY) {
                for (int x = 0; x < keys; x++) {
                    s[x * QUERIES + r] = 0;
                }
                continue;
            }
            if (newMax > max[r]) {
                float rescale = max[r] == Float.NEGATIVE_INFINITY ? 0 : (float) Math.exp(max[r] - newMax);
                sum[r] *= rescale;
                for (int d = 0; d < width; d++) {
                    acc[d * QUERIES + r] *= rescale;
                }
                max[r] = newMax;
            }
            float total = 0;
            for (int x = 0; x < keys; x++) {
                float p = (float) Math.exp(s[x * QUERIES + r] - newMax);
                s[x * QUERIES + r] = p;
                total += p;
            }
            sum[r] += total;
        }
        for (int x = 0; x < keys; x++) {
            int value = vAt + x * vStride;
            for (int d = 0; d < width; d++) {
                float feature = v[value + d];
                for (int r = 0; r < QUERIES; r++) {
                    acc[d * QUERIES + r] += s[x * QUERIES + r] * feature;
                }
            }
        }
    }

    /** The Vector API halves, loaded only when SIMD is on. */
    private static final class Lanes {
        private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;

        static int count() {
            return S.length();
        }

        static void scores(float[] qT, float[] k, int kAt, int kStride, int keys, int width, float scale, float[] s) {
            int x = 0;
            // Eight keys at a time: eight independent FMA chains hide the FMA latency, and each
            // load of the transposed queries serves eight keys.
            for (; x + 7 < keys; x += 8) {
                int key0 = kAt + x * kStride;
                int key1 = key0 + kStride;
                int key2 = key1 + kStride;
                int key3 = key2 + kStride;
                int key4 = key3 + kStride;
                int key5 = key4 + kStride;
                int key6 = key5 + kStride;
                int key7 = key6 + kStride;
                FloatVector acc0 = FloatVector.zero(S);
                FloatVector acc1 = FloatVector.zero(S);
                FloatVector acc2 = FloatVector.zero(S);
                FloatVector acc3 = FloatVector.zero(S);
                FloatVector acc4 = FloatVector.zero(S);
                FloatVector acc5 = FloatVector.zero(S);
                FloatVector acc6 = FloatVector.zero(S);
                FloatVector acc7 = FloatVector.zero(S);
                for (int d = 0; d < width; d++) {
                    FloatVector query = FloatVector.fromArray(S, qT, d * QUERIES);
                    acc0 = query.fma(FloatVector.broadcast(S, k[key0 + d]), acc0);
                    acc1 = query.fma(FloatVector.broadcast(S, k[key1 + d]), acc1);
                    acc2 = query.fma(FloatVector.broadcast(S, k[key2 + d]), acc2);
                    acc3 = query.fma(FloatVector.broadcast(S, k[key3 + d]), acc3);
                    acc4 = query.fma(FloatVector.broadcast(S, k[key4 + d]), acc4);
                    acc5 = query.fma(FloatVector.broadcast(S, k[key5 + d]), acc5);
                    acc6 = query.fma(FloatVector.broadcast(S, k[key6 + d]), acc6);
                    acc7 = query.fma(FloatVector.broadcast(S, k[key7 + d]), acc7);
                }
                acc0.mul(scale).intoArray(s, x * QUERIES);
                acc1.mul(scale).intoArray(s, (x + 1) * QUERIES);
                acc2.mul(scale).intoArray(s, (x + 2) * QUERIES);
                acc3.mul(scale).intoArray(s, (x + 3) * QUERIES);
                acc4.mul(scale).intoArray(s, (x + 4) * QUERIES);
                acc5.mul(scale).intoArray(s, (x + 5) * QUERIES);
                acc6.mul(scale).intoArray(s, (x + 6) * QUERIES);
                acc7.mul(scale).intoArray(s, (x + 7) * QUERIES);
            }
            for (; x < keys; x++) {
                int key = kAt + x * kStride;
                // Four partial sums over d, so that even a lone key does not wait on one FMA chain.
                FloatVector acc0 = FloatVector.zero(S);
                FloatVector acc1 = FloatVector.zero(S);
                FloatVector acc2 = FloatVector.zero(S);
                FloatVector acc3 = FloatVector.zero(S);
                int d = 0;
                for (; d + 3 < width; d += 4) {
                    acc0 = FloatVector.fromArray(S, qT, d * QUERIES).fma(FloatVector.broadcast(S, k[key + d]), acc0);
                    acc1 = FloatVector.fromArray(S, qT, (d + 1) * QUERIES).fma(FloatVector.broadcast(S, k[key + d + 1]), acc1);
                    acc2 = FloatVector.fromArray(S, qT, (d + 2) * QUERIES).fma(FloatVector.broadcast(S, k[key + d + 2]), acc2);
                    acc3 = FloatVector.fromArray(S, qT, (d + 3) * QUERIES).fma(FloatVector.broadcast(S, k[key + d + 3]), acc3);
                }
                for (; d < width; d++) {
                    acc0 = FloatVector.fromArray(S, qT, d * QUERIES).fma(FloatVector.broadcast(S, k[key + d]), acc0);
                }
                acc0.add(acc1).add(acc2.add(acc3)).mul(scale).intoArray(s, x * QUERIES);
            }
        }

        static void accumulate(float[] s, int keys, float[] max, float[] sum, float[] v, int vAt, int vStride, int width,
                float[] acc) {
            FloatVector blockMax = FloatVector.broadcast(S, Float.NEGATIVE_INFINITY);
            for (int x = 0; x < keys; x++) {
                blockMax = blockMax.max(FloatVector.fromArray(S, s, x * QUERIES));
            }
            FloatVector oldMax = FloatVector.fromArray(S, max, 0);
            FloatVector newMax = oldMax.max(blockMax);
            VectorMask<Float> seen = newMax.compare(VectorOperators.NE, Float.NEGATIVE_INFINITY);
            // Where nothing was seen yet, subtract 0: exp(-inf) is 0 and no NaN appears.
            FloatVector base = FloatVector.zero(S).blend(newMax, seen);
            VectorMask<Float> hadMax = oldMax.compare(VectorOperators.NE, Float.NEGATIVE_INFINITY);
            FloatVector rescale = FloatVector.zero(S).blend(oldMax.sub(base).lanewise(VectorOperators.EXP), hadMax);
            FloatVector total = FloatVector.fromArray(S, sum, 0).mul(rescale);
            for (int d = 0; d < width; d++) {
                FloatVector.fromArray(S, acc, d * QUERIES).mul(rescale).intoArray(acc, d * QUERIES);
            }
            for (int x = 0; x < keys; x++) {
                FloatVector p = FloatVector.fromArray(S, s, x * QUERIES).sub(base).lanewise(VectorOperators.EXP);
                p.intoArray(s, x * QUERIES);
                total = total.add(p);
            }
            total.intoArray(sum, 0);
            newMax.intoArray(max, 0);
            // Eight value features at a time, their sums held in registers over every key of the block.
            int d = 0;
            for (; d + 7 < width; d += 8) {
                FloatVector a0 = FloatVector.fromArray(S, acc, d * QUERIES);
                FloatVector a1 = FloatVector.fromArray(S, acc, (d + 1) * QUERIES);
                FloatVector a2 = FloatVector.fromArray(S, acc, (d + 2) * QUERIES);
                FloatVector a3 = FloatVector.fromArray(S, acc, (d + 3) * QUERIES);
                FloatVector a4 = FloatVector.fromArray(S, acc, (d + 4) * QUERIES);
                FloatVector a5 = FloatVector.fromArray(S, acc, (d + 5) * QUERIES);
                FloatVector a6 = FloatVector.fromArray(S, acc, (d + 6) * QUERIES);
                FloatVector a7 = FloatVector.fromArray(S, acc, (d + 7) * QUERIES);
                for (int x = 0; x < keys; x++) {
                    FloatVector p = FloatVector.fromArray(S, s, x * QUERIES);
                    int value = vAt + x * vStride + d;
                    a0 = p.fma(FloatVector.broadcast(S, v[value]), a0);
                    a1 = p.fma(FloatVector.broadcast(S, v[value + 1]), a1);
                    a2 = p.fma(FloatVector.broadcast(S, v[value + 2]), a2);
                    a3 = p.fma(FloatVector.broadcast(S, v[value + 3]), a3);
                    a4 = p.fma(FloatVector.broadcast(S, v[value + 4]), a4);
                    a5 = p.fma(FloatVector.broadcast(S, v[value + 5]), a5);
                    a6 = p.fma(FloatVector.broadcast(S, v[value + 6]), a6);
                    a7 = p.fma(FloatVector.broadcast(S, v[value + 7]), a7);
                }
                a0.intoArray(acc, d * QUERIES);
                a1.intoArray(acc, (d + 1) * QUERIES);
                a2.intoArray(acc, (d + 2) * QUERIES);
                a3.intoArray(acc, (d + 3) * QUERIES);
                a4.intoArray(acc, (d + 4) * QUERIES);
                a5.intoArray(acc, (d + 5) * QUERIES);
                a6.intoArray(acc, (d + 6) * QUERIES);
                a7.intoArray(acc, (d + 7) * QUERIES);
            }
            for (; d < width; d++) {
                FloatVector a = FloatVector.fromArray(S, acc, d * QUERIES);
                for (int x = 0; x < keys; x++) {
                    a = FloatVector.fromArray(S, s, x * QUERIES).fma(FloatVector.broadcast(S, v[vAt + x * vStride + d]), a);
                }
                a.intoArray(acc, d * QUERIES);
            }
        }
    }
}
