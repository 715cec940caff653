package dev.attnc.runtime.kernels;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorSpecies;

/**
 * The SIMD linear layer as a blocked matrix product over packed weights, the way optimised BLAS
 * libraries do it. The weight [out][in] is repacked once into panels of outputs
 * ({@code packed[((p * in) + i) * panel + j] = weight[p * panel + j][i]}), so that one step of
 * the inner loop loads the panel's weights for one input, broadcasts one input value of each of
 * several rows, and does an FMA per (row, vector) into accumulators that stay in registers: no
 * horizontal sums, and several FMAs per load.
 *
 * <p>Two register tiles. With 16 vector registers (AVX2), {@link #PANEL} is two vectors and a
 * tile six rows: twelve accumulators, twelve FMAs per eight loads. Dense float32 weights on a
 * machine with 32 (AVX-512) use {@link #DENSE_PANEL}, three vectors, and tiles of eight rows:
 * twenty-four accumulators, twenty-four FMAs per eleven loads. That tile also covers a short
 * call's rows in one pass (eight tokens are one tile, not one tile and two rows of latency-bound
 * single-row loops), which made it 1.1x faster at 128 rows and 1.7x at 8 on one core.
 *
 * <p>The inputs are taken {@link #DEPTH} at a time, so that a panel's slice of weights stays in
 * the L1 cache while the rows of a block pass over it, and a block of {@link #ROW_BLOCK} rows in
 * the L2 cache while the panels pass; partial sums go to {@code out} and are read back for the
 * next slice. Bias and activation are applied after the last slice. Every output is summed over
 * its inputs in order with one FMA each, whatever the tile, so every path gives the same bits.
 */
final class PanelLinear {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int L = S.length();
    /** Outputs per panel of the six-row tile: two vectors. */
    static final int PANEL = 2 * L;
    /** Rows per register tile of {@link #PANEL}-wide panels. */
    static final int TILE_ROWS = 6;
    /**
     * Outputs per panel of dense float32 weights: three vectors where the vector registers are
     * 512 bits wide, which implies AVX-512's 32 registers; {@link #PANEL} elsewhere.
     */
    static final int DENSE_PANEL = S.vectorBitSize() >= 512 ? 3 * L : PANEL;
    /** Inputs per slice: 256 x 32 floats of a panel are 32 KB, inside a 48 KB L1 cache. */
    static final int DEPTH = 256;
    /** Rows per block: 96 rows x 256 inputs are 96 KB, inside a core's L2 cache. */
    static final int ROW_BLOCK = 96;

    private PanelLinear() {
    }

    /** The panels of {@code panel} outputs of {@code weight} [out][in]; outputs past the last are zero. */
    static float[] pack(float[] weight, int inWidth, int outWidth, int panel) {
        float[] packed = new float[panels(outWidth, panel) * inWidth * panel];
        for (int o = 0; o < outWidth; o++) {
            int panelBase = (o / panel) * inWidth * panel + o % panel;
            int row = o * inWidth;
            for (int i = 0; i < inWidth; i++) {
                packed[panelBase + i * panel] = weight[row + i];
            }
        }
        return packed;
    }

    /** Panels of {@link #PANEL} outputs. */
    static int panels(int outWidth) {
        return panels(outWidth, PANEL);
    }

    static int panels(int outWidth, int panel) {
        return (outWidth + panel - 1) / panel;
    }

