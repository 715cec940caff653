package dev.attnc.runtime.kernels;

import dev.attnc.runtime.weights.QuantizedMatrix;
import java.util.Objects;

/**
 * The linear layer over a weight kept in Q8_0 or Q4_0 blocks ({@link QuantizedMatrix}):
 * {@code out[r][o] = act(bias[o] + sum_i in[r][i] * W[o][i])}, the weight {@code [out][in]}
 * as {@link Kernels#linear} takes it, with {@code W[o][i]} the block's scale times its 8- or
 * 4-bit value. Decoding one token reads every weight once, so reading a byte (Q8_0) or half a
 * byte (Q4_0) a weight instead of four makes a step up to 4 or 8 times lighter on memory, plus
 * a float32 scale per 32 weights.
 *
 * <p>With SIMD (Vector API, 8 or 16 float lanes) each block's values are widened from int8 or
 * unpacked from int4 to float lanes, multiplied by the block's scale and accumulated with
 * FMAs; rows are taken four at a time so that each block is widened once for four rows. From
 * {@value #PROMPT_ROWS} rows on (a prompt), the weight is instead converted into float32 tiles
 * once per call, a slice at a time, and every row passes over each slice at the speed of the
 * float32 matrix product ({@link TiledLinear}); its sums are in another order, so a row in a
 * prompt differs from the same row alone by float32 rounding. Work is split over outputs among
 * {@link Threads}; each output's sum is made by one worker in a fixed order, so results are the
 * same bits on every call.
 *
 * <p>Example, a decoding step's projection from a GGUF file:
 * <pre>{@code
 * QuantizedMatrix wq = gguf.quantized("blk.0.attn_q.weight", new int[] {d, d}).orElseThrow();
 * QuantizedLinear.linear(1, d, d, x, 0, d, wq, null, Activation.NONE, q, 0, d);
 * }</pre>
 */
public final class QuantizedLinear {

    /** Outputs per worker below which a call runs on one thread. */
    private static final int GRAIN = 16;

    /**
     * Rows from which a call converts the weight into float32 tiles once and runs the float32
     * matrix product ({@link TiledLinear}) instead of widening every block again for each group
     * of four rows.
     */
    static final int PROMPT_ROWS = 16;

    private QuantizedLinear() {
    }

    /**
     * {@code out[r][o] = act(bias[o] + sum_i in[inAt + r * inStride + i] * weight[o][i])} for
     * {@code rows} rows, written at {@code out[outAt + r * outStride + o]}.
     *
     * @param inWidth must be {@code weight.columns()}
     * @param outWidth must be {@code weight.rows()}
     * @param bias {@code outWidth} values, or null
     * @throws IllegalArgumentException if the widths are not the weight's
     */
    public static void linear(int rows, int inWidth, int outWidth,
            float[] in, int inAt, int inStride,
            QuantizedMatrix weight, float[] bias, Activation activation,
            float[] out, int outAt, int outStride) {
        check(inWidth, outWidth, weight, activation);
        if (!Simd.enabled() || !QuantizedVectorKernels.supported()) {
            linearScalar(rows, inWidth, outWidth, in, inAt, inStride, weight, bias, activation, out, outAt, outStride);
            return;
        }
        if (rows >= PROMPT_ROWS && inWidth > 0) {
            TiledLinear.run(rows, inWidth, outWidth, in, inAt, inStride, tiles(weight), bias, activation,
                    out, outAt, outStride);
            return;
        }
        Threads.parallel(outWidth, GRAIN, (from, to, worker) ->
                QuantizedVectorKernels.run(rows, in, inAt, inStride, weight, bias, activation, out, outAt, outStride,
                        from, to));
    }

