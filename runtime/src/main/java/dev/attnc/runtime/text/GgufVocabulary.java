package dev.attnc.runtime.text;

import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The tokenizer a GGUF file describes, as plain Java data: what {@link Tokenizer#fromGguf} needs.
 * Each component names the GGUF key it comes from.
 *
 * @param model {@code tokenizer.ggml.model}: "llama" (SentencePiece) or "gpt2" (byte-level BPE)
 * @param pre {@code tokenizer.ggml.pre}: the pre-tokenizer of a "gpt2" vocabulary ("gpt-2",
 *     "llama-bpe", "qwen2"...), or null when absent
 * @param tokens {@code tokenizer.ggml.tokens}: the vocabulary strings, by id
 * @param scores {@code tokenizer.ggml.scores}: one per token, or null when absent (all 0)
 * @param tokenTypes {@code tokenizer.ggml.token_type}: GGUF type codes (see {@link TokenType}),
 *     one per token, or null when absent (all normal)
 * @param merges {@code tokenizer.ggml.merges}: "left right" pairs by rank, or null when absent
 * @param bosId {@code tokenizer.ggml.bos_token_id}, or -1
 * @param eosId {@code tokenizer.ggml.eos_token_id}, or -1
 * @param unknownId {@code tokenizer.ggml.unknown_token_id}, or -1 (then the first token of type
 *     unknown, if any, is used)
 * @param addBos {@code tokenizer.ggml.add_bos_token}, or null when absent
 * @param addSpacePrefix {@code tokenizer.ggml.add_space_prefix}, or null when absent (true for
 *     SentencePiece, as llama.cpp assumes)
 */
public record GgufVocabulary(String model, String pre, List<String> tokens, float[] scores, int[] tokenTypes,
        List<String> merges, int bosId, int eosId, int unknownId, Boolean addBos, Boolean addSpacePrefix) {

    public GgufVocabulary {
        Objects.requireNonNull(model, "model");
        tokens = List.copyOf(Objects.requireNonNull(tokens, "tokens"));
        merges = merges == null ? null : List.copyOf(merges);
    }

    /**
     * Reads the tokenizer keys of GGUF metadata. Values may be the Java types a GGUF reader
     * gives: strings as {@link String}; integers as any {@link Number}; arrays as a {@link List}
     * of those, or a Java array ({@code String[]}, {@code float[]}, {@code int[]}, {@code long[]}...).
     *
     * @throws TokenizerException if {@code tokenizer.ggml.model} or {@code tokenizer.ggml.tokens}
     *     is missing, or a value has the wrong type
     */
    public static GgufVocabulary fromMetadata(Map<String, ?> metadata) {
        Objects.requireNonNull(metadata, "metadata");
        String model = string(metadata, "tokenizer.ggml.model");
        if (model == null) {
            throw new TokenizerException("the GGUF metadata has no tokenizer.ggml.model: the file carries no tokenizer");
        }
        List<String> tokens = strings(metadata, "tokenizer.ggml.tokens");
        if (tokens == null) {
            throw new TokenizerException("the GGUF metadata has no tokenizer.ggml.tokens");
        }
        return new GgufVocabulary(model, string(metadata, "tokenizer.ggml.pre"), tokens,
                floats(metadata, "tokenizer.ggml.scores"), ints(metadata, "tokenizer.ggml.token_type"),
                strings(metadata, "tokenizer.ggml.merges"), id(metadata, "tokenizer.ggml.bos_token_id"),
                id(metadata, "tokenizer.ggml.eos_token_id"), id(metadata, "tokenizer.ggml.unknown_token_id"),
                bool(metadata, "tokenizer.ggml.add_bos_token"), bool(metadata, "tokenizer.ggml.add_space_prefix"));
    }

    private static TokenizerException wrongType(String key, Object value, String expected) {
        return new TokenizerException("GGUF metadata " + key + " is " + value.getClass().getSimpleName()
                + ", expected " + expected);
    }

    private static String string(Map<String, ?> metadata, String key) {
        Object value = metadata.get(key);
        if (value == null || value instanceof String) {
            return (String) value;
        }
        throw wrongType(key, value, "a string");
    }

    private static Boolean bool(Map<String, ?> metadata, String key) {
        Object value = metadata.get(key);
        if (value == null || value instanceof Boolean) {
            return (Boolean) value;
        }
        throw wrongType(key, value, "a boolean");
    }

    private static int id(Map<String, ?> metadata, String key) {
        Object value = metadata.get(key);
        if (value == null) {
            return -1;
        }
        if (!(value instanceof Number n) || value instanceof Float || value instanceof Double) {
            throw wrongType(key, value, "an integer");
        }
        long id = n.longValue();
        if (id < 0 || id > Integer.MAX_VALUE) {
            throw new TokenizerException("GGUF metadata " + key + " is " + id + ", not a token id");
        }
        return (int) id;
    }

    private static List<?> list(Map<String, ?> metadata, String key) {
        Object value = metadata.get(key);
        if (value == null) {
            return null;
        }
        if (value instanceof List<?> l) {
            return l;
        }
        if (value instanceof Object[] a) {
            return List.of(a);
        }
        if (value instanceof float[] a) {
            Float[] boxed = new Float[a.length];
            for (int i = 0; i < a.length; i++) {
                boxed[i] = a[i];
            }
            return List.of(boxed);
        }
        if (value instanceof int[] a) {
            return Arrays.stream(a).boxed().toList();
        }
        if (value instanceof long[] a) {
            return Arrays.stream(a).boxed().toList();
        }
        if (value instanceof double[] a) {
            return Arrays.stream(a).boxed().toList();
        }
        throw wrongType(key, value, "an array");
    }

    private static List<String> strings(Map<String, ?> metadata, String key) {
        List<?> values = list(metadata, key);
        if (values == null) {
            return null;
        }
        String[] out = new String[values.size()];
        for (int i = 0; i < out.length; i++) {
            if (!(values.get(i) instanceof String s)) {
                throw new TokenizerException("GGUF metadata " + key + "[" + i + "] is not a string");
            }
            out[i] = s;
        }
        return List.of(out);
    }

    private static float[] floats(Map<String, ?> metadata, String key) {
        List<?> values = list(metadata, key);
        if (values == null) {
            return null;
        }
        float[] out = new float[values.size()];
        for (int i = 0; i < out.length; i++) {
            if (!(values.get(i) instanceof Number n)) {
                throw new TokenizerException("GGUF metadata " + key + "[" + i + "] is not a number");
            }
            out[i] = n.floatValue();
        }
        return out;
    }

    private static int[] ints(Map<String, ?> metadata, String key) {
        List<?> values = list(metadata, key);
        if (values == null) {
            return null;
        }
        int[] out = new int[values.size()];
        for (int i = 0; i < out.length; i++) {
            if (!(values.get(i) instanceof Number n) || n instanceof Float || n instanceof Double) {
                throw new TokenizerException("GGUF metadata " + key + "[" + i + "] is not an integer");
            }
            long v = n.longValue();
            // Out-of-range codes are reported by TokenType.ofCode with the token they belong to.
            out[i] = (int) Math.max(Integer.MIN_VALUE, Math.min(Integer.MAX_VALUE, v));
        }
        return out;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof GgufVocabulary v && model.equals(v.model) && Objects.equals(pre, v.pre)
                && tokens.equals(v.tokens) && Arrays.equals(scores, v.scores)
                && Arrays.equals(tokenTypes, v.tokenTypes) && Objects.equals(merges, v.merges)
                && bosId == v.bosId && eosId == v.eosId && unknownId == v.unknownId
                && Objects.equals(addBos, v.addBos) && Objects.equals(addSpacePrefix, v.addSpacePrefix);
    }

    @Override
    public int hashCode() {
        return Objects.hash(model, pre, tokens, merges, bosId, eosId);
    }

    @Override
    public String toString() {
        return "GgufVocabulary[" + model + (pre == null ? "" : "/" + pre) + ", " + tokens.size() + " tokens"
                + (merges == null ? "" : ", " + merges.size() + " merges") + "]";
    }
}
