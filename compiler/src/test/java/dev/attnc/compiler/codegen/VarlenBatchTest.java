package dev.attnc.compiler.codegen;

import static dev.attnc.compiler.codegen.TestTensors.floats;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.attnc.compiler.Repo;
import dev.attnc.compiler.reference.Samples;
import dev.attnc.runtime.AttentionMaps;
import dev.attnc.runtime.Decoder;
import dev.attnc.runtime.Model;
import dev.attnc.runtime.ModelInputException;
import dev.attnc.runtime.Tensor;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * Batches of different lengths packed row after row ({@link Model#forwardBatch}): every
 * sequence's outputs equal those of {@link Model#forward} on it alone, bit for bit, since rows
 * are independent in the linear layers, norms and elementwise steps and each sequence is tiled
 * for attention as it would be alone; and a batch through MiniLM and the Llama block matches
 * the float64 references of {@link Samples} within 1e-4 of the output's scale.
 */
class VarlenBatchTest {
    static final long SEED = 11;

    /** Lengths 1 to 40 in a seeded random order. */
    static int[] lengths(SplittableRandom random) {
        int[] lengths = new int[40];
        for (int i = 0; i < lengths.length; i++) {
            lengths[i] = i + 1;
        }
        for (int i = lengths.length - 1; i > 0; i--) {
            int j = random.nextInt(i + 1);
            int swap = lengths[i];
            lengths[i] = lengths[j];
            lengths[j] = swap;
        }
        return lengths;
    }

    static double[][] normal(SplittableRandom random, int rows, int cols) {
        double[][] x = new double[rows][cols];
        for (double[] row : x) {
            for (int c = 0; c < cols; c++) {
                double u = random.nextDouble(Double.MIN_VALUE, 1);
                row[c] = Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * random.nextDouble());
            }
        }
        return x;
    }

    static int[] ids(SplittableRandom random, int count, int vocabulary) {
        int[] ids = new int[count];
        for (int i = 0; i < count; i++) {
            ids[i] = random.nextInt(vocabulary);
        }
        return ids;
    }

    /** MiniLM inputs: random ids, two segments, and padding at the end of some sequences. */
    static Map<String, Tensor> minilmInputs(SplittableRandom random, int t) {
        int[] types = new int[t];
        int[] mask = new int[t];
        int real = t > 3 && random.nextBoolean() ? t - 1 - random.nextInt(t / 2) : t;
        for (int i = 0; i < t; i++) {
            types[i] = i < t / 2 ? 0 : 1;
            mask[i] = i < real ? 1 : 0;
        }
        return Map.of("input_ids", Tensor.ints(ids(random, t, 30522), t), "token_type_ids", Tensor.ints(types, t),
                "attention_mask", Tensor.ints(mask, t));
    }

    /** Runs the batch packed, then each sequence alone, and asks for the same bits. */
    static List<Map<String, Tensor>> sameAsAlone(Model model, List<Map<String, Tensor>> batch, String name) {
        assertTrue(model.packsBatches(), name + " should pack its batches");
        List<Map<String, Tensor>> packed = model.forwardBatch(batch);
        assertEquals(batch.size(), packed.size(), name + ": one result per sequence");
        for (int s = 0; s < batch.size(); s++) {
            Map<String, Tensor> alone = model.forward(batch.get(s));
            assertEquals(alone.keySet(), packed.get(s).keySet(), name + " sequence " + s + ": outputs");
            for (String output : alone.keySet()) {
                Tensor expected = alone.get(output);
                Tensor actual = packed.get(s).get(output);
                assertArrayEquals(expected.shape(), actual.shape(), name + " sequence " + s + " " + output + " shape");
                assertArrayEquals(expected.floatData(), actual.floatData(), 0f,
                        name + " sequence " + s + " (" + expected.dim(0) + " rows) " + output + ": packed differs from alone");
            }
        }
        return packed;
    }

    @Test
    void minilmBatchEqualsEachSequenceAloneAcrossSeveralPackedCalls() {
        SplittableRandom random = new SplittableRandom(SEED);
        Model model = minilmHiddenState().load(new RecordingWeights(SEED));
        List<Map<String, Tensor>> batch = new ArrayList<>();
        int rows = 0;
        for (int t : lengths(random)) {
            batch.add(minilmInputs(random, t));
            rows += t;
        }
        assertTrue(rows > 512, "820 rows: more than one packed call of MAX_T = 512 rows");
        sameAsAlone(model, batch, "minilm");
    }

    @Test
    void gpt2BlockBatchEqualsEachSequenceAlone() {
        SplittableRandom random = new SplittableRandom(SEED + 1);
        Model model = Compiled.sample("gpt2_block").load(new RecordingWeights(SEED));
        List<Map<String, Tensor>> batch = new ArrayList<>();
        for (int t : lengths(random)) {
            batch.add(Map.of("ids", Tensor.ints(ids(random, t, 50257), t)));
        }
        sameAsAlone(model, batch, "gpt2_block");
    }

    @Test
    void llamaBlockBatchEqualsEachSequenceAloneAndLeavesTheCacheEmpty() {
        SplittableRandom random = new SplittableRandom(SEED + 2);
        Model model = Compiled.sample("llama_block").load(new RecordingWeights(SEED));
        List<Map<String, Tensor>> batch = new ArrayList<>();
        for (int t : lengths(random)) {
            batch.add(Map.of("x", floats(normal(random, t, 576))));
        }
        Decoder decoder = (Decoder) model;
        decoder.forward(batch.get(0));
        List<Map<String, Tensor>> packed = decoder.forwardBatch(batch);
        assertEquals(0, decoder.cachedPositions(), "a batch is not kept in the KV caches");
        // A step after the batch starts a new sequence: the same as forward on it.
        Map<String, Tensor> first = batch.get(3);
        float[] alone = decoder.forward(first).get("x").floatData();
        decoder.forwardBatch(List.of(first, batch.get(4)));
        assertArrayEquals(alone, decoder.step(first).get("x").floatData(), 0f, "a step after forwardBatch runs from position 0");
        sameAsAlone(model, batch, "llama_block");
        assertEquals(batch.size(), packed.size());
    }

    @Test
    void slidingWindowBatchEqualsEachSequenceAlone() {
        SplittableRandom random = new SplittableRandom(SEED + 3);
        Model model = Compiled.sample("sliding_window").load(new RecordingWeights(SEED));
        List<Map<String, Tensor>> batch = new ArrayList<>();
        for (int t : lengths(random)) {
            batch.add(Map.of("x", floats(normal(random, t, 512))));
        }
        // Two sequences longer than the window of 256, so the window cuts keys in a packed call.
        batch.add(7, Map.of("x", floats(normal(random, 300, 512))));
        batch.add(Map.of("x", floats(normal(random, 270, 512))));
        sameAsAlone(model, batch, "sliding_window");
    }

    @Test
    void alibiBatchEqualsEachSequenceAlone() {
        SplittableRandom random = new SplittableRandom(SEED + 4);
        Model model = Compiled.sample("alibi").load(new RecordingWeights(SEED));
        List<Map<String, Tensor>> batch = new ArrayList<>();
        for (int t : new int[] {1, 17, 40, 5, 33}) {
            batch.add(Map.of("x", floats(normal(random, t, 1024))));
        }
        sameAsAlone(model, batch, "alibi");
    }

    /** Positions, tables and clauses that read per-position tensors, each per sequence. */
    static final String POSITIONS = """
            model Positions {
              const D = 64, H = 4, P = 128
              dim T <= P
              input ids  : int[T]
              input pos  : int[T]
              input keep : int[T]
              param tok : embedding(1000, D)
              param learned : embedding(P, D)
              param rel : [H, 64]
              param wq : linear(D, D)
              x = tok(ids) + learned(arange(T)) + sinusoidal(T, D)
              q = rope(wq(x), heads = H)
              k = rope(x, heads = H, positions = pos)
              a = attention(q, k, x, heads = H) {
                score s + rel[h, min(abs(i - j), 63)] * 0.1
                mask  keep[j] != 0 && j <= i + 2 && j < T - 1 || i == j
              }
              output a, k
            }
            """;

    @Test
    void positionsTablesAndTensorClausesRestartPerSequence() {
        SplittableRandom random = new SplittableRandom(SEED + 5);
        Model model = Compiled.source("positions.attn", POSITIONS).load(new RecordingWeights(SEED));
        List<Map<String, Tensor>> batch = new ArrayList<>();
        for (int t : lengths(random)) {
            int[] keep = new int[t];
            int[] pos = new int[t];
            for (int i = 0; i < t; i++) {
                keep[i] = random.nextInt(4) == 0 ? 0 : 1;
                pos[i] = 100 - 2 * i + random.nextInt(3);
            }
            batch.add(Map.of("ids", Tensor.ints(ids(random, t, 1000), t), "pos", Tensor.ints(pos, t), "keep", Tensor.ints(keep, t)));
        }
        sameAsAlone(model, batch, "positions");
    }

    @Test
    void minilmBatchMatchesTheFloat64Reference() {
        SplittableRandom random = new SplittableRandom(SEED + 6);
        RecordingWeights weights = new RecordingWeights(SEED);
        Model model = minilmHiddenState().load(weights);
        List<Map<String, Tensor>> batch = new ArrayList<>();
        for (int t : new int[] {12, 1, 33, 7, 40, 2}) {
            batch.add(minilmInputs(random, t));
        }
        List<Map<String, Tensor>> packed = model.forwardBatch(batch);
        for (int s = 0; s < batch.size(); s++) {
            Map<String, Tensor> in = batch.get(s);
            double[][] expected = Samples.minilm(weights, in.get("input_ids").intData(), in.get("token_type_ids").intData(),
                    in.get("attention_mask").intData());
            within(expected, packed.get(s).get("x"), "minilm sequence " + s);
        }
    }

    @Test
    void llamaBlockBatchMatchesTheFloat64Reference() {
        SplittableRandom random = new SplittableRandom(SEED + 7);
        RecordingWeights weights = new RecordingWeights(SEED);
        Model model = Compiled.sample("llama_block").load(weights);
        List<double[][]> xs = new ArrayList<>();
        List<Map<String, Tensor>> batch = new ArrayList<>();
        for (int t : new int[] {9, 1, 21, 4}) {
            double[][] x = normal(random, t, 576);
            xs.add(x);
            batch.add(Map.of("x", floats(x)));
        }
        List<Map<String, Tensor>> packed = model.forwardBatch(batch);
        for (int s = 0; s < batch.size(); s++) {
            within(Samples.llamaBlock(weights, xs.get(s)), packed.get(s).get("x"), "llama_block sequence " + s);
        }
    }

    /** Max abs error within 1e-4 times the output's scale, as SamplesMatchReferenceTest allows. */
    static void within(double[][] expected, Tensor actual, String what) {
        assertArrayEquals(new int[] {expected.length, expected[0].length}, actual.shape(), what + " shape");
        double scale = 0;
        double error = 0;
        float[] data = actual.floatData();
        for (int r = 0; r < expected.length; r++) {
            for (int c = 0; c < expected[0].length; c++) {
                scale = Math.max(scale, Math.abs(expected[r][c]));
                error = Math.max(error, Math.abs(expected[r][c] - data[r * expected[0].length + c]));
            }
        }
        assertTrue(scale > 0, what + ": the reference is all zeros");
        assertTrue(error <= 1e-4 * scale, String.format("%s: max abs error %.3g exceeds 1e-4 x the scale %.3g", what, error, scale));
    }

    @Test
    void aBadSequenceIsNamedAndAnEmptyBatchRefused() {
        SplittableRandom random = new SplittableRandom(SEED + 8);
        Model model = minilmHiddenState().load(new RecordingWeights(SEED));
        Map<String, Tensor> good = minilmInputs(random, 5);
        Map<String, Tensor> bad = Map.of("input_ids", Tensor.ints(new int[] {1, 2, 40000}, 3),
                "token_type_ids", Tensor.ints(new int[3], 3), "attention_mask", Tensor.ints(new int[] {1, 1, 1}, 3));
        ModelInputException e = assertThrows(ModelInputException.class, () -> model.forwardBatch(List.of(good, good, bad)));
        assertEquals("sequence 2 of 3: input `input_ids` holds id 40000 at position 2, outside the 30522 rows of the embedding it indexes",
                e.getMessage());
        Map<String, Tensor> tooLong = Map.of("input_ids", Tensor.ints(new int[513], 513),
                "token_type_ids", Tensor.ints(new int[513], 513), "attention_mask", Tensor.ints(new int[513], 513));
        e = assertThrows(ModelInputException.class, () -> model.forwardBatch(List.of(tooLong)));
        assertTrue(e.getMessage().startsWith("sequence 0 of 1: T = 513 is more than this model accepts (512)"), e.getMessage());
        e = assertThrows(ModelInputException.class, () -> model.forwardBatch(List.of()));
        assertEquals("the batch holds no sequence", e.getMessage());
    }

    @Test
    void aModelWithPerCallInputsRunsItsBatchOneSequenceAtATime() {
        SplittableRandom random = new SplittableRandom(SEED + 9);
        Model model = Compiled.sample("transformer_encoder").load(new RecordingWeights(SEED));
        assertFalse(model.packsBatches(), "a scalar `len` input belongs to one call");
        List<Map<String, Tensor>> batch = List.of(
                Map.of("x", floats(normal(random, 6, 512)), "len", Tensor.ints(new int[] {4})),
                Map.of("x", floats(normal(random, 9, 512)), "len", Tensor.ints(new int[] {9})));
        List<Map<String, Tensor>> results = model.forwardBatch(batch);
        for (int s = 0; s < batch.size(); s++) {
            assertArrayEquals(model.forward(batch.get(s)).get("h").floatData(), results.get(s).get("h").floatData(), 0f);
        }
    }

    @Test
    void recordingMapsRunsTheBatchOneSequenceAtATime() {
        SplittableRandom random = new SplittableRandom(SEED + 10);
        Model model = Compiled.sample("gpt2_block").load(new RecordingWeights(SEED));
        List<Map<String, Tensor>> batch = List.of(Map.of("ids", Tensor.ints(ids(random, 5, 50257), 5)),
                Map.of("ids", Tensor.ints(ids(random, 3, 50257), 3)));
        AttentionMaps maps = new AttentionMaps(Set.of(), Set.of(0));
        model.recordAttention(maps);
        List<Map<String, Tensor>> results = model.forwardBatch(batch);
        model.recordAttention(null);
        assertEquals(2, maps.maps().size(), "one map per sequence");
        assertEquals(5, maps.maps().get(0).queries());
        assertEquals(3, maps.maps().get(1).queries());
        assertArrayEquals(model.forward(batch.get(1)).get("x").floatData(), results.get(1).get("x").floatData(), 0f);
    }

    /**
     * samples/minilm without its pooled {@code embedding} output, the hidden state alone (pooled outputs
     * in a packed call: PackedPoolingTest).
     */
    private static Compiled minilmHiddenState() {
        java.nio.file.Path path = Repo.path("samples/minilm/minilm.attn");
        String text = Repo.read(path);
        assertTrue(text.contains("output x, embedding"), "samples/minilm should end in `output x, embedding`");
        return Compiled.source(path.toString(), text.replace("output x, embedding", "output x"));
    }
}
