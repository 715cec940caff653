package dev.attnc.compiler.llama;

import java.util.ArrayList;
import java.util.List;

/**
 * A Llama forward pass in float64, written from the model's math for a llama.cpp {@code llama}
 * GGUF file, one token at a time with its own cache of keys and values:
 *
 * <pre>
 * x = embedding[token]
 * per layer:  h = rmsnorm(x) * attn_norm
 *             q, k = rope(Wq h), rope(Wk h);  v = Wv h
 *             x += Wo attention(q, keys, values)      (causal, GQA, scale 1/sqrt(head dim))
 *             h = rmsnorm(x) * ffn_norm
 *             x += Wdown (silu(Wgate h) * Wup h)
 * logits = Woutput (rmsnorm(x) * output_norm)
 * </pre>
 *
 * RoPE as llama.cpp applies it to {@code llama} files: within each head, the adjacent pair
 * (2i, 2i+1) of the rows as stored turns by pos * base^(-2i / headDim).
 */
final class RefLlama {
    final int dim;
    final int heads;
    final int kvHeads;
    final int headDim;
    final int layers;
    final int vocabulary;
    final double eps;
    final double ropeBase;
    /** For the check that a wrong reference fails: rotate halves (i, i + headDim/2) instead. */
    final boolean ropeHalves;

    private final double[][] embedding;
    private final double[][] outputNorm;
    private final double[][] output;
    private final Layer[] blocks;
    private final List<double[][]> keys = new ArrayList<>();
    private final List<double[][]> values = new ArrayList<>();

    private record Layer(double[] attnNorm, double[][] wq, double[][] wk, double[][] wv, double[][] wo, double[] ffnNorm,
            double[][] gate, double[][] up, double[][] down) {
    }

    RefLlama(RefGguf file, boolean ropeHalves) {
        this.ropeHalves = ropeHalves;
        dim = (int) file.integer("llama.embedding_length");
        heads = (int) file.integer("llama.attention.head_count");
        kvHeads = file.metadata.containsKey("llama.attention.head_count_kv")
                ? (int) file.integer("llama.attention.head_count_kv") : heads;
        headDim = dim / heads;
        layers = (int) file.integer("llama.block_count");
        eps = file.real("llama.attention.layer_norm_rms_epsilon", Double.NaN);
        ropeBase = file.real("llama.rope.freq_base", 10000.0);
        embedding = file.matrix("token_embd.weight");
        vocabulary = embedding.length;
        outputNorm = new double[][] {file.values("output_norm.weight")};
        output = file.tensors.containsKey("output.weight") ? file.matrix("output.weight") : embedding;
        blocks = new Layer[layers];
        for (int l = 0; l < layers; l++) {
            String p = "blk." + l + ".";
            blocks[l] = new Layer(file.values(p + "attn_norm.weight"), file.matrix(p + "attn_q.weight"),
                    file.matrix(p + "attn_k.weight"), file.matrix(p + "attn_v.weight"), file.matrix(p + "attn_output.weight"),
                    file.values(p + "ffn_norm.weight"), file.matrix(p + "ffn_gate.weight"), file.matrix(p + "ffn_up.weight"),
                    file.matrix(p + "ffn_down.weight"));
            keys.add(null);
            values.add(null);
        }
        reset(1);
    }

    /** Empties the cache, making room for {@code positions} tokens. */
    void reset(int positions) {
        for (int l = 0; l < layers; l++) {
            keys.set(l, new double[positions][]);
            values.set(l, new double[positions][]);
        }
    }

    /** The logits after {@code token} at position {@code pos} (every earlier position already run). */
    double[] next(int token, int pos) {
        double[] x = embedding[token].clone();
        for (int l = 0; l < layers; l++) {
            Layer w = blocks[l];
            double[] h = rmsnorm(x, w.attnNorm());
            double[] q = rope(multiply(w.wq(), h), heads, pos);
            double[] k = rope(multiply(w.wk(), h), kvHeads, pos);
            double[] v = multiply(w.wv(), h);
            keys.get(l)[pos] = k;
            values.get(l)[pos] = v;
            double[] attended = attend(q, keys.get(l), values.get(l), pos);
            add(x, multiply(w.wo(), attended));
            h = rmsnorm(x, w.ffnNorm());
            double[] gate = multiply(w.gate(), h);
            double[] up = multiply(w.up(), h);
            double[] hidden = new double[gate.length];
            for (int i = 0; i < hidden.length; i++) {
                hidden[i] = gate[i] / (1 + Math.exp(-gate[i])) * up[i];
            }
            add(x, multiply(w.down(), hidden));
        }
        return multiply(output, rmsnorm(x, outputNorm[0]));
    }

    private double[] attend(double[] q, double[][] cachedKeys, double[][] cachedValues, int pos) {
        double[] out = new double[heads * headDim];
        int group = heads / kvHeads;
        double scale = 1 / Math.sqrt(headDim);
        for (int h = 0; h < heads; h++) {
            int kv = h / group;
            double[] scores = new double[pos + 1];
            double max = Double.NEGATIVE_INFINITY;
            for (int t = 0; t <= pos; t++) {
                double s = 0;
                for (int i = 0; i < headDim; i++) {
                    s += q[h * headDim + i] * cachedKeys[t][kv * headDim + i];
                }
                scores[t] = s * scale;
                max = Math.max(max, scores[t]);
            }
            double sum = 0;
            for (int t = 0; t <= pos; t++) {
                scores[t] = Math.exp(scores[t] - max);
                sum += scores[t];
            }
            for (int t = 0; t <= pos; t++) {
                double weight = scores[t] / sum;
                for (int i = 0; i < headDim; i++) {
                    out[h * headDim + i] += weight * cachedValues[t][kv * headDim + i];
                }
            }
        }
        return out;
    }

    private double[] rope(double[] x, int count, int pos) {
        double[] out = x.clone();
        for (int h = 0; h < count; h++) {
            int base = h * headDim;
            for (int i = 0; i < headDim / 2; i++) {
                double theta = pos * Math.pow(ropeBase, -2.0 * i / headDim);
                double cos = Math.cos(theta);
                double sin = Math.sin(theta);
                int a = ropeHalves ? base + i : base + 2 * i;
                int b = ropeHalves ? base + i + headDim / 2 : base + 2 * i + 1;
                out[a] = x[a] * cos - x[b] * sin;
                out[b] = x[a] * sin + x[b] * cos;
            }
        }
        return out;
    }

    private double[] rmsnorm(double[] x, double[] weight) {
        double squares = 0;
        for (double v : x) {
            squares += v * v;
        }
        double inverse = 1 / Math.sqrt(squares / x.length + eps);
        double[] out = new double[x.length];
        for (int i = 0; i < x.length; i++) {
            out[i] = x[i] * inverse * weight[i];
        }
        return out;
    }

    private static double[] multiply(double[][] rows, double[] x) {
        double[] out = new double[rows.length];
        for (int r = 0; r < rows.length; r++) {
            double s = 0;
            double[] row = rows[r];
            for (int i = 0; i < x.length; i++) {
                s += row[i] * x[i];
            }
            out[r] = s;
        }
        return out;
    }

    private static void add(double[] x, double[] y) {
        for (int i = 0; i < x.length; i++) {
            x[i] += y[i];
        }
    }

    /** The index of the largest value, the lowest index on ties. */
    static int argmax(double[] logits) {
        int best = 0;
        for (int i = 1; i < logits.length; i++) {
            if (logits[i] > logits[best]) {
                best = i;
            }
        }
        return best;
    }
}
