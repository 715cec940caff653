package dev.attnc.compiler.gpt2;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * GPT-2 in float64, written from the model's definition (Radford et al., 2019, and the layout of
 * Hugging Face's GPT2LMHeadModel) for tests: token plus learned position embeddings; per layer
 * x += c_proj(attention(ln_1(x))) and x += mlp.c_proj(gelu_tanh(mlp.c_fc(ln_2(x)))), where every
 * Conv1D computes y = x W + b with W stored [in, out]; a causal softmax attention over heads of
 * width D / H with scores scaled by 1 / sqrt(D / H); ln_f; and logits against wte (tied head).
 * Nothing here comes from attnc.
 */
final class Gpt2Reference {
    /** Sizes, as config.json gives them. */
    record Config(int d, int heads, int layers, int positions, int vocab, int inner, double eps) {
        int headDim() {
            return d / heads;
        }
    }

    private final Config c;
    private final Map<String, float[]> w;

    /** @param weights tensors under GPT-2's Hugging Face names without a prefix ({@code h.0.ln_1.weight}) */
    Gpt2Reference(Config config, Map<String, float[]> weights) {
        this.c = config;
        this.w = weights;
    }

    /** Logits of every position of {@code ids}, each from the tokens up to it: [T][V]. */
    double[][] logits(int[] ids) {
        int t = ids.length;
        int d = c.d();
        double[][] x = new double[t][d];
        float[] wte = w.get("wte.weight");
        float[] wpe = w.get("wpe.weight");
        for (int i = 0; i < t; i++) {
            for (int j = 0; j < d; j++) {
                x[i][j] = (double) wte[ids[i] * d + j] + wpe[i * d + j];
            }
        }
        for (int layer = 0; layer < c.layers(); layer++) {
            String p = "h." + layer + ".";
            double[][] qkv = conv1d(layerNorm(x, p + "ln_1"), p + "attn.c_attn", d, 3 * d);
            x = add(x, conv1d(attention(qkv), p + "attn.c_proj", d, d));
            double[][] hidden = conv1d(layerNorm(x, p + "ln_2"), p + "mlp.c_fc", d, c.inner());
            for (double[] row : hidden) {
                for (int j = 0; j < row.length; j++) {
                    row[j] = geluTanh(row[j]);
                }
            }
            x = add(x, conv1d(hidden, p + "mlp.c_proj", c.inner(), d));
        }
        double[][] y = layerNorm(x, "ln_f");
        double[][] logits = new double[t][c.vocab()];
        for (int i = 0; i < t; i++) {
            for (int v = 0; v < c.vocab(); v++) {
                double sum = 0;
                for (int j = 0; j < d; j++) {
                    sum += y[i][j] * wte[v * d + j];
                }
                logits[i][v] = sum;
            }
        }
        return logits;
    }

    /** Causal multi-head attention on the rows [q | k | v] of c_attn's output. */
    private double[][] attention(double[][] qkv) {
        int t = qkv.length;
        int d = c.d();
        int dh = c.headDim();
        double scale = 1 / Math.sqrt(dh);
        double[][] out = new double[t][d];
        for (int h = 0; h < c.heads(); h++) {
            int q0 = h * dh;
            int k0 = d + h * dh;
            int v0 = 2 * d + h * dh;
            for (int i = 0; i < t; i++) {
                double[] scores = new double[i + 1];
                double max = Double.NEGATIVE_INFINITY;
                for (int j = 0; j <= i; j++) {
                    double dot = 0;
                    for (int e = 0; e < dh; e++) {
                        dot += qkv[i][q0 + e] * qkv[j][k0 + e];
                    }
                    scores[j] = dot * scale;
                    max = Math.max(max, scores[j]);
                }
                double total = 0;
                for (int j = 0; j <= i; j++) {
                    scores[j] = Math.exp(scores[j] - max);
                    total += scores[j];
                }
                for (int j = 0; j <= i; j++) {
                    double weight = scores[j] / total;
                    for (int e = 0; e < dh; e++) {
                        out[i][q0 + e] += weight * qkv[j][v0 + e];
                    }
                }
            }
        }
        return out;
    }

    /** y = x W + b with W stored [in, out], as Hugging Face's Conv1D keeps it. */
    private double[][] conv1d(double[][] x, String name, int in, int out) {
        float[] weight = w.get(name + ".weight");
        float[] bias = w.get(name + ".bias");
        double[][] y = new double[x.length][out];
        for (int i = 0; i < x.length; i++) {
            for (int o = 0; o < out; o++) {
                double sum = bias[o];
                for (int k = 0; k < in; k++) {
                    sum += x[i][k] * weight[k * out + o];
                }
                y[i][o] = sum;
            }
        }
        return y;
    }

    private double[][] layerNorm(double[][] x, String name) {
        float[] gain = w.get(name + ".weight");
        float[] shift = w.get(name + ".bias");
        double[][] y = new double[x.length][];
        for (int i = 0; i < x.length; i++) {
            double mean = 0;
            for (double value : x[i]) {
                mean += value;
            }
            mean /= x[i].length;
            double variance = 0;
            for (double value : x[i]) {
                variance += (value - mean) * (value - mean);
            }
            variance /= x[i].length;
            double inverse = 1 / Math.sqrt(variance + c.eps());
            y[i] = new double[x[i].length];
            for (int j = 0; j < x[i].length; j++) {
                y[i][j] = (x[i][j] - mean) * inverse * gain[j] + shift[j];
            }
        }
        return y;
    }

    /** GELU with the tanh approximation (Hendrycks and Gimpel), Hugging Face's "gelu_new". */
    static double geluTanh(double x) {
        return 0.5 * x * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (x + 0.044715 * x * x * x)));
    }

    private static double[][] add(double[][] a, double[][] b) {
        for (int i = 0; i < a.length; i++) {
            for (int j = 0; j < a[i].length; j++) {
                a[i][j] += b[i][j];
            }
        }
        return a;
    }

    /**
     * Greedy decoding: the argmax after the prompt and after each new token, until {@code steps}
     * tokens or {@code endOfText}. Fails when the top two logits of a step are closer than
     * {@code minGap}, where float32 rounding could pick the other one.
     */
    List<Integer> greedy(int[] prompt, int steps, int endOfText, double minGap) {
        List<Integer> sequence = new ArrayList<>();
        for (int id : prompt) {
            sequence.add(id);
        }
        List<Integer> tokens = new ArrayList<>();
        while (tokens.size() < steps) {
            double[][] rows = logits(sequence.stream().mapToInt(Integer::intValue).toArray());
            double[] last = rows[rows.length - 1];
            int next = argmax(last);
            double second = Double.NEGATIVE_INFINITY;
            for (int v = 0; v < last.length; v++) {
                if (v != next) {
                    second = Math.max(second, last[v]);
                }
            }
            assertTrue(last[next] - second > minGap, "the reference's greedy choice after " + sequence
                    + " is a near tie: " + (last[next] - second));
            if (next == endOfText) {
                break;
            }
            tokens.add(next);
            sequence.add(next);
        }
        return tokens;
    }

    /** The largest logit's id, ties to the lowest. */
    static int argmax(double[] logits) {
        int best = 0;
        for (int v = 1; v < logits.length; v++) {
            if (logits[v] > logits[best]) {
                best = v;
            }
        }
        return best;
    }
}
