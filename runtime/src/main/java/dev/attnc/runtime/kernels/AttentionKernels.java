package dev.attnc.runtime.kernels;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
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
 *
 * <p>The same call gives the same bits every time, whether C2 has compiled the kernels yet or
 * the interpreter runs them: they use only vector operations that IEEE 754 rounds once (add,
 * multiply, divide, fma, compare, blend, bit operations), never {@code reduceLanes(ADD)}, whose
 * order of additions differs between the two, nor {@code lanewise} of a transcendental function
 * (EXP, TANH), which C2 takes from its own vector math library and the interpreter from Math,
 * lane by lane. The scalar path sums in another order, so it gives other bits than SIMD.
 */
public final class AttentionKernels {
    /**
     * Queries per tile: four SIMD vectors of floats (64 with AVX-512), or 8 without SIMD. A key
     * block is read once per tile, so a taller tile streams the keys and values of a head fewer
     * times; the kernels work on the vectors that hold real queries only.
     */
    public static final int QUERIES = Simd.enabled() ? 4 * Lanes.count() : 8;

    private AttentionKernels() {
    }

    /** Copies a tile of query rows transposed: {@code qT[d * QUERIES + r] = q[qAt + r * qStride + d]}; missing rows are 0. */
    public static void transposeQueries(float[] q, int qAt, int qStride, int rows, int width, float[] qT) {
        // Four query rows at a time: four streams of reads, and each feature's four writes land
        // side by side in one cache line of the tile (16 KB, in L1). A 64 x 64 tile in cache took
        // 0.82 us, a row at a time 1.22 us, SIMD gathers 1.17 us; the 96 tiles of T = 512 read
        // after the inputs were written, 96 against 119 us (eight rows at a time: 98 us).
        int r = 0;
        for (; r + 3 < rows; r += 4) {
            int row0 = qAt + r * qStride;
            int row1 = row0 + qStride;
            int row2 = row1 + qStride;
            int row3 = row2 + qStride;
            for (int d = 0; d < width; d++) {
                int at = d * QUERIES + r;
                qT[at] = q[row0 + d];
                qT[at + 1] = q[row1 + d];
                qT[at + 2] = q[row2 + d];
                qT[at + 3] = q[row3 + d];
            }
        }
        for (; r < rows; r++) {
            int row = qAt + r * qStride;
            for (int d = 0; d < width; d++) {
                qT[d * QUERIES + r] = q[row + d];
            }
        }
        for (r = rows; r < QUERIES; r++) {
            for (int d = 0; d < width; d++) {
                qT[d * QUERIES + r] = 0;
            }
        }
    }

    /**
     * Scores of the tile against {@code keys} keys: {@code s[x * QUERIES + r] = scale * (q_r . k_x)},
     * the keys at {@code kAt + x * kStride}, each {@code width} wide, for the first {@code queries}
     * queries of the tile (with SIMD, every query of the vectors that hold them).
     */
    public static void scores(float[] qT, float[] k, int kAt, int kStride, int keys, int queries, int width, float scale,
            float[] s) {
        if (Simd.enabled()) {
            Lanes.scores(qT, k, kAt, kStride, keys, queries, width, scale, s);
            return;
        }
        scoresScalar(qT, k, kAt, kStride, keys, queries, width, scale, s);
    }

    /** The scalar path of {@link #scores}. */
    static void scoresScalar(float[] qT, float[] k, int kAt, int kStride, int keys, int queries, int width, float scale,
            float[] s) {
        for (int x = 0; x < keys; x++) {
            int key = kAt + x * kStride;
            for (int r = 0; r < queries; r++) {
                float sum = 0;
                for (int d = 0; d < width; d++) {
                    sum += qT[d * QUERIES + r] * k[key + d];
                }
                s[x * QUERIES + r] = sum * scale;
            }
        }
    }

    /**
     * Adds a bias in proportion to the distance from query to key, as ALiBi does:
     * {@code s[x * QUERIES + r] += slope * ((firstQuery + r) - (block + x))}, for the first
     * {@code queries} queries of the tile (with SIMD, every query of the vectors that hold
     * them). The distance is an exact integer before it is scaled, as in the scalar clause.
     */
    public static void addDistanceBias(float[] s, int block, int keys, int queries, int firstQuery, float slope) {
        if (Simd.enabled()) {
            Lanes.addDistanceBias(s, block, keys, queries, firstQuery, slope);
            return;
        }
        addDistanceBiasScalar(s, block, keys, queries, firstQuery, slope);
    }

    /** The scalar path of {@link #addDistanceBias}. */
    static void addDistanceBiasScalar(float[] s, int block, int keys, int queries, int firstQuery, float slope) {
        for (int x = 0; x < keys; x++) {
            for (int r = 0; r < queries; r++) {
                s[x * QUERIES + r] += slope * ((firstQuery + r) - (block + x));
            }
        }
    }

    /**
     * Adds the query-by-distance products of a relative table (Shaw et al.) to the scores:
     * {@code s[x * QUERIES + r] += products[(row - firstRow) * QUERIES + r]} with
     * {@code row = clamp((firstQuery + r) - (block + x), -clip, clip) + clip}, for the first
     * {@code queries} queries of the tile (with SIMD, every query of the vectors that hold them,
     * their rows kept inside the {@code rows} rows computed). {@code products} holds the tile's
     * queries against table rows {@code firstRow} on, as {@link #scores} writes them: each
     * product was computed once for the tile, and here only gathered.
     */
    public static void addRelative(float[] s, int block, int keys, int queries, int firstQuery, float[] products, int firstRow,
            int rows, int clip) {
        if (Simd.enabled()) {
            Lanes.addRelative(s, block, keys, queries, firstQuery, products, firstRow, rows, clip);
            return;
        }
        addRelativeScalar(s, block, keys, queries, firstQuery, products, firstRow, rows, clip);
    }

    /** The scalar path of {@link #addRelative}. */
    static void addRelativeScalar(float[] s, int block, int keys, int queries, int firstQuery, float[] products, int firstRow,
            int rows, int clip) {
        for (int x = 0; x < keys; x++) {
            for (int r = 0; r < queries; r++) {
                int row = Math.clamp((long) firstQuery + r - (block + x), -clip, clip) + clip - firstRow;
                s[x * QUERIES + r] += products[row * QUERIES + r];
            }
        }
    }

    /**
     * Soft-caps the scores, as Gemma 2 does: {@code s = cap * tanh(s / cap)}, for the first
     * {@code queries} queries of the tile (with SIMD, every query of the vectors that hold them).
     */
    public static void softcap(float[] s, int keys, int queries, float cap) {
        if (Simd.enabled()) {
            Lanes.softcap(s, keys, queries, cap);
            return;
        }
        softcapScalar(s, keys, queries, cap);
    }

    /** The scalar path of {@link #softcap}. */
    static void softcapScalar(float[] s, int keys, int queries, float cap) {
        for (int x = 0; x < keys; x++) {
            for (int r = 0; r < queries; r++) {
                s[x * QUERIES + r] = cap * (float) Math.tanh(s[x * QUERIES + r] / cap);
            }
        }
    }

