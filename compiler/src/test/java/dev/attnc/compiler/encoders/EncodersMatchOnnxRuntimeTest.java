package dev.attnc.compiler.encoders;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.attnc.compiler.codegen.Compiled;
import dev.attnc.compiler.minilm.OnnxRuntimeReference;
import dev.attnc.runtime.Model;
import dev.attnc.runtime.Tensor;
import dev.attnc.runtime.text.WordPieceTokenizer;
import dev.attnc.runtime.weights.MappedWeights;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * bge-small-en-v1.5 and e5-small-v2 end to end, float32: the code generated from
 * samples/bge_small and samples/e5_small, loaded from the published ONNX files (langchain4j's
 * jars on Maven Central) through their mapping files, against ONNX Runtime running those same
 * files. The inputs are the token ids the models' own tokenizers give a few sentences (with
 * e5's "query: " and "passage: " prefixes), plus 40 ids drawn from the whole vocabulary; ONNX
 * Runtime runs them padded to one length in one batch, attnc one sequence per forward call.
 *
 * <p>The bar: the last hidden state, every row, padded positions included, within
 * {@value #TOLERANCE} (max abs difference) of ONNX Runtime's.
 */
class EncodersMatchOnnxRuntimeTest {
    static final double TOLERANCE = 1e-4;
    static final int D = 384;

    @Test
    void bgeSmallMatchesOnnxRuntime() {
        double diff = compare(PublishedEncoder.BGE_SMALL, List.of("A man is eating food.",
                "Represent this sentence for searching relevant passages: what do people eat?",
                "The girl is carrying a baby."));
        assertTrue(diff <= TOLERANCE, "max abs difference " + diff + " > " + TOLERANCE);
    }

    @Test
    void e5SmallMatchesOnnxRuntime() {
        double diff = compare(PublishedEncoder.E5_SMALL, List.of("query: how much protein should a female eat",
                "passage: As a general guideline, the CDC's average requirement of protein for women ages 19 to 70"
                        + " is 46 grams per day.",
                "query: summit define"));
        assertTrue(diff <= TOLERANCE, "max abs difference " + diff + " > " + TOLERANCE);
    }

    /** The models' tokenizers give [CLS] ... [SEP] with BERT's uncased vocabulary, as MiniLM's does. */
    @Test
    void tokenizersAreBertUncased() {
        for (PublishedEncoder encoder : List.of(PublishedEncoder.BGE_SMALL, PublishedEncoder.E5_SMALL)) {
            WordPieceTokenizer tokenizer = encoder.wordPiece();
            assertArrayEquals(new int[] {101, 7592, 2088, 102}, tokenizer.encode("Hello world").ids(), encoder.onnx());
        }
    }

    static double compare(PublishedEncoder encoder, List<String> sentences) {
        WordPieceTokenizer tokenizer = encoder.wordPiece();
        List<int[]> sequences = new ArrayList<>();
        for (String s : sentences) {
            sequences.add(tokenizer.encode(s).ids());
        }
        sequences.add(drawn(40, 20240607));
        try (OnnxRuntimeReference ort = new OnnxRuntimeReference(encoder.onnxBytes()); MappedWeights weights = encoder.weights()) {
            Model model = Compiled.sample(encoder.sample()).load(weights);
            return compare(model, ort, sequences.toArray(int[][]::new), encoder.onnx());
        }
    }

    /** {@code length} ids: [CLS], ids drawn from the whole vocabulary (fixed seed), [SEP]. */
    static int[] drawn(int length, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        int[] ids = new int[length];
        ids[0] = 101;
        for (int i = 1; i < length - 1; i++) {
            ids[i] = random.nextInt(30522);
        }
        ids[length - 1] = 102;
        return ids;
    }

    /** Runs the sequences (padded to the longest) through {@code model} and, as one batch, through ONNX Runtime. */
    static double compare(Model model, OnnxRuntimeReference ort, int[][] sequences, String what) {
        int t = Arrays.stream(sequences).mapToInt(s -> s.length).max().orElseThrow();
        int[][] ids = new int[sequences.length][];
        int[][] mask = new int[sequences.length][];
        for (int b = 0; b < sequences.length; b++) {
            ids[b] = Arrays.copyOf(sequences[b], t);
            mask[b] = Arrays.copyOf(ones(sequences[b].length), t);
        }
        float[][][] expected = ort.lastHiddenState(ids, mask);
        double real = 0;
        double padded = 0;
        for (int b = 0; b < sequences.length; b++) {
            float[] got = run(model, ids[b], mask[b]);
            for (int i = 0; i < t; i++) {
                for (int d = 0; d < D; d++) {
                    double diff = Math.abs(got[i * D + d] - expected[b][i][d]);
                    if (i < sequences[b].length) {
                        real = Math.max(real, diff);
                    } else {
                        padded = Math.max(padded, diff);
                    }
                }
            }
        }
        System.out.printf("%s vs ONNX Runtime: %d sequences padded to %d, max abs difference %.3g on real positions,"
                + " %.3g on padded ones%n", what, sequences.length, t, real, padded);
        return Math.max(real, padded);
    }

    static float[] run(Model model, int[] ids, int[] mask) {
        int t = ids.length;
        Map<String, Tensor> out = model.forward(Map.of("input_ids", Tensor.ints(ids.clone(), t),
                "token_type_ids", Tensor.ints(new int[t], t), "attention_mask", Tensor.ints(mask.clone(), t)));
        Tensor x = out.get("x");
        assertEquals(List.of(t, D), Arrays.stream(x.shape()).boxed().toList());
        return x.floatData();
    }

    static int[] ones(int n) {
        int[] a = new int[n];
        Arrays.fill(a, 1);
        return a;
    }
}
