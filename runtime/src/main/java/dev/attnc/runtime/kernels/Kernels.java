package dev.attnc.runtime.kernels;

import java.util.Map;
import java.util.WeakHashMap;

/**
 * The building blocks generated models call: plain loops over float arrays. Every operand is
 * an array, the offset of its first element and its strides, so views (a split's parts, a
 * transpose, heads) and broadcasting (a stride of 0) need no copies. Rows are sequence
 * positions; columns are features.
 *
 * <p>These are the scalar reference kernels; they allocate nothing.
 *
 * <p>Every kernel, scalar or SIMD, gives the same bits for the same arguments on every call,
 * before and after the JIT has compiled it, and whichever worker thread runs a chunk: a
 * chunk's bounds depend on its index alone, and no sum crosses chunks (see
 * {@link AttentionKernels} for the vector operations this rules out).
 */
public final class Kernels {
    private Kernels() {
    }

    /**
     * {@code out[r][o] = act(bias[o] + sum_i in[r][i] * weight[o][i])}, the weight stored
     * [out][in] as PyTorch's nn.Linear does (a checkpoint stored [in][out] is repacked on load).
     * With SIMD the weight is repacked into panels on its first use and the copy kept while the
     * weight array lives, so a weight array must not be changed after it has been used.
     */
    public static void linear(int rows, int inWidth, int outWidth,
            float[] in, int inAt, int inStride,
            float[] weight, float[] bias, Activation activation,
            float[] out, int outAt, int outStride) {
        if (!Simd.enabled()) {
            linearScalar(rows, inWidth, outWidth, in, inAt, inStride, weight, bias, activation, out, outAt, outStride);
            return;
        }
        float[] packed = packed(weight, inWidth, outWidth);
        // Each worker takes a range of output panels for every row: it streams its part of the weights once.
        int panel = PanelLinear.DENSE_PANEL;
        Threads.parallel(PanelLinear.panels(outWidth, panel), 1, (from, to, worker) ->
                PanelLinear.run(rows, inWidth, outWidth, in, inAt, inStride, packed, panel, bias, activation,
                        out, outAt, outStride, from, to));
    }

    /**
     * A linear layer's weight as loaded, {@code [out][in]}: dense floats ({@link Dense}) or a
     * matrix a checkpoint keeps in a quantized format, which brings its own multiply. Generated
     * models hold their linear weights as this type, so which kind a weight is gets decided when
     * it is loaded ({@link #matrix}), not when the model is compiled.
     */
    public interface Matrix {
        /** Output features: the rows of the stored weight. */
        int outWidth();

        /** Input features: the columns of the stored weight. */
        int inWidth();

        /** {@code out[r][o] = act(bias[o] + sum_i in[r][i] * weight[o][i])} for {@code rows} rows; bias may be null. */
        void linear(int rows, float[] in, int inAt, int inStride, float[] bias, Activation activation,
                float[] out, int outAt, int outStride);
    }

    /** A dense float32 weight, run by {@link Kernels#linear(int, int, int, float[], int, int, float[], float[], Activation, float[], int, int)}. */
    public record Dense(float[] values, int outWidth, int inWidth) implements Matrix {
        public Dense {
            if ((long) outWidth * inWidth != values.length) {
                throw new IllegalArgumentException("a [" + outWidth + ", " + inWidth + "] weight holds "
                        + (long) outWidth * inWidth + " values, not " + values.length);
            }
        }

        @Override
        public void linear(int rows, float[] in, int inAt, int inStride, float[] bias, Activation activation,
                float[] out, int outAt, int outStride) {
            Kernels.linear(rows, inWidth, outWidth, in, inAt, inStride, values, bias, activation, out, outAt, outStride);
        }
    }

    /** A Q8_0 or Q4_0 weight kept as its blocks, run by {@link QuantizedLinear}: 2 to 4 times fewer bytes per call than float32. */
    public record Quantized(dev.attnc.runtime.weights.QuantizedMatrix blocks) implements Matrix {
        @Override
        public int outWidth() {
            return blocks.rows();
        }

        @Override
        public int inWidth() {
            return blocks.columns();
        }

        @Override
        public void linear(int rows, float[] in, int inAt, int inStride, float[] bias, Activation activation,
                float[] out, int outAt, int outStride) {
            QuantizedLinear.linear(rows, inWidth(), outWidth(), in, inAt, inStride, blocks, bias, activation, out, outAt, outStride);
        }
    }