    /**
     * Masks the keys each query may not see: {@code s[x * QUERIES + r]} becomes -infinity unless
     * key {@code block + x} lies in [{@code range[r]}, {@code range[QUERIES + r]}). Queries from
     * {@code queries} on are padding, with empty ranges; with SIMD, the vectors that hold none of
     * the first {@code queries} are left as they are ({@link #accumulate} skips them too).
     */
    public static void maskOutside(float[] s, int block, int keys, int queries, int[] range) {
        if (Simd.enabled()) {
            Lanes.maskOutside(s, block, keys, queries, range);
            return;
        }
        maskOutsideScalar(s, block, keys, queries, range);
    }

    /** The scalar path of {@link #maskOutside}. */
    static void maskOutsideScalar(float[] s, int block, int keys, int queries, int[] range) {
        for (int r = 0; r < QUERIES; r++) {
            int first = Math.clamp(range[r] - block, 0, keys);
            int end = Math.clamp(range[QUERIES + r] - block, first, keys);
            for (int x = 0; x < first; x++) {
                s[x * QUERIES + r] = Float.NEGATIVE_INFINITY;
            }
            for (int x = end; x < keys; x++) {
                s[x * QUERIES + r] = Float.NEGATIVE_INFINITY;
            }
        }
    }

    /**
     * How far a score may rise above its query's running max before the max moves. The max is
     * only the shift that keeps exponentials in range, and exp(8) = 2981 keeps every sum far
     * from overflow; so the running sums and accumulators are rescaled only when a block's max
     * passes the running max by more than this, which after the first block is rare
     * (FlashAttention-4's conditional rescaling).
     */
    static final float HEADROOM = 8f;

    // The constants of the exponential written out in vector arithmetic (Lanes#exponentiate; VectorKernels too).
    static final float LOG2_E = 1.44269504f;
    /** ln 2 in two parts, the first with its low bits zero, so that {@code n * LN2_HIGH} is exact. */
    static final float LN2_HIGH = 0.693145751953125f;
    static final float LN2_LOW = 1.428606765330187e-6f;
    /** 1.5 * 2^23: adding it rounds a float below 2^22 to an integer, found in its low mantissa bits. */
    static final float ROUNDING = 12582912f;
    /** Below this, exp is taken as 0 (exp(-86.5) is 2.9e-38, near the smallest normal float). */
    static final float UNDERFLOW = -86.5f;
    /** e^r on |r| <= ln 2 / 2: the coefficients of the polynomial of degree 5, from r^0 up. */
    static final float EXP_C0 = 1.0000001f;
    static final float EXP_C1 = 9.9999964e-1f;
    static final float EXP_C2 = 4.9998900e-1f;
    static final float EXP_C3 = 1.6667663e-1f;
    static final float EXP_C4 = 4.1915029e-2f;
    static final float EXP_C5 = 8.2917167e-3f;

    /**
     * One step of the online softmax for every query of the tile: the block's scores become
     * {@code exp(s - max)} against the running max, moved first (with the running sums and
     * accumulators rescaled to it) where a score passes it by more than {@link #HEADROOM}; then the block's values are added, weighted:
     * {@code acc[r * width + d] += sum_x p[x][r] * v_x[d]}, a row of value features per query:
     * four queries by four vectors of features are summed in registers, so that each value
     * vector loaded serves four queries and each weight broadcast four FMAs. Masked scores are
     * -infinity and weigh 0. Only the first {@code queries} queries of the tile exist (the rest
     * pad a short last tile, or the one query of a decoding step): values are summed for those
     * alone, in groups of four.
     */
    public static void accumulate(float[] s, int keys, int queries, float[] max, float[] sum, float[] v, int vAt,
            int vStride, int width, float[] acc) {
        if (Simd.enabled()) {
            Lanes.accumulate(s, keys, queries, max, sum, v, vAt, vStride, width, acc);
            return;
        }
        accumulateScalar(s, keys, queries, max, sum, v, vAt, vStride, width, acc);
    }

    /** The scalar path of {@link #accumulate}. */
    static void accumulateScalar(float[] s, int keys, int queries, float[] max, float[] sum, float[] v, int vAt,
            int vStride, int width, float[] acc) {
        for (int r = 0; r < QUERIES; r++) {
            float blockMax = Float.NEGATIVE_INFINITY;
            for (int x = 0; x < keys; x++) {
                blockMax = Math.max(blockMax, s[x * QUERIES + r]);
            }
            if (blockMax > max[r] + HEADROOM) {
                // Nothing was added while the max was -infinity: only a real max needs rescaling.
                if (max[r] != Float.NEGATIVE_INFINITY) {
                    float rescale = (float) Math.exp(max[r] - blockMax);
                    sum[r] *= rescale;
                    for (int d = 0; d < width; d++) {
                        acc[r * width + d] *= rescale;
                    }
                }
                max[r] = blockMax;
            }
            if (max[r] == Float.NEGATIVE_INFINITY) {
                for (int x = 0; x < keys; x++) {
                    s[x * QUERIES + r] = 0;
                }
                continue;
            }
            float total = 0;
            for (int x = 0; x < keys; x++) {
                float p = (float) Math.exp(s[x * QUERIES + r] - max[r]);
                s[x * QUERIES + r] = p;
                total += p;
            }
            sum[r] += total;
        }
        for (int x = 0; x < keys; x++) {
            int value = vAt + x * vStride;
            for (int d = 0; d < width; d++) {
                float feature = v[value + d];
                for (int r = 0; r < queries; r++) {
                    acc[r * width + d] += s[x * QUERIES + r] * feature;
                }
            }
        }
    }

    /**
     * The online softmax's exponentials alone, on the SIMD path: {@code s[x * QUERIES + r]}
     * becomes {@code exp(s - max[r])}, and its sum over the {@code keys} keys is added to
     * {@code sum[r]}; for tests.
     */
    static void exponentiate(float[] s, int keys, float[] max, float[] sum) {
        for (int g = 0; g < QUERIES; g += Lanes.count()) {
            Lanes.exponentiate(s, keys, g, max, sum);
        }
    }

    /**
     * Copies rows {@code from} to {@code to} of {@code width} floats, {@code stride} apart from
     * {@code at} in {@code source}, next to each other into {@code into} (row j at {@code j * width}),
     * for {@link HeadCopy}. With SIMD, four rows at a time: four streams of loads in flight, where
     * one {@code System.arraycopy} a row waits on one; the rows come from the activations, out of
     * L2 (12 head copies after the inputs were written: 87 against 106 us at T = 512, 634 against
     * 1001 us at T = 2048).
     */
    static void copyRows(float[] into, float[] source, int at, int stride, int width, int from, int to) {
        int j = from;
        if (Simd.enabled()) {
            j = Lanes.copyFourRows(into, source, at, stride, width, from, to);
        }
        for (; j < to; j++) {
            System.arraycopy(source, at + j * stride, into, j * width, width);
        }
    }

    /** The Vector API halves, loaded only when SIMD is on. */
    private static final class Lanes {
        private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
        private static final int L = S.length();

        static int count() {
            return L;
        }

