package dev.attnc.runtime.embed;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.attnc.runtime.AttentionMaps;
import dev.attnc.runtime.Model;
import dev.attnc.runtime.Tensor;
import dev.attnc.runtime.text.WordPieceTokenizer;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The shared embedding loop on a stand-in encoder whose hidden state is a known function of the
 * ids (row t, column d: sin(0.01 id_t (d + 1)) + 0.1 t): batches are sorted, bounded and packed
 * through forwardBatch, results come back in the input's order, and each vector equals float64
 * pooling and normalisation written here.
 */
class EmbedderTest {
    static final int WIDTH = 12;
    private static WordPieceTokenizer tokenizer;

    @BeforeAll
    static void read() throws IOException {
        String file = "all-minilm-l6-v2-tokenizer.json";
        try (InputStream in = EmbedderTest.class.getClassLoader().getResourceAsStream(file)) {
            assertNotNull(in, file + " is not on the test class path");
            tokenizer = WordPieceTokenizer.fromJson(new String(in.readAllBytes(), StandardCharsets.UTF_8), file);
        }
    }

    /** The stand-in: records every batch it is given; its output is [T, WIDTH] or, pooled, [WIDTH]. */
    static class Recording implements Model {
        final List<int[]> batches = new ArrayList<>(); // lengths of each forwardBatch call
        final boolean pooledOutput;

        Recording(boolean pooledOutput) {
            this.pooledOutput = pooledOutput;
        }

        @Override
        public List<String> inputNames() {
            return List.of("input_ids", "token_type_ids", "attention_mask");
        }

        @Override
        public List<String> outputNames() {
            return List.of(pooledOutput ? "embedding" : "x");
        }

        @Override
        public Map<String, Tensor> forward(Map<String, Tensor> inputs) {
            int[] ids = inputs.get("input_ids").intData();
            assertEquals(ids.length, inputs.get("token_type_ids").dim(0));
            float[] x = new float[ids.length * WIDTH];
            for (int t = 0; t < ids.length; t++) {
                for (int d = 0; d < WIDTH; d++) {
                    x[t * WIDTH + d] = (float) hidden(ids[t], t, d);
                }
            }
            if (pooledOutput) {
                return Map.of("embedding", Tensor.floats(java.util.Arrays.copyOf(x, WIDTH), WIDTH));
            }
            return Map.of("x", Tensor.floats(x, ids.length, WIDTH));
        }

        @Override
        public List<Map<String, Tensor>> forwardBatch(List<Map<String, Tensor>> batch) {
            batches.add(batch.stream().mapToInt(in -> in.get("input_ids").dim(0)).toArray());
            return Model.super.forwardBatch(batch);
        }

        @Override
        public void recordAttention(AttentionMaps maps) {
        }
    }

    static double hidden(int id, int t, int d) {
        return Math.sin(0.01 * id * (d + 1)) + 0.1 * t;
    }