    /**
     * The weight as float32 panels for {@link TiledLinear}: each value {@code scale * q} (exact
     * in float32: an 11-bit scale times an 8-bit value), written transposed, one output a column.
     */
    static TiledLinear.Source tiles(QuantizedMatrix weight) {
        byte[] q = weight.quants();
        float[] scales = weight.scales();
        int columns = weight.columns();
        int outWidth = weight.rows();
        int blocksPerRow = columns / QuantizedMatrix.BLOCK;
        boolean q8 = weight.format() == QuantizedMatrix.Format.Q8_0;
        int panel = PanelLinear.PANEL;
        return (tile, at, o, depthFrom, depth) -> {
            int valid = Math.min(panel, outWidth - o);
            int firstBlock = depthFrom / QuantizedMatrix.BLOCK;
            int blocks = depth / QuantizedMatrix.BLOCK;
            for (int j = 0; j < valid; j++) {
                int y = at + j;
                for (int k = 0; k < blocks; k++) {
                    int block = (o + j) * blocksPerRow + firstBlock + k;
                    float d = scales[block];
                    int to = y + k * QuantizedMatrix.BLOCK * panel;
                    if (q8) {
                        int from = block * QuantizedMatrix.BLOCK;
                        for (int i = 0; i < QuantizedMatrix.BLOCK; i++) {
                            tile[to + i * panel] = d * q[from + i];
                        }
                    } else {
                        int from = block * 16;
                        for (int i = 0; i < 16; i++) {
                            int packed = q[from + i] & 0xFF;
                            tile[to + i * panel] = d * ((packed & 0x0F) - 8);
                            tile[to + (i + 16) * panel] = d * ((packed >>> 4) - 8);
                        }
                    }
                }
            }
            for (int j = valid; j < panel; j++) {
                for (int i = 0; i < depth; i++) {
                    tile[at + i * panel + j] = 0;
                }
            }
        };
    }

    /** The scalar version of {@link #linear}, for checking it and for JVMs without the Vector API; one thread. */
    public static void linearScalar(int rows, int inWidth, int outWidth,
            float[] in, int inAt, int inStride,
            QuantizedMatrix weight, float[] bias, Activation activation,
            float[] out, int outAt, int outStride) {
        check(inWidth, outWidth, weight, activation);
        byte[] q = weight.quants();
        float[] scales = weight.scales();
        int blocksPerRow = inWidth / QuantizedMatrix.BLOCK;
        boolean q8 = weight.format() == QuantizedMatrix.Format.Q8_0;
        for (int r = 0; r < rows; r++) {
            int x = inAt + r * inStride;
            for (int o = 0; o < outWidth; o++) {
                float sum = 0;
                for (int k = 0; k < blocksPerRow; k++) {
                    int block = o * blocksPerRow + k;
                    int c = x + k * QuantizedMatrix.BLOCK;
                    float blockSum = 0;
                    if (q8) {
                        int at = block * QuantizedMatrix.BLOCK;
                        for (int i = 0; i < QuantizedMatrix.BLOCK; i++) {
                            blockSum += q[at + i] * in[c + i];
                        }
                    } else {
                        int at = block * 16;
                        for (int j = 0; j < 16; j++) {
                            int packed = q[at + j] & 0xFF;
                            blockSum += ((packed & 0x0F) - 8) * in[c + j] + ((packed >>> 4) - 8) * in[c + 16 + j];
                        }
                    }
                    sum += scales[block] * blockSum;
                }
                if (bias != null) {
                    sum += bias[o];
                }
                out[outAt + r * outStride + o] = activation.apply(sum);
            }
        }
    }

    private static void check(int inWidth, int outWidth, QuantizedMatrix weight, Activation activation) {
        Objects.requireNonNull(weight, "weight");
        Objects.requireNonNull(activation, "activation");
        if (inWidth != weight.columns() || outWidth != weight.rows()) {
            throw new IllegalArgumentException("a linear layer of " + inWidth + " inputs and " + outWidth
                    + " outputs cannot use " + weight + " (it needs [" + outWidth + ", " + inWidth + "])");
        }
    }
}
