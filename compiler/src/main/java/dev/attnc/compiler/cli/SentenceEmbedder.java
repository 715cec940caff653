package dev.attnc.compiler.cli;

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
import java.util.function.IntConsumer;

/**
 * Sentences to embeddings with one loaded model, a batch at a time: each batch is tokenized, run
 * shortest first (so the first calls, while the JIT warms up, are the cheapest), and pooled.
 * Every sentence runs at its own length, so none is padded to another's.
 *
 * <p>Today a generated model takes one sequence per {@code forward}; {@link #forward} is the one
 * place that changes when models take a packed batch. Pooling is {@link Pooling}, applied to a
 * {@code [T, D]} output; a model whose output is already a sentence vector ({@code [D]}, pooled in
 * its .attn file) is used as it is, and only normalised when asked.
 */
final class SentenceEmbedder {

    /** How the token vectors of a sentence become one vector. */
    enum Pooling {
        /** The mean over the sentence's tokens (sentence-transformers' default; all-MiniLM-L6-v2, e5). */
        MEAN,
        /** The first token's vector, {@code [CLS]} (bge). */
        CLS
    }

    /** One sentence's result. */
    record Embedded(float[] vector, Encoding encoding) {
        int tokens() {
            return encoding.length();
        }
    }

    private final Model model;
    private final WordPieceTokenizer tokenizer;
    private final Pooling pooling;
    private final boolean normalize;
    private final String prefix;
    private final String output;
    private final boolean typeIds;

    SentenceEmbedder(Model model, WordPieceTokenizer tokenizer, Pooling pooling, boolean normalize, String prefix) {
        this.model = model;
        this.tokenizer = tokenizer;
        this.pooling = pooling;
        this.normalize = normalize;
        this.prefix = prefix == null ? "" : prefix;
        this.output = model.outputNames().get(0);
        this.typeIds = model.inputNames().contains("token_type_ids");
    }

    /**
     * The embeddings of {@code sentences}, in their order.
     *
     * @param done told of each sentence finished (its count so far in this batch)
     */
    List<Embedded> embed(List<String> sentences, IntConsumer done) {
        int n = sentences.size();
        Encoding[] encodings = new Encoding[n];
        for (int s = 0; s < n; s++) {
            encodings[s] = tokenizer.encode(prefix + sentences.get(s));
        }
        Integer[] order = new Integer[n];
        Arrays.setAll(order, s -> s);
        Arrays.sort(order, Comparator.comparingInt(s -> encodings[s].length()));
        Embedded[] out = new Embedded[n];
        int finished = 0;
        for (int s : order) {
            out[s] = new Embedded(pool(forward(encodings[s])), encodings[s]);
            done.accept(++finished);
        }
        return new ArrayList<>(Arrays.asList(out));
    }

    /** The model's output for one sentence at its own length: every token real, mask all 1. */
    private Tensor forward(Encoding e) {
        int t = e.length();
        Map<String, Tensor> inputs = new LinkedHashMap<>();
        inputs.put("input_ids", Tensor.ints(e.ids().clone(), t));
        inputs.put("attention_mask", Tensor.ints(e.attentionMask(t), t));
        if (typeIds) {
            inputs.put("token_type_ids", Tensor.ints(e.typeIds(t), t));
        }
        return model.forward(inputs).get(output);
    }

    private float[] pool(Tensor out) {
        if (out.rank() == 1) {
            // Pooled by the model itself.
            return normalize ? EmbedCommand.normalize(out.floatData()) : out.floatData();
        }
        if (out.rank() != 2) {
            throw new Main.UsageError("embed needs a model whose output is [T, D] (or a pooled [D]); " + output + " is "
                    + out.shapeString());
        }
        int t = out.dim(0);
        int width = out.dim(1);
        float[] hidden = out.floatData();
        float[] pooled;
        if (pooling == Pooling.CLS) {
            pooled = Arrays.copyOf(hidden, width);
        } else {
            int[] mask = new int[t];
            Arrays.fill(mask, 1);
            pooled = EmbedCommand.meanPool(hidden, mask, width);
        }
        return normalize ? EmbedCommand.normalize(pooled) : pooled;
    }
}