    /** An F16 or BF16 weight kept in 16 bits, run by {@link HalfLinear}: half the bytes per call of float32. */
    public record Half(dev.attnc.runtime.weights.HalfMatrix values) implements Matrix {
        @Override
        public int outWidth() {
            return values.rows();
        }

        @Override
        public int inWidth() {
            return values.columns();
        }

        @Override
        public void linear(int rows, float[] in, int inAt, int inStride, float[] bias, Activation activation,
                float[] out, int outAt, int outStride) {
            HalfLinear.linear(rows, inWidth(), outWidth(), in, inAt, inStride, values, bias, activation, out, outAt, outStride);
        }
    }

    /**
     * Loads the linear weight {@code name} of {@code shape} [out, in]: the one place that decides
     * how a weight is held. A source that keeps the matrix quantized (GGUF Q8_0, Q4_0 with rows
     * of whole blocks) hands its blocks over ({@link Quantized}); one that keeps it in 16 bits
     * (GGUF F16, BF16) its values ({@link Half}); a source of int8 weights ({@link Int8Weights}:
     * a dynamically quantized ONNX model) an {@link Int8Matrix}; every other weight is read as
     * float32 ({@link Dense}).
     */
    public static Matrix matrix(dev.attnc.runtime.weights.WeightSource weights, String name, int[] shape,
            dev.attnc.runtime.weights.Init init) {
        if (weights instanceof Int8Weights int8) {
            java.util.Optional<Int8Matrix> kept = int8.int8(name, shape);
            if (kept.isPresent()) {
                return kept.get();
            }
        }
        java.util.Optional<dev.attnc.runtime.weights.QuantizedMatrix> quantized = weights.quantized(name, shape);
        if (quantized.isPresent()) {
            return new Quantized(quantized.get());
        }
        java.util.Optional<dev.attnc.runtime.weights.HalfMatrix> half = weights.halves(name, shape);
        if (half.isPresent()) {
            return new Half(half.get());
        }
        return new Dense(weights.floats(name, shape, init), shape[0], shape[1]);
    }

    /** A weight already read as floats (a checkpoint's [in, out] weight repacked to [out, in]). */
    public static Matrix dense(float[] values, int outWidth, int inWidth) {
        return new Dense(values, outWidth, inWidth);
    }

    /** The linear layer over a loaded weight, dense or quantized: see {@link Matrix#linear}. */
    public static void linear(int rows, int inWidth, int outWidth,
            float[] in, int inAt, int inStride,
            Matrix weight, float[] bias, Activation activation,
            float[] out, int outAt, int outStride) {
        if (weight.inWidth() != inWidth || weight.outWidth() != outWidth) {
            throw new IllegalArgumentException("a [" + weight.outWidth() + ", " + weight.inWidth() + "] weight used as ["
                    + outWidth + ", " + inWidth + "]");
        }
        weight.linear(rows, in, inAt, inStride, bias, activation, out, outAt, outStride);
    }

    /** Packed copies of the weights {@link #linear} has seen, by identity; dropped with their weight. */
    private static final Map<float[], float[]> PACKED = new WeakHashMap<>();

    /**
     * The panels of a weight, packed on first use and kept while the weight lives (model weights
     * are not changed after loading, so a weight is packed once per model).
     */
    private static float[] packed(float[] weight, int inWidth, int outWidth) {
        synchronized (PACKED) {
            float[] packed = PACKED.get(weight);
            int panel = PanelLinear.DENSE_PANEL;
            if (packed == null || packed.length != PanelLinear.panels(outWidth, panel) * inWidth * panel) {
                packed = PanelLinear.pack(weight, inWidth, outWidth, panel);
                PACKED.put(weight, packed);
            }
            return packed;
        }
    }

    /** The scalar linear layer, for checking the SIMD one and for JVMs without the Vector API. */
    public static void linearScalar(int rows, int inWidth, int outWidth,
            float[] in, int inAt, int inStride,
            float[] weight, float[] bias, Activation activation,
            float[] out, int outAt, int outStride) {
        for (int r = 0; r < rows; r++) {
            int x = inAt + r * inStride;
            int y = outAt + r * outStride;
            for (int o = 0; o < outWidth; o++) {
                int w = o * inWidth;
                float sum = 0;
                for (int i = 0; i < inWidth; i++) {
                    sum += in[x + i] * weight[w + i];
                }
                if (bias != null) {
                    sum += bias[o];
                }
                out[y + o] = activation.apply(sum);
            }
        }
    }

