package dev.attnc.runtime.embed;

import dev.attnc.runtime.Model;
import dev.attnc.runtime.Tensor;
import dev.attnc.runtime.text.Encoding;
import dev.attnc.runtime.text.WordPieceTokenizer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.IntConsumer;

/**
 * Texts to sentence embeddings with one loaded encoder: the loop {@code attnc embed}, the
 * langchain4j module and the Spark example share.
 *
 * <p>Each text is tokenized (with the prefix, truncated at the tokenizer's maximum length: an
 * {@link Embedded#encoding()} says when), the texts are sorted by length and run in batches of
 * at most {@link Builder#batchSequences} texts and {@link Builder#batchTokens} tokens through
 * {@link Model#forwardBatch}, which packs them row after row (no text is padded to another's
 * length) when the model packs, and the results come back in the order of the input. Sorting
 * also puts the cheapest calls first, while the JIT is still compiling the kernels.
 *
 * <p>Every token of a text is real (the attention mask is all 1). The model's first output is
 * the embedding: a {@code [T, D]} hidden state is pooled here ({@link Pooling}); a {@code [D]}
 * vector pooled by the model's .attn file is used as it is. With {@link Builder#normalize} the
 * vector is then divided by its L2 norm (clamped to at least 1e-12), as sentence-transformers'
 * {@code Normalize} does; normalising a vector the model already normalised changes it only by
 * float32 rounding.
 *
 * <p>Not thread-safe beyond the model's own synchronisation: calls run one after another.
 */
public final class Embedder {

    /** How a text's token vectors become one vector, for a model whose output is {@code [T, D]}. */
    public enum Pooling {
        /** The mean of the token vectors (sentence-transformers' default; all-MiniLM-L6-v2, e5). */
        MEAN,
        /** The first token's vector, {@code [CLS]} (bge). */
        CLS
    }

    /** One text's embedding and its tokens. */
    public record Embedded(float[] vector, Encoding encoding) {
        public Embedded {
            Objects.requireNonNull(vector, "vector");
            Objects.requireNonNull(encoding, "encoding");
        }

        /** The tokens the model ran, after truncation. */
        public int tokens() {
            return encoding.length();
        }
    }

    /** The model's first output is not a hidden state {@code [T, D]} or a pooled {@code [D]}. */
    public static final class UnsuitableOutput extends IllegalStateException {
        private static final long serialVersionUID = 1L;

        UnsuitableOutput(String message) {
            super(message);
        }
    }

    /** Texts per batch unless told otherwise. */
    public static final int DEFAULT_BATCH_SEQUENCES = 64;
    /** Tokens per batch unless told otherwise. */
    public static final int DEFAULT_BATCH_TOKENS = 8192;

    private final Model model;
    private final WordPieceTokenizer tokenizer;
    private final Pooling pooling;
    private final boolean normalize;
    private final String prefix;
    private final int batchSequences;
    private final int batchTokens;
    private final String output;
    private final boolean typeIds;

    private Embedder(Builder b) {
        this.model = Objects.requireNonNull(b.model, "model");
        this.tokenizer = Objects.requireNonNull(b.tokenizer, "tokenizer");
        this.pooling = b.pooling;
        this.normalize = b.normalize;
        this.prefix = b.prefix;
        this.batchSequences = b.batchSequences;
        this.batchTokens = b.batchTokens;
        if (!model.inputNames().contains("input_ids") || !model.inputNames().contains("attention_mask")) {
            throw new IllegalArgumentException("an embedding model needs inputs input_ids and attention_mask (and optionally"
                    + " token_type_ids); this one has " + model.inputNames());
        }
        this.output = model.outputNames().get(0);
        this.typeIds = model.inputNames().contains("token_type_ids");
    }

    public static Builder builder() {
        return new Builder();
    }

    /** The embeddings of {@code texts}, in their order; a null text is embedded as the empty one. */
    public List<Embedded> embed(List<String> texts) {
        return embed(texts, done -> { });
    }

    /**
     * The embeddings of {@code texts}, in their order.
     *
     * @param done told, after each batch, how many texts of this call are finished
     * @throws UnsuitableOutput if the model's first output is neither {@code [T, D]} nor {@code [D]}
     * @throws dev.attnc.runtime.ModelInputException if a text is longer than the model takes (give
     *         the tokenizer a maximum length the model accepts)
     */
    public List<Embedded> embed(List<String> texts, IntConsumer done) {
        Objects.requireNonNull(texts, "texts");
        int n = texts.size();
        Encoding[] encodings = new Encoding[n];
        for (int s = 0; s < n; s++) {
            String text = texts.get(s);
            encodings[s] = tokenizer.encode(prefix + (text == null ? "" : text));
        }
        Integer[] order = new Integer[n];
        Arrays.setAll(order, s -> s);
        Arrays.sort(order, Comparator.comparingInt(s -> encodings[s].length()));
        Embedded[] out = new Embedded[n];
        int from = 0;
        while (from < n) {
            int to = from;
            long tokens = 0;
            while (to < n && to - from < batchSequences
                    && (to == from || tokens + encodings[order[to]].length() <= batchTokens)) {
                tokens += encodings[order[to]].length();
                to++;
            }
            List<Map<String, Tensor>> batch = new ArrayList<>(to - from);
            for (int i = from; i < to; i++) {
                batch.add(inputs(encodings[order[i]]));
            }
            List<Map<String, Tensor>> results = model.forwardBatch(batch);
            for (int i = from; i < to; i++) {
                int s = order[i];
                out[s] = new Embedded(pool(results.get(i - from).get(output)), encodings[s]);
            }
            from = to;
            done.accept(from);
        }
        return new ArrayList<>(Arrays.asList(out));
    }

