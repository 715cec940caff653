package dev.attnc.runtime.kernels;

import java.util.Objects;

/**
 * The linear layer over an int8 weight ({@link Int8Matrix}) as ONNX Runtime runs a dynamically
 * quantized model ({@code DynamicQuantizeLinear}, then {@code MatMulInteger}, then a cast and
 * the two scales):
 * <ol>
 * <li>The input rows of the call, taken as one tensor, are quantized to uint8 like
 *     {@code DynamicQuantizeLinear}: with {@code lo = min(0, min x)} and {@code hi = max(0, max x)},
 *     the scale is {@code s = (hi - lo) / 255} (1 when {@code hi == lo}), the zero point
 *     {@code za = roundHalfEven(clamp(-lo / s, 0, 255))} and
 *     {@code a = clamp(roundHalfEven(x / s) + za, 0, 255)}, all in float32.
 * <li>{@code acc[r][o] = sum_i (a[r][i] - za) * (q[o][i] - zq[o])}, an exact integer.
 * <li>{@code out[r][o] = act((float) acc * (s * scale[o]) + bias[o])}, in that float32 order.
 * </ol>
 * ONNX Runtime quantizes the whole tensor a {@code MatMul} is given, so a sequence's result is
 * that of running it alone (batch 1, no padding); over a padded batch the range also covers the
 * other sequences and the padding.
 *
 * <p>With SIMD, each {@code a - za} is made a float once per row, and each weight vector is
 * widened from int8 to float lanes and multiplied with FMAs. Products and their sums are
 * integers below 2^24 in every lane (at most 256 products of at most 255 * 128 before the lanes
 * are moved to int), so the float sums are exact and the result is the scalar kernel's, bit for
 * bit. Work is split over outputs among {@link Threads}.
 */
public final class Int8Linear {

    /** Outputs per worker below which a call runs on one thread. */
    private static final int GRAIN = 16;

    private Int8Linear() {
    }

    /** An input quantized as {@code DynamicQuantizeLinear} does: {@code a - za} per value, with sums per row. */
    record QuantizedInput(int rows, int width, float scale, int zeroPoint, float[] centered, int[] rowSums) {}

    /**
     * {@code out[r][o] = act(bias[o] + (float) acc[r][o] * (s * scale[o]))} for {@code rows}
     * rows as above, written at {@code out[outAt + r * outStride + o]}.
     *
     * @param inWidth must be {@code weight.columns()}
     * @param outWidth must be {@code weight.rows()}
     * @param bias {@code outWidth} values, or null
     * @throws IllegalArgumentException if the widths are not the weight's
     */
    public static void linear(int rows, int inWidth, int outWidth,
            float[] in, int inAt, int inStride,
            Int8Matrix weight, float[] bias, Activation activation,
            float[] out, int outAt, int outStride) {
        check(inWidth, outWidth, weight, activation);
        if (!Simd.enabled() || !Int8VectorKernels.supported()) {
            linearScalar(rows, inWidth, outWidth, in, inAt, inStride, weight, bias, activation, out, outAt, outStride);
            return;
        }
        QuantizedInput a = quantizeInput(rows, inWidth, in, inAt, inStride);
        Threads.parallel(outWidth, GRAIN, (from, to, worker) ->
                Int8VectorKernels.run(a, weight, bias, activation, out, outAt, outStride, from, to));
    }

    /** The scalar version of {@link #linear}, with int arithmetic, for checking it and for JVMs without the Vector API; one thread. */
    public static void linearScalar(int rows, int inWidth, int outWidth,
            float[] in, int inAt, int inStride,
            Int8Matrix weight, float[] bias, Activation activation,
            float[] out, int outAt, int outStride) {
        check(inWidth, outWidth, weight, activation);
        QuantizedInput a = quantizeInput(rows, inWidth, in, inAt, inStride);
        byte[] q = weight.values();
        int[] zq = weight.zeroPoints();
        for (int r = 0; r < rows; r++) {
            int x = r * inWidth;
            for (int o = 0; o < outWidth; o++) {
                int acc = 0;
                int w = o * inWidth;
                for (int i = 0; i < inWidth; i++) {
                    acc += (int) a.centered()[x + i] * q[w + i];
                }
                acc -= zq[o] * a.rowSums()[r];
                out[outAt + r * outStride + o] = finish(acc, a.scale(), weight.scales()[o], bias, o, activation);
            }
        }
    }

    /** Step 3: the integer sum to float, times the product of the two scales, plus the bias. */
    static float finish(int acc, float inputScale, float weightScale, float[] bias, int o, Activation activation) {
        float y = (float) acc * (inputScale * weightScale);
        return activation.apply(bias == null ? y : y + bias[o]);
    }

    /** Step 1 over {@code rows} rows of {@code width} values: {@code a - za} as floats, packed, and each row's sum. */
    static QuantizedInput quantizeInput(int rows, int width, float[] in, int inAt, int inStride) {
        float lo = 0;
        float hi = 0;
        for (int r = 0; r < rows; r++) {
            int x = inAt + r * inStride;
            for (int i = 0; i < width; i++) {
                float v = in[x + i];
                lo = Math.min(lo, v);
                hi = Math.max(hi, v);
            }
        }
        float scale = hi == lo ? 1f : (hi - lo) / 255f;
        float initialZero = 0f - lo / scale;
        int zero = (int) Math.rint(Math.max(0f, Math.min(255f, initialZero)));
        float[] centered = new float[rows * width];
        int[] sums = new int[rows];
        for (int r = 0; r < rows; r++) {
            int x = inAt + r * inStride;
            int sum = 0;
            for (int i = 0; i < width; i++) {
                int a = (int) Math.rint(in[x + i] / scale) + zero;
                a = Math.max(0, Math.min(255, a)) - zero;
                centered[r * width + i] = a;
                sum += a;
            }
            sums[r] = sum;
        }
        return new QuantizedInput(rows, width, scale, zero, centered, sums);
    }

    private static void check(int inWidth, int outWidth, Int8Matrix weight, Activation activation) {
        Objects.requireNonNull(weight, "weight");
        Objects.requireNonNull(activation, "activation");
        if (inWidth != weight.columns() || outWidth != weight.rows()) {
            throw new IllegalArgumentException("a linear layer of " + inWidth + " inputs and " + outWidth
                    + " outputs cannot use " + weight + " (it needs [" + outWidth + ", " + inWidth + "])");
        }
    }
}
