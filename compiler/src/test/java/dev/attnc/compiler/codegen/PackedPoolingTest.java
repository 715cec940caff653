package dev.attnc.compiler.codegen;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.attnc.compiler.reference.Samples;
import dev.attnc.runtime.Model;
import dev.attnc.runtime.Tensor;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * Pooled outputs in a packed call (codegen/jvm/PackedReductions): a reduction over T, the first
 * token and what follows them give one value per sequence, equal to the one {@code forward}
 * gives the sequence alone, and equal to float64 pooling written here from the math.
 */
class PackedPoolingTest {
    static final long SEED = 23;

    /** Every pooling the language has, with and without a mask, keepdim, and steps after it. */
    static final String POOLS = """
            model Pools {
              const D = 48, V = 500
              dim T <= 256
              input ids  : int[T]
              input keep : int[T]
              param word : embedding(V, D)
              param proj : linear(D, D)
              h = proj(word(ids))
              sum_masked  = sum(h, dim = T, mask = keep)
              mean_masked = normalize(mean(h, dim = T, mask = keep))
              largest     = max(h, dim = T, mask = keep)
              smallest    = min(h, dim = T)
              kept        = mean(h, dim = T, keepdim = true) * 2.0
              cls         = normalize(h[0])
              output h, sum_masked, mean_masked, largest, smallest, kept, cls
            }
            """;

    @Test
    void publishedMinilmPacksAndEachPooledEmbeddingEqualsItsSentenceAlone() {
        SplittableRandom random = new SplittableRandom(SEED);
        Model model = Compiled.sample("minilm").load(new RecordingWeights(SEED));
        assertTrue(model.packsBatches(), "samples/minilm, pooled embedding and all, should pack");
        List<Map<String, Tensor>> batch = new ArrayList<>();
        int rows = 0;
        for (int t : VarlenBatchTest.lengths(random)) {
            batch.add(VarlenBatchTest.minilmInputs(random, t));
            rows += t;
        }
        assertTrue(rows > 512, "more than one packed call of 512 rows");
        List<Map<String, Tensor>> packed = VarlenBatchTest.sameAsAlone(model, batch, "minilm");
        for (int s = 0; s < batch.size(); s++) {
            assertArrayEquals(new int[] {384}, packed.get(s).get("embedding").shape(), "embedding shape, sequence " + s);
            assertEquals(List.of("x", "embedding"), List.copyOf(packed.get(s).keySet()), "outputs in the model's order");
        }
    }

    /**
     * Only the pooled embedding as output: the hidden state's buffer is free after the pooling, so the
     * pooled steps could be placed where later sequences' rows lie; whichever way the model runs its
     * batch, each embedding equals its sentence alone.
     */
    @Test
    void minilmWithOnlyTheEmbeddingGivesEachSentenceItsOwn() {
        SplittableRandom random = new SplittableRandom(SEED + 4);
        java.nio.file.Path path = dev.attnc.compiler.Repo.path("samples/minilm/minilm.attn");
        String text = dev.attnc.compiler.Repo.read(path).replace("output x, embedding", "output embedding");
        Model model = Compiled.source(path.toString(), text).load(new RecordingWeights(SEED));
        List<Map<String, Tensor>> batch = new ArrayList<>();
        for (int t : new int[] {30, 3, 64, 1, 17, 45, 8}) {
            batch.add(VarlenBatchTest.minilmInputs(random, t));
        }
        List<Map<String, Tensor>> packed = model.forwardBatch(batch);
        for (int s = 0; s < batch.size(); s++) {
            assertArrayEquals(model.forward(batch.get(s)).get("embedding").floatData(), packed.get(s).get("embedding").floatData(), 0f,
                    "sequence " + s + (model.packsBatches() ? " (packed)" : " (one at a time)"));
        }
    }

    @Test
    void minilmPooledEmbeddingMatchesFloat64MeanPoolingOfTheReference() {
        SplittableRandom random = new SplittableRandom(SEED + 1);
        RecordingWeights weights = new RecordingWeights(SEED);
        Model model = Compiled.sample("minilm").load(weights);
        List<Map<String, Tensor>> batch = new ArrayList<>();
        for (int t : new int[] {12, 1, 33, 7, 40, 2, 19}) {
            batch.add(VarlenBatchTest.minilmInputs(random, t));
        }
        List<Map<String, Tensor>> packed = model.forwardBatch(batch);
        for (int s = 0; s < batch.size(); s++) {
            Map<String, Tensor> in = batch.get(s);
            int[] mask = in.get("attention_mask").intData();
            double[][] hidden = Samples.minilm(weights, in.get("input_ids").intData(), in.get("token_type_ids").intData(), mask);
            double[] expected = l2normalize(meanPool(hidden, mask));
            float[] actual = packed.get(s).get("embedding").floatData();
            assertEquals(expected.length, actual.length);
            for (int d = 0; d < expected.length; d++) {
                assertEquals(expected[d], actual[d], 1e-5, "sequence " + s + " dim " + d);
            }
        }
    }

