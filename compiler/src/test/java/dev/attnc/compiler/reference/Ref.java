package dev.attnc.compiler.reference;

import java.util.Arrays;

/**
 * A small float64 reference library for checking generated code. Everything here is written
 * from the papers' formulas in plain loops, with no cleverness: clarity over speed.
 *
 * <p>Conventions: a {@code double[][]} is {@code [rows][features]}, rows being sequence
 * positions; a {@code double[][][]} of heads is {@code [H][T][Dh]}. Weights arrive as
 * checkpoint tensors, row-major {@code float[]}, and are widened to double on read. Every
 * method returns fresh arrays and never modifies its arguments.
 */
public final class Ref {
    private Ref() {}

    // ---------------------------------------------------------------------------------------
    // Shapes and elementwise arithmetic
    // ---------------------------------------------------------------------------------------

    /** Widens a float tensor. */
    public static double[] toDouble(float[] a) {
        double[] r = new double[a.length];
        for (int i = 0; i < a.length; i++) r[i] = a[i];
        return r;
    }

    /** Reshapes a row-major float tensor to {@code [rows][cols]} in double. */
    public static double[][] matrix(float[] a, int rows, int cols) {
        requireLength(a, (long) rows * cols, "matrix");
        double[][] r = new double[rows][cols];
        for (int i = 0; i < rows; i++)
            for (int j = 0; j < cols; j++) r[i][j] = a[i * cols + j];
        return r;
    }

    public static double[][] copy(double[][] x) {
        double[][] r = new double[x.length][];
        for (int i = 0; i < x.length; i++) r[i] = x[i].clone();
        return r;
    }

    public static double[][] zeros(int rows, int cols) {
        return new double[rows][cols];
    }

    public static double[][] transpose(double[][] x) {
        int n = x.length, m = n == 0 ? 0 : x[0].length;
        double[][] r = new double[m][n];
        for (int i = 0; i < n; i++)
            for (int j = 0; j < m; j++) r[j][i] = x[i][j];
        return r;
    }

    /** {@code a @ b}: {@code [n][k] x [k][m] -> [n][m]}. */
    public static double[][] matmul(double[][] a, double[][] b) {
        int n = a.length, k = b.length, m = k == 0 ? 0 : b[0].length;
        double[][] r = new double[n][m];
        for (int i = 0; i < n; i++) {
            if (a[i].length != k) throw new IllegalArgumentException("matmul: inner dims " + a[i].length + " vs " + k);
            for (int j = 0; j < m; j++) {
                double s = 0;
                for (int t = 0; t < k; t++) s += a[i][t] * b[t][j];
                r[i][j] = s;
            }
        }
        return r;
    }

    public static double dot(double[] a, double[] b) {
        if (a.length != b.length) throw new IllegalArgumentException("dot: " + a.length + " vs " + b.length);
        double s = 0;
        for (int i = 0; i < a.length; i++) s += a[i] * b[i];
        return s;
    }

    public static double[][] add(double[][] a, double[][] b) {
        sameShape(a, b, "add");
        double[][] r = new double[a.length][];
        for (int i = 0; i < a.length; i++) {
            r[i] = new double[a[i].length];
            for (int j = 0; j < a[i].length; j++) r[i][j] = a[i][j] + b[i][j];
        }
        return r;
    }

    /** Elementwise product of two equal shapes. */
    public static double[][] mul(double[][] a, double[][] b) {
        sameShape(a, b, "mul");
        double[][] r = new double[a.length][];
        for (int i = 0; i < a.length; i++) {
            r[i] = new double[a[i].length];
            for (int j = 0; j < a[i].length; j++) r[i][j] = a[i][j] * b[i][j];
        }
        return r;
    }

    public static double[][] scale(double[][] a, double c) {
        double[][] r = new double[a.length][];
        for (int i = 0; i < a.length; i++) {
            r[i] = new double[a[i].length];
            for (int j = 0; j < a[i].length; j++) r[i][j] = a[i][j] * c;
        }
        return r;
    }

