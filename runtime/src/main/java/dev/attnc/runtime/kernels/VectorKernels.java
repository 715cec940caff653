package dev.attnc.runtime.kernels;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * The SIMD versions of the hot kernels, with the Vector API. Loaded only when
 * {@link Simd#enabled()}; every method has a scalar twin in {@link Kernels} that tests compare
 * it with.
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
        float sum = acc.reduceLanes(VectorOperators.ADD);
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

    /** {@code s[i] = exp(s[i] - max)}, returning their sum. */
    static float expShift(float[] s, int n, float max) {
        FloatVector m = FloatVector.broadcast(S, max);
        FloatVector sum = FloatVector.zero(S);
        int i = 0;
        for (; i <= n - L; i += L) {
            FloatVector e = FloatVector.fromArray(S, s, i).sub(m).lanewise(VectorOperators.EXP);
            e.intoArray(s, i);
            sum = sum.add(e);
        }
        float total = sum.reduceLanes(VectorOperators.ADD);
        for (; i < n; i++) {
            s[i] = (float) Math.exp(s[i] - max);
            total += s[i];
        }
        return total;
    }
}
