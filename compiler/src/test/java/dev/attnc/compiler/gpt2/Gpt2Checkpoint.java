package dev.attnc.compiler.gpt2;

import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.function.IntPredicate;

/**
 * Small random GPT-2 checkpoints written the way Hugging Face publishes GPT-2: config.json with
 * GPT-2's keys, model.safetensors (or shards and model.safetensors.index.json) under GPT-2's
 * names with Conv1D weights stored [in, out], and a byte-level BPE tokenizer.json.
 */
final class Gpt2Checkpoint {
    private Gpt2Checkpoint() {
    }

    /** A tensor: row-major values and the shape written to the file. */
    record Tensor(float[] values, int[] shape) {
    }

    /** How the files are laid out. */
    enum Layout {
        /** openai-community/gpt2's names (no prefix), F32, one file, with the causal-mask buffers h.N.attn.bias. */
        PLAIN_F32,
        /** GPT2LMHeadModel.save_pretrained's names (transformer.h.N...), BF16, one file. */
        PREFIXED_BF16,
        /** transformer.-prefixed, F32, two shards and model.safetensors.index.json, n_inner given. */
        PREFIXED_SHARDED;

        String prefix() {
            return this == PLAIN_F32 ? "" : "transformer.";
        }

        boolean bf16() {
            return this == PREFIXED_BF16;
        }
    }

    /**
     * Seeded random weights under unprefixed names. The rows of wte for tokens that are not
     * printable ASCII (control bytes, bytes above 0x7E, the end-of-text token) are 50 times
     * smaller: with the LM head tied to wte their logits stay near 0, so greedy decoding picks
     * printable tokens and the text attnc prints can be compared character for character.
     */
    static Map<String, Tensor> randomWeights(Gpt2Reference.Config c, RefByteBpe vocabulary, boolean bf16, long seed) {
        return randomWeights(c, id -> id >= 256 ? id != vocabulary.endOfText() : id >= 0x20 && id <= 0x7E, bf16, seed);
    }

    /** The same, with {@code printable} saying which tokens keep rows of full size. */
    static Map<String, Tensor> randomWeights(Gpt2Reference.Config c, IntPredicate printable, boolean bf16, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        Map<String, Tensor> w = new LinkedHashMap<>();
        int d = c.d();
        float[] wte = values(random, c.vocab() * d, 1.0, false, bf16);
        for (int id = 0; id < c.vocab(); id++) {
            if (!printable.test(id)) {
                for (int j = 0; j < d; j++) {
                    wte[id * d + j] = round(wte[id * d + j] / 50, bf16);
                }
            }
        }
        w.put("wte.weight", new Tensor(wte, new int[] {c.vocab(), d}));
        put(w, "wpe.weight", random, 2.0, false, bf16, c.positions(), d);
        for (int layer = 0; layer < c.layers(); layer++) {
            String p = "h." + layer + ".";
            put(w, p + "ln_1.weight", random, 0.1, true, bf16, d);
            put(w, p + "ln_1.bias", random, 0.1, false, bf16, d);
            put(w, p + "attn.c_attn.weight", random, 1 / Math.sqrt(d), false, bf16, d, 3 * d);
            put(w, p + "attn.c_attn.bias", random, 0.2, false, bf16, 3 * d);
            put(w, p + "attn.c_proj.weight", random, 1 / Math.sqrt(d), false, bf16, d, d);
            put(w, p + "attn.c_proj.bias", random, 0.1, false, bf16, d);
            put(w, p + "ln_2.weight", random, 0.1, true, bf16, d);
            put(w, p + "ln_2.bias", random, 0.1, false, bf16, d);
            put(w, p + "mlp.c_fc.weight", random, 1 / Math.sqrt(d), false, bf16, d, c.inner());
            put(w, p + "mlp.c_fc.bias", random, 0.2, false, bf16, c.inner());
            put(w, p + "mlp.c_proj.weight", random, 1 / Math.sqrt(c.inner()), false, bf16, c.inner(), d);
            put(w, p + "mlp.c_proj.bias", random, 0.1, false, bf16, d);
        }
        put(w, "ln_f.weight", random, 0.1, true, bf16, d);
        put(w, "ln_f.bias", random, 0.1, false, bf16, d);
        return w;
    }

    /** The values alone, by name, for the reference. */
    static Map<String, float[]> values(Map<String, Tensor> weights) {
        Map<String, float[]> values = new LinkedHashMap<>();
        weights.forEach((name, tensor) -> values.put(name, tensor.values()));
        return values;
    }

