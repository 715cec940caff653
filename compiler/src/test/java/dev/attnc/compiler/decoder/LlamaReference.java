package dev.attnc.compiler.decoder;

import java.util.Map;

/**
 * A Llama-family forward pass in float64, written from the papers' math over Hugging Face's
 * names and row order (RoPE rotates halves of each head): the independent reference the
 * compiled samples/llama/llama.attn is checked against.
 */
final class LlamaReference {

    /** The hyper-parameters; ropeFactor 1 means no Llama 3 scaling. */
    record Config(int d, int heads, int kvHeads, int layers, int ffn, int vocab, double eps, double base,
            boolean qkvBias, boolean tied, double ropeFactor, double lowFreqFactor, double highFreqFactor,
            double originalContext) {
        int headDim() {
            return d / heads;
        }
    }

    private final Config c;
    private final Map<String, Checkpoints.Stored> w; // Hugging Face names

    LlamaReference(Config config, Map<String, Checkpoints.Stored> weights) {
        this.c = config;
        this.w = weights;
    }

    /** Inverse frequencies of RoPE, with Llama 3.1's scaling written as Hugging Face states it. */
    static double[] inverseFrequencies(int headDim, double base, double factor, double low, double high, double context) {
        double[] inv = new double[headDim / 2];
        for (int k = 0; k < inv.length; k++) {
            double plain = 1.0 / Math.pow(base, 2.0 * k / headDim);
            if (factor == 1) {
                inv[k] = plain;
                continue;
            }
            double wavelength = 2 * Math.PI / plain;
            double lowFreqWavelength = context / low;
            double highFreqWavelength = context / high;
            double scaled = wavelength > lowFreqWavelength ? plain / factor : plain;
            double smooth = (context / wavelength - low) / (high - low);
            double smoothed = (1 - smooth) * scaled / factor + smooth * scaled;
            boolean medium = !(wavelength < highFreqWavelength) && !(wavelength > lowFreqWavelength);
            inv[k] = medium ? smoothed : scaled;
        }
        return inv;
    }

    /** The logits, [T][vocab], of a sequence from position 0. */
    double[][] logits(int[] ids) {
        int t = ids.length;
        int d = c.d();
        double[][] x = new double[t][d];
        for (int r = 0; r < t; r++) {
            for (int i = 0; i < d; i++) {
                x[r][i] = get("model.embed_tokens.weight", ids[r] * d + i);
            }
        }
        double[] inv = inverseFrequencies(c.headDim(), c.base(), c.ropeFactor(), c.lowFreqFactor(), c.highFreqFactor(),
                c.originalContext());
        for (int layer = 0; layer < c.layers(); layer++) {
            String p = "model.layers." + layer + ".";
            double[][] h = rmsNorm(x, p + "input_layernorm.weight");
            double[][] q = linear(h, p + "self_attn.q_proj", c.heads() * c.headDim(), c.qkvBias());
            double[][] k = linear(h, p + "self_attn.k_proj", c.kvHeads() * c.headDim(), c.qkvBias());
            double[][] v = linear(h, p + "self_attn.v_proj", c.kvHeads() * c.headDim(), c.qkvBias());
            rotateHalves(q, c.heads(), inv);
            rotateHalves(k, c.kvHeads(), inv);
            double[][] a = attention(q, k, v);
            double[][] o = linear(a, p + "self_attn.o_proj", d, false);
            add(x, o);
            h = rmsNorm(x, p + "post_attention_layernorm.weight");
            double[][] gate = linear(h, p + "mlp.gate_proj", c.ffn(), false);
            double[][] up = linear(h, p + "mlp.up_proj", c.ffn(), false);
            for (int r = 0; r < t; r++) {
                for (int i = 0; i < c.ffn(); i++) {
                    double g = gate[r][i];
                    gate[r][i] = g / (1 + Math.exp(-g)) * up[r][i];
                }
            }
            add(x, linear(gate, p + "mlp.down_proj", d, false));
        }
        double[][] normed = rmsNorm(x, "model.norm.weight");
        return linear(normed, c.tied() ? "model.embed_tokens" : "lm_head", c.vocab(), false);
    }

    private double get(String name, int index) {
        return w.get(name).values()[index];
    }

    private double[][] rmsNorm(double[][] x, String weight) {
        double[][] out = new double[x.length][x[0].length];
        for (int r = 0; r < x.length; r++) {
            double squares = 0;
            for (double value : x[r]) {
                squares += value * value;
            }
            double scale = 1 / Math.sqrt(squares / x[r].length + c.eps());
            for (int i = 0; i < x[r].length; i++) {
                out[r][i] = x[r][i] * scale * get(weight, i);
            }
        }
        return out;
    }

    private double[][] linear(double[][] x, String name, int out, boolean bias) {
        int in = x[0].length;
        double[][] y = new double[x.length][out];
        for (int r = 0; r < x.length; r++) {
            for (int o = 0; o < out; o++) {
                double sum = bias ? get(name + ".bias", o) : 0;
                for (int i = 0; i < in; i++) {
                    sum += x[r][i] * get(name + ".weight", o * in + i);
                }
                y[r][o] = sum;
            }
        }
        return y;
    }

    private void rotateHalves(double[][] x, int heads, double[] inv) {
        int dh = c.headDim();
        for (int t = 0; t < x.length; t++) {
            for (int h = 0; h < heads; h++) {
                for (int k = 0; k < dh / 2; k++) {
                    double angle = t * inv[k];
                    double a = x[t][h * dh + k];
                    double b = x[t][h * dh + k + dh / 2];
                    x[t][h * dh + k] = a * Math.cos(angle) - b * Math.sin(angle);
                    x[t][h * dh + k + dh / 2] = a * Math.sin(angle) + b * Math.cos(angle);
                }
            }
        }
    }

    private double[][] attention(double[][] q, double[][] k, double[][] v) {
        int dh = c.headDim();
        int group = c.heads() / c.kvHeads();
        double[][] out = new double[q.length][c.heads() * dh];
        for (int i = 0; i < q.length; i++) {
            for (int h = 0; h < c.heads(); h++) {
                int kv = h / group;
                double[] scores = new double[i + 1];
                double max = Double.NEGATIVE_INFINITY;
                for (int j = 0; j <= i; j++) {
                    double dot = 0;
                    for (int f = 0; f < dh; f++) {
                        dot += q[i][h * dh + f] * k[j][kv * dh + f];
                    }
                    scores[j] = dot / Math.sqrt(dh);
                    max = Math.max(max, scores[j]);
                }
                double total = 0;
                for (int j = 0; j <= i; j++) {
                    scores[j] = Math.exp(scores[j] - max);
                    total += scores[j];
                }
                for (int j = 0; j <= i; j++) {
                    for (int f = 0; f < dh; f++) {
                        out[i][h * dh + f] += scores[j] / total * v[j][kv * dh + f];
                    }
                }
            }
        }
        return out;
    }

    private static void add(double[][] x, double[][] y) {
        for (int r = 0; r < x.length; r++) {
            for (int i = 0; i < x[r].length; i++) {
                x[r][i] += y[r][i];
            }
        }
    }
}