    /** Adds a vector to every row (broadcast over the last dim). */
    public static double[][] addRow(double[][] a, float[] row) {
        double[][] r = new double[a.length][];
        for (int i = 0; i < a.length; i++) {
            requireLength(row, a[i].length, "addRow");
            r[i] = new double[a[i].length];
            for (int j = 0; j < a[i].length; j++) r[i][j] = a[i][j] + row[j];
        }
        return r;
    }

    /** Parts of the last dim: {@code split(x, n)} gives n equal parts. */
    public static double[][][] split(double[][] x, int n) {
        int w = x.length == 0 ? 0 : x[0].length;
        if (w % n != 0) throw new IllegalArgumentException("split: " + w + " is not divisible by " + n);
        int[] sizes = new int[n];
        Arrays.fill(sizes, w / n);
        return split(x, sizes);
    }

    /** Parts of the last dim with the given widths. */
    public static double[][][] split(double[][] x, int[] sizes) {
        double[][][] r = new double[sizes.length][x.length][];
        for (int i = 0; i < x.length; i++) {
            int off = 0;
            for (int p = 0; p < sizes.length; p++) {
                r[p][i] = Arrays.copyOfRange(x[i], off, off + sizes[p]);
                off += sizes[p];
            }
            if (off != x[i].length) throw new IllegalArgumentException("split: sizes sum to " + off + ", width is " + x[i].length);
        }
        return r;
    }

    /** Parts of a vector: {@code split(b, n)} for a bias. */
    public static float[][] split(float[] b, int n) {
        if (b.length % n != 0) throw new IllegalArgumentException("split: " + b.length + " is not divisible by " + n);
        int w = b.length / n;
        float[][] r = new float[n][];
        for (int p = 0; p < n; p++) r[p] = Arrays.copyOfRange(b, p * w, (p + 1) * w);
        return r;
    }

    /** {@code heads(x, H)}: {@code [T][H*Dh] -> [H][T][Dh]}, head h holding columns h*Dh .. h*Dh+Dh-1. */
    public static double[][][] heads(double[][] x, int h) {
        int t = x.length, w = t == 0 ? 0 : x[0].length;
        if (w % h != 0) throw new IllegalArgumentException("heads: " + w + " is not divisible by " + h);
        int dh = w / h;
        double[][][] r = new double[h][t][dh];
        for (int hh = 0; hh < h; hh++)
            for (int i = 0; i < t; i++)
                for (int d = 0; d < dh; d++) r[hh][i][d] = x[i][hh * dh + d];
        return r;
    }

    /** {@code merge_heads(x)}: {@code [H][T][Dh] -> [T][H*Dh]}, the inverse of {@link #heads}. */
    public static double[][] mergeHeads(double[][][] x) {
        int h = x.length, t = h == 0 ? 0 : x[0].length, dh = t == 0 ? 0 : x[0][0].length;
        double[][] r = new double[t][h * dh];
        for (int hh = 0; hh < h; hh++)
            for (int i = 0; i < t; i++)
                for (int d = 0; d < dh; d++) r[i][hh * dh + d] = x[hh][i][d];
        return r;
    }

    /** Splits the last dim of a per-head tensor: {@code [H][T][n*w] -> n x [H][T][w]}. */
    public static double[][][][] splitHeads(double[][][] x, int n) {
        double[][][][] r = new double[n][x.length][][];
        for (int hh = 0; hh < x.length; hh++) {
            double[][][] parts = split(x[hh], n);
            for (int p = 0; p < n; p++) r[p][hh] = parts[p];
        }
        return r;
    }

    /** {@code arange(T)}: 0 .. T - 1. */
    public static int[] arange(int t) {
        int[] r = new int[t];
        for (int i = 0; i < t; i++) r[i] = i;
        return r;
    }

