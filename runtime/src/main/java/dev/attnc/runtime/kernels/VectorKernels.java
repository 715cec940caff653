package dev.attnc.runtime.kernels;

import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

/**
 * The SIMD versions of the hot kernels, with the Vector API. Loaded only when
 * {@link Simd#enabled()}; every method has a scalar twin in {@link Kernels} that tests compare
 * it with.
 *
 * <p>Like every kernel, these give the same bits on every call, whether C2 has compiled them
 * yet or not: they use no {@code reduceLanes(ADD)} (whose order of additions C2 chooses) and no
 * {@code lanewise} of a transcendental function (which C2 takes from Intel's SVML library and
 * the interpreter from Math, lane by lane).
 */
final class VectorKernels {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int L = S.length();
    /** Doubles per vector, and floats in as many lanes: loaded and widened to sum in double. */
    private static final VectorSpecies<Double> D = DoubleVector.SPECIES_PREFERRED;
    private static final VectorSpecies<Float> WIDENED = VectorSpecies.of(float.class,
            VectorShape.forBitSize(Float.SIZE * D.length()));

    private VectorKernels() {
    }

    /**
     * Whether {@link #binary} has lanes for {@code op}: the four arithmetic operations, correctly
     * rounded in each lane as in the scalar loop, and SwiGLU, whose lanes give the bits of its
     * float formula ({@link VectorMath#swigluLanes}).
     */
    static boolean binaryHasLanes(BinaryOp op) {
        return switch (op) {
            case ADD, SUB, MUL, DIV, SWIGLU -> true;
            default -> false;
        };
    }

    /**
     * {@code out[outAt + i] = a[aAt + i] op b[bAt + i]} for {@code i < n}, or {@code op b[bAt]}
     * for every {@code i} when {@code bBroadcast}; only for ops {@link #binaryHasLanes} accepts.
     * The same bits as {@link BinaryOp#apply}. {@code out} may be {@code a} or {@code b} at the
     * same offset, never overlapping otherwise.
     */
    static void binary(BinaryOp op, int n, float[] a, int aAt, float[] b, int bAt, boolean bBroadcast,
            float[] out, int outAt) {
        int bound = n - n % L;
        int i = 0;
        // The broadcast test is the same on every pass: C2 takes it out of the loop.
        FloatVector value = FloatVector.broadcast(S, b[bAt]);
        switch (op) {
            case ADD -> {
                for (; i < bound; i += L) {
                    FloatVector y = bBroadcast ? value : FloatVector.fromArray(S, b, bAt + i);
                    FloatVector.fromArray(S, a, aAt + i).add(y).intoArray(out, outAt + i);
                }
            }
            case SUB -> {
                for (; i < bound; i += L) {
                    FloatVector y = bBroadcast ? value : FloatVector.fromArray(S, b, bAt + i);
                    FloatVector.fromArray(S, a, aAt + i).sub(y).intoArray(out, outAt + i);
                }
            }
            case MUL -> {
                for (; i < bound; i += L) {
                    FloatVector y = bBroadcast ? value : FloatVector.fromArray(S, b, bAt + i);
                    FloatVector.fromArray(S, a, aAt + i).mul(y).intoArray(out, outAt + i);
                }
            }
            case DIV -> {
                for (; i < bound; i += L) {
                    FloatVector y = bBroadcast ? value : FloatVector.fromArray(S, b, bAt + i);
                    FloatVector.fromArray(S, a, aAt + i).div(y).intoArray(out, outAt + i);
                }
            }
            case SWIGLU -> i = VectorMath.swigluLanes(bound, a, aAt, b, bAt, bBroadcast, out, outAt);
            default -> throw new IllegalArgumentException(op + " has no lanes");
        }
        for (; i < n; i++) {
            out[outAt + i] = op.apply(a[aAt + i], b[bBroadcast ? bAt : bAt + i]);
        }
    }