    /** Writes config.json, the weights in {@code layout} and tokenizer.json into {@code folder}; the path for --weights. */
    static Path write(Path folder, Gpt2Reference.Config c, boolean innerGiven, Map<String, Tensor> weights, RefByteBpe vocabulary,
            Layout layout) throws IOException {
        return write(folder, c, innerGiven, weights, tokenizerJson(vocabulary.tokens, vocabulary.merges), vocabulary.endOfText(),
                layout);
    }

    /** The same with a tokenizer.json's text and the id of {@code <|endoftext|>}. */
    static Path write(Path folder, Gpt2Reference.Config c, boolean innerGiven, Map<String, Tensor> weights, String tokenizerJson,
            int endOfText, Layout layout) throws IOException {
        Files.writeString(folder.resolve("config.json"), config(c, innerGiven, endOfText));
        Files.writeString(folder.resolve("tokenizer.json"), tokenizerJson);
        Map<String, Tensor> named = new LinkedHashMap<>();
        weights.forEach((name, tensor) -> named.put(layout.prefix() + name, tensor));
        if (layout == Layout.PLAIN_F32) {
            // The causal-mask buffers files converted from pytorch_model.bin carry: not weights, not read.
            float[] mask = new float[c.positions() * c.positions()];
            for (int i = 0; i < c.positions(); i++) {
                for (int j = 0; j <= i; j++) {
                    mask[i * c.positions() + j] = 1;
                }
            }
            for (int layer = 0; layer < c.layers(); layer++) {
                named.put("h." + layer + ".attn.bias", new Tensor(mask, new int[] {1, 1, c.positions(), c.positions()}));
            }
        }
        if (layout != Layout.PREFIXED_SHARDED) {
            writeSafetensors(folder.resolve("model.safetensors"), named, layout.bf16());
            return folder;
        }
        Map<String, Tensor> first = new LinkedHashMap<>();
        Map<String, Tensor> second = new LinkedHashMap<>();
        JsonObject map = new JsonObject();
        for (Map.Entry<String, Tensor> entry : named.entrySet()) {
            boolean early = entry.getKey().contains(".wte.") || entry.getKey().contains(".wpe.")
                    || entry.getKey().startsWith("transformer.h.0.");
            (early ? first : second).put(entry.getKey(), entry.getValue());
            map.addProperty(entry.getKey(), "model-0000" + (early ? 1 : 2) + "-of-00002.safetensors");
        }
        writeSafetensors(folder.resolve("model-00001-of-00002.safetensors"), first, false);
        writeSafetensors(folder.resolve("model-00002-of-00002.safetensors"), second, false);
        JsonObject index = new JsonObject();
        JsonObject metadata = new JsonObject();
        metadata.addProperty("total_size", 0);
        index.add("metadata", metadata);
        index.add("weight_map", map);
        Path indexFile = folder.resolve("model.safetensors.index.json");
        Files.writeString(indexFile, index.toString());
        return indexFile;
    }

    /** GPT-2's config.json, every key of the released one, at these sizes. */
    static String config(Gpt2Reference.Config c, boolean innerGiven, int endOfText) {
        return "{\n  \"activation_function\": \"gelu_new\",\n  \"architectures\": [\"GPT2LMHeadModel\"],\n"
                + "  \"attn_pdrop\": 0.1,\n  \"bos_token_id\": " + endOfText + ",\n  \"embd_pdrop\": 0.1,\n"
                + "  \"eos_token_id\": " + endOfText + ",\n  \"initializer_range\": 0.02,\n"
                + "  \"layer_norm_epsilon\": " + c.eps() + ",\n  \"model_type\": \"gpt2\",\n  \"n_ctx\": " + c.positions()
                + ",\n  \"n_embd\": " + c.d() + ",\n  \"n_head\": " + c.heads() + ",\n  \"n_inner\": "
                + (innerGiven ? String.valueOf(c.inner()) : "null") + ",\n  \"n_layer\": " + c.layers()
                + ",\n  \"n_positions\": " + c.positions() + ",\n  \"resid_pdrop\": 0.1,\n  \"summary_activation\": null,\n"
                + "  \"summary_first_dropout\": 0.1,\n  \"summary_proj_to_labels\": true,\n  \"summary_type\": \"cls_index\",\n"
                + "  \"summary_use_proj\": true,\n  \"task_specific_params\": {\"text-generation\": {\"do_sample\": true,"
                + " \"max_length\": 50}},\n  \"vocab_size\": " + c.vocab() + "\n}\n";
    }

