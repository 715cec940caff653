package dev.attnc.compiler.encoders;

import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.attnc.compiler.codegen.Compiled;
import dev.attnc.compiler.minilm.OnnxRuntimeReference;
import dev.attnc.runtime.Model;
import dev.attnc.runtime.kernels.Int8Matrix;
import dev.attnc.runtime.kernels.Kernels;
import dev.attnc.runtime.text.WordPieceTokenizer;
import dev.attnc.runtime.weights.Init;
import dev.attnc.runtime.weights.OnnxNameMap;
import dev.attnc.runtime.weights.OnnxQuantizedWeights;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The int8 variants (langchain4j's {@code -q} jars: ONNX Runtime's dynamic quantization, int8
 * MatMul weights with a scale and zero point per output column, uint8 embedding tables) run by
 * the code generated from samples/bge_small and samples/e5_small, with the int8 weights kept
 * int8 ({@link OnnxQuantizedWeights}, {@code Int8Linear}), against ONNX Runtime on the same
 * {@code -q} files.
 *
 * <p>ONNX Runtime quantizes each MatMul's input on the fly over the whole tensor it is given
 * (the batch, padding included). attnc's int8 kernel does the same over the rows of one call,
 * one sequence, so the two are compared one sequence at a time (batch 1, no padding), where
 * they compute the same thing: the integer sums are exact on both sides, and what differs is
 * float32 rounding elsewhere (attention, layernorm, GELU), as for the float models (1e-5). But
 * an ulp of difference can move an activation across a rounding boundary of the 8-bit grid,
 * which changes it by a whole step, and over 12 layers such flips spread. Measured on this
 * machine: short sentences match within 2e-6 (no flip at all), longer ones drift, up to 0.26 on
 * the hidden state of a 128-token sequence, where the cosine of the pooled embeddings is still
 * 1 - 0.003. That is less than ONNX Runtime's own drift between a sequence alone and the same
 * sequence in a padded batch (1 - 0.0056 in the same run), so the bars are: the pooled
 * embeddings ({@code [CLS]} for bge, the mean for e5) within cosine {@value #MIN_COSINE}, and the
 * hidden state within {@value #TOLERANCE}.
 */
class QuantizedEncodersMatchOnnxRuntimeTest {
    static final double TOLERANCE = 0.5;
    static final double MIN_COSINE = 0.995;

    @Test
    void bgeSmallInt8MatchesOnnxRuntime() {
        Found found = compare(PublishedEncoder.BGE_SMALL_Q, List.of("A man is eating food.",
                "Represent this sentence for searching relevant passages: what do people eat?",
                "The girl is carrying a baby."));
        assertTrue(found.hidden() <= TOLERANCE, "max abs difference " + found.hidden() + " > " + TOLERANCE);
        assertTrue(found.cosine() >= MIN_COSINE, "cosine " + found.cosine() + " < " + MIN_COSINE);
    }

    @Test
    void e5SmallInt8MatchesOnnxRuntime() {
        Found found = compare(PublishedEncoder.E5_SMALL_Q, List.of("query: how much protein should a female eat",
                "passage: As a general guideline, the CDC's average requirement of protein for women ages 19 to 70"
                        + " is 46 grams per day.",
                "query: summit define"));
        assertTrue(found.hidden() <= TOLERANCE, "max abs difference " + found.hidden() + " > " + TOLERANCE);
        assertTrue(found.cosine() >= MIN_COSINE, "cosine " + found.cosine() + " < " + MIN_COSINE);
    }

    /** The linear weights reach the model as int8 matrices, not as floats. */
    @Test
    void linearWeightsStayInt8() {
        PublishedEncoder q = PublishedEncoder.BGE_SMALL_Q;
        try (OnnxQuantizedWeights weights = q.quantizedWeights()) {
            Kernels.Matrix m = Kernels.matrix(weights, "encoder.layer.11.intermediate.dense.weight",
                    new int[] {1536, 384}, Init.LINEAR);
            Int8Matrix int8 = assertInstanceOf(Int8Matrix.class, m);
            assertTrue(int8.bytes() < 1536 * 384 + 16 * 1536, "int8 values, a scale and zero point per row");
        }
    }

    /** What the comparison found, each a worst case over the sequences. */
    record Found(double hidden, double cosine, double cosineOrtPadded) {}

    /**
     * Runs each sequence alone through attnc and ONNX Runtime: the max abs difference of the
     * last hidden state, and the smallest cosine similarity of the pooled sentence embeddings
     * ({@code [CLS]} for bge, the mean over tokens for e5). For scale, the smallest cosine between
     * ONNX Runtime's own embedding of a sequence alone and in a padded batch of all of them.
     */
    static Found compare(PublishedEncoder encoder, List<String> sentences) {
        WordPieceTokenizer tokenizer = encoder.wordPiece();
        List<int[]> sequences = new ArrayList<>();
        for (String s : sentences) {
            sequences.add(tokenizer.encode(s).ids());
        }
        sequences.add(EncodersMatchOnnxRuntimeTest.drawn(40, 20240607));
        sequences.add(EncodersMatchOnnxRuntimeTest.drawn(128, 77));
        boolean cls = encoder.sample().equals("bge_small");
        int d = EncodersMatchOnnxRuntimeTest.D;
        double hidden = 0;
        double cosine = 1;
        double cosinePadded = 1;
        try (OnnxRuntimeReference ort = new OnnxRuntimeReference(encoder.onnxBytes()); OnnxQuantizedWeights weights = encoder.quantizedWeights()) {
            Model model = Compiled.sample(encoder.sample()).load(weights);
            int longest = sequences.stream().mapToInt(s -> s.length).max().orElseThrow();
            int[][] padded = new int[sequences.size()][];
            int[][] masks = new int[sequences.size()][];
            for (int b = 0; b < padded.length; b++) {
                padded[b] = java.util.Arrays.copyOf(sequences.get(b), longest);
                masks[b] = java.util.Arrays.copyOf(EncodersMatchOnnxRuntimeTest.ones(sequences.get(b).length), longest);
            }
            float[][][] batch = ort.lastHiddenState(padded, masks);
            for (int b = 0; b < sequences.size(); b++) {
                int[] ids = sequences.get(b);
                int t = ids.length;
                int[] mask = EncodersMatchOnnxRuntimeTest.ones(t);
                float[] got = EncodersMatchOnnxRuntimeTest.run(model, ids, mask);
                float[][] alone = ort.lastHiddenState(new int[][] {ids}, new int[][] {mask})[0];
                double diff = 0;
                for (int i = 0; i < t; i++) {
                    for (int k = 0; k < d; k++) {
                        diff = Math.max(diff, Math.abs(got[i * d + k] - alone[i][k]));
                    }
                }
                double[] mine = pool(i -> k -> got[i * d + k], t, d, cls);
                double[] theirs = pool(i -> k -> alone[i][k], t, d, cls);
                double[] inBatch = pool(i -> k -> batch[sequences.indexOf(ids)][i][k], t, d, cls);
                double c = cosine(mine, theirs);
                double cp = cosine(theirs, inBatch);
                System.out.printf("%s (int8 kept int8), one sequence of %d vs ONNX Runtime: max abs difference %.3g,"
                        + " cosine of the %s embeddings 1 - %.2g (ONNX Runtime alone vs in a padded batch: 1 - %.2g)%n",
                        encoder.onnx(), t, diff, cls ? "[CLS]" : "mean-pooled", 1 - c, 1 - cp);
                hidden = Math.max(hidden, diff);
                cosine = Math.min(cosine, c);
                cosinePadded = Math.min(cosinePadded, cp);
            }
        }
        return new Found(hidden, cosine, cosinePadded);
    }

    static double[] pool(java.util.function.IntFunction<java.util.function.IntToDoubleFunction> value, int t, int d,
            boolean cls) {
        double[] v = new double[d];
        for (int k = 0; k < d; k++) {
            if (cls) {
                v[k] = value.apply(0).applyAsDouble(k);
            } else {
                double sum = 0;
                for (int i = 0; i < t; i++) {
                    sum += value.apply(i).applyAsDouble(k);
                }
                v[k] = sum / t;
            }
        }
        return v;
    }

    static double cosine(double[] a, double[] b) {
        double dot = 0;
        double na = 0;
        double nb = 0;
        for (int i = 0; i < a.length; i++) {
            dot += a[i] * b[i];
            na += a[i] * a[i];
            nb += b[i] * b[i];
        }
        return dot / Math.sqrt(na * nb);
    }
}