        /** Rows four at a time while they are whole vectors wide; returns the first row not copied. */
        static int copyFourRows(float[] into, float[] source, int at, int stride, int width, int from, int to) {
            int j = from;
            if (width % L != 0) {
                return j;
            }
            for (; j + 3 < to; j += 4) {
                int row0 = at + j * stride;
                int row1 = row0 + stride;
                int row2 = row1 + stride;
                int row3 = row2 + stride;
                int copy = j * width;
                for (int d = 0; d < width; d += L) {
                    FloatVector a = FloatVector.fromArray(S, source, row0 + d);
                    FloatVector b = FloatVector.fromArray(S, source, row1 + d);
                    FloatVector c = FloatVector.fromArray(S, source, row2 + d);
                    FloatVector e = FloatVector.fromArray(S, source, row3 + d);
                    a.intoArray(into, copy + d);
                    b.intoArray(into, copy + width + d);
                    c.intoArray(into, copy + 2 * width + d);
                    e.intoArray(into, copy + 3 * width + d);
                }
            }
            return j;
        }

        static void scores(float[] qT, float[] k, int kAt, int kStride, int keys, int queries, int width, float scale,
                float[] s) {
            int vectors = (queries + L - 1) / L;
            int g = 0;
            if (vectors == 4) {
                scoresFourVectors(qT, k, kAt, kStride, keys, width, scale, s);
                return;
            }
            for (; g + 1 < vectors; g += 2) {
                scoresTwoVectors(qT, g * L, k, kAt, kStride, keys, width, scale, s);
            }
            if (g < vectors) {
                scoresOneVector(qT, g * L, k, kAt, kStride, keys, width, scale, s, 0);
            }
        }

        /**
         * The four vectors of queries of a full tile, four keys at a time: each key value broadcast
         * serves four FMAs, and 16 independent chains hide the FMA latency; 8 loads per 16 FMAs.
         */
        private static void scoresFourVectors(float[] qT, float[] k, int kAt, int kStride, int keys, int width,
                float scale, float[] s) {
            int x = scoresSixKeys(qT, k, kAt, kStride, keys, width, scale, s);
            for (; x + 3 < keys; x += 4) {
                int key0 = kAt + x * kStride;
                int key1 = key0 + kStride;
                int key2 = key1 + kStride;
                int key3 = key2 + kStride;
                FloatVector a0 = FloatVector.zero(S), a1 = a0, a2 = a0, a3 = a0;
                FloatVector b0 = a0, b1 = a0, b2 = a0, b3 = a0;
                FloatVector c0 = a0, c1 = a0, c2 = a0, c3 = a0;
                FloatVector e0 = a0, e1 = a0, e2 = a0, e3 = a0;
                for (int d = 0; d < width; d++) {
                    int row = d * QUERIES;
                    FloatVector q0 = FloatVector.fromArray(S, qT, row);
                    FloatVector q1 = FloatVector.fromArray(S, qT, row + L);
                    FloatVector q2 = FloatVector.fromArray(S, qT, row + 2 * L);
                    FloatVector q3 = FloatVector.fromArray(S, qT, row + 3 * L);
                    FloatVector key = FloatVector.broadcast(S, k[key0 + d]);
                    a0 = q0.fma(key, a0);
                    b0 = q1.fma(key, b0);
                    c0 = q2.fma(key, c0);
                    e0 = q3.fma(key, e0);
                    key = FloatVector.broadcast(S, k[key1 + d]);
                    a1 = q0.fma(key, a1);
                    b1 = q1.fma(key, b1);
                    c1 = q2.fma(key, c1);
                    e1 = q3.fma(key, e1);
                    key = FloatVector.broadcast(S, k[key2 + d]);
                    a2 = q0.fma(key, a2);
                    b2 = q1.fma(key, b2);
                    c2 = q2.fma(key, c2);
                    e2 = q3.fma(key, e2);
                    key = FloatVector.broadcast(S, k[key3 + d]);
                    a3 = q0.fma(key, a3);
                    b3 = q1.fma(key, b3);
                    c3 = q2.fma(key, c3);
                    e3 = q3.fma(key, e3);
                }
                int at = x * QUERIES;
                a0.mul(scale).intoArray(s, at);
                b0.mul(scale).intoArray(s, at + L);
                c0.mul(scale).intoArray(s, at + 2 * L);
                e0.mul(scale).intoArray(s, at + 3 * L);
                at += QUERIES;
                a1.mul(scale).intoArray(s, at);
                b1.mul(scale).intoArray(s, at + L);
                c1.mul(scale).intoArray(s, at + 2 * L);
                e1.mul(scale).intoArray(s, at + 3 * L);
                at += QUERIES;
                a2.mul(scale).intoArray(s, at);
                b2.mul(scale).intoArray(s, at + L);
                c2.mul(scale).intoArray(s, at + 2 * L);
                e2.mul(scale).intoArray(s, at + 3 * L);
                at += QUERIES;
                a3.mul(scale).intoArray(s, at);
                b3.mul(scale).intoArray(s, at + L);
                c3.mul(scale).intoArray(s, at + 2 * L);
                e3.mul(scale).intoArray(s, at + 3 * L);
            }
            if (x < keys) {
                for (int g = 0; g < QUERIES; g += L) {
                    scoresOneVector(qT, g, k, kAt + x * kStride, kStride, keys - x, width, scale, s, x);
                }
            }
        }