    /** {@code sum_i a[aAt + i] * b[bAt + i]}. */
    public static float dot(float[] a, int aAt, float[] b, int bAt, int n) {
        if (Simd.enabled()) {
            return VectorKernels.dot(a, aAt, b, bAt, n);
        }
        float sum = 0;
        for (int i = 0; i < n; i++) {
            sum += a[aAt + i] * b[bAt + i];
        }
        return sum;
    }

    /**
     * Scores of one query against {@code count} consecutive keys:
     * {@code scores[x] = scale * (q . k[kAt + x * kStride ..])} over {@code width} features.
     */
    public static void dots(float[] q, int qAt, float[] k, int kAt, int kStride, int count, int width, float scale, float[] scores) {
        for (int x = 0; x < count; x++) {
            scores[x] = dot(q, qAt, k, kAt + x * kStride, width) * scale;
        }
    }

    /** {@code y[yAt + i] += alpha * x[xAt + i]}. */
    public static void axpy(float alpha, float[] x, int xAt, float[] y, int yAt, int n) {
        if (Simd.enabled()) {
            VectorKernels.axpy(alpha, x, xAt, y, yAt, n);
            return;
        }
        for (int i = 0; i < n; i++) {
            y[yAt + i] += alpha * x[xAt + i];
        }
    }

    /** {@code x[at + i] *= factor}. */
    public static void scale(float factor, float[] x, int at, int n) {
        if (Simd.enabled()) {
            VectorKernels.scale(factor, x, at, n);
            return;
        }
        for (int i = 0; i < n; i++) {
            x[at + i] *= factor;
        }
    }

    /** {@code s[i] = exp(s[i] - max)} for the first {@code n}, returning their sum (masked -infinity becomes 0). */
    public static float expShift(float[] s, int n, float max) {
        if (Simd.enabled()) {
            return VectorKernels.expShift(s, n, max);
        }
        float sum = 0;
        for (int i = 0; i < n; i++) {
            s[i] = (float) Math.exp(s[i] - max);
            sum += s[i];
        }
        return sum;
    }

    /** The largest of the first {@code n} values. */
    public static float max(float[] s, int n) {
        float max = Float.NEGATIVE_INFINITY;
        for (int i = 0; i < n; i++) {
            max = Math.max(max, s[i]);
        }
        return max;
    }

    /** Layer normalisation over each row: mean and biased variance, as PyTorch's nn.LayerNorm. */
    public static void layerNorm(int rows, int width, float[] in, int inAt, int inStride,
            float[] weight, float[] bias, float eps, float[] out, int outAt, int outStride) {
        if (Simd.enabled() && rowsInPlaceOrApart(rows, width, in, inAt, inStride, out, outAt, outStride)) {
            Threads.parallel(rows, rowsPerWorker(width), (from, to, worker) -> {
                for (int r = from; r < to; r++) {
                    VectorKernels.layerNormRow(width, in, inAt + r * inStride, weight, bias, eps, out, outAt + r * outStride);
                }
            });
            return;
        }
        for (int r = 0; r < rows; r++) {
            int x = inAt + r * inStride;
            int y = outAt + r * outStride;
            double mean = 0;
            for (int c = 0; c < width; c++) {
                mean += in[x + c];
            }
            mean /= width;
            double variance = 0;
            for (int c = 0; c < width; c++) {
                double d = in[x + c] - mean;
                variance += d * d;
            }
            variance /= width;
            float inverse = (float) (1 / Math.sqrt(variance + eps));
            for (int c = 0; c < width; c++) {
                float normalised = (float) (in[x + c] - mean) * inverse;
                out[y + c] = normalised * weight[c] + (bias == null ? 0 : bias[c]);
            }
        }
    }

    /** RMS normalisation: {@code x / sqrt(mean(x^2) + eps) * (weight + weightOffset)}. */
    public static void rmsNorm(int rows, int width, float[] in, int inAt, int inStride,
            float[] weight, float weightOffset, float eps, float[] out, int outAt, int outStride) {
        if (Simd.enabled() && rowsInPlaceOrApart(rows, width, in, inAt, inStride, out, outAt, outStride)) {
            Threads.parallel(rows, rowsPerWorker(width), (from, to, worker) -> {
                for (int r = from; r < to; r++) {
                    VectorKernels.rmsNormRow(width, in, inAt + r * inStride, weight, weightOffset, eps, out,
                            outAt + r * outStride);
                }
            });
            return;
        }
        for (int r = 0; r < rows; r++) {
            int x = inAt + r * inStride;
            int y = outAt + r * outStride;
            double squares = 0;
            for (int c = 0; c < width; c++) {
                squares += (double) in[x + c] * in[x + c];
            }
            float inverse = (float) (1 / Math.sqrt(squares / width + eps));
            for (int c = 0; c < width; c++) {
                out[y + c] = in[x + c] * inverse * (weight[c] + weightOffset);
            }
        }
    }