    // ---------------------------------------------------------------------------------------
    // Linear layers, norms, embeddings
    // ---------------------------------------------------------------------------------------

    /**
     * PyTorch's {@code nn.Linear}: {@code y = x W^T + b}, with W stored {@code [out][in]}
     * row-major, so {@code y[t][o] = b[o] + sum_i x[t][i] * W[o * in + i]}.
     *
     * @param bias {@code [out]}, or null for {@code bias = false}
     */
    public static double[][] linear(double[][] x, float[] weight, float[] bias, int in, int out) {
        requireLength(weight, (long) in * out, "linear weight");
        if (bias != null) requireLength(bias, out, "linear bias");
        double[][] r = new double[x.length][out];
        for (int t = 0; t < x.length; t++) {
            requireWidth(x[t], in, "linear input");
            for (int o = 0; o < out; o++) {
                double s = bias == null ? 0 : bias[o];
                for (int i = 0; i < in; i++) s += x[t][i] * weight[o * in + i];
                r[t][o] = s;
            }
        }
        return r;
    }

    /**
     * GPT-2's {@code Conv1D} ({@code linear(..., transposed = true)}): {@code y = x W + b} with
     * W stored {@code [in][out]} row-major, so {@code y[t][o] = b[o] + sum_i x[t][i] * W[i * out + o]}.
     */
    public static double[][] linearTransposed(double[][] x, float[] weight, float[] bias, int in, int out) {
        requireLength(weight, (long) in * out, "linear weight");
        if (bias != null) requireLength(bias, out, "linear bias");
        double[][] r = new double[x.length][out];
        for (int t = 0; t < x.length; t++) {
            requireWidth(x[t], in, "linear input");
            for (int o = 0; o < out; o++) {
                double s = bias == null ? 0 : bias[o];
                for (int i = 0; i < in; i++) s += x[t][i] * weight[i * out + o];
                r[t][o] = s;
            }
        }
        return r;
    }

    /**
     * LayerNorm (Ba, Kiros and Hinton, 2016; PyTorch {@code nn.LayerNorm}) over the last dim:
     * {@code y = (x - mean) / sqrt(var + eps) * weight + bias}, with the biased variance
     * {@code var = mean((x - mean)^2)}.
     *
     * @param weight {@code [D]}, or null for no scale
     * @param bias {@code [D]}, or null for {@code bias = false}
     */
    public static double[][] layerNorm(double[][] x, float[] weight, float[] bias, double eps) {
        double[][] r = new double[x.length][];
        for (int t = 0; t < x.length; t++) {
            int d = x[t].length;
            if (weight != null) requireLength(weight, d, "layerNorm weight");
            if (bias != null) requireLength(bias, d, "layerNorm bias");
            double mean = 0;
            for (int i = 0; i < d; i++) mean += x[t][i];
            mean /= d;
            double var = 0;
            for (int i = 0; i < d; i++) var += (x[t][i] - mean) * (x[t][i] - mean);
            var /= d;
            double inv = 1.0 / Math.sqrt(var + eps);
            r[t] = new double[d];
            for (int i = 0; i < d; i++) {
                double y = (x[t][i] - mean) * inv;
                if (weight != null) y *= weight[i];
                if (bias != null) y += bias[i];
                r[t][i] = y;
            }
        }
        return r;
    }

    /**
     * RMSNorm (Zhang and Sennrich, 2019, eq. 4) over the last dim:
     * {@code y = x / sqrt(mean(x^2) + eps) * (weight + weightOffset)}. {@code weightOffset = 1}
     * is Gemma's {@code x * (1 + w)}; Llama and Mistral use 0.
     */
    public static double[][] rmsNorm(double[][] x, float[] weight, double eps, double weightOffset) {
        double[][] r = new double[x.length][];
        for (int t = 0; t < x.length; t++) {
            int d = x[t].length;
            requireLength(weight, d, "rmsNorm weight");
            double ms = 0;
            for (int i = 0; i < d; i++) ms += x[t][i] * x[t][i];
            ms /= d;
            double inv = 1.0 / Math.sqrt(ms + eps);
            r[t] = new double[d];
            for (int i = 0; i < d; i++) r[t][i] = x[t][i] * inv * (weight[i] + weightOffset);
        }
        return r;
    }