        /**
         * The four vectors of queries of a full tile, six keys at a time while six remain: 24
         * chains, 4 loads and 6 broadcasts per 24 FMAs. Returns the first key not scored.
         */
        private static int scoresSixKeys(float[] qT, float[] k, int kAt, int kStride, int keys, int width, float scale,
                float[] s) {
            int x = 0;
            for (; x + 5 < keys; x += 6) {
                int key0 = kAt + x * kStride;
                int key1 = key0 + kStride;
                int key2 = key1 + kStride;
                int key3 = key2 + kStride;
                int key4 = key3 + kStride;
                int key5 = key4 + kStride;
                FloatVector a0 = FloatVector.zero(S), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0;
                FloatVector b0 = a0, b1 = a0, b2 = a0, b3 = a0, b4 = a0, b5 = a0;
                FloatVector c0 = a0, c1 = a0, c2 = a0, c3 = a0, c4 = a0, c5 = a0;
                FloatVector e0 = a0, e1 = a0, e2 = a0, e3 = a0, e4 = a0, e5 = a0;
                for (int d = 0; d < width; d++) {
                    int row = d * QUERIES;
                    FloatVector q0 = FloatVector.fromArray(S, qT, row);
                    FloatVector q1 = FloatVector.fromArray(S, qT, row + L);
                    FloatVector q2 = FloatVector.fromArray(S, qT, row + 2 * L);
                    FloatVector q3 = FloatVector.fromArray(S, qT, row + 3 * L);
                    FloatVector key = FloatVector.broadcast(S, k[key0 + d]);
                    a0 = q0.fma(key, a0);
                    b0 = q1.fma(key, b0);
                    c0 = q2.fma(key, c0);
                    e0 = q3.fma(key, e0);
                    key = FloatVector.broadcast(S, k[key1 + d]);
                    a1 = q0.fma(key, a1);
                    b1 = q1.fma(key, b1);
                    c1 = q2.fma(key, c1);
                    e1 = q3.fma(key, e1);
                    key = FloatVector.broadcast(S, k[key2 + d]);
                    a2 = q0.fma(key, a2);
                    b2 = q1.fma(key, b2);
                    c2 = q2.fma(key, c2);
                    e2 = q3.fma(key, e2);
                    key = FloatVector.broadcast(S, k[key3 + d]);
                    a3 = q0.fma(key, a3);
                    b3 = q1.fma(key, b3);
                    c3 = q2.fma(key, c3);
                    e3 = q3.fma(key, e3);
                    key = FloatVector.broadcast(S, k[key4 + d]);
                    a4 = q0.fma(key, a4);
                    b4 = q1.fma(key, b4);
                    c4 = q2.fma(key, c4);
                    e4 = q3.fma(key, e4);
                    key = FloatVector.broadcast(S, k[key5 + d]);
                    a5 = q0.fma(key, a5);
                    b5 = q1.fma(key, b5);
                    c5 = q2.fma(key, c5);
                    e5 = q3.fma(key, e5);
                }
                int at = x * QUERIES;
                a0.mul(scale).intoArray(s, at);
                b0.mul(scale).intoArray(s, at + 1 * L);
                c0.mul(scale).intoArray(s, at + 2 * L);
                e0.mul(scale).intoArray(s, at + 3 * L);
                at += QUERIES;
                a1.mul(scale).intoArray(s, at);
                b1.mul(scale).intoArray(s, at + 1 * L);
                c1.mul(scale).intoArray(s, at + 2 * L);
                e1.mul(scale).intoArray(s, at + 3 * L);
                at += QUERIES;
                a2.mul(scale).intoArray(s, at);
                b2.mul(scale).intoArray(s, at + 1 * L);
                c2.mul(scale).intoArray(s, at + 2 * L);
                e2.mul(scale).intoArray(s, at + 3 * L);
                at += QUERIES;
                a3.mul(scale).intoArray(s, at);
                b3.mul(scale).intoArray(s, at + 1 * L);
                c3.mul(scale).intoArray(s, at + 2 * L);
                e3.mul(scale).intoArray(s, at + 3 * L);
                at += QUERIES;
                a4.mul(scale).intoArray(s, at);
                b4.mul(scale).intoArray(s, at + 1 * L);
                c4.mul(scale).intoArray(s, at + 2 * L);
                e4.mul(scale).intoArray(s, at + 3 * L);
                at += QUERIES;
                a5.mul(scale).intoArray(s, at);
                b5.mul(scale).intoArray(s, at + 1 * L);
                c5.mul(scale).intoArray(s, at + 2 * L);
                e5.mul(scale).intoArray(s, at + 3 * L);
            }
            return x;
        }

        /**
         * Two vectors of queries, at lane offset {@code g}, four keys at a time: each key value
         * broadcast serves two FMAs, and eight independent chains hide the FMA latency.
         */
        private static void scoresTwoVectors(float[] qT, int g, float[] k, int kAt, int kStride, int keys, int width,
                float scale, float[] s) {
            int x = 0;
            for (; x + 3 < keys; x += 4) {
                int key0 = kAt + x * kStride;
                int key1 = key0 + kStride;
                int key2 = key1 + kStride;
                int key3 = key2 + kStride;
                FloatVector a0 = FloatVector.zero(S);
                FloatVector a1 = FloatVector.zero(S);
                FloatVector a2 = FloatVector.zero(S);
                FloatVector a3 = FloatVector.zero(S);
                FloatVector b0 = FloatVector.zero(S);
                FloatVector b1 = FloatVector.zero(S);
                FloatVector b2 = FloatVector.zero(S);
                FloatVector b3 = FloatVector.zero(S);
                for (int d = 0; d < width; d++) {
                    FloatVector low = FloatVector.fromArray(S, qT, d * QUERIES + g);
                    FloatVector high = FloatVector.fromArray(S, qT, d * QUERIES + g + L);
                    FloatVector key = FloatVector.broadcast(S, k[key0 + d]);
                    a0 = low.fma(key, a0);
                    b0 = high.fma(key, b0);
                    key = FloatVector.broadcast(S, k[key1 + d]);
                    a1 = low.fma(key, a1);
                    b1 = high.fma(key, b1);
                    key = FloatVector.broadcast(S, k[key2 + d]);
                    a2 = low.fma(key, a2);
                    b2 = high.fma(key, b2);
                    key = FloatVector.broadcast(S, k[key3 + d]);
                    a3 = low.fma(key, a3);
                    b3 = high.fma(key, b3);
                }
                a0.mul(scale).intoArray(s, x * QUERIES + g);
                b0.mul(scale).intoArray(s, x * QUERIES + g + L);
                a1.mul(scale).intoArray(s, (x + 1) * QUERIES + g);
                b1.mul(scale).intoArray(s, (x + 1) * QUERIES + g + L);
                a2.mul(scale).intoArray(s, (x + 2) * QUERIES + g);
                b2.mul(scale).intoArray(s, (x + 2) * QUERIES + g + L);
                a3.mul(scale).intoArray(s, (x + 3) * QUERIES + g);
                b3.mul(scale).intoArray(s, (x + 3) * QUERIES + g + L);
            }
            if (x < keys) {
                scoresOneVector(qT, g, k, kAt + x * kStride, kStride, keys - x, width, scale, s, x);
                scoresOneVector(qT, g + L, k, kAt + x * kStride, kStride, keys - x, width, scale, s, x);
            }
        }

