package dev.attnc.runtime.kernels;

import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

/**
 * The SIMD body of {@link Int8Linear}. Loaded only when {@link Simd#enabled()}. L int8 weights
 * are loaded as bytes, widened to L float lanes and multiplied with FMAs against the input's
 * {@code a - za}, already floats. Every product is an integer of at most 255 * 128 in magnitude;
 * a lane takes at most {@link #CHUNK_STEPS} of them before it is converted to int and added
 * up there, so its float sum stays below 2^24 and is exact. Four input rows share each widened
 * weight vector. Needs 8 or 16 float lanes (AVX2, AVX-512); other machines take the scalar kernel.
 */
final class Int8VectorKernels {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int L = S.length();
    /** Bytes with as many lanes as S. */
    private static final VectorSpecies<Byte> B = L == 8 || L == 16
            ? VectorSpecies.of(byte.class, VectorShape.forBitSize(8 * L)) : null;
    /** Ints with as many lanes as S. */
    private static final VectorSpecies<Integer> I = VectorSpecies.of(int.class, S.vectorShape());
    /** Products one float lane adds before it is flushed to int: 256 * 255 * 128 < 2^24. */
    static final int CHUNK_STEPS = 256;
    /** Outputs whose weights stay in cache while the row tiles pass over them. */
    private static final int OUT_BLOCK = 16;

    private Int8VectorKernels() {
    }

    static boolean supported() {
        return B != null;
    }

    /** Outputs {@code from..to} of every row. */
    static void run(Int8Linear.QuantizedInput a, Int8Matrix weight, float[] bias, Activation activation,
            float[] out, int outAt, int outStride, int from, int to) {
        int rows = a.rows();
        int width = a.width();
        float[] x = a.centered();
        int[] sums = a.rowSums();
        byte[] q = weight.values();
        int[] zq = weight.zeroPoints();
        float[] scales = weight.scales();
        int[] acc = new int[4];
        for (int oFrom = from; oFrom < to; oFrom += OUT_BLOCK) {
            int oTo = Math.min(to, oFrom + OUT_BLOCK);
            int r = 0;
            for (; r + 4 <= rows; r += 4) {
                for (int o = oFrom; o < oTo; o++) {
                    dotFourRows(width, q, o * width, x, r * width, acc);
                    for (int k = 0; k < 4; k++) {
                        int exact = acc[k] - zq[o] * sums[r + k];
                        out[outAt + (r + k) * outStride + o] = Int8Linear.finish(exact, a.scale(), scales[o], bias, o,
                                activation);
                    }
                }
            }
            for (; r < rows; r++) {
                for (int o = oFrom; o < oTo; o++) {
                    int exact = dot(width, q, o * width, x, r * width) - zq[o] * sums[r];
                    out[outAt + r * outStride + o] = Int8Linear.finish(exact, a.scale(), scales[o], bias, o, activation);
                }
            }
        }
    }

    /** L int8 values from {@code q[at]} as floats. */
    private static FloatVector widen(byte[] q, int at) {
        return (FloatVector) ByteVector.fromArray(B, q, at).convertShape(VectorOperators.B2F, S, 0);
    }

    /** The exact integer sum of a float vector's lanes, each an integer below 2^24. */
    private static int exactSum(FloatVector v) {
        return ((IntVector) v.convertShape(VectorOperators.F2I, I, 0)).reduceLanes(VectorOperators.ADD);
    }

    /** {@code sum_i x[xAt + i] * q[qAt + i]} over {@code width} values, exactly. */
    static int dot(int width, byte[] q, int qAt, float[] x, int xAt) {
        int total = 0;
        int i = 0;
        int vectorEnd = width - width % L;
        while (i < vectorEnd) {
            int chunkEnd = Math.min(vectorEnd, i + CHUNK_STEPS * L);
            FloatVector s = FloatVector.zero(S);
            for (; i < chunkEnd; i += L) {
                s = widen(q, qAt + i).fma(FloatVector.fromArray(S, x, xAt + i), s);
            }
            total += exactSum(s);
        }
        for (; i < width; i++) {
            total += (int) x[xAt + i] * q[qAt + i];
        }
        return total;
    }

    /** {@link #dot} for four rows of {@code x} (one after the other, {@code width} apart) against one weight row. */
    private static void dotFourRows(int width, byte[] q, int qAt, float[] x, int xAt, int[] acc) {
        int t0 = 0;
        int t1 = 0;
        int t2 = 0;
        int t3 = 0;
        int i = 0;
        int vectorEnd = width - width % L;
        while (i < vectorEnd) {
            int chunkEnd = Math.min(vectorEnd, i + CHUNK_STEPS * L);
            FloatVector s0 = FloatVector.zero(S);
            FloatVector s1 = FloatVector.zero(S);
            FloatVector s2 = FloatVector.zero(S);
            FloatVector s3 = FloatVector.zero(S);
            for (; i < chunkEnd; i += L) {
                FloatVector w = widen(q, qAt + i);
                s0 = w.fma(FloatVector.fromArray(S, x, xAt + i), s0);
                s1 = w.fma(FloatVector.fromArray(S, x, xAt + width + i), s1);
                s2 = w.fma(FloatVector.fromArray(S, x, xAt + 2 * width + i), s2);
                s3 = w.fma(FloatVector.fromArray(S, x, xAt + 3 * width + i), s3);
            }
            t0 += exactSum(s0);
            t1 += exactSum(s1);
            t2 += exactSum(s2);
            t3 += exactSum(s3);
        }
        for (; i < width; i++) {
            int w = q[qAt + i];
            t0 += (int) x[xAt + i] * w;
            t1 += (int) x[xAt + width + i] * w;
            t2 += (int) x[xAt + 2 * width + i] * w;
            t3 += (int) x[xAt + 3 * width + i] * w;
        }
        acc[0] = t0;
        acc[1] = t1;
        acc[2] = t2;
        acc[3] = t3;
    }
}