    /** {@code nn.Embedding}: row {@code ids[t]} of the {@code [N][D]} table. */
    public static double[][] embedding(int[] ids, float[] table, int d) {
        if (table.length % d != 0) throw new IllegalArgumentException("embedding: table of " + table.length + " is not [N, " + d + "]");
        int n = table.length / d;
        double[][] r = new double[ids.length][d];
        for (int t = 0; t < ids.length; t++) {
            if (ids[t] < 0 || ids[t] >= n) throw new IndexOutOfBoundsException("embedding: id " + ids[t] + " not in [0, " + n + ")");
            for (int i = 0; i < d; i++) r[t][i] = table[ids[t] * d + i];
        }
        return r;
    }

    // ---------------------------------------------------------------------------------------
    // Activations
    // ---------------------------------------------------------------------------------------

    /**
     * The error function {@code erf(x) = 2/sqrt(pi) * integral_0^x exp(-t^2) dt}, to an absolute
     * error of a few 1e-16 (well under 1e-12). For |x| < 2.5 it sums the series (Abramowitz and
     * Stegun 7.1.6) {@code erf(x) = 2/sqrt(pi) * exp(-x^2) * sum_{n>=0} 2^n x^(2n+1) / (1*3*...*(2n+1))},
     * whose terms are all of one sign, so no cancellation loses digits. For 2.5 <= |x| < 6 it
     * takes {@code 1 - erfc(|x|)} with erfc from its continued fraction (A&S 7.1.14)
     * {@code erfc(x) = exp(-x^2)/sqrt(pi) * 1/(x + (1/2)/(x + 1/(x + (3/2)/(x + 2/(x + ...)))))},
     * evaluated backwards from 200 terms (converged to double precision by 100 for x >= 2);
     * erfc(x) < 4.1e-4 there, so its relative rounding error hardly reaches erf. Beyond 6,
     * {@code 1 - |erf(x)| < 2.2e-17}, below double resolution near 1.
     */
    public static double erf(double x) {
        if (Double.isNaN(x)) return Double.NaN;
        double ax = Math.abs(x);
        if (ax == 0.0) return x;
        if (ax >= 6.0) return Math.copySign(1.0, x);
        if (ax >= 2.5) return Math.copySign(1.0 - erfc(ax), x);
        double x2 = ax * ax;
        double term = ax; // n = 0: x / 1
        double sum = term;
        for (int n = 1; n < 1000; n++) {
            term *= 2.0 * x2 / (2 * n + 1);
            sum += term;
            if (term < 1e-17 * sum) break;
        }
        double r = 2.0 / Math.sqrt(Math.PI) * Math.exp(-x2) * sum;
        return Math.copySign(Math.min(r, 1.0), x);
    }

    /** The complementary error function for x >= 2, by the continued fraction of {@link #erf}. */
    static double erfc(double x) {
        if (x < 2.0) throw new IllegalArgumentException("erfc: the continued fraction is used for x >= 2 only");
        double f = x;
        for (int n = 200; n >= 1; n--) f = x + (n / 2.0) / f;
        return Math.exp(-x * x) / Math.sqrt(Math.PI) / f;
    }

    /** Exact GELU (Hendrycks and Gimpel, 2016): {@code x * Phi(x) = x/2 * (1 + erf(x / sqrt 2))}. */
    public static double gelu(double x) {
        return x * 0.5 * (1.0 + erf(x / Math.sqrt(2.0)));
    }

