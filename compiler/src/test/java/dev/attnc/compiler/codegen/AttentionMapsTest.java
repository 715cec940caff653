package dev.attnc.compiler.codegen;

import static dev.attnc.compiler.codegen.TestTensors.floats;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.attnc.compiler.reference.Ref;
import dev.attnc.runtime.AttentionMaps;
import dev.attnc.runtime.Model;
import dev.attnc.runtime.Tensor;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** Recorded attention maps are the softmax weights of the float64 reference, for the heads asked for. */
class AttentionMapsTest {
    private static final String MODEL = """
            model Maps {
              const D = 32, H = 4
              dim T <= 64
              input q : [T, D]
              input k : [T, D]
              input v : [T, D]
              y = attention(q, k, v, heads = H) {
                score s - 0.25 * (i - j)
                mask  causal && i - j < 6
              }
              output y
            }
            """;

    @Test
    void recordedWeightsMatchTheReference() {
        Model model = Compiled.source("maps.attn", MODEL).load(new RecordingWeights(1));
        int t = 10;
        SplittableRandom random = new SplittableRandom(5);
        double[][] q = randomRows(random, t, 32);
        double[][] k = randomRows(random, t, 32);
        double[][] v = randomRows(random, t, 32);
        AttentionMaps maps = new AttentionMaps(Set.of(), Set.of(1, 3));
        model.recordAttention(maps);
        model.forward(Map.of("q", floats(q), "k", floats(k), "v", floats(v)));
        double[][][] expected = Ref.attentionWeights(q, k, v, 4, 4, Double.NaN, (s, i, j, h) -> s - 0.25 * (i - j),
                (i, j, h) -> j <= i && i - j < 6, 0, 1);
        assertEquals(2, maps.maps().size(), "only heads 1 and 3 were asked for");
        double error = 0;
        for (AttentionMaps.Map map : maps.maps()) {
            assertTrue(map.head() == 1 || map.head() == 3);
            assertEquals("y", map.attention());
            for (int i = 0; i < t; i++) {
                double rowSum = 0;
                for (int j = 0; j < t; j++) {
                    rowSum += map.weight(i, j);
                    error = Math.max(error, Math.abs(map.weight(i, j) - expected[map.head()][i][j]));
                }
                assertEquals(1, rowSum, 1e-5, "row " + i + " of head " + map.head() + " sums to 1");
            }
        }
        assertTrue(error < 1e-5, "max abs error of the weights " + error + ", tolerance 1e-5");
    }

    static double[][] randomRows(SplittableRandom random, int rows, int cols) {
        double[][] x = new double[rows][cols];
        for (double[] row : x) {
            for (int c = 0; c < cols; c++) {
                row[c] = random.nextDouble() * 2 - 1;
            }
        }
        return x;
    }
}
