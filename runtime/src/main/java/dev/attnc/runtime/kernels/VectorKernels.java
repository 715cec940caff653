package dev.attnc.runtime.kernels;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;
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

    private VectorKernels() {
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