    /**
     * GPT-2's tokenizer.json layout: a BPE model, a ByteLevel pre-tokenizer, post-processor and
     * decoder; the last token is {@code <|endoftext|>}, an added special token.
     */
    static String tokenizerJson(List<String> tokens, List<String> mergeList) {
        JsonObject root = new JsonObject();
        root.addProperty("version", "1.0");
        root.add("truncation", null);
        root.add("padding", null);
        JsonObject end = new JsonObject();
        end.addProperty("id", tokens.size() - 1);
        end.addProperty("content", RefByteBpe.END_OF_TEXT);
        end.addProperty("single_word", false);
        end.addProperty("lstrip", false);
        end.addProperty("rstrip", false);
        end.addProperty("normalized", true);
        end.addProperty("special", true);
        JsonArray added = new JsonArray();
        added.add(end);
        root.add("added_tokens", added);
        root.add("normalizer", null);
        root.add("pre_tokenizer", byteLevel(false, true));
        root.add("post_processor", byteLevel(true, false));
        root.add("decoder", byteLevel(true, true));
        JsonObject model = new JsonObject();
        model.addProperty("type", "BPE");
        model.add("dropout", null);
        model.add("unk_token", null);
        model.addProperty("continuing_subword_prefix", "");
        model.addProperty("end_of_word_suffix", "");
        model.addProperty("fuse_unk", false);
        model.addProperty("byte_fallback", false);
        JsonObject vocab = new JsonObject();
        for (int id = 0; id < tokens.size(); id++) {
            vocab.addProperty(tokens.get(id), id);
        }
        model.add("vocab", vocab);
        JsonArray merges = new JsonArray();
        mergeList.forEach(merges::add);
        model.add("merges", merges);
        root.add("model", model);
        return new GsonBuilder().serializeNulls().create().toJson(root);
    }

    private static JsonObject byteLevel(boolean addPrefixSpace, boolean trimOffsets) {
        JsonObject step = new JsonObject();
        step.addProperty("type", "ByteLevel");
        step.addProperty("add_prefix_space", addPrefixSpace);
        step.addProperty("trim_offsets", trimOffsets);
        step.addProperty("use_regex", true);
        return step;
    }

    /** A safetensors file: little-endian header length, the JSON header (padded to 8 bytes), the data. */
    static void writeSafetensors(Path file, Map<String, Tensor> tensors, boolean bf16) throws IOException {
        Map<String, Tensor> sorted = new TreeMap<>(tensors);
        StringBuilder header = new StringBuilder("{\"__metadata__\":{\"format\":\"pt\"}");
        long offset = 0;
        List<Tensor> order = new ArrayList<>();
        for (Map.Entry<String, Tensor> entry : sorted.entrySet()) {
            long bytes = (long) entry.getValue().values().length * (bf16 ? 2 : 4);
            header.append(",\"").append(entry.getKey()).append("\":{\"dtype\":\"").append(bf16 ? "BF16" : "F32")
                    .append("\",\"shape\":").append(Arrays.toString(entry.getValue().shape()).replace(" ", ""))
                    .append(",\"data_offsets\":[").append(offset).append(',').append(offset + bytes).append("]}");
            offset += bytes;
            order.add(entry.getValue());
        }
        header.append('}');
        while (header.length() % 8 != 0) {
            header.append(' ');
        }
        byte[] json = header.toString().getBytes(StandardCharsets.UTF_8);
        try (OutputStream out = Files.newOutputStream(file)) {
            out.write(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(json.length).array());
            out.write(json);
            for (Tensor tensor : order) {
                ByteBuffer data = ByteBuffer.allocate(tensor.values().length * (bf16 ? 2 : 4)).order(ByteOrder.LITTLE_ENDIAN);
                for (float value : tensor.values()) {
                    if (bf16) {
                        data.putShort((short) (Float.floatToIntBits(value) >>> 16));
                    } else {
                        data.putFloat(value);
                    }
                }
                out.write(data.array());
            }
        }
    }

    private static void put(Map<String, Tensor> w, String name, SplittableRandom random, double scale, boolean aroundOne,
            boolean bf16, int... shape) {
        int count = 1;
        for (int dim : shape) {
            count *= dim;
        }
        w.put(name, new Tensor(values(random, count, scale, aroundOne, bf16), shape));
    }

    private static float[] values(SplittableRandom random, int count, double scale, boolean aroundOne, boolean bf16) {
        float[] values = new float[count];
        for (int i = 0; i < count; i++) {
            values[i] = round((float) ((aroundOne ? 1 : 0) + scale * (2 * random.nextDouble() - 1)), bf16);
        }
        return values;
    }

    /** The value a BF16 file stores (rounded to nearest even), so the reference sees what attnc reads. */
    static float round(float value, boolean bf16) {
        if (!bf16) {
            return value;
        }
        int bits = Float.floatToIntBits(value);
        int rounded = (bits + 0x7FFF + ((bits >>> 16) & 1)) & 0xFFFF0000;
        return Float.intBitsToFloat(rounded);
    }
}