    @Test
    void everyPoolingPerSequenceEqualsAloneAndFloat64() {
        SplittableRandom random = new SplittableRandom(SEED + 2);
        RecordingWeights weights = new RecordingWeights(SEED);
        Model model = Compiled.source("pools.attn", POOLS).load(weights);
        List<Map<String, Tensor>> batch = new ArrayList<>();
        for (int t : VarlenBatchTest.lengths(random)) {
            int[] keep = new int[t];
            for (int i = 0; i < t; i++) {
                keep[i] = random.nextInt(3) == 0 ? 0 : 1;
            }
            keep[random.nextInt(t)] = 1;
            batch.add(Map.of("ids", Tensor.ints(VarlenBatchTest.ids(random, t, 500), t), "keep", Tensor.ints(keep, t)));
        }
        // Enough rows for several packed calls of 256.
        for (int extra = 0; extra < 20; extra++) {
            int t = 100 + random.nextInt(150);
            int[] keep = new int[t];
            java.util.Arrays.fill(keep, 1);
            batch.add(Map.of("ids", Tensor.ints(VarlenBatchTest.ids(random, t, 500), t), "keep", Tensor.ints(keep, t)));
        }
        List<Map<String, Tensor>> packed = VarlenBatchTest.sameAsAlone(model, batch, "pools");
        float[] word = weights.get("word.weight");
        float[] w = weights.get("proj.weight");
        float[] bias = weights.get("proj.bias");
        int dims = 48;
        for (int s = 0; s < batch.size(); s++) {
            int[] ids = batch.get(s).get("ids").intData();
            int[] keep = batch.get(s).get("keep").intData();
            int t = ids.length;
            double[][] h = new double[t][dims];
            for (int r = 0; r < t; r++) {
                for (int o = 0; o < dims; o++) {
                    double acc = bias[o];
                    for (int i = 0; i < dims; i++) {
                        acc += (double) word[ids[r] * dims + i] * w[o * dims + i];
                    }
                    h[r][o] = acc;
                }
            }
            double[] sum = new double[dims];
            double[] largest = new double[dims];
            double[] smallest = new double[dims];
            double[] mean = new double[dims];
            java.util.Arrays.fill(largest, Double.NEGATIVE_INFINITY);
            java.util.Arrays.fill(smallest, Double.POSITIVE_INFINITY);
            for (int r = 0; r < t; r++) {
                for (int d = 0; d < dims; d++) {
                    if (keep[r] != 0) {
                        sum[d] += h[r][d];
                        largest[d] = Math.max(largest[d], h[r][d]);
                    }
                    smallest[d] = Math.min(smallest[d], h[r][d]);
                    mean[d] += h[r][d] / t * 2;
                }
            }
            Map<String, Tensor> out = packed.get(s);
            String where = "sequence " + s + " (" + t + " rows) ";
            close(sum, out.get("sum_masked"), 1e-4, where + "sum_masked");
            close(l2normalize(meanPool(h, keep)), out.get("mean_masked"), 1e-5, where + "mean_masked");
            close(largest, out.get("largest"), 1e-5, where + "largest");
            close(smallest, out.get("smallest"), 1e-5, where + "smallest");
            assertArrayEquals(new int[] {1, dims}, out.get("kept").shape(), where + "keepdim shape");
            close(mean, out.get("kept"), 1e-5, where + "kept");
            close(l2normalize(h[0]), out.get("cls"), 1e-5, where + "cls");
        }
    }

    /** A pooled value broadcast back over the rows mixes a sequence's rows into its rows: one at a time, still right. */
    @Test
    void aPooledValueUsedByRowsRunsTheBatchOneSequenceAtATime() {
        String source = """
                model Centered {
                  const D = 16
                  dim T <= 64
                  input x : [T, D]
                  pooled = mean(x, dim = T, keepdim = true)
                  c = x - pooled
                  output c
                }
                """;
        Model model = Compiled.source("centered.attn", source).load(new RecordingWeights(SEED));
        assertFalse(model.packsBatches(), "rows that read a pooled value cannot pack");
        SplittableRandom random = new SplittableRandom(SEED + 3);
        List<Map<String, Tensor>> batch = List.of(TestTensors.floats(VarlenBatchTest.normal(random, 5, 16)),
                TestTensors.floats(VarlenBatchTest.normal(random, 9, 16))).stream().map(x -> Map.of("x", x)).toList();
        List<Map<String, Tensor>> results = model.forwardBatch(batch);
        for (int s = 0; s < batch.size(); s++) {
            assertArrayEquals(model.forward(batch.get(s)).get("c").floatData(), results.get(s).get("c").floatData(), 0f);
        }
    }

    static double[] meanPool(double[][] h, int[] mask) {
        double[] mean = new double[h[0].length];
        int count = 0;
        for (int r = 0; r < h.length; r++) {
            if (mask[r] != 0) {
                count++;
                for (int d = 0; d < mean.length; d++) {
                    mean[d] += h[r][d];
                }
            }
        }
        for (int d = 0; d < mean.length; d++) {
            mean[d] = count == 0 ? 0 : mean[d] / count;
        }
        return mean;
    }

    static double[] l2normalize(double[] v) {
        double norm = 0;
        for (double x : v) {
            norm += x * x;
        }
        norm = Math.max(Math.sqrt(norm), 1e-12);
        double[] out = new double[v.length];
        for (int d = 0; d < v.length; d++) {
            out[d] = v[d] / norm;
        }
        return out;
    }

    static void close(double[] expected, Tensor actual, double tolerance, String what) {
        float[] data = actual.floatData();
        assertEquals(expected.length, data.length, what + " size");
        double scale = 1;
        for (double e : expected) {
            scale = Math.max(scale, Math.abs(e));
        }
        for (int d = 0; d < expected.length; d++) {
            assertEquals(expected[d], data[d], tolerance * scale, what + " dim " + d);
        }
    }
}