    /** GELU's tanh approximation (GPT-2, BERT's original code): {@code x/2 (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)))}. */
    public static double geluTanh(double x) {
        return 0.5 * x * (1.0 + Math.tanh(Math.sqrt(2.0 / Math.PI) * (x + 0.044715 * x * x * x)));
    }

    public static double sigmoid(double x) {
        return 1.0 / (1.0 + Math.exp(-x));
    }

    /** SiLU / swish (Elfwing et al., 2018; Ramachandran et al., 2017): {@code x * sigmoid(x)}. */
    public static double silu(double x) {
        return x * sigmoid(x);
    }

    public static double relu(double x) {
        return x > 0 ? x : 0.0;
    }

    /** An elementwise function of one double. */
    @FunctionalInterface
    public interface Fn {
        double apply(double x);
    }

    public static double[][] map(double[][] x, Fn f) {
        double[][] r = new double[x.length][];
        for (int i = 0; i < x.length; i++) {
            r[i] = new double[x[i].length];
            for (int j = 0; j < x[i].length; j++) r[i][j] = f.apply(x[i][j]);
        }
        return r;
    }

    public static double[][] gelu(double[][] x) { return map(x, Ref::gelu); }
    public static double[][] geluTanh(double[][] x) { return map(x, Ref::geluTanh); }
    public static double[][] silu(double[][] x) { return map(x, Ref::silu); }
    public static double[][] relu(double[][] x) { return map(x, Ref::relu); }

    /** SwiGLU (Shazeer, 2020, eq. 6 without the biases): {@code silu(gate) * up}. */
    public static double[][] swiglu(double[][] gate, double[][] up) {
        return mul(silu(gate), up);
    }

    /** Softmax of a vector, max-subtracted: {@code exp(x_i - max) / sum_j exp(x_j - max)}. */
    public static double[] softmax(double[] x) {
        double max = Double.NEGATIVE_INFINITY;
        for (double v : x) max = Math.max(max, v);
        double[] r = new double[x.length];
        double sum = 0;
        for (int i = 0; i < x.length; i++) {
            r[i] = Math.exp(x[i] - max);
            sum += r[i];
        }
        for (int i = 0; i < x.length; i++) r[i] /= sum;
        return r;
    }

    /** Softmax of each row. */
    public static double[][] softmax(double[][] x) {
        double[][] r = new double[x.length][];
        for (int i = 0; i < x.length; i++) r[i] = softmax(x[i]);
        return r;
    }

    // ---------------------------------------------------------------------------------------
    // Positional encodings
    // ---------------------------------------------------------------------------------------

    /** {@link #sinusoidal(int, int, double)} with base 10000. */
    public static double[][] sinusoidal(int t, int d) {
        return sinusoidal(t, d, 10000.0);
    }

    /**
     * The sinusoidal table of Vaswani et al. (2017), section 3.5:
     * {@code PE[pos][2k] = sin(pos / base^(2k/D))}, {@code PE[pos][2k+1] = cos(pos / base^(2k/D))}.
     */
    public static double[][] sinusoidal(int t, int d, double base) {
        double[][] r = new double[t][d];
        for (int pos = 0; pos < t; pos++)
            for (int i = 0; i < d; i++) {
                int k = i / 2;
                double angle = pos / Math.pow(base, 2.0 * k / d);
                r[pos][i] = (i % 2 == 0) ? Math.sin(angle) : Math.cos(angle);
            }
        return r;
    }

    /** How RoPE pairs the features of a head. */
    public enum RopeLayout {
        /** Feature k with k + rot/2 (Hugging Face's {@code rotate_half}; GPT-NeoX). */
        HALF,
        /** Feature 2k with 2k + 1 (Meta's original Llama code; Su et al.'s eq. 34). */
        INTERLEAVED
    }