    /** One text at its own length: every token real, the mask all 1. */
    private Map<String, Tensor> inputs(Encoding e) {
        int t = e.length();
        Map<String, Tensor> inputs = new LinkedHashMap<>();
        inputs.put("input_ids", Tensor.ints(e.ids().clone(), t));
        inputs.put("attention_mask", Tensor.ints(e.attentionMask(t), t));
        if (typeIds) {
            inputs.put("token_type_ids", Tensor.ints(e.typeIds(t), t));
        }
        return inputs;
    }

    private float[] pool(Tensor out) {
        float[] pooled;
        if (out.rank() == 1) {
            pooled = out.floatData(); // pooled by the model itself
        } else if (out.rank() == 2) {
            int t = out.dim(0);
            int width = out.dim(1);
            float[] hidden = out.floatData();
            if (pooling == Pooling.CLS) {
                pooled = Arrays.copyOf(hidden, width);
            } else {
                int[] mask = new int[t];
                Arrays.fill(mask, 1);
                pooled = meanPool(hidden, mask, width);
            }
        } else {
            throw new UnsuitableOutput("an embedding model's first output is [T, D] or a pooled [D]; " + output + " is "
                    + out.shapeString());
        }
        return normalize ? normalize(pooled) : pooled;
    }

    /** The mean of the rows of {@code hidden} ({@code [T, width]}) whose mask is not 0, summed in double; 0 if none is. */
    public static float[] meanPool(float[] hidden, int[] mask, int width) {
        double[] sum = new double[width];
        int count = 0;
        for (int i = 0; i < mask.length; i++) {
            if (mask[i] == 0) {
                continue;
            }
            count++;
            for (int d = 0; d < width; d++) {
                sum[d] += hidden[i * width + d];
            }
        }
        float[] mean = new float[width];
        for (int d = 0; d < width; d++) {
            mean[d] = (float) (sum[d] / Math.max(1, count));
        }
        return mean;
    }

    /** {@code v} divided by its L2 norm, the norm clamped to at least 1e-12 (sentence-transformers' Normalize). */
    public static float[] normalize(float[] v) {
        double norm = 0;
        for (float x : v) {
            norm += (double) x * x;
        }
        norm = Math.max(Math.sqrt(norm), 1e-12);
        float[] out = new float[v.length];
        for (int i = 0; i < v.length; i++) {
            out[i] = (float) (v[i] / norm);
        }
        return out;
    }

    /** Builds an {@link Embedder}. */
    public static final class Builder {
        private Model model;
        private WordPieceTokenizer tokenizer;
        private Pooling pooling = Pooling.MEAN;
        private boolean normalize = true;
        private String prefix = "";
        private int batchSequences = DEFAULT_BATCH_SEQUENCES;
        private int batchTokens = DEFAULT_BATCH_TOKENS;

        private Builder() {
        }

        /** The loaded encoder: inputs {@code input_ids}, {@code attention_mask} (and optionally {@code token_type_ids}). */
        public Builder model(Model model) {
            this.model = model;
            return this;
        }

        /** The tokenizer; its maximum length is where texts are truncated. */
        public Builder tokenizer(WordPieceTokenizer tokenizer) {
            this.tokenizer = tokenizer;
            return this;
        }

        /** {@link Pooling#MEAN} by default; unused when the model's output is already pooled. */
        public Builder pooling(Pooling pooling) {
            this.pooling = Objects.requireNonNull(pooling, "pooling");
            return this;
        }

        /** Whether vectors are scaled to length 1 (true by default). */
        public Builder normalize(boolean normalize) {
            this.normalize = normalize;
            return this;
        }

        /** Text put before every input ({@code "query: "} or {@code "passage: "} for e5). */
        public Builder prefix(String prefix) {
            this.prefix = prefix == null ? "" : prefix;
            return this;
        }

        /** The most texts in one {@link Model#forwardBatch} (64 by default). */
        public Builder batchSequences(int batchSequences) {
            if (batchSequences < 1) {
                throw new IllegalArgumentException("batchSequences must be at least 1, found " + batchSequences);
            }
            this.batchSequences = batchSequences;
            return this;
        }

        /** The most tokens in one {@link Model#forwardBatch} (8192 by default; a longer text still runs alone). */
        public Builder batchTokens(int batchTokens) {
            if (batchTokens < 1) {
                throw new IllegalArgumentException("batchTokens must be at least 1, found " + batchTokens);
            }
            this.batchTokens = batchTokens;
            return this;
        }

        public Embedder build() {
            return new Embedder(this);
        }
    }
}