    static List<String> texts(SplittableRandom random, int count) {
        String[] words = {"the", "cat", "sat", "on", "a", "mat", "embedding", "vectors", "quickly", "tokenizer", "zebra"};
        List<String> texts = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            StringBuilder text = new StringBuilder();
            int n = 1 + random.nextInt(random.nextInt(5) == 0 ? 200 : 20);
            for (int w = 0; w < n; w++) {
                text.append(w == 0 ? "" : " ").append(words[random.nextInt(words.length)]);
            }
            texts.add(text.toString());
        }
        return texts;
    }

    @Test
    void meanPooledNormalisedInOrderAndInBoundedSortedBatches() {
        SplittableRandom random = new SplittableRandom(5);
        List<String> texts = texts(random, 150);
        Recording model = new Recording(false);
        WordPieceTokenizer truncating = tokenizer.withMaxLength(128);
        Embedder embedder = Embedder.builder().model(model).tokenizer(truncating).batchSequences(16).batchTokens(600).build();
        List<Integer> progress = new ArrayList<>();
        List<Embedder.Embedded> out = embedder.embed(texts, progress::add);
        assertEquals(texts.size(), out.size());
        int previous = 0;
        int runs = 0;
        for (int[] lengths : model.batches) {
            runs += lengths.length;
            assertTrue(lengths.length <= 16, "at most 16 texts a batch");
            int tokens = 0;
            for (int length : lengths) {
                assertTrue(length >= previous, "batches sorted by length");
                previous = length;
                tokens += length;
            }
            assertTrue(tokens <= 600 || lengths.length == 1, "at most 600 tokens a batch, found " + tokens);
        }
        assertEquals(texts.size(), runs, "each text runs once");
        assertEquals(model.batches.size(), progress.size(), "progress told once a batch");
        assertEquals(texts.size(), (int) progress.get(progress.size() - 1));
        boolean someTruncated = false;
        for (int s = 0; s < texts.size(); s++) {
            int[] ids = truncating.encode(texts.get(s)).ids();
            assertArrayEquals(ids, out.get(s).encoding().ids(), "text " + s + " in its place");
            someTruncated |= out.get(s).encoding().truncated();
            assertTrue(out.get(s).tokens() <= 128);
            double[] mean = new double[WIDTH];
            for (int t = 0; t < ids.length; t++) {
                for (int d = 0; d < WIDTH; d++) {
                    mean[d] += hidden(ids[t], t, d) / ids.length;
                }
            }
            double norm = 0;
            for (double v : mean) {
                norm += v * v;
            }
            norm = Math.sqrt(norm);
            for (int d = 0; d < WIDTH; d++) {
                assertEquals(mean[d] / norm, out.get(s).vector()[d], 1e-5, "text " + s + " dim " + d);
            }
        }
        assertTrue(someTruncated, "some texts are longer than 128 tokens, and say so");
    }

    @Test
    void clsPoolingPrefixAndAPooledOutputUsedAsItIs() {
        Recording model = new Recording(false);
        Embedder cls = Embedder.builder().model(model).tokenizer(tokenizer).pooling(Embedder.Pooling.CLS).normalize(false)
                .prefix("query: ").build();
        Embedder.Embedded e = cls.embed(List.of("zebra crossing")).get(0);
        assertEquals(tokenizer.encode("query: zebra crossing"), e.encoding());
        for (int d = 0; d < WIDTH; d++) {
            assertEquals(hidden(101, 0, d), e.vector()[d], 1e-6, "[CLS] row, dim " + d);
        }
        Recording pooled = new Recording(true);
        Embedder asIs = Embedder.builder().model(pooled).tokenizer(tokenizer).normalize(false).build();
        float[] expected = pooled.forward(Map.of("input_ids", Tensor.ints(new int[] {101, 102}, 2),
                "token_type_ids", Tensor.ints(new int[2], 2), "attention_mask", Tensor.ints(new int[] {1, 1}, 2)))
                .get("embedding").floatData();
        assertArrayEquals(expected, asIs.embed(List.of("")).get(0).vector(), 0f);
        assertEquals(List.of(), asIs.embed(List.of()));
    }

    @Test
    void aModelWithoutTheInputsOrBadLimitsIsRefused() {
        Model other = new Recording(false) {
            @Override
            public List<String> inputNames() {
                return List.of("x");
            }
        };
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Embedder.builder().model(other).tokenizer(tokenizer).build());
        assertTrue(e.getMessage().startsWith("an embedding model needs inputs input_ids and attention_mask"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Embedder.builder().batchSequences(0));
        assertThrows(IllegalArgumentException.class, () -> Embedder.builder().batchTokens(0));
    }

    @Test
    void poolingHelpersFollowTheMath() {
        assertArrayEquals(new float[] {2, 3}, Embedder.meanPool(new float[] {1, 2, 3, 4, 100, 100}, new int[] {1, 1, 0}, 2));
        assertArrayEquals(new float[] {0.6f, 0.8f}, Embedder.normalize(new float[] {3, 4}), 1e-7f);
        assertArrayEquals(new float[] {0, 0}, Embedder.normalize(new float[] {0, 0}));
    }
}