    /** {@code rope(x, heads = H)}: half layout, base 10000, whole head rotated, positions from 0. */
    public static double[][] rope(double[][] x, int heads) {
        return rope(x, heads, 10000.0, RopeLayout.HALF, -1, 0);
    }

    /** RoPE with the rows at positions 0 .. T - 1; {@code rotaryDim <= 0} means the whole head. */
    public static double[][] rope(double[][] x, int heads, double base, RopeLayout layout, int rotaryDim) {
        return rope(x, heads, base, layout, rotaryDim, 0);
    }

    /**
     * Rotary position embedding (Su et al., 2021, eq. 34): in each head of width
     * {@code Dh = width / heads}, pair k of the first {@code rot} features is rotated by the
     * angle {@code theta = t * base^(-2k / rot)}, t being the row's position:
     * {@code (a, b) -> (a cos theta - b sin theta, b cos theta + a sin theta)}.
     * Features from {@code rot} on are copied (GPT-NeoX's partial rotary).
     *
     * @param rotaryDim rot, even and at most Dh; {@code <= 0} means Dh
     * @param startPos the position of row 0 (for checking decode steps)
     */
    public static double[][] rope(double[][] x, int heads, double base, RopeLayout layout, int rotaryDim, int startPos) {
        double[][] r = copy(x);
        for (int t = 0; t < x.length; t++) {
            int w = x[t].length;
            if (w % heads != 0) throw new IllegalArgumentException("rope: " + w + " is not divisible by " + heads);
            int dh = w / heads;
            int rot = rotaryDim <= 0 ? dh : rotaryDim;
            if (rot % 2 != 0 || rot > dh) throw new IllegalArgumentException("rope: rotary_dim " + rot + " with head width " + dh);
            int pos = startPos + t;
            for (int h = 0; h < heads; h++) {
                int o = h * dh;
                for (int k = 0; k < rot / 2; k++) {
                    double theta = pos * Math.pow(base, -2.0 * k / rot);
                    double c = Math.cos(theta), s = Math.sin(theta);
                    int ia, ib;
                    if (layout == RopeLayout.HALF) {
                        ia = o + k;
                        ib = o + k + rot / 2;
                    } else {
                        ia = o + 2 * k;
                        ib = o + 2 * k + 1;
                    }
                    double a = x[t][ia], b = x[t][ib];
                    r[t][ia] = a * c - b * s;
                    r[t][ib] = b * c + a * s;
                }
            }
        }
        return r;
    }

    /**
     * ALiBi head slopes as in Press et al.'s reference code ({@code get_slopes} in
     * github.com/ofirpress/attention_with_linear_biases): for a power of two n, the geometric
     * sequence {@code start * ratio^h} with {@code start = ratio = 2^(-8/n)}, that is
     * {@code 2^(-8(h+1)/n)}; otherwise, with m the largest power of two below n,
     * {@code slopes(m) + slopes(2m)[0::2][:n - m]}.
     */
    public static double[] alibiSlopes(int n) {
        if (n <= 0) throw new IllegalArgumentException("alibiSlopes: " + n + " heads");
        if (Integer.bitCount(n) == 1) {
            double start = Math.pow(2.0, -8.0 / n); // 2 ** (-2 ** -(log2(n) - 3))
            double[] r = new double[n];
            for (int h = 0; h < n; h++) r[h] = start * Math.pow(start, h);
            return r;
        }
        int m = Integer.highestOneBit(n);
        double[] first = alibiSlopes(m);
        double[] twice = alibiSlopes(2 * m);
        double[] r = new double[n];
        System.arraycopy(first, 0, r, 0, m);
        for (int e = 0; e < n - m; e++) r[m + e] = twice[2 * e];
        return r;
    }

    // ---------------------------------------------------------------------------------------
    // Attention
    // ---------------------------------------------------------------------------------------

    /** A score clause: the new score from the scaled one, {@code (s, i, j, h) -> s'}. */
    @FunctionalInterface
    public interface ScoreFn {
        double apply(double s, int i, int j, int h);
    }

