package dev.attnc.compiler.minilm;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.attnc.compiler.codegen.Compiled;
import dev.attnc.runtime.Model;
import dev.attnc.runtime.Tensor;
import dev.attnc.runtime.weights.MappedWeights;
import java.util.Arrays;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * all-MiniLM-L6-v2 end to end: the code generated from samples/minilm/minilm.attn, loaded from
 * the published ONNX file through samples/minilm/minilm.onnx-map, against ONNX Runtime running
 * that same file. Fixed token ids, several sequences padded to one length with the attention
 * mask, as ONNX Runtime runs them in one batch; attnc runs one sequence per forward call.
 *
 * <p>The bar: the last hidden state (every row, padded positions included) within
 * {@value #TOLERANCE} (max abs difference) of ONNX Runtime's, on the JVM backend and on the
 * TornadoVM backend's kernels run on the JVM.
 */
class MiniLmMatchesOnnxRuntimeTest {
    /** The largest abs difference allowed between attnc's last hidden state and ONNX Runtime's. */
    static final double TOLERANCE = 1e-4;

    /** Token ids of a few sentences, as the tokenizer gives them (see WordPieceTokenizerTest). */
    static final int[][] SENTENCES = {
        {101, 1037, 2158, 2003, 5983, 2833, 1012, 102},                      // A man is eating food.
        {101, 1037, 2158, 2003, 5983, 1037, 3538, 1997, 7852, 1012, 102},    // A man is eating a piece of bread.
        {101, 1996, 2611, 2003, 4755, 1037, 3336, 1012, 102},                // The girl is carrying a baby.
        {101, 7592, 2088, 102},                                              // hello world
    };

    private static OnnxRuntimeReference ort;
    private static MappedWeights weights;

    @BeforeAll
    static void setUp() {
        ort = new OnnxRuntimeReference(MiniLmFiles.onnxBytes());
        weights = MiniLmFiles.weights();
    }

    @AfterAll
    static void tearDown() {
        ort.close();
        weights.close();
    }

    /** The sentences, then 40 ids drawn from the whole vocabulary (fixed seed): 5 sequences padded to 40. */
    static int[][] batch() {
        return batch(40);
    }

    /** The sentences, then {@code length} ids drawn from the whole vocabulary (fixed seed). */
    static int[][] batch(int length) {
        int[][] batch = Arrays.copyOf(SENTENCES, SENTENCES.length + 1);
        SplittableRandom random = new SplittableRandom(20240607);
        int[] drawn = new int[length];
        drawn[0] = 101;
        for (int i = 1; i < drawn.length - 1; i++) {
            drawn[i] = random.nextInt(30522);
        }
        drawn[drawn.length - 1] = 102;
        batch[SENTENCES.length] = drawn;
        return batch;
    }

    @Test
    void jvmBackendMatchesOnnxRuntime() {
        Model model = Compiled.sample("minilm").load(weights);
        double diff = compare(model, batch(), "JVM backend");
        assertTrue(diff <= TOLERANCE, "max abs difference " + diff + " > " + TOLERANCE);
    }

    /** The TornadoVM kernels run slowly on the JVM: a shorter batch, 5 sequences padded to 16. */
    @Test
    void tornadoKernelsMatchOnnxRuntime() {
        Model model = MiniLmTornado.load(MiniLmTornado.compile(), weights);
        try {
            double diff = compare(model, batch(16), "TornadoVM kernels on the JVM");
            assertTrue(diff <= TOLERANCE, "max abs difference " + diff + " > " + TOLERANCE);
        } finally {
            model.close();
        }
    }

    /** All 512 positions: the last row of the position table, and the longest sequence the model takes. */
    @Test
    void fullLengthSequenceMatchesOnnxRuntime() {
        Model model = Compiled.sample("minilm").load(weights);
        SplittableRandom random = new SplittableRandom(7);
        int[] ids = new int[512];
        for (int i = 0; i < ids.length; i++) {
            ids[i] = i == 0 ? 101 : i == ids.length - 1 ? 102 : 1000 + random.nextInt(29522);
        }
        double diff = compare(model, new int[][] {ids}, "JVM backend, T = 512");
        assertTrue(diff <= TOLERANCE, "max abs difference " + diff + " > " + TOLERANCE);
    }

    /** Padding does not change the real rows: a sequence alone and padded to 40 give the same rows. */
    @Test
    void paddingLeavesRealRowsUnchanged() {
        Model model = Compiled.sample("minilm").load(weights);
        int[] ids = SENTENCES[0];
        int n = ids.length;
        float[] alone = run(model, ids, ones(n));
        int[] padded = Arrays.copyOf(ids, 40);
        int[] mask = Arrays.copyOf(ones(n), 40);
        // Whatever the padding holds, it is masked out.
        for (int pad : new int[] {0, 1012, 29999}) {
            Arrays.fill(padded, n, 40, pad);
            float[] rows = run(model, padded, mask);
            assertArrayEquals(alone, Arrays.copyOf(rows, n * 384), 1e-6f, "padding with id " + pad);
        }
    }

    /** Runs each sequence of the batch (padded to the longest) through {@code model} and through ONNX Runtime. */
    static double compare(Model model, int[][] sequences, String what) {
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
                for (int d = 0; d < 384; d++) {
                    double diff = Math.abs(got[i * 384 + d] - expected[b][i][d]);
                    if (i < sequences[b].length) {
                        real = Math.max(real, diff);
                    } else {
                        padded = Math.max(padded, diff);
                    }
                }
            }
        }
        System.out.printf("minilm vs ONNX Runtime, %s: %d sequences padded to %d, max abs difference %.3g on real"
                + " positions, %.3g on padded ones%n", what, sequences.length, t, real, padded);
        return Math.max(real, padded);
    }

    static float[] run(Model model, int[] ids, int[] mask) {
        int t = ids.length;
        Map<String, Tensor> out = model.forward(Map.of("input_ids", Tensor.ints(ids.clone(), t),
                "token_type_ids", Tensor.ints(new int[t], t), "attention_mask", Tensor.ints(mask.clone(), t)));
        Tensor x = out.get("x");
        assertArrayEquals(new int[] {t, 384}, x.shape());
        return x.floatData();
    }

    static int[] ones(int n) {
        int[] a = new int[n];
        Arrays.fill(a, 1);
        return a;
    }

    @Test
    void batchIsWhatItSays() {
        assertEquals(5, batch().length);
        assertEquals(40, batch()[4].length);
    }
}