    /**
     * Panels {@code pFrom..pTo} of {@code out = act(in W^T + bias)} for every row, the weights
     * packed in panels of {@code panel} outputs: {@link #PANEL} or {@link #DENSE_PANEL}.
     */
    static void run(int rows, int inWidth, int outWidth, float[] in, int inAt, int inStride, float[] packed, int panel,
            float[] bias, Activation activation, float[] out, int outAt, int outStride, int pFrom, int pTo) {
        boolean wide = panel == 3 * L;
        for (int depthFrom = 0; depthFrom < inWidth; depthFrom += DEPTH) {
            int depth = Math.min(DEPTH, inWidth - depthFrom);
            boolean first = depthFrom == 0;
            boolean last = depthFrom + depth == inWidth;
            for (int rowFrom = 0; rowFrom < rows; rowFrom += ROW_BLOCK) {
                int rowTo = Math.min(rows, rowFrom + ROW_BLOCK);
                for (int p = pFrom; p < pTo; p++) {
                    int o = p * panel;
                    int valid = Math.min(panel, outWidth - o);
                    int w = (p * inWidth + depthFrom) * panel;
                    int r = rowFrom;
                    if (valid == panel && wide) {
                        for (; r + 8 <= rowTo; r += 8) {
                            eightRows(depth, in, inAt + r * inStride + depthFrom, inStride, packed, w,
                                    out, outAt + r * outStride + o, outStride, first);
                        }
                        if (r + 4 <= rowTo) {
                            fourRows(depth, in, inAt + r * inStride + depthFrom, inStride, packed, w,
                                    out, outAt + r * outStride + o, outStride, first);
                            r += 4;
                        }
                    } else if (valid == panel) {
                        for (; r + TILE_ROWS <= rowTo; r += TILE_ROWS) {
                            sixRows(depth, in, inAt + r * inStride + depthFrom, inStride, packed, w,
                                    out, outAt + r * outStride + o, outStride, first);
                        }
                    }
                    for (; r < rowTo; r++) {
                        if (wide) {
                            oneRowWide(depth, in, inAt + r * inStride + depthFrom, packed, w,
                                    out, outAt + r * outStride + o, valid, first);
                        } else {
                            oneRow(depth, in, inAt + r * inStride + depthFrom, packed, w,
                                    out, outAt + r * outStride + o, valid, first);
                        }
                    }
                    if (last) {
                        finish(rowFrom, rowTo, o, valid, bias, activation, out, outAt, outStride);
                    }
                }
            }
        }
    }

    /**
     * Eight rows by one three-vector panel over {@code depth} inputs, added to {@code out}
     * unless {@code first}: 24 accumulators, 3 weight vectors and a broadcast, 28 of AVX-512's
     * 32 registers. The stores are written out: a helper taking vectors, left out of line by C2's
     * node budget in a method this large, made it box the accumulators and run ten times slower.
     */
    static void eightRows(int depth, float[] in, int x, int inStride, float[] packed, int w, float[] out, int y,
            int outStride, boolean first) {
        int y1 = y + outStride;
        int y2 = y1 + outStride;
        int y3 = y2 + outStride;
        int y4 = y3 + outStride;
        int y5 = y4 + outStride;
        int y6 = y5 + outStride;
        int y7 = y6 + outStride;
        FloatVector a00 = start(out, y, first);
        FloatVector a01 = start(out, y + L, first);
        FloatVector a02 = start(out, y + 2 * L, first);
        FloatVector a10 = start(out, y1, first);
        FloatVector a11 = start(out, y1 + L, first);
        FloatVector a12 = start(out, y1 + 2 * L, first);
        FloatVector a20 = start(out, y2, first);
        FloatVector a21 = start(out, y2 + L, first);
        FloatVector a22 = start(out, y2 + 2 * L, first);
        FloatVector a30 = start(out, y3, first);
        FloatVector a31 = start(out, y3 + L, first);
        FloatVector a32 = start(out, y3 + 2 * L, first);
        FloatVector a40 = start(out, y4, first);
        FloatVector a41 = start(out, y4 + L, first);
        FloatVector a42 = start(out, y4 + 2 * L, first);
        FloatVector a50 = start(out, y5, first);
        FloatVector a51 = start(out, y5 + L, first);
        FloatVector a52 = start(out, y5 + 2 * L, first);
        FloatVector a60 = start(out, y6, first);
        FloatVector a61 = start(out, y6 + L, first);
        FloatVector a62 = start(out, y6 + 2 * L, first);
        FloatVector a70 = start(out, y7, first);
        FloatVector a71 = start(out, y7 + L, first);
        FloatVector a72 = start(out, y7 + 2 * L, first);
        int x1 = x + inStride;
        int x2 = x1 + inStride;
        int x3 = x2 + inStride;
        int x4 = x3 + inStride;
        int x5 = x4 + inStride;
        int x6 = x5 + inStride;
        int x7 = x6 + inStride;
        for (int i = 0; i < depth; i++) {
            int at = w + i * 3 * L;
            FloatVector w0 = FloatVector.fromArray(S, packed, at);
            FloatVector w1 = FloatVector.fromArray(S, packed, at + L);
            FloatVector w2 = FloatVector.fromArray(S, packed, at + 2 * L);
            FloatVector b = FloatVector.broadcast(S, in[x + i]);
            a00 = w0.fma(b, a00);
            a01 = w1.fma(b, a01);
            a02 = w2.fma(b, a02);
            b = FloatVector.broadcast(S, in[x1 + i]);
            a10 = w0.fma(b, a10);
            a11 = w1.fma(b, a11);
            a12 = w2.fma(b, a12);
            b = FloatVector.broadcast(S, in[x2 + i]);
            a20 = w0.fma(b, a20);
            a21 = w1.fma(b, a21);
            a22 = w2.fma(b, a22);
            b = FloatVector.broadcast(S, in[x3 + i]);
            a30 = w0.fma(b, a30);
            a31 = w1.fma(b, a31);
            a32 = w2.fma(b, a32);
            b = FloatVector.broadcast(S, in[x4 + i]);
            a40 = w0.fma(b, a40);
            a41 = w1.fma(b, a41);
            a42 = w2.fma(b, a42);
            b = FloatVector.broadcast(S, in[x5 + i]);
            a50 = w0.fma(b, a50);
            a51 = w1.fma(b, a51);
            a52 = w2.fma(b, a52);
            b = FloatVector.broadcast(S, in[x6 + i]);
            a60 = w0.fma(b, a60);
            a61 = w1.fma(b, a61);
            a62 = w2.fma(b, a62);
            b = FloatVector.broadcast(S, in[x7 + i]);
            a70 = w0.fma(b, a70);
            a71 = w1.fma(b, a71);
            a72 = w2.fma(b, a72);
        }
        a00.intoArray(out, y);
        a01.intoArray(out, y + L);
        a02.intoArray(out, y + 2 * L);
        a10.intoArray(out, y1);
        a11.intoArray(out, y1 + L);
        a12.intoArray(out, y1 + 2 * L);
        a20.intoArray(out, y2);
        a21.intoArray(out, y2 + L);
        a22.intoArray(out, y2 + 2 * L);
        a30.intoArray(out, y3);
        a31.intoArray(out, y3 + L);
        a32.intoArray(out, y3 + 2 * L);
        a40.intoArray(out, y4);
        a41.intoArray(out, y4 + L);
        a42.intoArray(out, y4 + 2 * L);
        a50.intoArray(out, y5);
        a51.intoArray(out, y5 + L);
        a52.intoArray(out, y5 + 2 * L);
        a60.intoArray(out, y6);
        a61.intoArray(out, y6 + L);
        a62.intoArray(out, y6 + 2 * L);
        a70.intoArray(out, y7);
        a71.intoArray(out, y7 + L);
        a72.intoArray(out, y7 + 2 * L);
    }