    /** Rows of {@code table} ([count][width]) picked by id. Ids were range-checked by the caller. */
    public static void embedding(int rows, int[] ids, int idsAt, int idsStride, float[] table, int width,
            float[] out, int outAt, int outStride) {
        for (int r = 0; r < rows; r++) {
            System.arraycopy(table, ids[idsAt + r * idsStride] * width, out, outAt + r * outStride, width);
        }
    }

    /** {@code out = f(in)} elementwise over a rows x cols view. */
    public static void unary(Activation function, int rows, int cols,
            float[] in, int inAt, int inRowStride, int inColStride,
            float[] out, int outAt, int outRowStride, int outColStride) {
        // SIMD for rows of adjacent values whose activation has lanes with the scalar bits. An
        // output whose rows overlap, or a view written over itself at another offset, keeps the
        // order of the scalar loop below.
        if (Simd.enabled() && inColStride == 1 && outColStride == 1
                && rowsInPlaceOrApart(rows, cols, in, inAt, inRowStride, out, outAt, outRowStride)
                && VectorMath.unaryHasLanes(function)) {
            // Values per worker below which one thread does it all: a hand-off would cost more.
            int grain = 32768;
            boolean dense = inRowStride == cols && outRowStride == cols;
            // Elementwise, so any split gives the same bits; split only when each worker gets enough work.
            Threads.parallel(rows, Math.max(1, grain / cols), (from, to, worker) -> {
                if (dense) {
                    VectorMath.unary(function, (to - from) * cols, in, inAt + from * cols, out, outAt + from * cols);
                    return;
                }
                for (int r = from; r < to; r++) {
                    VectorMath.unary(function, cols, in, inAt + r * inRowStride, out, outAt + r * outRowStride);
                }
            });
            return;
        }
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < cols; c++) {
                out[outAt + r * outRowStride + c * outColStride] = function.apply(in[inAt + r * inRowStride + c * inColStride]);
            }
        }
    }

    /** {@code out = a op b} elementwise; a stride of 0 broadcasts an operand along that axis. */
    public static void binary(BinaryOp op, int rows, int cols,
            float[] a, int aAt, int aRowStride, int aColStride,
            float[] b, int bAt, int bRowStride, int bColStride,
            float[] out, int outAt, int outRowStride, int outColStride) {
        // SIMD along rows of adjacent values (b may be one value per row: a column broadcast),
        // when each operand is apart from the output or is it, at the same place.
        if (Simd.enabled() && aColStride == 1 && (bColStride == 1 || bColStride == 0) && outColStride == 1
                && VectorKernels.binaryHasLanes(op)
                && rowsInPlaceOrApart(rows, cols, a, aAt, aRowStride, out, outAt, outRowStride)
                && (bColStride == 0 ? apart(rows, 1, b, bAt, bRowStride, cols, out, outAt, outRowStride)
                        : rowsInPlaceOrApart(rows, cols, b, bAt, bRowStride, out, outAt, outRowStride))) {
            boolean broadcast = bColStride == 0;
            Threads.parallel(rows, rowsPerWorker(cols), (from, to, worker) -> {
                for (int r = from; r < to; r++) {
                    VectorKernels.binary(op, cols, a, aAt + r * aRowStride, b, bAt + r * bRowStride, broadcast,
                            out, outAt + r * outRowStride);
                }
            });
            return;
        }
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < cols; c++) {
                out[outAt + r * outRowStride + c * outColStride] =
                        op.apply(a[aAt + r * aRowStride + c * aColStride], b[bAt + r * bRowStride + c * bColStride]);
            }
        }
    }

    /**
     * Whether a row kernel may run row by row in any order: the output's rows do not overlap
     * each other, and the input is the output itself at the same place or does not meet it.
     * Generated models keep their activations in one arena array, so "another array" is not
     * enough: input and output are usually the same array at offsets apart.
     */
    static boolean rowsInPlaceOrApart(int rows, int cols, float[] in, int inAt, int inStride,
            float[] out, int outAt, int outStride) {
        if (rows <= 0 || cols <= 0 || (rows > 1 && outStride < cols)) {
            return false;
        }
        boolean inPlace = in == out && inAt == outAt && inStride == outStride;
        return inPlace || apart(rows, cols, in, inAt, inStride, cols, out, outAt, outStride);
    }

    /** Whether {@code rows} rows of {@code inCols} values of {@code in} share no element with those of {@code outCols} values of {@code out}. */
    private static boolean apart(int rows, int inCols, float[] in, int inAt, int inStride, int outCols,
            float[] out, int outAt, int outStride) {
        if (in != out) {
            return true;
        }
        long inEnd = inAt + (long) (rows - 1) * inStride + inCols;
        long outEnd = outAt + (long) (rows - 1) * outStride + outCols;
        return inEnd <= outAt || outEnd <= inAt;
    }

    /** Rows per worker for a pass over rows of {@code cols} values: about 32K values, below which a hand-off costs more than it saves. */
    private static int rowsPerWorker(int cols) {
        return Math.max(1, 32768 / Math.max(1, cols));
    }

    /** {@code out = in op value} (or {@code value op in} when the number is on the left). */
    public static void scalar(BinaryOp op, float value, boolean numberOnLeft, int rows, int cols,
            float[] in, int inAt, int inRowStride, int inColStride,
            float[] out, int outAt, int outRowStride, int outColStride) {
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < cols; c++) {
                float x = in[inAt + r * inRowStride + c * inColStride];
                out[outAt + r * outRowStride + c * outColStride] = numberOnLeft ? op.apply(value, x) : op.apply(x, value);
            }
        }
    }

    /** {@code out = a op b} elementwise on whole numbers ({@code arange(T) + ids}); a stride of 0 broadcasts. */
    public static void binary(BinaryOp op, int rows, int cols,
            int[] a, int aAt, int aRowStride, int aColStride,
            int[] b, int bAt, int bRowStride, int bColStride,
            int[] out, int outAt, int outRowStride, int outColStride) {
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < cols; c++) {
                out[outAt + r * outRowStride + c * outColStride] =
                        op.apply(a[aAt + r * aRowStride + c * aColStride], b[bAt + r * bRowStride + c * bColStride]);
            }
        }
    }

    /** {@code out = in op value} on whole numbers ({@code arange(T) + 2}), or {@code value op in}. */
    public static void scalar(BinaryOp op, int value, boolean numberOnLeft, int rows, int cols,
            int[] in, int inAt, int inRowStride, int inColStride,
            int[] out, int outAt, int outRowStride, int outColStride) {
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < cols; c++) {
                int x = in[inAt + r * inRowStride + c * inColStride];
                out[outAt + r * outRowStride + c * outColStride] = numberOnLeft ? op.apply(value, x) : op.apply(x, value);
            }
        }
    }

    /**
     * {@code out = cond != 0 ? a : b} elementwise. A side given as a null array is the number
     * after it ({@code where(x > 0, x, 0.0)}); a stride of 0 broadcasts an operand.
     */
    public static void where(int rows, int cols,
            float[] cond, int cAt, int cRowStride, int cColStride,
            float[] a, int aAt, int aRowStride, int aColStride, float aNumber,
            float[] b, int bAt, int bRowStride, int bColStride, float bNumber,
            float[] out, int outAt, int outRowStride, int outColStride) {
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < cols; c++) {
                boolean pick = cond[cAt + r * cRowStride + c * cColStride] != 0;
                float value = pick
                        ? a == null ? aNumber : a[aAt + r * aRowStride + c * aColStride]
                        : b == null ? bNumber : b[bAt + r * bRowStride + c * bColStride];
                out[outAt + r * outRowStride + c * outColStride] = value;
            }
        }
    }

    /**
     * Reduces {@code count} values {@code step} apart, for each element of a rows x cols view of
     * the result: sums and means in double precision, max and min exactly. With a {@code mask}
     * (whole numbers {@code maskStep} apart along the reduced axis), positions where it is 0 are
     * left out; a reduction over no position gives 0, as sentence-transformers' mean pooling
     * does for an all-padding sequence.
     */
    public static void reduce(ReduceOp op, int rows, int cols, int count,
            float[] in, int inAt, int inRowStride, int inColStride, int step,
            int[] mask, int maskAt, int maskStep,
            float[] out, int outAt, int outRowStride, int outColStride) {
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < cols; c++) {
                int x = inAt + r * inRowStride + c * inColStride;
                double sum = 0;
                float best = op == ReduceOp.MAX ? Float.NEGATIVE_INFINITY : Float.POSITIVE_INFINITY;
                int seen = 0;
                for (int k = 0; k < count; k++) {
                    if (mask != null && mask[maskAt + k * maskStep] == 0) {
                        continue;
                    }
                    float value = in[x + k * step];
                    seen++;
                    sum += value;
                    best = op == ReduceOp.MAX ? Math.max(best, value) : Math.min(best, value);
                }
                float result = switch (op) {
                    case SUM -> (float) sum;
                    case MEAN -> seen == 0 ? 0 : (float) (sum / seen);
                    case MAX, MIN -> seen == 0 ? 0 : best;
                };
                out[outAt + r * outRowStride + c * outColStride] = result;
            }
        }
    }

    /** {@code cap * tanh(x / cap)} elementwise. */
    public static void softcap(float cap, int rows, int cols,
            float[] in, int inAt, int inRowStride, int inColStride,
            float[] out, int outAt, int outRowStride, int outColStride) {
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < cols; c++) {
                float x = in[inAt + r * inRowStride + c * inColStride];
                out[outAt + r * outRowStride + c * outColStride] = (float) (cap * Math.tanh(x / cap));
            }
        }
    }

    /** Softmax along each row of the view: subtract the row's max, exponentiate, normalise. */
    public static void softmax(int rows, int cols,
            float[] in, int inAt, int inRowStride, int inColStride,
            float[] out, int outAt, int outRowStride, int outColStride) {
        for (int r = 0; r < rows; r++) {
            int x = inAt + r * inRowStride;
            int y = outAt + r * outRowStride;
            float max = Float.NEGATIVE_INFINITY;
            for (int c = 0; c < cols; c++) {
                max = Math.max(max, in[x + c * inColStride]);
            }
            double sum = 0;
            for (int c = 0; c < cols; c++) {
                float e = (float) Math.exp(in[x + c * inColStride] - max);
                out[y + c * outColStride] = e;
                sum += e;
            }
            float inverse = (float) (1 / sum);
            for (int c = 0; c < cols; c++) {
                out[y + c * outColStride] *= inverse;
            }
        }
    }

    /** {@code out[n][m] = sum_k a[n][k] * b[k][m]} over strided views. */
    public static void matmul(int n, int k, int m,
            float[] a, int aAt, int aRowStride, int aColStride,
            float[] b, int bAt, int bRowStride, int bColStride,
            float[] out, int outAt, int outRowStride, int outColStride) {
        for (int row = 0; row < n; row++) {
            for (int col = 0; col < m; col++) {
                float sum = 0;
                for (int inner = 0; inner < k; inner++) {
                    sum += a[aAt + row * aRowStride + inner * aColStride] * b[bAt + inner * bRowStride + col * bColStride];
                }
                out[outAt + row * outRowStride + col * outColStride] = sum;
            }
        }
    }

    /** Copies a rows x cols view. */
    public static void copy(int rows, int cols, float[] in, int inAt, int inRowStride, int inColStride,
            float[] out, int outAt, int outRowStride, int outColStride) {
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < cols; c++) {
                out[outAt + r * outRowStride + c * outColStride] = in[inAt + r * inRowStride + c * inColStride];
            }
        }
    }

    /** Copies a rows x cols view of whole numbers. */
    public static void copy(int rows, int cols, int[] in, int inAt, int inRowStride, int inColStride,
            int[] out, int outAt, int outRowStride, int outColStride) {
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < cols; c++) {
                out[outAt + r * outRowStride + c * outColStride] = in[inAt + r * inRowStride + c * inColStride];
            }
        }
    }

    /** Positions {@code start, start + 1, ...}: arange(T) for rows starting at an absolute position. */
    public static void arange(int rows, int start, int[] out, int outAt) {
        for (int r = 0; r < rows; r++) {
            out[outAt + r] = start + r;
        }
    }

    /**
     * The sinusoidal table of Vaswani et al. for positions {@code start ..}: feature 2k is
     * sin(t / base^(2k / width)), feature 2k + 1 the cosine of the same angle.
     */
    public static void sinusoidal(int rows, int width, int start, double base, float[] out, int outAt, int outStride) {
        for (int r = 0; r < rows; r++) {
            int t = start + r;
            int y = outAt + r * outStride;
            for (int k = 0; k < width / 2; k++) {
                double angle = t / Math.pow(base, 2.0 * k / width);
                out[y + 2 * k] = (float) Math.sin(angle);
                out[y + 2 * k + 1] = (float) Math.cos(angle);
            }
        }
    }

    /**
     * Rotary position embedding of rows at positions {@code start}, {@code start + 1}, ...:
     * see {@link #rope(int, int, int, boolean, double[], int[], int, int, int, float[], int, int, float[], int, int)}.
     */
    public static void rope(int rows, int heads, int headDim, int rotaryDim, boolean interleaved, double base, int start,
            float[] in, int inAt, int inStride, float[] out, int outAt, int outStride) {
        rope(rows, heads, headDim, interleaved, Positions.ropeFrequencies(rotaryDim, base), null, 0, 0, start,
                in, inAt, inStride, out, outAt, outStride);
    }

    /**
     * Rotary position embedding (Su et al.): in each head, the pair k of features ({@code 2k,
     * 2k + 1} when interleaved, else {@code k, k + rotaryDim / 2}) is rotated by the angle
     * {@code t * frequencies[k]}, where {@code rotaryDim = 2 * frequencies.length} and t is the
     * row's position: {@code positions[positionsAt + r * positionsStride]} when positions are
     * given, else {@code start + r}. Angles and their sines are computed in double precision, once
     * per row for all heads; features past the rotated ones are copied.
     */
    public static void rope(int rows, int heads, int headDim, boolean interleaved, double[] frequencies,
            int[] positions, int positionsAt, int positionsStride, int start,
            float[] in, int inAt, int inStride, float[] out, int outAt, int outStride) {
        int pairs = frequencies.length;
        int rotaryDim = 2 * pairs;
        for (int r = 0; r < rows; r++) {
            long t = positions == null ? (long) start + r : positions[positionsAt + r * positionsStride];
            int x = inAt + r * inStride;
            int y = outAt + r * outStride;
            for (int k = 0; k < pairs; k++) {
                double angle = t * frequencies[k];
                float cos = (float) Math.cos(angle);
                float sin = (float) Math.sin(angle);
                int first = interleaved ? 2 * k : k;
                int second = interleaved ? 2 * k + 1 : k + pairs;
                for (int h = 0; h < heads; h++) {
                    int head = h * headDim;
                    float a = in[x + head + first];
                    float b = in[x + head + second];
                    out[y + head + first] = a * cos - b * sin;
                    out[y + head + second] = a * sin + b * cos;
                }
            }
            if ((in != out || x != y) && rotaryDim < headDim) {
                for (int h = 0; h < heads; h++) {
                    System.arraycopy(in, x + h * headDim + rotaryDim, out, y + h * headDim + rotaryDim, headDim - rotaryDim);
                }
            }
        }
    }

    // ---------------------------------------------------------------- the same kernels over named rows
    //
    // What generated models call: each operand is a view made once per instance and named as in
    // the .attn file, so a call reads like its statement. Each overload only unpacks its views
    // into the offset form above (columns next to each other), small enough for the JIT to inline.

    /** {@code out = a + b} over {@code rows} rows. */
    public static void add(int rows, Rows a, Rows b, Rows out) {
        binary(BinaryOp.ADD, rows, a, b, out);
    }

    /** {@code out = a - b} over {@code rows} rows. */
    public static void sub(int rows, Rows a, Rows b, Rows out) {
        binary(BinaryOp.SUB, rows, a, b, out);
    }

    /** {@code out = a * b} over {@code rows} rows. */
    public static void mul(int rows, Rows a, Rows b, Rows out) {
        binary(BinaryOp.MUL, rows, a, b, out);
    }

    /** {@code out = a / b} over {@code rows} rows. */
    public static void div(int rows, Rows a, Rows b, Rows out) {
        binary(BinaryOp.DIV, rows, a, b, out);
    }

    /** {@code out = silu(gate) * up} over {@code rows} rows: the gated unit of SwiGLU. */
    public static void swiglu(int rows, Rows gate, Rows up, Rows out) {
        binary(BinaryOp.SWIGLU, rows, gate, up, out);
    }

    /** {@code out = a op b} over {@code rows} rows of {@code out.width()} columns. */
    public static void binary(BinaryOp op, int rows, Rows a, Rows b, Rows out) {
        binary(op, rows, out.width(), a.values(), a.at(), a.stride(), 1, b.values(), b.at(), b.stride(), 1,
                out.values(), out.at(), out.stride(), 1);
    }

    /** {@code out = in op value} (or {@code value op in} when the number is on the left) over {@code rows} rows. */
    public static void scalar(BinaryOp op, float value, boolean numberOnLeft, int rows, Rows in, Rows out) {
        scalar(op, value, numberOnLeft, rows, out.width(), in.values(), in.at(), in.stride(), 1,
                out.values(), out.at(), out.stride(), 1);
    }

    /** {@code out = f(in)} over {@code rows} rows. */
    public static void unary(Activation function, int rows, Rows in, Rows out) {
        unary(function, rows, out.width(), in.values(), in.at(), in.stride(), 1, out.values(), out.at(), out.stride(), 1);
    }

    /** {@code out = cap * tanh(in / cap)} over {@code rows} rows. */
    public static void softcap(float cap, int rows, Rows in, Rows out) {
        softcap(cap, rows, out.width(), in.values(), in.at(), in.stride(), 1, out.values(), out.at(), out.stride(), 1);
    }

    /** Copies {@code rows} rows of {@code in} to {@code out}. */
    public static void copy(int rows, Rows in, Rows out) {
        copy(rows, out.width(), in.values(), in.at(), in.stride(), 1, out.values(), out.at(), out.stride(), 1);
    }

    /**
     * {@code out[r] = act(in[r] . weight^T + bias)}: see {@link #linear(int, int, int, float[], int, int, Matrix,
     * float[], Activation, float[], int, int)}; the widths are the weight's.
     */
    public static void linear(int rows, Rows in, Matrix weight, float[] bias, Activation activation, Rows out) {
        linear(rows, in.width(), out.width(), in.values(), in.at(), in.stride(), weight, bias, activation,
                out.values(), out.at(), out.stride());
    }

    /** Layer normalisation of {@code rows} rows: see {@link #layerNorm(int, int, float[], int, int, float[], float[], float, float[], int, int)}. */
    public static void layerNorm(int rows, Rows in, float[] weight, float[] bias, float eps, Rows out) {
        layerNorm(rows, in.width(), in.values(), in.at(), in.stride(), weight, bias, eps, out.values(), out.at(), out.stride());
    }

    /** RMS normalisation of {@code rows} rows: see {@link #rmsNorm(int, int, float[], int, int, float[], float, float, float[], int, int)}. */
    public static void rmsNorm(int rows, Rows in, float[] weight, float weightOffset, float eps, Rows out) {
        rmsNorm(rows, in.width(), in.values(), in.at(), in.stride(), weight, weightOffset, eps, out.values(), out.at(), out.stride());
    }

    /** Rows of {@code table} picked by {@code ids}, {@code out.width()} columns each. Ids were range-checked by the caller. */
    public static void embedding(int rows, IntRows ids, float[] table, Rows out) {
        embedding(rows, ids.values(), ids.at(), ids.stride(), table, out.width(), out.values(), out.at(), out.stride());
    }

    /** Positions {@code start, start + 1, ...} into {@code rows} rows of {@code out}. */
    public static void arange(int rows, int start, IntRows out) {
        int[] values = out.values();
        for (int r = 0; r < rows; r++) {
            values[out.at(r)] = start + r;
        }
    }

    /** The sinusoidal table of positions {@code start ..}: see {@link #sinusoidal(int, int, int, double, float[], int, int)}. */
    public static void sinusoidal(int rows, int start, double base, Rows out) {
        sinusoidal(rows, out.width(), start, base, out.values(), out.at(), out.stride());
    }

    /**
     * Rotary position embedding of {@code heads} heads at positions {@code start, start + 1, ...}:
     * see {@link #rope(int, int, int, boolean, double[], int[], int, int, int, float[], int, int, float[], int, int)}.
     */
    public static void rope(int rows, int heads, boolean interleaved, double[] frequencies, int start, Rows in, Rows out) {
        rope(rows, heads, out.width() / heads, interleaved, frequencies, null, 0, 0, start,
                in.values(), in.at(), in.stride(), out.values(), out.at(), out.stride());
    }

    /** Rotary position embedding at the positions {@code positions} holds, one per row. */
    public static void rope(int rows, int heads, boolean interleaved, double[] frequencies, IntRows positions, Rows in, Rows out) {
        rope(rows, heads, out.width() / heads, interleaved, frequencies, positions.values(), positions.at(), positions.stride(), 0,
                in.values(), in.at(), in.stride(), out.values(), out.at(), out.stride());
    }
}