    /** A mask clause: whether query i of head h sees key j. */
    @FunctionalInterface
    public interface MaskFn {
        boolean test(int i, int j, int h);
    }

    /** {@code mask causal}: {@code j <= i}. */
    public static final MaskFn CAUSAL = (i, j, h) -> j <= i;

    /** The default scale, {@code 1 / sqrt(dk)}. */
    public static double defaultScale(int dk) {
        return 1.0 / Math.sqrt(dk);
    }

    /** Multi-head attention with the default scale and nothing else. */
    public static double[][] attention(double[][] q, double[][] k, double[][] v, int heads) {
        return attention(q, k, v, heads, heads, Double.NaN, null, null, 0, 1);
    }

    /** Grouped-query attention with the default scale and a mask (null for none). */
    public static double[][] attention(double[][] q, double[][] k, double[][] v, int heads, int kvHeads, MaskFn mask) {
        return attention(q, k, v, heads, kvHeads, Double.NaN, null, mask, 0, 1);
    }

    /**
     * Scaled dot-product attention (Vaswani et al., 2017, eq. 1, per head as in section 3.2.2),
     * with the language's clauses in the order of docs/language.md, for query i, key j, head h:
     * <ol>
     *   <li>{@code s = (q_i . k_j) * scale};
     *   <li>{@code s = score(s, i, j, h)} when a score function is given;
     *   <li>{@code s = softcap * tanh(s / softcap)} when {@code softcap > 0};
     *   <li>{@code s = s / temperature};
     *   <li>keys where the mask is false are left out;
     *   <li>softmax of the remaining scores (max-subtracted), weighted sum of values; a query
     *       that sees no key gets zeros.
     * </ol>
     * Query head h reads key/value head {@code h / (heads / kvHeads)} (GQA, Ainslie et al., 2023).
     *
     * @param q {@code [Tq][heads * dk]}
     * @param k {@code [Tk][kvHeads * dk]}
     * @param v {@code [Tk][kvHeads * dv]}
     * @param scale NaN for the default {@code 1 / sqrt(dk)}
     * @param score null for none
     * @param mask null for none
     * @param softcap 0 for none
     * @param temperature 1 for none
     * @return {@code [Tq][heads * dv]}
     */
    public static double[][] attention(double[][] q, double[][] k, double[][] v, int heads, int kvHeads, double scale,
                                       ScoreFn score, MaskFn mask, double softcap, double temperature) {
        double[][][] p = attentionWeights(q, k, v, heads, kvHeads, scale, score, mask, softcap, temperature);
        int tq = q.length, tk = k.length;
        int dv = tk == 0 ? 0 : v[0].length / kvHeads;
        int group = heads / kvHeads;
        double[][] out = new double[tq][heads * dv];
        for (int h = 0; h < heads; h++) {
            int kvh = h / group;
            for (int i = 0; i < tq; i++)
                for (int d = 0; d < dv; d++) {
                    double acc = 0;
                    for (int j = 0; j < tk; j++) acc += p[h][i][j] * v[j][kvh * dv + d];
                    out[i][h * dv + d] = acc;
                }
        }
        return out;
    }

