package dev.attnc.runtime.kernels;

import dev.attnc.runtime.weights.QuantizedMatrix;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

/**
 * The SIMD body of {@link QuantizedLinear}. Loaded only when {@link Simd#enabled()}. A vector of
 * L quantized values (L bytes of Q8_0, or L bytes of Q4_0 holding 2L values) is loaded as bytes,
 * widened to L float lanes, scaled by its block's scale and accumulated with an FMA against the
 * input. Needs 8 or 16 float lanes (AVX2, AVX-512), so that a byte vector of L lanes exists and
 * a 32-value block is whole vectors; other machines take the scalar kernel.
 */
final class QuantizedVectorKernels {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int L = S.length();
    /** Bytes with as many lanes as S. */
    private static final VectorSpecies<Byte> B = L == 8 || L == 16
            ? VectorSpecies.of(byte.class, VectorShape.forBitSize(8 * L)) : null;
    /** Ints with as many lanes as S. */
    private static final VectorSpecies<Integer> I = IntVector.SPECIES_PREFERRED;
    private static final int BLOCK = QuantizedMatrix.BLOCK;
    /** Outputs whose weights stay in cache while the row tiles pass over them. */
    private static final int OUT_BLOCK = 16;

    private QuantizedVectorKernels() {
    }

    static boolean supported() {
        return B != null;
    }

    /** Outputs {@code from..to} of every row. */
    static void run(int rows, float[] in, int inAt, int inStride, QuantizedMatrix weight, float[] bias,
            Activation activation, float[] out, int outAt, int outStride, int from, int to) {
        boolean q8 = weight.format() == QuantizedMatrix.Format.Q8_0;
        int columns = weight.columns();
        byte[] q = weight.quants();
        float[] scales = weight.scales();
        for (int oFrom = from; oFrom < to; oFrom += OUT_BLOCK) {
            int oTo = Math.min(to, oFrom + OUT_BLOCK);
            int r = 0;
            for (; r + 4 <= rows; r += 4) {
                int x = inAt + r * inStride;
                for (int o = oFrom; o < oTo; o++) {
                    if (q8) {
                        q8FourRows(columns, q, scales, o, in, x, inStride, bias, activation, out,
                                outAt + r * outStride + o, outStride);
                    } else {
                        q4FourRows(columns, q, scales, o, in, x, inStride, bias, activation, out,
                                outAt + r * outStride + o, outStride);
                    }
                }
            }
            for (; r < rows; r++) {
                int x = inAt + r * inStride;
                for (int o = oFrom; o < oTo; o++) {
                    float sum = q8 ? q8Dot(columns, q, scales, o, in, x) : q4Dot(columns, q, scales, o, in, x);
                    out[outAt + r * outStride + o] = finish(sum, bias, o, activation);
                }
            }
        }
    }

    private static float finish(float sum, float[] bias, int o, Activation activation) {
        return activation.apply(bias == null ? sum : sum + bias[o]);
    }

    /** L int8 values from {@code q[at]} as floats. */
    private static FloatVector widen(byte[] q, int at) {
        return (FloatVector) ByteVector.fromArray(B, q, at).convertShape(VectorOperators.B2F, S, 0);
    }

    /** L packed Q4_0 bytes from {@code q[at]}, widened to int lanes (x86 has no shift of bytes, but of ints). */
    private static IntVector packed(byte[] q, int at) {
        return (IntVector) ByteVector.fromArray(B, q, at).convertShape(VectorOperators.B2I, I, 0);
    }

    /** The low nibbles of {@link #packed} bytes, minus 8, as floats. */
    private static FloatVector low(IntVector packed) {
        return (FloatVector) packed.and(0x0F).sub(8).convert(VectorOperators.I2F, 0);
    }

    /** The high nibbles, minus 8, as floats (the sign extension of the byte is masked off). */
    private static FloatVector high(IntVector packed) {
        return (FloatVector) packed.lanewise(VectorOperators.ASHR, 4).and(0x0F).sub(8).convert(VectorOperators.I2F, 0);
    }

    /** Row {@code o} of a Q8_0 weight times {@code in[x ..]}. */
    private static float q8Dot(int columns, byte[] q, float[] scales, int o, float[] in, int x) {
        FloatVector a0 = FloatVector.zero(S);
        FloatVector a1 = FloatVector.zero(S);
        int blocks = columns / BLOCK;
        int row = o * columns;
        for (int k = 0; k < blocks; k++) {
            FloatVector d = FloatVector.broadcast(S, scales[o * blocks + k]);
            int c = k * BLOCK;
            for (int j = 0; j < BLOCK; j += 2 * L) {
                a0 = widen(q, row + c + j).mul(d).fma(FloatVector.fromArray(S, in, x + c + j), a0);
                a1 = widen(q, row + c + j + L).mul(d).fma(FloatVector.fromArray(S, in, x + c + j + L), a1);
            }
        }
        return sumLanes(a0.add(a1));
    }

    /** Row {@code o} of a Q4_0 weight times {@code in[x ..]}: a block's byte j holds values j (low nibble) and j + 16. */
    private static float q4Dot(int columns, byte[] q, float[] scales, int o, float[] in, int x) {
        FloatVector a0 = FloatVector.zero(S);
        FloatVector a1 = FloatVector.zero(S);
        int blocks = columns / BLOCK;
        for (int k = 0; k < blocks; k++) {
            int block = o * blocks + k;
            FloatVector d = FloatVector.broadcast(S, scales[block]);
            int c = x + k * BLOCK;
            for (int j = 0; j < BLOCK / 2; j += L) {
                IntVector packed = packed(q, 16 * block + j);
                a0 = low(packed).mul(d).fma(FloatVector.fromArray(S, in, c + j), a0);
                a1 = high(packed).mul(d).fma(FloatVector.fromArray(S, in, c + BLOCK / 2 + j), a1);
            }
        }
        return sumLanes(a0.add(a1));
    }