    /** Four rows by one three-vector panel: what is left of a row block after its tiles of eight. */
    static void fourRows(int depth, float[] in, int x, int inStride, float[] packed, int w, float[] out, int y,
            int outStride, boolean first) {
        int y1 = y + outStride;
        int y2 = y1 + outStride;
        int y3 = y2 + outStride;
        FloatVector a00 = start(out, y, first);
        FloatVector a01 = start(out, y + L, first);
        FloatVector a02 = start(out, y + 2 * L, first);
        FloatVector a10 = start(out, y1, first);
        FloatVector a11 = start(out, y1 + L, first);
        FloatVector a12 = start(out, y1 + 2 * L, first);
        FloatVector a20 = start(out, y2, first);
        FloatVector a21 = start(out, y2 + L, first);
        FloatVector a22 = start(out, y2 + 2 * L, first);
        FloatVector a30 = start(out, y3, first);
        FloatVector a31 = start(out, y3 + L, first);
        FloatVector a32 = start(out, y3 + 2 * L, first);
        int x1 = x + inStride;
        int x2 = x1 + inStride;
        int x3 = x2 + inStride;
        for (int i = 0; i < depth; i++) {
            int at = w + i * 3 * L;
            FloatVector w0 = FloatVector.fromArray(S, packed, at);
            FloatVector w1 = FloatVector.fromArray(S, packed, at + L);
            FloatVector w2 = FloatVector.fromArray(S, packed, at + 2 * L);
            FloatVector b = FloatVector.broadcast(S, in[x + i]);
            a00 = w0.fma(b, a00);
            a01 = w1.fma(b, a01);
            a02 = w2.fma(b, a02);
            b = FloatVector.broadcast(S, in[x1 + i]);
            a10 = w0.fma(b, a10);
            a11 = w1.fma(b, a11);
            a12 = w2.fma(b, a12);
            b = FloatVector.broadcast(S, in[x2 + i]);
            a20 = w0.fma(b, a20);
            a21 = w1.fma(b, a21);
            a22 = w2.fma(b, a22);
            b = FloatVector.broadcast(S, in[x3 + i]);
            a30 = w0.fma(b, a30);
            a31 = w1.fma(b, a31);
            a32 = w2.fma(b, a32);
        }
        a00.intoArray(out, y);
        a01.intoArray(out, y + L);
        a02.intoArray(out, y + 2 * L);
        a10.intoArray(out, y1);
        a11.intoArray(out, y1 + L);
        a12.intoArray(out, y1 + 2 * L);
        a20.intoArray(out, y2);
        a21.intoArray(out, y2 + L);
        a22.intoArray(out, y2 + 2 * L);
        a30.intoArray(out, y3);
        a31.intoArray(out, y3 + L);
        a32.intoArray(out, y3 + 2 * L);
    }

