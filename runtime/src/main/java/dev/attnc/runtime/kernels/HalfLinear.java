package dev.attnc.runtime.kernels;

import dev.attnc.runtime.weights.HalfMatrix;
import java.util.Objects;

/**
 * The linear layer over a weight kept in 16 bits ({@link HalfMatrix}, F16 or BF16):
 * {@code out[r][o] = act(bias[o] + sum_i in[r][i] * W[o][i])}, the weight {@code [out][in]}
 * as {@link Kernels#linear} takes it. A decoding step reads every weight once, so reading two
 * bytes a weight instead of four halves its memory traffic.
 *
 * <p>With SIMD (Vector API): up to {@value #FEW_ROWS} rows, each weight is converted to
 * float32 in registers as it is read and multiplied at once ({@link HalfVectorKernels}); for
 * more rows (a prompt), slices of the weight are converted into float32 panels once per call
 * and every row passes over them at the float32 kernel's speed ({@link TiledLinear}). Both
 * paths sum each output over the inputs in order with one FMA each, so a row gets the same bits
 * alone as in a prompt, and every call the same bits. Work is split over outputs among
 * {@link Threads}.
 *
 * <p>Example, a decoding step's projection from a GGUF file of F16 tensors:
 * <pre>{@code
 * HalfMatrix wq = gguf.halves("blk.0.attn_q.weight", new int[] {d, d}).orElseThrow();
 * HalfLinear.linear(1, d, d, x, 0, d, wq, null, Activation.NONE, q, 0, d);
 * }</pre>
 */
public final class HalfLinear {

    /** Rows up to which each row reads the 16-bit weights itself; more take the float32 tiles. */
    static final int FEW_ROWS = 4;

    private HalfLinear() {
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
            HalfMatrix weight, float[] bias, Activation activation,
            float[] out, int outAt, int outStride) {
        check(inWidth, outWidth, weight, activation);
        if (!Simd.enabled() || !HalfVectorKernels.supported() || inWidth == 0) {
            linearScalar(rows, inWidth, outWidth, in, inAt, inStride, weight, bias, activation, out, outAt, outStride);
            return;
        }
        if (rows > FEW_ROWS) {
            TiledLinear.run(rows, inWidth, outWidth, in, inAt, inStride, HalfVectorKernels.tiles(weight), bias,
                    activation, out, outAt, outStride);
            return;
        }
        Threads.parallel(PanelLinear.panels(outWidth), 1, (from, to, worker) ->
                HalfVectorKernels.rows(rows, in, inAt, inStride, weight, bias, activation, out, outAt, outStride,
                        from, to));
    }

    /** The scalar version of {@link #linear}, for checking it and for JVMs without the Vector API; one thread. */
    public static void linearScalar(int rows, int inWidth, int outWidth,
            float[] in, int inAt, int inStride,
            HalfMatrix weight, float[] bias, Activation activation,
            float[] out, int outAt, int outStride) {
        check(inWidth, outWidth, weight, activation);
        short[] h = weight.values();
        HalfMatrix.Format format = weight.format();
        for (int r = 0; r < rows; r++) {
            int x = inAt + r * inStride;
            for (int o = 0; o < outWidth; o++) {
                int at = weight.index(o, 0);
                float sum = 0;
                for (int i = 0; i < inWidth; i++) {
                    sum += in[x + i] * format.toFloat(h[at + i * HalfMatrix.PANEL]);
                }
                if (bias != null) {
                    sum += bias[o];
                }
                out[outAt + r * outStride + o] = activation.apply(sum);
            }
        }
    }

    private static void check(int inWidth, int outWidth, HalfMatrix weight, Activation activation) {
        Objects.requireNonNull(weight, "weight");
        Objects.requireNonNull(activation, "activation");
        if (inWidth != weight.columns() || outWidth != weight.rows()) {
            throw new IllegalArgumentException("a linear layer of " + inWidth + " inputs and " + outWidth
                    + " outputs cannot use " + weight + " (it needs [" + outWidth + ", " + inWidth + "])");
        }
    }
}