    /**
     * One row of {@link Kernels#layerNorm}. The mean and the variance are summed as the scalar
     * loop sums them, in double (floats widened lane by lane, the lanes added in order at the
     * end), so a row with a large common offset keeps its small differences. The normalised
     * values are computed in float lanes against the mean split into two floats, whose sum is
     * the double mean to within 2^-48 of it.
     */
    static void layerNormRow(int width, float[] in, int x, float[] weight, float[] bias, float eps, float[] out, int y) {
        double mean = sumWidened(in, x, width) / width;
        double variance = sumSquaredDeviations(in, x, width, mean) / width;
        float inverse = (float) (1 / Math.sqrt(variance + eps));
        float meanHigh = (float) mean;
        float meanLow = (float) (mean - meanHigh);
        FloatVector high = FloatVector.broadcast(S, meanHigh);
        FloatVector low = FloatVector.broadcast(S, meanLow);
        FloatVector scale = FloatVector.broadcast(S, inverse);
        int bound = width - width % L;
        int c = 0;
        for (; c < bound; c += L) {
            FloatVector normalised = FloatVector.fromArray(S, in, x + c).sub(high).sub(low).mul(scale);
            FloatVector shift = bias == null ? FloatVector.zero(S) : FloatVector.fromArray(S, bias, c);
            normalised.fma(FloatVector.fromArray(S, weight, c), shift).intoArray(out, y + c);
        }
        for (; c < width; c++) {
            float normalised = (in[x + c] - meanHigh - meanLow) * inverse;
            out[y + c] = Math.fma(normalised, weight[c], bias == null ? 0 : bias[c]);
        }
    }

    /**
     * One row of {@link Kernels#rmsNorm}: the squares summed in double as in the scalar loop,
     * the scaling in float lanes.
     */
    static void rmsNormRow(int width, float[] in, int x, float[] weight, float weightOffset, float eps, float[] out,
            int y) {
        double squares = sumSquaredDeviations(in, x, width, 0);
        float inverse = (float) (1 / Math.sqrt(squares / width + eps));
        FloatVector scale = FloatVector.broadcast(S, inverse);
        int bound = width - width % L;
        int c = 0;
        for (; c < bound; c += L) {
            FloatVector.fromArray(S, in, x + c).mul(scale).mul(FloatVector.fromArray(S, weight, c).add(weightOffset))
                    .intoArray(out, y + c);
        }
        for (; c < width; c++) {
            out[y + c] = in[x + c] * inverse * (weight[c] + weightOffset);
        }
    }

    /** {@code sum_i in[x + i]} over {@code n} values, in double. */
    private static double sumWidened(float[] in, int x, int n) {
        int l = D.length();
        int bound = n - n % l;
        DoubleVector sum = DoubleVector.zero(D);
        int i = 0;
        for (; i < bound; i += l) {
            sum = sum.add((DoubleVector) FloatVector.fromArray(WIDENED, in, x + i).convertShape(VectorOperators.F2D, D, 0));
        }
        double total = sumLanes(sum);
        for (; i < n; i++) {
            total += in[x + i];
        }
        return total;
    }

    /** {@code sum_i (in[x + i] - center)^2} over {@code n} values, in double. */
    private static double sumSquaredDeviations(float[] in, int x, int n, double center) {
        int l = D.length();
        int bound = n - n % l;
        DoubleVector c = DoubleVector.broadcast(D, center);
        DoubleVector sum = DoubleVector.zero(D);
        int i = 0;
        for (; i < bound; i += l) {
            DoubleVector d = ((DoubleVector) FloatVector.fromArray(WIDENED, in, x + i).convertShape(VectorOperators.F2D, D, 0)).sub(c);
            sum = d.fma(d, sum);
        }
        double total = sumLanes(sum);
        for (; i < n; i++) {
            double d = in[x + i] - center;
            total += d * d;
        }
        return total;
    }

    private static double sumLanes(DoubleVector v) {
        double sum = 0;
        for (int lane = 0; lane < v.length(); lane++) {
            sum += v.lane(lane);
        }
        return sum;
    }