    /** One row by one three-vector panel, of which only {@code valid} outputs exist. */
    static void oneRowWide(int depth, float[] in, int x, float[] packed, int w, float[] out, int y, int valid,
            boolean first) {
        VectorMask<Float> lowMask = S.indexInRange(0, valid);
        VectorMask<Float> middleMask = S.indexInRange(L, valid);
        VectorMask<Float> highMask = S.indexInRange(2 * L, valid);
        FloatVector low = first ? FloatVector.zero(S) : FloatVector.fromArray(S, out, y, lowMask);
        FloatVector middle = first ? FloatVector.zero(S) : FloatVector.fromArray(S, out, y + L, middleMask);
        FloatVector high = first ? FloatVector.zero(S) : FloatVector.fromArray(S, out, y + 2 * L, highMask);
        for (int i = 0; i < depth; i++) {
            int at = w + i * 3 * L;
            FloatVector b = FloatVector.broadcast(S, in[x + i]);
            low = FloatVector.fromArray(S, packed, at).fma(b, low);
            middle = FloatVector.fromArray(S, packed, at + L).fma(b, middle);
            high = FloatVector.fromArray(S, packed, at + 2 * L).fma(b, high);
        }
        low.intoArray(out, y, lowMask);
        middle.intoArray(out, y + L, middleMask);
        high.intoArray(out, y + 2 * L, highMask);
    }

    /** Six rows by one panel over {@code depth} inputs, added to {@code out} unless {@code first}. */
    static void sixRows(int depth, float[] in, int x, int inStride, float[] packed, int w, float[] out, int y,
            int outStride, boolean first) {
        int y1 = y + outStride;
        int y2 = y1 + outStride;
        int y3 = y2 + outStride;
        int y4 = y3 + outStride;
        int y5 = y4 + outStride;
        FloatVector a00 = start(out, y, first);
        FloatVector a01 = start(out, y + L, first);
        FloatVector a10 = start(out, y1, first);
        FloatVector a11 = start(out, y1 + L, first);
        FloatVector a20 = start(out, y2, first);
        FloatVector a21 = start(out, y2 + L, first);
        FloatVector a30 = start(out, y3, first);
        FloatVector a31 = start(out, y3 + L, first);
        FloatVector a40 = start(out, y4, first);
        FloatVector a41 = start(out, y4 + L, first);
        FloatVector a50 = start(out, y5, first);
        FloatVector a51 = start(out, y5 + L, first);
        int x1 = x + inStride;
        int x2 = x1 + inStride;
        int x3 = x2 + inStride;
        int x4 = x3 + inStride;
        int x5 = x4 + inStride;
        for (int i = 0; i < depth; i++) {
            int at = w + i * PANEL;
            FloatVector w0 = FloatVector.fromArray(S, packed, at);
            FloatVector w1 = FloatVector.fromArray(S, packed, at + L);
            FloatVector b = FloatVector.broadcast(S, in[x + i]);
            a00 = w0.fma(b, a00);
            a01 = w1.fma(b, a01);
            b = FloatVector.broadcast(S, in[x1 + i]);
            a10 = w0.fma(b, a10);
            a11 = w1.fma(b, a11);
            b = FloatVector.broadcast(S, in[x2 + i]);
            a20 = w0.fma(b, a20);
            a21 = w1.fma(b, a21);
            b = FloatVector.broadcast(S, in[x3 + i]);
            a30 = w0.fma(b, a30);
            a31 = w1.fma(b, a31);
            b = FloatVector.broadcast(S, in[x4 + i]);
            a40 = w0.fma(b, a40);
            a41 = w1.fma(b, a41);
            b = FloatVector.broadcast(S, in[x5 + i]);
            a50 = w0.fma(b, a50);
            a51 = w1.fma(b, a51);
        }
        a00.intoArray(out, y);
        a01.intoArray(out, y + L);
        a10.intoArray(out, y1);
        a11.intoArray(out, y1 + L);
        a20.intoArray(out, y2);
        a21.intoArray(out, y2 + L);
        a30.intoArray(out, y3);
        a31.intoArray(out, y3 + L);
        a40.intoArray(out, y4);
        a41.intoArray(out, y4 + L);
        a50.intoArray(out, y5);
        a51.intoArray(out, y5 + L);
    }