        /** One vector of queries, the one at lane offset {@code g}; results written from key {@code first} of the block on. */
        private static void scoresOneVector(float[] qT, int g, float[] k, int kAt, int kStride, int keys, int width, float scale,
                float[] s, int first) {
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
                    FloatVector query = FloatVector.fromArray(S, qT, d * QUERIES + g);
                    acc0 = query.fma(FloatVector.broadcast(S, k[key0 + d]), acc0);
                    acc1 = query.fma(FloatVector.broadcast(S, k[key1 + d]), acc1);
                    acc2 = query.fma(FloatVector.broadcast(S, k[key2 + d]), acc2);
                    acc3 = query.fma(FloatVector.broadcast(S, k[key3 + d]), acc3);
                    acc4 = query.fma(FloatVector.broadcast(S, k[key4 + d]), acc4);
                    acc5 = query.fma(FloatVector.broadcast(S, k[key5 + d]), acc5);
                    acc6 = query.fma(FloatVector.broadcast(S, k[key6 + d]), acc6);
                    acc7 = query.fma(FloatVector.broadcast(S, k[key7 + d]), acc7);
                }
                acc0.mul(scale).intoArray(s, (x + first) * QUERIES + g);
                acc1.mul(scale).intoArray(s, (x + 1 + first) * QUERIES + g);
                acc2.mul(scale).intoArray(s, (x + 2 + first) * QUERIES + g);
                acc3.mul(scale).intoArray(s, (x + 3 + first) * QUERIES + g);
                acc4.mul(scale).intoArray(s, (x + 4 + first) * QUERIES + g);
                acc5.mul(scale).intoArray(s, (x + 5 + first) * QUERIES + g);
                acc6.mul(scale).intoArray(s, (x + 6 + first) * QUERIES + g);
                acc7.mul(scale).intoArray(s, (x + 7 + first) * QUERIES + g);
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
                    acc0 = FloatVector.fromArray(S, qT, d * QUERIES + g).fma(FloatVector.broadcast(S, k[key + d]), acc0);
                    acc1 = FloatVector.fromArray(S, qT, (d + 1) * QUERIES + g).fma(FloatVector.broadcast(S, k[key + d + 1]), acc1);
                    acc2 = FloatVector.fromArray(S, qT, (d + 2) * QUERIES + g).fma(FloatVector.broadcast(S, k[key + d + 2]), acc2);
                    acc3 = FloatVector.fromArray(S, qT, (d + 3) * QUERIES + g).fma(FloatVector.broadcast(S, k[key + d + 3]), acc3);
                }
                for (; d < width; d++) {
                    acc0 = FloatVector.fromArray(S, qT, d * QUERIES + g).fma(FloatVector.broadcast(S, k[key + d]), acc0);
                }
                acc0.add(acc1).add(acc2.add(acc3)).mul(scale).intoArray(s, (x + first) * QUERIES + g);
            }
        }

        private static final VectorSpecies<Integer> INTS = S.withLanes(int.class);

        /** 0, 1, ..., L - 1: each lane's offset from the first query of its vector. */
        private static final FloatVector LANE_INDEX = FloatVector.fromArray(S, laneIndices(), 0);

        private static float[] laneIndices() {
            float[] indices = new float[L];
            for (int lane = 0; lane < L; lane++) {
                indices[lane] = lane;
            }
            return indices;
        }

        static void addDistanceBias(float[] s, int block, int keys, int queries, int firstQuery, float slope) {
            for (int g = 0; g < queries; g += L) {
                // Query and key indices are below 2^24, so as floats they and their difference are exact.
                FloatVector query = LANE_INDEX.add(firstQuery + g);
                for (int x = 0; x < keys; x++) {
                    int at = x * QUERIES + g;
                    FloatVector distance = query.sub(block + x);
                    FloatVector.fromArray(S, s, at).add(distance.mul(slope)).intoArray(s, at);
                }
            }
        }

        /** Below this, tanh is an odd polynomial; from it on, {@code 1 - 2 / (e^2a + 1)}. */
        private static final float TANH_POLYNOMIAL_END = 0.625f;
        /** {@code 2|y|} is cut here: tanh is 1 in float long before, and {@code e^40} is far from overflow. */
        private static final float TANH_DOUBLED_CAP = 40f;

        /**
         * {@code cap * tanh(s / cap)}, with tanh written out in plain vector arithmetic, within
         * 1 ulp of {@code (float) Math.tanh} (checked on every float from 0.3 to 9.6, and on
         * random ones down to 1e-30): for
         * {@code a = |y| < 0.625}, {@code a + a^3 P(a^2)} (P of degree 4, a least-squares fit
         * of relative error 5e-9); above, {@code 1 - 2 / (e^2a + 1)} with e^2a as in
         * {@link #exponentiate} but with a polynomial of degree 6 (relative error 2e-9); the sign
         * of y put back last. Not {@code lanewise(TANH)}: C2 computes that with Intel's SVML
         * library while the interpreter and C1 call Math.tanh lane by lane, and they differ in
         * the last bit, so the same call gave other scores once the JIT had warmed up. Every
         * operation here is rounded once, as IEEE 754 says, on every path.
         */
        static void softcap(float[] s, int keys, int queries, float cap) {
            FloatVector t0 = FloatVector.broadcast(S, -0.33333284f);
            FloatVector t1 = FloatVector.broadcast(S, 0.13331449f);
            FloatVector t2 = FloatVector.broadcast(S, -0.053740352f);
            FloatVector t3 = FloatVector.broadcast(S, 0.020641176f);
            FloatVector t4 = FloatVector.broadcast(S, -0.0057073156f);
            FloatVector log2e = FloatVector.broadcast(S, LOG2_E);
            FloatVector rounding = FloatVector.broadcast(S, ROUNDING);
            FloatVector minusLn2High = FloatVector.broadcast(S, -LN2_HIGH);
            FloatVector minusLn2Low = FloatVector.broadcast(S, -LN2_LOW);
            // e^r on |r| <= ln 2 / 2; the fit's first two coefficients round to 1.
            FloatVector e2 = FloatVector.broadcast(S, 0.4999999f);
            FloatVector e3 = FloatVector.broadcast(S, 0.16666421f);
            FloatVector e4 = FloatVector.broadcast(S, 0.04166823f);
            FloatVector e5 = FloatVector.broadcast(S, 0.0083747255f);
            FloatVector e6 = FloatVector.broadcast(S, 0.0013836424f);
            FloatVector one = FloatVector.broadcast(S, 1f);
            FloatVector two = FloatVector.broadcast(S, 2f);
            for (int g = 0; g < queries; g += L) {
                for (int x = 0; x < keys; x++) {
                    int at = x * QUERIES + g;
                    IntVector y = FloatVector.fromArray(S, s, at).div(cap).reinterpretAsInts();
                    IntVector sign = y.and(0x80000000);
                    FloatVector a = y.and(0x7fffffff).reinterpretAsFloats();
                    FloatVector z = a.mul(a);
                    FloatVector p = z.fma(t4, t3).fma(z, t2).fma(z, t1).fma(z, t0);
                    FloatVector tanh = a.mul(z).fma(p, a);
                    // Scores well inside the cap, the usual case, need the polynomial alone.
                    VectorMask<Float> large = a.compare(VectorOperators.GE, TANH_POLYNOMIAL_END);
                    if (large.anyTrue()) {
                        FloatVector doubled = a.add(a);
                        doubled = doubled.blend(TANH_DOUBLED_CAP, doubled.compare(VectorOperators.GT, TANH_DOUBLED_CAP));
                        FloatVector withN = doubled.fma(log2e, rounding);
                        FloatVector n = withN.sub(rounding);
                        FloatVector r = n.fma(minusLn2High, doubled);
                        r = n.fma(minusLn2Low, r);
                        FloatVector q = r.fma(e6, e5).fma(r, e4).fma(r, e3).fma(r, e2).fma(r, one).fma(r, one);
                        IntVector twoToN = withN.reinterpretAsInts().lanewise(VectorOperators.LSHL, 23);
                        FloatVector e = q.reinterpretAsInts().add(twoToN).reinterpretAsFloats();
                        tanh = tanh.blend(one.sub(two.div(e.add(one))), large);
                    }
                    tanh.reinterpretAsInts().or(sign).reinterpretAsFloats().mul(cap).intoArray(s, at);
                }
            }
        }

        /**
         * Lane l reads row l further down and one query further: a stride of QUERIES + 1 floats.
         * Written as 4 * L, not QUERIES, which is still 0 while AttentionKernels initialises this class.
         */
        private static final int[] DIAGONAL = java.util.stream.IntStream.range(0, L).map(l -> l * (4 * L + 1)).toArray();

        static void addRelative(float[] s, int block, int keys, int queries, int firstQuery, float[] products, int firstRow,
                int rows, int clip) {
            for (int g = 0; g < queries; g += L) {
                for (int x = 0; x < keys; x++) {
                    int at = x * QUERIES + g;
                    // The distances of the vector's lanes: one apart, from lowest to lowest + L - 1.
                    long lowest = (long) firstQuery + g - (block + x);
                    FloatVector gathered;
                    if (lowest + L - 1 <= -clip || lowest >= clip) {
                        // Every lane past the clip on one side: one table row, the lanes' queries side by side.
                        int row = (lowest >= clip ? 2 * clip : 0) - firstRow;
                        gathered = FloatVector.fromArray(S, products, row * QUERIES + g);
                    } else if (lowest > -clip && lowest + L - 1 < clip && lowest + L - 1 + clip - firstRow < rows) {
                        // Every lane inside the clip: the rows run down the diagonal.
                        int row = (int) lowest + clip - firstRow;
                        gathered = FloatVector.fromArray(S, products, row * QUERIES + g, DIAGONAL, 0);
                    } else {
                        // The lanes where the clip starts, or past the rows computed (padding): one at a time.
                        for (int l = 0; l < L; l++) {
                            int row = Math.clamp(Math.clamp(lowest + l, -clip, clip) + clip - firstRow, 0, rows - 1);
                            s[at + l] += products[row * QUERIES + g + l];
                        }
                        continue;
                    }
                    FloatVector.fromArray(S, s, at).add(gathered).intoArray(s, at);
                }
            }
        }

        static void maskOutside(float[] s, int block, int keys, int queries, int[] range) {
            // Only the vectors that hold queries: accumulate never reads the others.
            for (int g = 0; g < queries; g += L) {
                IntVector firsts = IntVector.fromArray(INTS, range, g);
                IntVector ends = IntVector.fromArray(INTS, range, QUERIES + g);
                // Most blocks are seen whole by every query of the vector: nothing to do.
                if (g + L <= queries && firsts.reduceLanes(VectorOperators.MAX) <= block
                        && ends.reduceLanes(VectorOperators.MIN) >= block + keys) {
                    continue;
                }
                for (int x = 0; x < keys; x++) {
                    int j = block + x;
                    VectorMask<Float> hidden = firsts.compare(VectorOperators.GT, j).or(ends.compare(VectorOperators.LE, j)).cast(S);
                    int at = x * QUERIES + g;
                    FloatVector.fromArray(S, s, at).blend(Float.NEGATIVE_INFINITY, hidden).intoArray(s, at);
                }
            }
        }

        static void accumulate(float[] s, int keys, int queries, float[] max, float[] sum, float[] v, int vAt, int vStride,
                int width, float[] acc) {
            int vectors = (queries + L - 1) / L;
            for (int g = 0; g < vectors * L; g += L) {
                softmaxStep(s, keys, g, max, sum, width, acc);
            }
            int r = 0;
            // Six queries at a time while the features are whole groups of four vectors: 24 sums
            // in registers, 4 loads and 6 broadcasts per 24 FMAs (four queries: 8 per 16).
            if (width % (4 * L) == 0) {
                for (; r + 6 <= queries; r += 6) {
                    for (int d = 0; d < width; d += 4 * L) {
                        sixByFour(s, keys, v, vAt + d, vStride, acc, r, r * width + d, width);
                    }
                }
            }
            for (; r + 4 <= queries; r += 4) {
                int d = 0;
                for (; d + 4 * L <= width; d += 4 * L) {
                    fourByFour(s, keys, v, vAt + d, vStride, acc, r, r * width + d, width);
                }
                for (; d + L <= width; d += L) {
                    fourByOne(s, keys, v, vAt + d, vStride, acc, r, r * width + d, width);
                }
                for (; d < width; d++) {
                    for (int q = r; q < r + 4; q++) {
                        sumFeature(s, keys, q, v, vAt + d, vStride, acc, q * width + d);
                    }
                }
            }
            // The last one to three queries (a decoding step's single query) one at a time.
            for (; r < queries; r++) {
                int d = 0;
                for (; d + L <= width; d += L) {
                    FloatVector c = FloatVector.fromArray(S, acc, r * width + d);
                    for (int x = 0; x < keys; x++) {
                        c = FloatVector.fromArray(S, v, vAt + x * vStride + d).fma(FloatVector.broadcast(S, s[x * QUERIES + r]), c);
                    }
                    c.intoArray(acc, r * width + d);
                }
                for (; d < width; d++) {
                    sumFeature(s, keys, r, v, vAt + d, vStride, acc, r * width + d);
                }
            }
        }

        private static void sumFeature(float[] s, int keys, int q, float[] v, int vAt, int vStride, float[] acc, int at) {
            float a = acc[at];
            for (int x = 0; x < keys; x++) {
                a += s[x * QUERIES + q] * v[vAt + x * vStride];
            }
            acc[at] = a;
        }

        /** The online-softmax step of the vector of queries at lane offset {@code g}. */
        private static void softmaxStep(float[] s, int keys, int g, float[] max, float[] sum, int width, float[] acc) {
            // Two running maxima, so that neither waits on one chain. A compare and a blend, not
            // max(): Java's max must order -0 below 0 and pass NaN on, which costs a chain of five
            // instructions per step (0.45 us per block against 0.17 here).
            FloatVector evenMax = FloatVector.broadcast(S, Float.NEGATIVE_INFINITY);
            FloatVector oddMax = evenMax;
            int x = 0;
            for (; x + 1 < keys; x += 2) {
                FloatVector even = FloatVector.fromArray(S, s, x * QUERIES + g);
                FloatVector odd = FloatVector.fromArray(S, s, (x + 1) * QUERIES + g);
                evenMax = evenMax.blend(even, even.compare(VectorOperators.GT, evenMax));
                oddMax = oddMax.blend(odd, odd.compare(VectorOperators.GT, oddMax));
            }
            if (x < keys) {
                FloatVector even = FloatVector.fromArray(S, s, x * QUERIES + g);
                evenMax = evenMax.blend(even, even.compare(VectorOperators.GT, evenMax));
            }
            FloatVector blockMax = evenMax.max(oddMax);
            // Past the first block, a running max rarely needs to move: the lanes that do, one at a time.
            if (blockMax.compare(VectorOperators.GT, FloatVector.fromArray(S, max, g).add(HEADROOM)).anyTrue()) {
                for (int r = g; r < g + L; r++) {
                    float newMax = blockMax.lane(r - g);
                    if (newMax > max[r] + HEADROOM) {
                        // Nothing was added while the max was -infinity: only a real max needs rescaling.
                        if (max[r] != Float.NEGATIVE_INFINITY) {
                            float rescale = (float) Math.exp(max[r] - newMax);
                            sum[r] *= rescale;
                            scaleRow(acc, r * width, width, rescale);
                        }
                        max[r] = newMax;
                    }
                }
            }
            exponentiate(s, keys, g, max, sum);
        }

        /**
         * The scores of the vector of queries at lane offset {@code g} become {@code exp(s - max)}
         * (0 where the max is still -infinity), and their sum is added to {@code sum}.
         *
         * <p>The exponential is written out here, for arguments up to {@link #HEADROOM} (and far
         * beyond), within 2.5e-7 relative (3 ulps), 0 below {@link AttentionKernels#UNDERFLOW} and for -infinity: 2^n * e^r with n = round(x / ln 2) and
         * |r| <= ln 2 / 2, e^r by a polynomial of degree 5 (a least-squares fit to e^r on that
         * interval, relative error 8e-8), 2^n by adding n to the exponent bits. It is plain vector
         * instructions on every platform, and faster than {@code lanewise(EXP)} here: the softmax
         * step of a 64 x 64 block took 1.05 us with it, 1.55 us with {@code EXP}. It is not a
         * helper method, and this loop calls none, because a vector passed to or returned from a
         * call that C2 does not inline is boxed: one such call made the attention 60 % slower.
         */
        static void exponentiate(float[] s, int keys, int g, float[] max, float[] sum) {
            FloatVector m = FloatVector.fromArray(S, max, g);
            // Where nothing was seen yet, subtract 0: exp(-inf) is 0 and no NaN appears.
            FloatVector base = m.blend(0f, m.compare(VectorOperators.EQ, Float.NEGATIVE_INFINITY));
            FloatVector total = FloatVector.fromArray(S, sum, g);
            FloatVector log2e = FloatVector.broadcast(S, LOG2_E);
            FloatVector rounding = FloatVector.broadcast(S, ROUNDING);
            FloatVector minusLn2High = FloatVector.broadcast(S, -LN2_HIGH);
            FloatVector minusLn2Low = FloatVector.broadcast(S, -LN2_LOW);
            FloatVector c5 = FloatVector.broadcast(S, EXP_C5);
            FloatVector c4 = FloatVector.broadcast(S, EXP_C4);
            FloatVector c3 = FloatVector.broadcast(S, EXP_C3);
            FloatVector c2 = FloatVector.broadcast(S, EXP_C2);
            FloatVector c1 = FloatVector.broadcast(S, EXP_C1);
            FloatVector c0 = FloatVector.broadcast(S, EXP_C0);
            for (int x = 0; x < keys; x++) {
                int at = x * QUERIES + g;
                FloatVector shifted = FloatVector.fromArray(S, s, at).sub(base);
                FloatVector withN = shifted.fma(log2e, rounding);
                FloatVector n = withN.sub(rounding);
                FloatVector r = n.fma(minusLn2High, shifted);
                r = n.fma(minusLn2Low, r);
                FloatVector p = r.fma(c5, c4).fma(r, c3).fma(r, c2).fma(r, c1).fma(r, c0);
                // withN holds n in its low bits: shifted into the exponent field, they add n to it.
                IntVector twoToN = withN.reinterpretAsInts().lanewise(VectorOperators.LSHL, 23);
                FloatVector e = p.reinterpretAsInts().add(twoToN).reinterpretAsFloats()
                        .blend(0f, shifted.compare(VectorOperators.LT, UNDERFLOW));
                e.intoArray(s, at);
                total = total.add(e);
            }
            total.intoArray(sum, g);
        }

        private static void scaleRow(float[] acc, int at, int width, float factor) {
            int d = 0;
            for (; d + L <= width; d += L) {
                FloatVector.fromArray(S, acc, at + d).mul(factor).intoArray(acc, at + d);
            }
            for (; d < width; d++) {
                acc[at + d] *= factor;
            }
        }

        /** Queries {@code r..r+5} by four vectors of features from {@code v} (at {@code vAt} per key): 24 sums in registers. */
        private static void sixByFour(float[] s, int keys, float[] v, int vAt, int vStride, float[] acc, int r, int a0,
                int width) {
            int at0 = a0;
            int at1 = a0 + 1 * width;
            int at2 = a0 + 2 * width;
            int at3 = a0 + 3 * width;
            int at4 = a0 + 4 * width;
            int at5 = a0 + 5 * width;
            FloatVector c00 = FloatVector.fromArray(S, acc, at0);
            FloatVector c01 = FloatVector.fromArray(S, acc, at0 + 1 * L);
            FloatVector c02 = FloatVector.fromArray(S, acc, at0 + 2 * L);
            FloatVector c03 = FloatVector.fromArray(S, acc, at0 + 3 * L);
            FloatVector c10 = FloatVector.fromArray(S, acc, at1);
            FloatVector c11 = FloatVector.fromArray(S, acc, at1 + 1 * L);
            FloatVector c12 = FloatVector.fromArray(S, acc, at1 + 2 * L);
            FloatVector c13 = FloatVector.fromArray(S, acc, at1 + 3 * L);
            FloatVector c20 = FloatVector.fromArray(S, acc, at2);
            FloatVector c21 = FloatVector.fromArray(S, acc, at2 + 1 * L);
            FloatVector c22 = FloatVector.fromArray(S, acc, at2 + 2 * L);
            FloatVector c23 = FloatVector.fromArray(S, acc, at2 + 3 * L);
            FloatVector c30 = FloatVector.fromArray(S, acc, at3);
            FloatVector c31 = FloatVector.fromArray(S, acc, at3 + 1 * L);
            FloatVector c32 = FloatVector.fromArray(S, acc, at3 + 2 * L);
            FloatVector c33 = FloatVector.fromArray(S, acc, at3 + 3 * L);
            FloatVector c40 = FloatVector.fromArray(S, acc, at4);
            FloatVector c41 = FloatVector.fromArray(S, acc, at4 + 1 * L);
            FloatVector c42 = FloatVector.fromArray(S, acc, at4 + 2 * L);
            FloatVector c43 = FloatVector.fromArray(S, acc, at4 + 3 * L);
            FloatVector c50 = FloatVector.fromArray(S, acc, at5);
            FloatVector c51 = FloatVector.fromArray(S, acc, at5 + 1 * L);
            FloatVector c52 = FloatVector.fromArray(S, acc, at5 + 2 * L);
            FloatVector c53 = FloatVector.fromArray(S, acc, at5 + 3 * L);
            for (int x = 0; x < keys; x++) {
                int value = vAt + x * vStride;
                FloatVector v0 = FloatVector.fromArray(S, v, value);
                FloatVector v1 = FloatVector.fromArray(S, v, value + 1 * L);
                FloatVector v2 = FloatVector.fromArray(S, v, value + 2 * L);
                FloatVector v3 = FloatVector.fromArray(S, v, value + 3 * L);
                int weights = x * QUERIES + r;
                FloatVector p = FloatVector.broadcast(S, s[weights + 0]);
                c00 = v0.fma(p, c00);
                c01 = v1.fma(p, c01);
                c02 = v2.fma(p, c02);
                c03 = v3.fma(p, c03);
                p = FloatVector.broadcast(S, s[weights + 1]);
                c10 = v0.fma(p, c10);
                c11 = v1.fma(p, c11);
                c12 = v2.fma(p, c12);
                c13 = v3.fma(p, c13);
                p = FloatVector.broadcast(S, s[weights + 2]);
                c20 = v0.fma(p, c20);
                c21 = v1.fma(p, c21);
                c22 = v2.fma(p, c22);
                c23 = v3.fma(p, c23);
                p = FloatVector.broadcast(S, s[weights + 3]);
                c30 = v0.fma(p, c30);
                c31 = v1.fma(p, c31);
                c32 = v2.fma(p, c32);
                c33 = v3.fma(p, c33);
                p = FloatVector.broadcast(S, s[weights + 4]);
                c40 = v0.fma(p, c40);
                c41 = v1.fma(p, c41);
                c42 = v2.fma(p, c42);
                c43 = v3.fma(p, c43);
                p = FloatVector.broadcast(S, s[weights + 5]);
                c50 = v0.fma(p, c50);
                c51 = v1.fma(p, c51);
                c52 = v2.fma(p, c52);
                c53 = v3.fma(p, c53);
            }
            c00.intoArray(acc, at0);
            c01.intoArray(acc, at0 + 1 * L);
            c02.intoArray(acc, at0 + 2 * L);
            c03.intoArray(acc, at0 + 3 * L);
            c10.intoArray(acc, at1);
            c11.intoArray(acc, at1 + 1 * L);
            c12.intoArray(acc, at1 + 2 * L);
            c13.intoArray(acc, at1 + 3 * L);
            c20.intoArray(acc, at2);
            c21.intoArray(acc, at2 + 1 * L);
            c22.intoArray(acc, at2 + 2 * L);
            c23.intoArray(acc, at2 + 3 * L);
            c30.intoArray(acc, at3);
            c31.intoArray(acc, at3 + 1 * L);
            c32.intoArray(acc, at3 + 2 * L);
            c33.intoArray(acc, at3 + 3 * L);
            c40.intoArray(acc, at4);
            c41.intoArray(acc, at4 + 1 * L);
            c42.intoArray(acc, at4 + 2 * L);
            c43.intoArray(acc, at4 + 3 * L);
            c50.intoArray(acc, at5);
            c51.intoArray(acc, at5 + 1 * L);
            c52.intoArray(acc, at5 + 2 * L);
            c53.intoArray(acc, at5 + 3 * L);
        }

        /** Queries {@code r..r+3} by four vectors of features from {@code v} (at {@code vAt} per key): 16 sums in registers. */
        private static void fourByFour(float[] s, int keys, float[] v, int vAt, int vStride, float[] acc, int r, int a0,
                int width) {
            int a1 = a0 + width;
            int a2 = a1 + width;
            int a3 = a2 + width;
            FloatVector c00 = FloatVector.fromArray(S, acc, a0);
            FloatVector c01 = FloatVector.fromArray(S, acc, a0 + L);
            FloatVector c02 = FloatVector.fromArray(S, acc, a0 + 2 * L);
            FloatVector c03 = FloatVector.fromArray(S, acc, a0 + 3 * L);
            FloatVector c10 = FloatVector.fromArray(S, acc, a1);
            FloatVector c11 = FloatVector.fromArray(S, acc, a1 + L);
            FloatVector c12 = FloatVector.fromArray(S, acc, a1 + 2 * L);
            FloatVector c13 = FloatVector.fromArray(S, acc, a1 + 3 * L);
            FloatVector c20 = FloatVector.fromArray(S, acc, a2);
            FloatVector c21 = FloatVector.fromArray(S, acc, a2 + L);
            FloatVector c22 = FloatVector.fromArray(S, acc, a2 + 2 * L);
            FloatVector c23 = FloatVector.fromArray(S, acc, a2 + 3 * L);
            FloatVector c30 = FloatVector.fromArray(S, acc, a3);
            FloatVector c31 = FloatVector.fromArray(S, acc, a3 + L);
            FloatVector c32 = FloatVector.fromArray(S, acc, a3 + 2 * L);
            FloatVector c33 = FloatVector.fromArray(S, acc, a3 + 3 * L);
            for (int x = 0; x < keys; x++) {
                int value = vAt + x * vStride;
                FloatVector v0 = FloatVector.fromArray(S, v, value);
                FloatVector v1 = FloatVector.fromArray(S, v, value + L);
                FloatVector v2 = FloatVector.fromArray(S, v, value + 2 * L);
                FloatVector v3 = FloatVector.fromArray(S, v, value + 3 * L);
                int weights = x * QUERIES + r;
                FloatVector p = FloatVector.broadcast(S, s[weights]);
                c00 = v0.fma(p, c00);
                c01 = v1.fma(p, c01);
                c02 = v2.fma(p, c02);
                c03 = v3.fma(p, c03);
                p = FloatVector.broadcast(S, s[weights + 1]);
                c10 = v0.fma(p, c10);
                c11 = v1.fma(p, c11);
                c12 = v2.fma(p, c12);
                c13 = v3.fma(p, c13);
                p = FloatVector.broadcast(S, s[weights + 2]);
                c20 = v0.fma(p, c20);
                c21 = v1.fma(p, c21);
                c22 = v2.fma(p, c22);
                c23 = v3.fma(p, c23);
                p = FloatVector.broadcast(S, s[weights + 3]);
                c30 = v0.fma(p, c30);
                c31 = v1.fma(p, c31);
                c32 = v2.fma(p, c32);
                c33 = v3.fma(p, c33);
            }
            c00.intoArray(acc, a0);
            c01.intoArray(acc, a0 + L);
            c02.intoArray(acc, a0 + 2 * L);
            c03.intoArray(acc, a0 + 3 * L);
            c10.intoArray(acc, a1);
            c11.intoArray(acc, a1 + L);
            c12.intoArray(acc, a1 + 2 * L);
            c13.intoArray(acc, a1 + 3 * L);
            c20.intoArray(acc, a2);
            c21.intoArray(acc, a2 + L);
            c22.intoArray(acc, a2 + 2 * L);
            c23.intoArray(acc, a2 + 3 * L);
            c30.intoArray(acc, a3);
            c31.intoArray(acc, a3 + L);
            c32.intoArray(acc, a3 + 2 * L);
            c33.intoArray(acc, a3 + 3 * L);
        }

        /** Queries {@code r..r+3} by one vector of features. */
        private static void fourByOne(float[] s, int keys, float[] v, int vAt, int vStride, float[] acc, int r, int a0,
                int width) {
            FloatVector c0 = FloatVector.fromArray(S, acc, a0);
            FloatVector c1 = FloatVector.fromArray(S, acc, a0 + width);
            FloatVector c2 = FloatVector.fromArray(S, acc, a0 + 2 * width);
            FloatVector c3 = FloatVector.fromArray(S, acc, a0 + 3 * width);
            for (int x = 0; x < keys; x++) {
                FloatVector value = FloatVector.fromArray(S, v, vAt + x * vStride);
                int weights = x * QUERIES + r;
                c0 = value.fma(FloatVector.broadcast(S, s[weights]), c0);
                c1 = value.fma(FloatVector.broadcast(S, s[weights + 1]), c1);
                c2 = value.fma(FloatVector.broadcast(S, s[weights + 2]), c2);
                c3 = value.fma(FloatVector.broadcast(S, s[weights + 3]), c3);
            }
            c0.intoArray(acc, a0);
            c1.intoArray(acc, a0 + width);
            c2.intoArray(acc, a0 + 2 * width);
            c3.intoArray(acc, a0 + 3 * width);
        }
    }
}