    /** {@code sum_i a[aAt + i] * b[bAt + i]}. */
    static float dot(float[] a, int aAt, float[] b, int bAt, int n) {
        FloatVector acc = FloatVector.zero(S);
        int i = 0;
        for (; i <= n - L; i += L) {
            acc = FloatVector.fromArray(S, a, aAt + i).fma(FloatVector.fromArray(S, b, bAt + i), acc);
        }
        float sum = sumLanes(acc);
        for (; i < n; i++) {
            sum += a[aAt + i] * b[bAt + i];
        }
        return sum;
    }

    /** {@code y[yAt + i] += alpha * x[xAt + i]}. */
    static void axpy(float alpha, float[] x, int xAt, float[] y, int yAt, int n) {
        FloatVector a = FloatVector.broadcast(S, alpha);
        int i = 0;
        for (; i <= n - L; i += L) {
            FloatVector.fromArray(S, x, xAt + i).fma(a, FloatVector.fromArray(S, y, yAt + i)).intoArray(y, yAt + i);
        }
        for (; i < n; i++) {
            y[yAt + i] += alpha * x[xAt + i];
        }
    }

    /** {@code x[i] *= factor}. */
    static void scale(float factor, float[] x, int at, int n) {
        FloatVector f = FloatVector.broadcast(S, factor);
        int i = 0;
        for (; i <= n - L; i += L) {
            FloatVector.fromArray(S, x, at + i).mul(f).intoArray(x, at + i);
        }
        for (; i < n; i++) {
            x[at + i] *= factor;
        }
    }

    /**
     * {@code s[i] = exp(s[i] - max)}, returning their sum; 0 below {@link AttentionKernels#UNDERFLOW}
     * and for -infinity. The exponential is the one of the attention kernels, within 3 ulps.
     */
    static float expShift(float[] s, int n, float max) {
        FloatVector m = FloatVector.broadcast(S, max);
        FloatVector sum = FloatVector.zero(S);
        FloatVector log2e = FloatVector.broadcast(S, AttentionKernels.LOG2_E);
        FloatVector rounding = FloatVector.broadcast(S, AttentionKernels.ROUNDING);
        FloatVector minusLn2High = FloatVector.broadcast(S, -AttentionKernels.LN2_HIGH);
        FloatVector minusLn2Low = FloatVector.broadcast(S, -AttentionKernels.LN2_LOW);
        FloatVector c5 = FloatVector.broadcast(S, AttentionKernels.EXP_C5);
        FloatVector c4 = FloatVector.broadcast(S, AttentionKernels.EXP_C4);
        FloatVector c3 = FloatVector.broadcast(S, AttentionKernels.EXP_C3);
        FloatVector c2 = FloatVector.broadcast(S, AttentionKernels.EXP_C2);
        FloatVector c1 = FloatVector.broadcast(S, AttentionKernels.EXP_C1);
        FloatVector c0 = FloatVector.broadcast(S, AttentionKernels.EXP_C0);
        int i = 0;
        for (; i <= n - L; i += L) {
            FloatVector shifted = FloatVector.fromArray(S, s, i).sub(m);
            FloatVector withN = shifted.fma(log2e, rounding);
            FloatVector k = withN.sub(rounding);
            FloatVector r = k.fma(minusLn2High, shifted);
            r = k.fma(minusLn2Low, r);
            FloatVector p = r.fma(c5, c4).fma(r, c3).fma(r, c2).fma(r, c1).fma(r, c0);
            IntVector twoToK = withN.reinterpretAsInts().lanewise(VectorOperators.LSHL, 23);
            FloatVector e = p.reinterpretAsInts().add(twoToK).reinterpretAsFloats()
                    .blend(0f, shifted.compare(VectorOperators.LT, AttentionKernels.UNDERFLOW));
            e.intoArray(s, i);
            sum = sum.add(e);
        }
        float total = sumLanes(sum);
        for (; i < n; i++) {
            s[i] = (float) Math.exp(s[i] - max);
            total += s[i];
        }
        return total;
    }

    /** The lanes of {@code v} added from the first to the last, the same order on every path. */
    private static float sumLanes(FloatVector v) {
        float sum = 0;
        for (int lane = 0; lane < L; lane++) {
            sum += v.lane(lane);
        }
        return sum;
    }
}