    /** The partial sums so far: zero for the first slice of inputs, else what the last slice stored. */
    private static FloatVector start(float[] out, int y, boolean first) {
        return first ? FloatVector.zero(S) : FloatVector.fromArray(S, out, y);
    }

    /** One row by one panel, of which only {@code valid} outputs exist. */
    static void oneRow(int depth, float[] in, int x, float[] packed, int w, float[] out, int y, int valid,
            boolean first) {
        if (valid < PANEL) {
            oneRowMasked(depth, in, x, packed, w, out, y, valid, first);
            return;
        }
        FloatVector low = start(out, y, first);
        FloatVector high = start(out, y + L, first);
        for (int i = 0; i < depth; i++) {
            int at = w + i * PANEL;
            FloatVector b = FloatVector.broadcast(S, in[x + i]);
            low = FloatVector.fromArray(S, packed, at).fma(b, low);
            high = FloatVector.fromArray(S, packed, at + L).fma(b, high);
        }
        low.intoArray(out, y);
        high.intoArray(out, y + L);
    }

    private static void oneRowMasked(int depth, float[] in, int x, float[] packed, int w, float[] out, int y, int valid,
            boolean first) {
        VectorMask<Float> lowMask = S.indexInRange(0, valid);
        VectorMask<Float> highMask = S.indexInRange(L, valid);
        FloatVector low = first ? FloatVector.zero(S) : FloatVector.fromArray(S, out, y, lowMask);
        FloatVector high = first ? FloatVector.zero(S) : FloatVector.fromArray(S, out, y + L, highMask);
        for (int i = 0; i < depth; i++) {
            int at = w + i * PANEL;
            FloatVector b = FloatVector.broadcast(S, in[x + i]);
            low = FloatVector.fromArray(S, packed, at).fma(b, low);
            high = FloatVector.fromArray(S, packed, at + L).fma(b, high);
        }
        low.intoArray(out, y, lowMask);
        high.intoArray(out, y + L, highMask);
    }

    /**
     * Bias and activation on rows {@code from..to} of one panel's {@code valid} outputs, over SIMD
     * lanes while the panel is still in the cache; the bits are those of {@link Activation#apply}.
     * The activation runs once per row segment through {@link VectorMath#unary}, whose loops keep
     * their vectors in registers (a call per vector would pass them through an array).
     */
    static void finish(int from, int to, int o, int valid, float[] bias, Activation activation, float[] out,
            int outAt, int outStride) {
        if (bias == null && activation == Activation.NONE) {
            return;
        }
        if (!VectorMath.unaryHasLanes(activation)) {
            finishScalar(from, to, o, valid, bias, activation, out, outAt, outStride);
            return;
        }
        for (int r = from; r < to; r++) {
            int y = outAt + r * outStride + o;
            if (bias != null) {
                for (int part = 0; part < valid; part += L) {
                    VectorMask<Float> mask = S.indexInRange(part, valid);
                    FloatVector.fromArray(S, out, y + part, mask).add(FloatVector.fromArray(S, bias, o + part, mask))
                            .intoArray(out, y + part, mask);
                }
            }
            if (activation != Activation.NONE) {
                VectorMath.unary(activation, valid, out, y, out, y);
            }
        }
    }

    private static void finishScalar(int from, int to, int o, int valid, float[] bias, Activation activation,
            float[] out, int outAt, int outStride) {
        for (int r = from; r < to; r++) {
            int y = outAt + r * outStride + o;
            for (int j = 0; j < valid; j++) {
                float sum = bias == null ? out[y + j] : out[y + j] + bias[o + j];
                out[y + j] = activation.apply(sum);
            }
        }
    }
}
