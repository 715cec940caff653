package dev.attnc.compiler.reference;

import static dev.attnc.compiler.reference.Ref.*;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Float64 forwards of the eight sample models under {@code samples/}, written statement by
 * statement from each {@code .attn} file with the math of the paper or PyTorch module it
 * follows, for checking generated code. They use only {@link Ref}.
 *
 * <p>Weights are read by their checkpoint names, exactly as the {@code .attn} files produce
 * them: a {@code linear}/{@code layernorm}/{@code rmsnorm}/{@code embedding} param
 * {@code from "X"} reads {@code X.weight} (and {@code X.bias} when it has one), a bare tensor
 * param {@code from "X"} reads {@code X}, block params get the call's prefix joined with
 * {@code "."}, and {@code {layer}} is the repeat index. Every tensor's length is checked
 * against the shape the file declares; {@link #tensorShapes(String)} lists those shapes.
 */
public final class Samples {
    private Samples() {}

    /** Checkpoint tensors by name, row-major. */
    @FunctionalInterface
    public interface Weights {
        float[] get(String checkpointName);
    }

    /** The sample names, as the folders under {@code samples/}. */
    public static final List<String> NAMES = List.of("transformer_encoder", "gpt2_block", "llama_block",
            "sliding_window", "alibi", "encoder_decoder", "softcap", "minilm");

    private static float[] read(Weights w, String name, long n) {
        float[] a = w.get(name);
        if (a == null) throw new IllegalArgumentException("missing checkpoint tensor " + name);
        requireLength(a, n, name);
        return a;
    }

    /** {@code linear(in, out) from "name"}: {@code name.weight [out, in]}, {@code name.bias [out]} when biased. */
    private static double[][] lin(Weights w, String name, double[][] x, int in, int out, boolean bias) {
        return linear(x, read(w, name + ".weight", (long) in * out), bias ? read(w, name + ".bias", out) : null, in, out);
    }

    /** {@code linear(in, out, transposed = true) from "name"}: {@code name.weight [in, out]}, {@code name.bias [out]}. */
    private static double[][] conv1d(Weights w, String name, double[][] x, int in, int out) {
        return linearTransposed(x, read(w, name + ".weight", (long) in * out), read(w, name + ".bias", out), in, out);
    }

    /** {@code layernorm(D, eps) from "name"}: {@code name.weight}, {@code name.bias}. */
    private static double[][] ln(Weights w, String name, double[][] x, int d, double eps) {
        return layerNorm(x, read(w, name + ".weight", d), read(w, name + ".bias", d), eps);
    }

    /** {@code rmsnorm(D, eps, weight_offset) from "name"}: {@code name.weight}. */
    private static double[][] rms(Weights w, String name, double[][] x, int d, double eps, double offset) {
        return rmsNorm(x, read(w, name + ".weight", d), eps, offset);
    }

    /** {@code embedding(N, D) from "name"}: {@code name.weight [N, D]}. */
    private static double[][] emb(Weights w, String name, int[] ids, int n, int d) {
        return embedding(ids, read(w, name + ".weight", (long) n * d), d);
    }

    // =========================================================================================
    // transformer_encoder.attn: Vaswani et al. (2017), encoder layer, base size;
    // PyTorch nn.TransformerEncoderLayer(norm_first = False, activation = relu), no dropout.
    // =========================================================================================

    /**
     * @param x [T, 512] token embeddings
     * @param len real tokens; keys at positions {@code >= len} are left out
     * @return [T, 512]
     */
    public static double[][] transformerEncoder(Weights w, double[][] x, int len) {
        final int D = 512, H = 8, F = 2048;
        int t = x.length;
        // h = x * sqrt(D) + sinusoidal(T, D): section 3.4 ("we multiply those weights by
        // sqrt(d_model)") and section 3.5 (sin on even dims, cos on odd, base 10000).
        double[][] h = add(scale(x, Math.sqrt(D)), sinusoidal(t, D));
        // q, k, v = split(h @ transpose(in_w) + in_b, 3): nn.MultiheadAttention's packed
        // in-projection, rows [0, D) of in_proj_weight for q, [D, 2D) for k, [2D, 3D) for v.
        float[] inW = read(w, "self_attn.in_proj_weight", 3L * D * D);
        float[] inB = read(w, "self_attn.in_proj_bias", 3 * D);
        double[][][] qkv = split(linear(h, inW, inB, D, 3 * D), 3);
        // Multi-head attention, eq. 1 per head with 1/sqrt(64), keys j >= len left out
        // (PyTorch's key_padding_mask).
        final int n = len;
        double[][] a = attention(qkv[0], qkv[1], qkv[2], H, H, (i, j, hh) -> j < n);
        // h = ln1(h + wo(a)): section 3.1, LayerNorm(x + Sublayer(x)); out_proj; norm1 eps 1e-5.
        h = ln(w, "norm1", add(h, lin(w, "self_attn.out_proj", a, D, D, true)), D, 1e-5);
        // h = ln2(h + w2(relu(w1(h)))): eq. 2, FFN(x) = max(0, x W1 + b1) W2 + b2.
        double[][] ff = lin(w, "linear2", relu(lin(w, "linear1", h, D, F, true)), F, D, true);
        return ln(w, "norm2", add(h, ff), D, 1e-5);
    }

    // =========================================================================================
    // gpt2_block.attn: Radford et al. (2019), GPT-2 small, embeddings plus block h.0;
    // Hugging Face GPT2Model (Conv1D weights stored [in, out]), no dropout.
    // =========================================================================================

    /**
     * @param ids int[T] token ids, T <= 1024
     * @return [T, 768], the residual stream after block 0
     */
    public static double[][] gpt2Block(Weights w, int[] ids) {
        final int D = 768, V = 50257, P = 1024, H = 12;
        int t = ids.length;
        // x = wte(ids) + wpe(arange(T)): token plus learned absolute position embeddings.
        double[][] x = add(emb(w, "wte", ids, V, D), emb(w, "wpe", arange(t), P, D));
        // Gpt2Layer(x, prefix = "h.0"): the pre-norm block (GPT-2 section 2.3 moves LayerNorm
        // to the input of each sub-block, as in Child et al.'s pre-activation residual unit).
        String p = "h.0.";
        // q, k, v = split(c_attn(ln_1(x)), 3): HF splits c_attn's 2304 outputs into
        // contiguous q, k, v thirds.
        double[][] h = ln(w, p + "ln_1", x, D, 1e-5);
        double[][][] qkv = split(conv1d(w, p + "attn.c_attn", h, D, 3 * D), 3);
        // Causal multi-head attention, 12 heads of 64, scale 1/sqrt(64) (Vaswani eq. 1).
        double[][] a = attention(qkv[0], qkv[1], qkv[2], H, H, CAUSAL);
        x = add(x, conv1d(w, p + "attn.c_proj", a, D, D));
        // x = x + proj(gelu_tanh(c_fc(ln_2(x)))): GPT-2's MLP uses the tanh GELU ("gelu_new").
        h = ln(w, p + "ln_2", x, D, 1e-5);
        double[][] m = conv1d(w, p + "mlp.c_proj", geluTanh(conv1d(w, p + "mlp.c_fc", h, D, 4 * D)), 4 * D, D);
        return add(x, m);
    }

    // =========================================================================================
    // llama_block.attn: Touvron et al. (2023) decoder layer with GQA (Ainslie et al., 2023),
    // SmolLM-135M sizes; Hugging Face LlamaDecoderLayer.
    // =========================================================================================

    /**
     * @param x [T, 576] hidden states
     * @return [T, 576]
     */
    public static double[][] llamaBlock(Weights w, double[][] x) {
        final int D = 576, H = 9, KV = 3, Dh = D / H, F = 1536;
        String p = "model.layers.0.";
        // h = input_norm(x): RMSNorm (Zhang and Sennrich, 2019, eq. 4), eps 1e-5, weight as is.
        double[][] h = rms(w, p + "input_layernorm", x, D, 1e-5, 0);
        // q, k = rope(...): RoPE (Su et al., 2021, eq. 34) per head of 64, half-split pairs
        // (HF rotate_half), base 10000, positions 0 .. T - 1.
        double[][] q = rope(lin(w, p + "self_attn.q_proj", h, D, H * Dh, false), H, 10000.0, RopeLayout.HALF, Dh);
        double[][] k = rope(lin(w, p + "self_attn.k_proj", h, D, KV * Dh, false), KV, 10000.0, RopeLayout.HALF, Dh);
        double[][] v = lin(w, p + "self_attn.v_proj", h, D, KV * Dh, false);
        // Causal grouped-query attention: query head hh reads kv head hh / 3 (HF repeat_kv).
        double[][] a = attention(q, k, v, H, KV, CAUSAL);
        x = add(x, lin(w, p + "self_attn.o_proj", a, H * Dh, D, false));
        // x = x + down(swiglu(gate(h), up(h))): SwiGLU FFN (Shazeer, 2020, eq. 6).
        h = rms(w, p + "post_attention_layernorm", x, D, 1e-5, 0);
        double[][] g = swiglu(lin(w, p + "mlp.gate_proj", h, D, F, false), lin(w, p + "mlp.up_proj", h, D, F, false));
        return add(x, lin(w, p + "mlp.down_proj", g, F, D, false));
    }

    // =========================================================================================
    // sliding_window.attn: Mistral 7B (Jiang et al., 2023) layer shape at a small size.
    // =========================================================================================

    /**
     * @param x [T, 512] hidden states
     * @return [T, 512]
     */
    public static double[][] slidingWindow(Weights w, double[][] x) {
        final int D = 512, H = 8, KV = 2, Dh = D / H, F = 1408, W = 256;
        // h = norm1(x): RMSNorm eps 1e-5.
        double[][] h = rms(w, "input_layernorm", x, D, 1e-5, 0);
        // RoPE with the defaults: half layout, base 10000, whole head of 64.
        double[][] q = rope(lin(w, "self_attn.q_proj", h, D, H * Dh, false), H);
        double[][] k = rope(lin(w, "self_attn.k_proj", h, D, KV * Dh, false), KV);
        double[][] v = lin(w, "self_attn.v_proj", h, D, KV * Dh, false);
        // SlidingWindow: mask causal && i - j < W. Query i sees keys i - W + 1 .. i (Mistral
        // paper section 2, as in its reference code: W keys including the query's own).
        double[][] a = attention(q, k, v, H, KV, (i, j, hh) -> j <= i && i - j < W);
        x = add(x, lin(w, "self_attn.o_proj", a, D, D, false));
        // SwiGLU feed-forward layer.
        h = rms(w, "post_attention_layernorm", x, D, 1e-5, 0);
        double[][] g = swiglu(lin(w, "mlp.gate_proj", h, D, F, false), lin(w, "mlp.up_proj", h, D, F, false));
        return add(x, lin(w, "mlp.down_proj", g, F, D, false));
    }

    // =========================================================================================
    // alibi.attn: ALiBi (Press et al., 2022) in a BLOOM-560m-shaped layer.
    // =========================================================================================

    /**
     * @param x [T, 1024] hidden states
     * @return [T, 1024]
     */
    public static double[][] alibi(Weights w, double[][] x) {
        final int D = 1024, H = 16;
        // h = ln_1(x): LayerNorm eps 1e-5 (the language default; BLOOM's layer_norm_epsilon).
        double[][] h = ln(w, "input_layernorm", x, D, 1e-5);
        // q, k, v = split(heads(qkv(x), H), 3): BLOOM lays the fused projection out per head,
        // [T, 3D] viewed as [T, H, 3, Dh]: head hh owns outputs hh*192 .. hh*192+191, whose
        // first 64 are its query, next 64 its key, last 64 its value.
        double[][] f = lin(w, "self_attention.query_key_value", h, D, 3 * D, true);
        double[][][][] parts = splitHeads(heads(f, H), 3); // 3 x [H][T][64]
        double[][] q = mergeHeads(parts[0]), k = mergeHeads(parts[1]), v = mergeHeads(parts[2]);
        // score s - m_h * (i - j), Press et al. section 3: softmax(q_i K^T + m * [-(i-1), ..., -1, 0]),
        // added after the 1/sqrt(64) scaling (as BLOOM's baddbmm does), with the paper's slopes.
        final double[] slopes = alibiSlopes(H);
        double[][] a = attention(q, k, v, H, H, Double.NaN, (s, i, j, hh) -> s - slopes[hh] * (i - j), CAUSAL, 0, 1);
        x = add(x, lin(w, "self_attention.dense", a, D, D, true));
        // x = x + down(gelu_tanh(up(ln_2(x)))): BLOOM's MLP with its tanh GELU.
        h = ln(w, "post_attention_layernorm", x, D, 1e-5);
        double[][] m = lin(w, "mlp.dense_4h_to_h", geluTanh(lin(w, "mlp.dense_h_to_4h", h, D, 4 * D, true)), 4 * D, D, true);
        return add(x, m);
    }

    // =========================================================================================
    // encoder_decoder.attn: Vaswani et al. (2017) decoder layer, base size;
    // PyTorch nn.TransformerDecoderLayer(norm_first = False, activation = relu), no dropout.
    // =========================================================================================

    /**
     * @param y [T, 512] decoder input, already embedded and position-encoded
     * @param memory [S, 512] encoder output
     * @param memLen real source tokens; memory keys at {@code j >= memLen} are left out
     * @return [T, 512]
     */
    public static double[][] encoderDecoder(Weights w, double[][] y, double[][] memory, int memLen) {
        final int D = 512, H = 8, F = 2048;
        // Masked (causal) self-attention, section 3.2.3: the packed in-projection
        // y @ in_proj_weight^T + in_proj_bias, split into q, k, v (rows q, then k, then v).
        float[] selfW = read(w, "self_attn.in_proj_weight", 3L * D * D);
        float[] selfB = read(w, "self_attn.in_proj_bias", 3 * D);
        double[][][] qkv = split(linear(y, selfW, selfB, D, 3 * D), 3);
        double[][] s = attention(qkv[0], qkv[1], qkv[2], H, H, CAUSAL);
        // y = ln1(y + self_o(s)): post-norm (section 3.1), eps 1e-5.
        y = ln(w, "norm1", add(y, lin(w, "self_attn.out_proj", s, D, D, true)), D, 1e-5);
        // Encoder-decoder attention: queries from y, keys and values from memory.
        // wq, wk, wv = split(transpose(cross_w), 3): column block p of cross_w^T is row block p
        // of cross_w, so y @ wq = y @ cross_w[0:D]^T, that is nn.Linear with weight rows 0..D-1.
        float[] crossW = read(w, "multihead_attn.in_proj_weight", 3L * D * D);
        float[][] crossWp = split(crossW, 3); // row blocks [D, D] of the [3D, D] matrix
        float[][] crossB = split(read(w, "multihead_attn.in_proj_bias", 3 * D), 3);
        double[][] cq = linear(y, crossWp[0], crossB[0], D, D);
        double[][] ck = linear(memory, crossWp[1], crossB[1], D, D);
        double[][] cv = linear(memory, crossWp[2], crossB[2], D, D);
        final int n = memLen;
        double[][] c = attention(cq, ck, cv, H, H, (i, j, hh) -> j < n);
        y = ln(w, "norm2", add(y, lin(w, "multihead_attn.out_proj", c, D, D, true)), D, 1e-5);
        // y = ln3(y + w2(relu(w1(y)))): eq. 2.
        double[][] ff = lin(w, "linear2", relu(lin(w, "linear1", y, D, F, true)), F, D, true);
        return ln(w, "norm3", add(y, ff), D, 1e-5);
    }

    // =========================================================================================
    // softcap.attn: Gemma 2 (Gemma Team, 2024) logit soft-capping in a Gemma-2-shaped layer.
    // =========================================================================================

    /**
     * @param x [T, 768] hidden states
     * @return [T, 768]
     */
    public static double[][] softcap(Weights w, double[][] x) {
        final int D = 768, H = 8, KV = 4, Dh = 128, F = 3072, QueryScalar = 144;
        // h = pre_attn(x): Gemma's RMSNorm, x / sqrt(mean(x^2) + 1e-6) * (1 + weight).
        double[][] h = rms(w, "input_layernorm", x, D, 1e-6, 1);
        // RoPE with the defaults (half layout, base 10000) on heads of 1024 / 8 = 512 / 4 = 128.
        double[][] q = rope(lin(w, "self_attn.q_proj", h, D, H * Dh, false), H);
        double[][] k = rope(lin(w, "self_attn.k_proj", h, D, KV * Dh, false), KV);
        double[][] v = lin(w, "self_attn.v_proj", h, D, KV * Dh, false);
        // Scores scaled by 1/sqrt(query_pre_attn_scalar) = 1/12, then soft-capped,
        // 50 * tanh(s / 50) (Gemma 2 report, section 2: attn_logit_softcapping), causal, GQA 8/4.
        double[][] a = attention(q, k, v, H, KV, 1.0 / Math.sqrt(QueryScalar), null, CAUSAL, 50.0, 1);
        // x = x + post_attn(wo(a)): Gemma 2 normalizes the sublayer output before the residual add.
        x = add(x, rms(w, "post_attention_layernorm", lin(w, "self_attn.o_proj", a, H * Dh, D, false), D, 1e-6, 1));
        // x = x + post_ffn(down(gelu_tanh(gate(h)) * up(h))): GeGLU (Shazeer, 2020, eq. 5 without
        // biases) with the tanh GELU.
        h = rms(w, "pre_feedforward_layernorm", x, D, 1e-6, 1);
        double[][] g = mul(geluTanh(lin(w, "mlp.gate_proj", h, D, F, false)), lin(w, "mlp.up_proj", h, D, F, false));
        return add(x, rms(w, "post_feedforward_layernorm", lin(w, "mlp.down_proj", g, F, D, false), D, 1e-6, 1));
    }

    // =========================================================================================
    // minilm.attn: all-MiniLM-L6-v2, a 6-layer BERT encoder (Devlin et al., 2019);
    // Hugging Face BertModel, no dropout, no pooler.
    // =========================================================================================

    /**
     * @param inputIds int[T] word-piece ids
     * @param tokenTypeIds int[T] segment ids, 0 or 1
     * @param attentionMask int[T], keys with 0 are left out
     * @return [T, 384], the last hidden state
     */
    public static double[][] minilm(Weights w, int[] inputIds, int[] tokenTypeIds, int[] attentionMask) {
        final int D = 384, H = 12, F = 1536, V = 30522, P = 512, L = 6;
        int t = inputIds.length;
        if (tokenTypeIds.length != t || attentionMask.length != t) throw new IllegalArgumentException("minilm: inputs of different lengths");
        // BertEmbeddings: LayerNorm(word + position + token type), eps 1e-12 (BERT section 3, figure 2).
        double[][] x = add(add(emb(w, "embeddings.word_embeddings", inputIds, V, D),
                emb(w, "embeddings.position_embeddings", arange(t), P, D)),
                emb(w, "embeddings.token_type_embeddings", tokenTypeIds, 2, D));
        x = ln(w, "embeddings.LayerNorm", x, D, 1e-12);
        final int[] keep = attentionMask.clone();
        for (int layer = 0; layer < L; layer++) {
            String p = "encoder.layer." + layer + ".";
            // BertSelfAttention: 12 heads of 32, scale 1/sqrt(32), padding keys left out.
            double[][] q = lin(w, p + "attention.self.query", x, D, D, true);
            double[][] k = lin(w, p + "attention.self.key", x, D, D, true);
            double[][] v = lin(w, p + "attention.self.value", x, D, D, true);
            double[][] a = attention(q, k, v, H, H, (i, j, hh) -> keep[j] != 0);
            // BertSelfOutput: LayerNorm(x + dense(a)).
            x = ln(w, p + "attention.output.LayerNorm", add(x, lin(w, p + "attention.output.dense", a, D, D, true)), D, 1e-12);
            // BertIntermediate (exact GELU) and BertOutput: LayerNorm(x + dense(gelu(inter(x)))).
            double[][] ff = lin(w, p + "output.dense", gelu(lin(w, p + "intermediate.dense", x, D, F, true)), F, D, true);
            x = ln(w, p + "output.LayerNorm", add(x, ff), D, 1e-12);
        }
        return x;
    }

    // =========================================================================================
    // Checkpoint shapes
    // =========================================================================================

    /**
     * Every checkpoint tensor a sample reads, with its shape as the {@code .attn} file declares
     * it, in declaration order; for building test checkpoints.
     *
     * @param sample one of {@link #NAMES}
     */
    public static Map<String, int[]> tensorShapes(String sample) {
        Shapes s = new Shapes();
        switch (sample) {
            case "transformer_encoder" -> {
                int D = 512, F = 2048;
                s.put("self_attn.in_proj_weight", 3 * D, D).put("self_attn.in_proj_bias", 3 * D);
                s.linear("self_attn.out_proj", D, D, true).norm("norm1", D, true);
                s.linear("linear1", D, F, true).linear("linear2", F, D, true).norm("norm2", D, true);
            }
            case "gpt2_block" -> {
                int D = 768;
                s.put("wte.weight", 50257, D).put("wpe.weight", 1024, D);
                String p = "h.0.";
                s.norm(p + "ln_1", D, true).conv1d(p + "attn.c_attn", D, 3 * D).conv1d(p + "attn.c_proj", D, D);
                s.norm(p + "ln_2", D, true).conv1d(p + "mlp.c_fc", D, 4 * D).conv1d(p + "mlp.c_proj", 4 * D, D);
            }
            case "llama_block" -> {
                int D = 576, F = 1536;
                String p = "model.layers.0.";
                s.norm(p + "input_layernorm", D, false);
                s.linear(p + "self_attn.q_proj", D, 576, false).linear(p + "self_attn.k_proj", D, 192, false);
                s.linear(p + "self_attn.v_proj", D, 192, false).linear(p + "self_attn.o_proj", 576, D, false);
                s.norm(p + "post_attention_layernorm", D, false);
                s.linear(p + "mlp.gate_proj", D, F, false).linear(p + "mlp.up_proj", D, F, false).linear(p + "mlp.down_proj", F, D, false);
            }
            case "sliding_window" -> {
                int D = 512, F = 1408;
                s.norm("input_layernorm", D, false);
                s.linear("self_attn.q_proj", D, 512, false).linear("self_attn.k_proj", D, 128, false);
                s.linear("self_attn.v_proj", D, 128, false).linear("self_attn.o_proj", D, D, false);
                s.norm("post_attention_layernorm", D, false);
                s.linear("mlp.gate_proj", D, F, false).linear("mlp.up_proj", D, F, false).linear("mlp.down_proj", F, D, false);
            }
            case "alibi" -> {
                int D = 1024;
                s.norm("input_layernorm", D, true).linear("self_attention.query_key_value", D, 3 * D, true);
                s.linear("self_attention.dense", D, D, true).norm("post_attention_layernorm", D, true);
                s.linear("mlp.dense_h_to_4h", D, 4 * D, true).linear("mlp.dense_4h_to_h", 4 * D, D, true);
            }
            case "encoder_decoder" -> {
                int D = 512, F = 2048;
                s.put("self_attn.in_proj_weight", 3 * D, D).put("self_attn.in_proj_bias", 3 * D);
                s.linear("self_attn.out_proj", D, D, true).norm("norm1", D, true);
                s.put("multihead_attn.in_proj_weight", 3 * D, D).put("multihead_attn.in_proj_bias", 3 * D);
                s.linear("multihead_attn.out_proj", D, D, true).norm("norm2", D, true);
                s.linear("linear1", D, F, true).linear("linear2", F, D, true).norm("norm3", D, true);
            }
            case "softcap" -> {
                int D = 768, F = 3072;
                s.norm("input_layernorm", D, false);
                s.linear("self_attn.q_proj", D, 1024, false).linear("self_attn.k_proj", D, 512, false);
                s.linear("self_attn.v_proj", D, 512, false).linear("self_attn.o_proj", 1024, D, false);
                s.norm("post_attention_layernorm", D, false).norm("pre_feedforward_layernorm", D, false);
                s.linear("mlp.gate_proj", D, F, false).linear("mlp.up_proj", D, F, false).linear("mlp.down_proj", F, D, false);
                s.norm("post_feedforward_layernorm", D, false);
            }
            case "minilm" -> {
                int D = 384, F = 1536;
                s.put("embeddings.word_embeddings.weight", 30522, D).put("embeddings.position_embeddings.weight", 512, D);
                s.put("embeddings.token_type_embeddings.weight", 2, D).norm("embeddings.LayerNorm", D, true);
                for (int layer = 0; layer < 6; layer++) {
                    String p = "encoder.layer." + layer + ".";
                    s.linear(p + "attention.self.query", D, D, true).linear(p + "attention.self.key", D, D, true);
                    s.linear(p + "attention.self.value", D, D, true).linear(p + "attention.output.dense", D, D, true);
                    s.norm(p + "attention.output.LayerNorm", D, true);
                    s.linear(p + "intermediate.dense", D, F, true).linear(p + "output.dense", F, D, true);
                    s.norm(p + "output.LayerNorm", D, true);
                }
            }
            default -> throw new IllegalArgumentException("unknown sample " + sample + "; one of " + NAMES);
        }
        return s.map;
    }

    private static final class Shapes {
        final Map<String, int[]> map = new LinkedHashMap<>();

        Shapes put(String name, int... shape) {
            if (map.put(name, shape) != null) throw new IllegalStateException("duplicate " + name);
            return this;
        }

        Shapes linear(String name, int in, int out, boolean bias) {
            put(name + ".weight", out, in);
            return bias ? put(name + ".bias", out) : this;
        }

        Shapes conv1d(String name, int in, int out) {
            return put(name + ".weight", in, out).put(name + ".bias", out);
        }

        Shapes norm(String name, int d, boolean bias) {
            put(name + ".weight", d);
            return bias ? put(name + ".bias", d) : this;
        }
    }
}