    /**
     * The attention probabilities of {@link #attention(double[][], double[][], double[][], int, int, double, ScoreFn, MaskFn, double, double)}:
     * {@code [heads][Tq][Tk]}, exactly 0 at masked keys, and an all-zero row for a query that
     * sees no key.
     */
    public static double[][][] attentionWeights(double[][] q, double[][] k, double[][] v, int heads, int kvHeads,
                                                double scale, ScoreFn score, MaskFn mask, double softcap,
                                                double temperature) {
        if (heads <= 0 || kvHeads <= 0 || heads % kvHeads != 0)
            throw new IllegalArgumentException("attention: kv_heads (" + kvHeads + ") must divide heads (" + heads + ")");
        int tq = q.length, tk = k.length;
        if (v.length != tk) throw new IllegalArgumentException("attention: " + tk + " keys but " + v.length + " values");
        int dk = tq == 0 ? 0 : q[0].length / heads;
        if (tq > 0 && q[0].length % heads != 0) throw new IllegalArgumentException("attention: heads must divide the query width");
        if (tk > 0 && k[0].length != kvHeads * dk && tq > 0)
            throw new IllegalArgumentException("attention: key width " + k[0].length + ", expected " + kvHeads * dk);
        if (tk > 0 && v[0].length % kvHeads != 0) throw new IllegalArgumentException("attention: kv_heads must divide the value width");
        double sc = Double.isNaN(scale) ? defaultScale(dk) : scale;
        int group = heads / kvHeads;
        double[][][] p = new double[heads][tq][tk];
        for (int h = 0; h < heads; h++) {
            int kvh = h / group;
            for (int i = 0; i < tq; i++) {
                double[] s = new double[tk];
                boolean[] seen = new boolean[tk];
                double max = Double.NEGATIVE_INFINITY;
                boolean any = false;
                for (int j = 0; j < tk; j++) {
                    if (mask != null && !mask.test(i, j, h)) continue; // step 5
                    double dot = 0;
                    for (int d = 0; d < dk; d++) dot += q[i][h * dk + d] * k[j][kvh * dk + d];
                    double x = dot * sc;                                  // step 1
                    if (score != null) x = score.apply(x, i, j, h);        // step 2
                    if (softcap > 0) x = softcap * Math.tanh(x / softcap); // step 3
                    x = x / temperature;                                  // step 4
                    s[j] = x;
                    seen[j] = true;
                    any = true;
                    max = Math.max(max, x);
                }
                if (!any) continue; // no visible key: an all-zero row
                double sum = 0;
                for (int j = 0; j < tk; j++)
                    if (seen[j]) {
                        p[h][i][j] = Math.exp(s[j] - max);
                        sum += p[h][i][j];
                    }
                for (int j = 0; j < tk; j++) p[h][i][j] /= sum;
            }
        }
        return p;
    }

    // ---------------------------------------------------------------------------------------
    // Comparison helpers for tests
    // ---------------------------------------------------------------------------------------

    /** The largest absolute elementwise difference of two equal shapes. */
    public static double maxAbsDiff(double[][] a, double[][] b) {
        sameShape(a, b, "maxAbsDiff");
        double m = 0;
        for (int i = 0; i < a.length; i++)
            for (int j = 0; j < a[i].length; j++) {
                double d = Math.abs(a[i][j] - b[i][j]);
                if (Double.isNaN(d)) return Double.NaN;
                m = Math.max(m, d);
            }
        return m;
    }

    /** The largest absolute value. */
    public static double maxAbs(double[][] a) {
        double m = 0;
        for (double[] row : a)
            for (double x : row) m = Math.max(m, Math.abs(x));
        return m;
    }

    // ---------------------------------------------------------------------------------------

    static void requireLength(float[] a, long n, String what) {
        if (a == null) throw new IllegalArgumentException(what + ": missing tensor");
        if (a.length != n) throw new IllegalArgumentException(what + ": " + a.length + " values, expected " + n);
    }

    private static void requireWidth(double[] row, int n, String what) {
        if (row.length != n) throw new IllegalArgumentException(what + ": width " + row.length + ", expected " + n);
    }

    private static void sameShape(double[][] a, double[][] b, String what) {
        if (a.length != b.length) throw new IllegalArgumentException(what + ": " + a.length + " rows vs " + b.length);
        for (int i = 0; i < a.length; i++)
            if (a[i].length != b[i].length)
                throw new IllegalArgumentException(what + ": row " + i + " width " + a[i].length + " vs " + b[i].length);
    }
}
