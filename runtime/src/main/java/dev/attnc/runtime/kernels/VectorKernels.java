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

    /**
     * Rows {@code from..to} of {@code out = act(in W^T + bias)}: for each row two at a time and
     * each output four at a time, eight dot products share their loads.
     */
    static void linearRows(int from, int to, int inWidth, int outWidth, float[] in, int inAt, int inStride,
            float[] weight, float[] bias, Activation activation, float[] out, int outAt, int outStride, int oFrom, int oTo) {
        // A band of outputs at a time, so that its weights stay in the L2 cache while every row passes.
        int band = Math.max(4, (OUTPUT_BAND_FLOATS / Math.max(1, inWidth)) & ~3);
        for (int bandFrom = oFrom; bandFrom < oTo; bandFrom += band) {
            linearBand(from, to, inWidth, in, inAt, inStride, weight, bias, activation, out, outAt, outStride,
                    bandFrom, Math.min(oTo, bandFrom + band));
        }
    }

    /** Floats of weights per band of outputs: 192 KB, well inside a core's L2 cache. */
    private static final int OUTPUT_BAND_FLOATS = 48 * 1024;

    private static void linearBand(int from, int to, int inWidth, float[] in, int inAt, int inStride,
            float[] weight, float[] bias, Activation activation, float[] out, int outAt, int outStride, int oFrom, int oTo) {
        int r = from;
        for (; r + 3 < to; r += 4) {
            linearFourRows(r, inWidth, in, inAt, inStride, weight, bias, activation, out, outAt, outStride, oFrom, oTo);
        }
        for (; r + 1 < to; r += 2) {
            int x0 = inAt + r * inStride;
            int x1 = x0 + inStride;
            int o = oFrom;
            for (; o + 3 < oTo; o += 4) {
                int w0 = o * inWidth;
                int w1 = w0 + inWidth;
                int w2 = w1 + inWidth;
                int w3 = w2 + inWidth;
                FloatVector a00 = FloatVector.zero(S);
                FloatVector a01 = FloatVector.zero(S);
                FloatVector a02 = FloatVector.zero(S);
                FloatVector a03 = FloatVector.zero(S);
                FloatVector a10 = FloatVector.zero(S);
                FloatVector a11 = FloatVector.zero(S);
                FloatVector a12 = FloatVector.zero(S);
                FloatVector a13 = FloatVector.zero(S);
                int i = 0;
                for (; i <= inWidth - L; i += L) {
                    FloatVector v0 = FloatVector.fromArray(S, in, x0 + i);
                    FloatVector v1 = FloatVector.fromArray(S, in, x1 + i);
                    FloatVector k0 = FloatVector.fromArray(S, weight, w0 + i);
                    FloatVector k1 = FloatVector.fromArray(S, weight, w1 + i);
                    FloatVector k2 = FloatVector.fromArray(S, weight, w2 + i);
                    FloatVector k3 = FloatVector.fromArray(S, weight, w3 + i);
                    a00 = v0.fma(k0, a00);
                    a01 = v0.fma(k1, a01);
                    a02 = v0.fma(k2, a02);
                    a03 = v0.fma(k3, a03);
                    a10 = v1.fma(k0, a10);
                    a11 = v1.fma(k1, a11);
                    a12 = v1.fma(k2, a12);
                    a13 = v1.fma(k3, a13);
                }
                float s00 = a00.reduceLanes(VectorOperators.ADD);
                float s01 = a01.reduceLanes(VectorOperators.ADD);
                float s02 = a02.reduceLanes(VectorOperators.ADD);
                float s03 = a03.reduceLanes(VectorOperators.ADD);
                float s10 = a10.reduceLanes(VectorOperators.ADD);
                float s11 = a11.reduceLanes(VectorOperators.ADD);
                float s12 = a12.reduceLanes(VectorOperators.ADD);
                float s13 = a13.reduceLanes(VectorOperators.ADD);
                for (; i < inWidth; i++) {
                    s00 += in[x0 + i] * weight[w0 + i];
                    s01 += in[x0 + i] * weight[w1 + i];
                    s02 += in[x0 + i] * weight[w2 + i];
                    s03 += in[x0 + i] * weight[w3 + i];
                    s10 += in[x1 + i] * weight[w0 + i];
                    s11 += in[x1 + i] * weight[w1 + i];
                    s12 += in[x1 + i] * weight[w2 + i];
                    s13 += in[x1 + i] * weight[w3 + i];
                }
                int y0 = outAt + r * outStride + o;
                int y1 = y0 + outStride;
                out[y0] = finish(s00, bias, o, activation);
                out[y0 + 1] = finish(s01, bias, o + 1, activation);
                out[y0 + 2] = finish(s02, bias, o + 2, activation);
                out[y0 + 3] = finish(s03, bias, o + 3, activation);
                out[y1] = finish(s10, bias, o, activation);
                out[y1 + 1] = finish(s11, bias, o + 1, activation);
                out[y1 + 2] = finish(s12, bias, o + 2, activation);
                out[y1 + 3] = finish(s13, bias, o + 3, activation);
            }
            for (; o < oTo; o++) {
                out[outAt + r * outStride + o] = finish(dot(in, x0, weight, o * inWidth, inWidth), bias, o, activation);
                out[outAt + (r + 1) * outStride + o] = finish(dot(in, x1, weight, o * inWidth, inWidth), bias, o, activation);
            }
        }
        for (; r < to; r++) {
            int x = inAt + r * inStride;
            for (int o = oFrom; o < oTo; o++) {
                out[outAt + r * outStride + o] = finish(dot(in, x, weight, o * inWidth, inWidth), bias, o, activation);
            }
        }
    }

    /** Four rows by four outputs: sixteen dot products from eight loads per step. */
    private static void linearFourRows(int r, int inWidth, float[] in, int inAt, int inStride, float[] weight, float[] bias,
            Activation activation, float[] out, int outAt, int outStride, int oFrom, int oTo) {
        int x0 = inAt + r * inStride;
        int x1 = x0 + inStride;
        int x2 = x1 + inStride;
        int x3 = x2 + inStride;
        int o = oFrom;
        for (; o + 3 < oTo; o += 4) {
            int w0 = o * inWidth;
            int w1 = w0 + inWidth;
            int w2 = w1 + inWidth;
            int w3 = w2 + inWidth;
            FloatVector a00 = FloatVector.zero(S), a01 = FloatVector.zero(S), a02 = FloatVector.zero(S), a03 = FloatVector.zero(S);
            FloatVector a10 = FloatVector.zero(S), a11 = FloatVector.zero(S), a12 = FloatVector.zero(S), a13 = FloatVector.zero(S);
            FloatVector a20 = FloatVector.zero(S), a21 = FloatVector.zero(S), a22 = FloatVector.zero(S), a23 = FloatVector.zero(S);
            FloatVector a30 = FloatVector.zero(S), a31 = FloatVector.zero(S), a32 = FloatVector.zero(S), a33 = FloatVector.zero(S);
            int i = 0;
            for (; i <= inWidth - L; i += L) {
                FloatVector k0 = FloatVector.fromArray(S, weight, w0 + i);
                FloatVector k1 = FloatVector.fromArray(S, weight, w1 + i);
                FloatVector k2 = FloatVector.fromArray(S, weight, w2 + i);
                FloatVector k3 = FloatVector.fromArray(S, weight, w3 + i);
                FloatVector v = FloatVector.fromArray(S, in, x0 + i);
                a00 = v.fma(k0, a00);
                a01 = v.fma(k1, a01);
                a02 = v.fma(k2, a02);
                a03 = v.fma(k3, a03);
                v = FloatVector.fromArray(S, in, x1 + i);
                a10 = v.fma(k0, a10);
                a11 = v.fma(k1, a11);
                a12 = v.fma(k2, a12);
                a13 = v.fma(k3, a13);
                v = FloatVector.fromArray(S, in, x2 + i);
                a20 = v.fma(k0, a20);
                a21 = v.fma(k1, a21);
                a22 = v.fma(k2, a22);
                a23 = v.fma(k3, a23);
                v = FloatVector.fromArray(S, in, x3 + i);
                a30 = v.fma(k0, a30);
                a31 = v.fma(k1, a31);
                a32 = v.fma(k2, a32);
                a33 = v.fma(k3, a33);
            }
            // Sums stay in registers: an array of vectors would box them.
            int y0 = outAt + (r + 0) * outStride + o;
            int y1 = outAt + (r + 1) * outStride + o;
            int y2 = outAt + (r + 2) * outStride + o;
            int y3 = outAt + (r + 3) * outStride + o;
            float s00 = a00.reduceLanes(VectorOperators.ADD);
            float s01 = a01.reduceLanes(VectorOperators.ADD);
            float s02 = a02.reduceLanes(VectorOperators.ADD);
            float s03 = a03.reduceLanes(VectorOperators.ADD);
            float s10 = a10.reduceLanes(VectorOperators.ADD);
            float s11 = a11.reduceLanes(VectorOperators.ADD);
            float s12 = a12.reduceLanes(VectorOperators.ADD);
            float s13 = a13.reduceLanes(VectorOperators.ADD);
            float s20 = a20.reduceLanes(VectorOperators.ADD);
            float s21 = a21.reduceLanes(VectorOperators.ADD);
            float s22 = a22.reduceLanes(VectorOperators.ADD);
            float s23 = a23.reduceLanes(VectorOperators.ADD);
            float s30 = a30.reduceLanes(VectorOperators.ADD);
            float s31 = a31.reduceLanes(VectorOperators.ADD);
            float s32 = a32.reduceLanes(VectorOperators.ADD);
            float s33 = a33.reduceLanes(VectorOperators.ADD);
            for (int tail = i; tail < inWidth; tail++) {
                s00 += in[x0 + tail] * weight[w0 + tail];
                s01 += in[x0 + tail] * weight[w1 + tail];
                s02 += in[x0 + tail] * weight[w2 + tail];
                s03 += in[x0 + tail] * weight[w3 + tail];
                s10 += in[x1 + tail] * weight[w0 + tail];
                s11 += in[x1 + tail] * weight[w1 + tail];
                s12 += in[x1 + tail] * weight[w2 + tail];
                s13 += in[x1 + tail] * weight[w3 + tail];
                s20 += in[x2 + tail] * weight[w0 + tail];
                s21 += in[x2 + tail] * weight[w1 + tail];
                s22 += in[x2 + tail] * weight[w2 + tail];
                s23 += in[x2 + tail] * weight[w3 + tail];
                s30 += in[x3 + tail] * weight[w0 + tail];
                s31 += in[x3 + tail] * weight[w1 + tail];
                s32 += in[x3 + tail] * weight[w2 + tail];
                s33 += in[x3 + tail] * weight[w3 + tail];
            }
            out[y0 + 0] = finish(s00, bias, o + 0, activation);
            out[y0 + 1] = finish(s01, bias, o + 1, activation);
            out[y0 + 2] = finish(s02, bias, o + 2, activation);
            out[y0 + 3] = finish(s03, bias, o + 3, activation);
            out[y1 + 0] = finish(s10, bias, o + 0, activation);
            out[y1 + 1] = finish(s11, bias, o + 1, activation);
            out[y1 + 2] = finish(s12, bias, o + 2, activation);
            out[y1 + 3] = finish(s13, bias, o + 3, activation);
            out[y2 + 0] = finish(s20, bias, o + 0, activation);
            out[y2 + 1] = finish(s21, bias, o + 1, activation);
            out[y2 + 2] = finish(s22, bias, o + 2, activation);
            out[y2 + 3] = finish(s23, bias, o + 3, activation);
            out[y3 + 0] = finish(s30, bias, o + 0, activation);
            out[y3 + 1] = finish(s31, bias, o + 1, activation);
            out[y3 + 2] = finish(s32, bias, o + 2, activation);
            out[y3 + 3] = finish(s33, bias, o + 3, activation);
        }
        for (; o < oTo; o++) {
            for (int row = 0; row < 4; row++) {
                int x = inAt + (r + row) * inStride;
                out[outAt + (r + row) * outStride + o] = finish(dot(in, x, weight, o * inWidth, inWidth), bias, o, activation);
            }
        }
    }

    private static float finish(float sum, float[] bias, int o, Activation activation) {
        return activation.apply(bias == null ? sum : sum + bias[o]);
    }
}
