package dev.attnc.compiler.decoder;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.attnc.compiler.Repo;
import dev.attnc.compiler.api.AttnModel;
import dev.attnc.compiler.api.Attnc;
import dev.attnc.compiler.api.CompileOptions;
import dev.attnc.compiler.api.Weights;
import dev.attnc.runtime.Decoder;
import dev.attnc.runtime.Tensor;
import dev.attnc.runtime.weights.CheckpointMetadata;
import dev.attnc.runtime.weights.WeightSource;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * samples/llama/llama.attn, compiled against small random checkpoints written in the layouts
 * real ones use (Hugging Face: config.json and safetensors, single or sharded, F32 or BF16;
 * GGUF: llama.cpp's names and metadata keys, Q and K rows permuted for `llama`), with nobody
 * typing a size. Each run's logits, from forward and from step-by-step decoding, are checked
 * against {@link LlamaReference}, a float64 forward pass in Hugging Face's row order. The
 * compiled model computes in float32: logits must agree to 2e-4 of their largest magnitude.
 */
class LlamaSampleTest {
    private static final double TOLERANCE = 2e-4;
    private static final int[] IDS = {3, 17, 0, 29, 8, 8, 31};

    enum Layout {
        /** Hugging Face Llama: config.json and model.safetensors in F32, its own LM head, GQA 4/2. */
        HF_LLAMA,
        /** Hugging Face Qwen2: q, k, v biases, tied embeddings, BF16. */
        HF_QWEN2_TIED_BF16,
        /** Hugging Face Llama 3.1: rope_scaling llama3, two shards with model.safetensors.index.json. */
        HF_LLAMA3_SHARDED,
        /** GGUF llama: llama.cpp's names, Q/K rows permuted, vocabulary size from the token list, tied. */
        GGUF_LLAMA_TIED,
        /** GGUF qwen2: llama.cpp's names, rows as in Hugging Face, biases, rope.freq_base 1e6. */
        GGUF_QWEN2
    }

    @TempDir
    Path folder;

    @ParameterizedTest
    @EnumSource(Layout.class)
    void logitsMatchTheReference(Layout layout) throws IOException {
        boolean qwen = layout == Layout.HF_QWEN2_TIED_BF16 || layout == Layout.GGUF_QWEN2;
        boolean tied = layout == Layout.HF_QWEN2_TIED_BF16 || layout == Layout.GGUF_LLAMA_TIED;
        boolean llama3 = layout == Layout.HF_LLAMA3_SHARDED;
        double base = layout == Layout.GGUF_QWEN2 ? 1e6 : 10000;
        // With head width 8, wavelengths are 6.3, 63, 628, 6283 positions: an original context
        // of 64 puts one frequency in each of Llama 3's three cases.
        LlamaReference.Config config = new LlamaReference.Config(32, 4, 2, 2, 48, 40, 1e-5, base, qwen, tied,
                llama3 ? 8 : 1, 1, 4, llama3 ? 64 : 8192);
        Map<String, Checkpoints.Stored> hf = randomWeights(config, layout == Layout.HF_QWEN2_TIED_BF16, 11 + layout.ordinal());
        double[][] expected = new LlamaReference(config, hf).logits(IDS);

        try (WeightSource weights = checkpoint(layout, config, hf)) {
            AttnModel model = Attnc.compile(Repo.path("samples/llama/llama.attn"),
                    CompileOptions.defaults().withCheckpoint(weights.checkpointMetadata())).orElseThrow();
            assertEquals(config.d(), model.constants().get("D").intValue());
            assertEquals(config.vocab(), model.constants().get("V").intValue());
            try (Decoder decoder = model.loadDecoder(weights)) {
                float[] whole = decoder.forward(Map.of("ids", Tensor.ints(IDS, IDS.length))).get("logits").floatData();
                double scale = compare(expected, whole, 0, IDS.length, layout + " forward");

                decoder.reset();
                for (int t = 0; t < IDS.length; t++) {
                    float[] row = decoder.step(Map.of("ids", Tensor.ints(new int[] {IDS[t]}, 1))).get("logits").floatData();
                    compare(expected, row, t, t + 1, layout + " step " + t);
                }
                assertEquals(IDS.length, decoder.cachedPositions());
                System.out.printf("%s: logits of scale %.3g match the float64 reference%n", layout, scale);
            }
        }
    }

    /** Compares rows from..to of the reference with {@code actual}; the reference's scale. */
    private static double compare(double[][] expected, float[] actual, int from, int to, String what) {
        int vocab = expected[0].length;
        assertEquals((to - from) * vocab, actual.length, what + ": logits size");
        double scale = 0;
        for (double[] row : expected) {
            for (double value : row) {
                scale = Math.max(scale, Math.abs(value));
            }
        }
        double error = 0;
        for (int r = from; r < to; r++) {
            for (int v = 0; v < vocab; v++) {
                error = Math.max(error, Math.abs(actual[(r - from) * vocab + v] - expected[r][v]));
            }
        }
        assertTrue(error <= TOLERANCE * Math.max(1, scale), what + ": max abs error " + error + " at scale " + scale);
        return scale;
    }

    /** Seeded random weights under Hugging Face names; rounded to bf16 when the file stores bf16. */
    static Map<String, Checkpoints.Stored> randomWeights(LlamaReference.Config c, boolean bf16, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        Map<String, Checkpoints.Stored> w = new LinkedHashMap<>();
        int d = c.d();
        int q = c.heads() * c.headDim();
        int kv = c.kvHeads() * c.headDim();
        put(w, "model.embed_tokens.weight", random, 1.0, false, bf16, c.vocab(), d);
        for (int layer = 0; layer < c.layers(); layer++) {
            String p = "model.layers." + layer + ".";
            put(w, p + "input_layernorm.weight", random, 0.1, true, bf16, d);
            put(w, p + "self_attn.q_proj.weight", random, 1 / Math.sqrt(d), false, bf16, q, d);
            put(w, p + "self_attn.k_proj.weight", random, 1 / Math.sqrt(d), false, bf16, kv, d);
            put(w, p + "self_attn.v_proj.weight", random, 1 / Math.sqrt(d), false, bf16, kv, d);
            if (c.qkvBias()) {
                put(w, p + "self_attn.q_proj.bias", random, 0.3, false, bf16, q);
                put(w, p + "self_attn.k_proj.bias", random, 0.3, false, bf16, kv);
                put(w, p + "self_attn.v_proj.bias", random, 0.3, false, bf16, kv);
            }
            put(w, p + "self_attn.o_proj.weight", random, 1 / Math.sqrt(q), false, bf16, d, q);
            put(w, p + "post_attention_layernorm.weight", random, 0.1, true, bf16, d);
            put(w, p + "mlp.gate_proj.weight", random, 1 / Math.sqrt(d), false, bf16, c.ffn(), d);
            put(w, p + "mlp.up_proj.weight", random, 1 / Math.sqrt(d), false, bf16, c.ffn(), d);
            put(w, p + "mlp.down_proj.weight", random, 1 / Math.sqrt(c.ffn()), false, bf16, d, c.ffn());
        }
        put(w, "model.norm.weight", random, 0.1, true, bf16, d);
        if (!c.tied()) {
            put(w, "lm_head.weight", random, 1 / Math.sqrt(d), false, bf16, c.vocab(), d);
        }
        return w;
    }

    private static void put(Map<String, Checkpoints.Stored> w, String name, SplittableRandom random, double scale,
            boolean aroundOne, boolean bf16, int... shape) {
        int count = 1;
        for (int dim : shape) {
            count *= dim;
        }
        float[] values = new float[count];
        for (int i = 0; i < count; i++) {
            float value = (float) ((aroundOne ? 1 : 0) + scale * (2 * random.nextDouble() - 1));
            values[i] = bf16 ? Checkpoints.fromBf16(Checkpoints.bf16(value)) : value;
        }
        w.put(name, new Checkpoints.Stored(values, shape));
    }

    WeightSource checkpoint(Layout layout, LlamaReference.Config c, Map<String, Checkpoints.Stored> hf) throws IOException {
        return switch (layout) {
            case HF_LLAMA, HF_QWEN2_TIED_BF16 -> {
                Files.writeString(folder.resolve("config.json"), config(c, layout == Layout.HF_QWEN2_TIED_BF16 ? "qwen2" : "llama"));
                Checkpoints.writeSafetensors(folder.resolve("model.safetensors"), hf, layout == Layout.HF_QWEN2_TIED_BF16);
                yield Weights.huggingFace(folder);
            }
            case HF_LLAMA3_SHARDED -> {
                Files.writeString(folder.resolve("config.json"), config(c, "llama"));
                Map<String, Checkpoints.Stored> first = new LinkedHashMap<>();
                Map<String, Checkpoints.Stored> second = new LinkedHashMap<>();
                StringBuilder index = new StringBuilder("{\"metadata\": {\"total_size\": 0}, \"weight_map\": {");
                List<String> entries = new ArrayList<>();
                for (Map.Entry<String, Checkpoints.Stored> entry : hf.entrySet()) {
                    boolean early = entry.getKey().startsWith("model.embed") || entry.getKey().startsWith("model.layers.0.");
                    (early ? first : second).put(entry.getKey(), entry.getValue());
                    entries.add("\"" + entry.getKey() + "\": \"model-0000" + (early ? 1 : 2) + "-of-00002.safetensors\"");
                }
                index.append(String.join(", ", entries)).append("}}");
                Checkpoints.writeSafetensors(folder.resolve("model-00001-of-00002.safetensors"), first, false);
                Checkpoints.writeSafetensors(folder.resolve("model-00002-of-00002.safetensors"), second, false);
                Files.writeString(folder.resolve("model.safetensors.index.json"), index.toString());
                yield Weights.huggingFace(folder.resolve("model.safetensors.index.json"));
            }
            case GGUF_LLAMA_TIED, GGUF_QWEN2 -> gguf(c, hf, layout == Layout.GGUF_LLAMA_TIED ? "llama" : "qwen2");
        };
    }

    private static String config(LlamaReference.Config c, String modelType) {
        String scaling = c.ropeFactor() == 1 ? "null" : "{\"factor\": " + c.ropeFactor() + ", \"low_freq_factor\": "
                + c.lowFreqFactor() + ", \"high_freq_factor\": " + c.highFreqFactor()
                + ", \"original_max_position_embeddings\": " + (long) c.originalContext() + ", \"rope_type\": \"llama3\"}";
        return "{\"architectures\": [\"X\"], \"model_type\": \"" + modelType + "\", \"hidden_size\": " + c.d()
                + ", \"num_attention_heads\": " + c.heads() + ", \"num_key_value_heads\": " + c.kvHeads()
                + ", \"num_hidden_layers\": " + c.layers() + ", \"intermediate_size\": " + c.ffn()
                + ", \"vocab_size\": " + c.vocab() + ", \"rms_norm_eps\": " + c.eps() + ", \"rope_theta\": " + c.base()
                + ", \"max_position_embeddings\": 2048, \"tie_word_embeddings\": " + c.tied()
                + ", \"rope_scaling\": " + scaling + ", \"torch_dtype\": \"bfloat16\"}";
    }

    /**
     * The checkpoint as llama.cpp's converter writes it: GGUF names and keys, and for `llama`
     * the rows of Q and K permuted within each head so that adjacent pairs hold what Hugging
     * Face's halves hold (row 2i + s of a head is row s * Dh / 2 + i of the original).
     */
    private static WeightSource gguf(LlamaReference.Config c, Map<String, Checkpoints.Stored> hf, String arch) {
        Map<String, Checkpoints.Stored> g = new LinkedHashMap<>();
        boolean permute = arch.equals("llama");
        g.put("token_embd.weight", hf.get("model.embed_tokens.weight"));
        for (int layer = 0; layer < c.layers(); layer++) {
            String p = "model.layers." + layer + ".";
            String b = "blk." + layer + ".";
            g.put(b + "attn_norm.weight", hf.get(p + "input_layernorm.weight"));
            g.put(b + "attn_q.weight", permute ? permuteRows(hf.get(p + "self_attn.q_proj.weight"), c.heads(), c.headDim())
                    : hf.get(p + "self_attn.q_proj.weight"));
            g.put(b + "attn_k.weight", permute ? permuteRows(hf.get(p + "self_attn.k_proj.weight"), c.kvHeads(), c.headDim())
                    : hf.get(p + "self_attn.k_proj.weight"));
            g.put(b + "attn_v.weight", hf.get(p + "self_attn.v_proj.weight"));
            if (c.qkvBias()) {
                g.put(b + "attn_q.bias", hf.get(p + "self_attn.q_proj.bias"));
                g.put(b + "attn_k.bias", hf.get(p + "self_attn.k_proj.bias"));
                g.put(b + "attn_v.bias", hf.get(p + "self_attn.v_proj.bias"));
            }
            g.put(b + "attn_output.weight", hf.get(p + "self_attn.o_proj.weight"));
            g.put(b + "ffn_norm.weight", hf.get(p + "post_attention_layernorm.weight"));
            g.put(b + "ffn_gate.weight", hf.get(p + "mlp.gate_proj.weight"));
            g.put(b + "ffn_up.weight", hf.get(p + "mlp.up_proj.weight"));
            g.put(b + "ffn_down.weight", hf.get(p + "mlp.down_proj.weight"));
        }
        g.put("output_norm.weight", hf.get("model.norm.weight"));
        if (!c.tied()) {
            g.put("output.weight", hf.get("lm_head.weight"));
        }
        Map<String, Object> meta = new LinkedHashMap<>();
        meta.put("general.architecture", arch);
        meta.put(arch + ".embedding_length", (long) c.d());
        meta.put(arch + ".attention.head_count", (long) c.heads());
        meta.put(arch + ".attention.head_count_kv", (long) c.kvHeads());
        meta.put(arch + ".block_count", (long) c.layers());
        meta.put(arch + ".feed_forward_length", (long) c.ffn());
        meta.put(arch + ".context_length", 2048L);
        meta.put(arch + ".attention.layer_norm_rms_epsilon", (double) (float) c.eps());
        if (c.base() != 10000) {
            meta.put(arch + ".rope.freq_base", c.base());
        }
        List<String> tokens = new ArrayList<>();
        for (int i = 0; i < c.vocab(); i++) {
            tokens.add("t" + i);
        }
        meta.put("tokenizer.ggml.tokens", List.copyOf(tokens));
        return new Checkpoints.InMemory(g, CheckpointMetadata.of(meta, "test-" + arch + ".gguf"));
    }

    private static Checkpoints.Stored permuteRows(Checkpoints.Stored original, int heads, int headDim) {
        int in = original.shape()[1];
        float[] permuted = new float[original.values().length];
        for (int h = 0; h < heads; h++) {
            for (int i = 0; i < headDim / 2; i++) {
                for (int s = 0; s < 2; s++) {
                    int to = h * headDim + 2 * i + s;
                    int from = h * headDim + s * headDim / 2 + i;
                    System.arraycopy(original.values(), from * in, permuted, to * in, in);
                }
            }
        }
        return new Checkpoints.Stored(permuted, original.shape());
    }
}