    /**
     * Row {@code o} of a Q8_0 weight times four input rows, each block widened once. Each row's
     * sum is made in the order of {@link #q8Dot}, so a row gets the same bits in a tile of four
     * as alone (a prefill and a decoding step agree).
     */
    private static void q8FourRows(int columns, byte[] q, float[] scales, int o, float[] in, int x, int inStride,
            float[] bias, Activation activation, float[] out, int y, int outStride) {
        FloatVector a00 = FloatVector.zero(S);
        FloatVector a01 = FloatVector.zero(S);
        FloatVector a10 = FloatVector.zero(S);
        FloatVector a11 = FloatVector.zero(S);
        FloatVector a20 = FloatVector.zero(S);
        FloatVector a21 = FloatVector.zero(S);
        FloatVector a30 = FloatVector.zero(S);
        FloatVector a31 = FloatVector.zero(S);
        int x1 = x + inStride;
        int x2 = x1 + inStride;
        int x3 = x2 + inStride;
        int blocks = columns / BLOCK;
        int row = o * columns;
        for (int k = 0; k < blocks; k++) {
            FloatVector d = FloatVector.broadcast(S, scales[o * blocks + k]);
            for (int c = k * BLOCK; c < (k + 1) * BLOCK; c += 2 * L) {
                FloatVector w0 = widen(q, row + c).mul(d);
                FloatVector w1 = widen(q, row + c + L).mul(d);
                a00 = w0.fma(FloatVector.fromArray(S, in, x + c), a00);
                a01 = w1.fma(FloatVector.fromArray(S, in, x + c + L), a01);
                a10 = w0.fma(FloatVector.fromArray(S, in, x1 + c), a10);
                a11 = w1.fma(FloatVector.fromArray(S, in, x1 + c + L), a11);
                a20 = w0.fma(FloatVector.fromArray(S, in, x2 + c), a20);
                a21 = w1.fma(FloatVector.fromArray(S, in, x2 + c + L), a21);
                a30 = w0.fma(FloatVector.fromArray(S, in, x3 + c), a30);
                a31 = w1.fma(FloatVector.fromArray(S, in, x3 + c + L), a31);
            }
        }
        out[y] = finish(sumLanes(a00.add(a01)), bias, o, activation);
        out[y + outStride] = finish(sumLanes(a10.add(a11)), bias, o, activation);
        out[y + 2 * outStride] = finish(sumLanes(a20.add(a21)), bias, o, activation);
        out[y + 3 * outStride] = finish(sumLanes(a30.add(a31)), bias, o, activation);
    }

    /** Row {@code o} of a Q4_0 weight times four input rows, each block unpacked once; sums in the order of {@link #q4Dot}. */
    private static void q4FourRows(int columns, byte[] q, float[] scales, int o, float[] in, int x, int inStride,
            float[] bias, Activation activation, float[] out, int y, int outStride) {
        FloatVector a00 = FloatVector.zero(S);
        FloatVector a01 = FloatVector.zero(S);
        FloatVector a10 = FloatVector.zero(S);
        FloatVector a11 = FloatVector.zero(S);
        FloatVector a20 = FloatVector.zero(S);
        FloatVector a21 = FloatVector.zero(S);
        FloatVector a30 = FloatVector.zero(S);
        FloatVector a31 = FloatVector.zero(S);
        int x1 = x + inStride;
        int x2 = x1 + inStride;
        int x3 = x2 + inStride;
        int blocks = columns / BLOCK;
        for (int k = 0; k < blocks; k++) {
            int block = o * blocks + k;
            FloatVector d = FloatVector.broadcast(S, scales[block]);
            int c = k * BLOCK;
            for (int j = 0; j < BLOCK / 2; j += L) {
                IntVector packed = packed(q, 16 * block + j);
                FloatVector lo = low(packed).mul(d);
                FloatVector hi = high(packed).mul(d);
                int cl = c + j;
                int ch = c + BLOCK / 2 + j;
                a00 = lo.fma(FloatVector.fromArray(S, in, x + cl), a00);
                a01 = hi.fma(FloatVector.fromArray(S, in, x + ch), a01);
                a10 = lo.fma(FloatVector.fromArray(S, in, x1 + cl), a10);
                a11 = hi.fma(FloatVector.fromArray(S, in, x1 + ch), a11);
                a20 = lo.fma(FloatVector.fromArray(S, in, x2 + cl), a20);
                a21 = hi.fma(FloatVector.fromArray(S, in, x2 + ch), a21);
                a30 = lo.fma(FloatVector.fromArray(S, in, x3 + cl), a30);
                a31 = hi.fma(FloatVector.fromArray(S, in, x3 + ch), a31);
            }
        }
        out[y] = finish(sumLanes(a00.add(a01)), bias, o, activation);
        out[y + outStride] = finish(sumLanes(a10.add(a11)), bias, o, activation);
        out[y + 2 * outStride] = finish(sumLanes(a20.add(a21)), bias, o, activation);
        out[y + 3 * outStride] = finish(sumLanes(a30.add(a31)), bias, o, activation);
    }

    /** The lanes added from the first to the last: the same order on every path (no reduceLanes). */
    private static float sumLanes(FloatVector v) {
        float sum = 0;
        for (int lane = 0; lane < L; lane++) {
            sum += v.lane(lane);
        }
        return sum;
    }
}
