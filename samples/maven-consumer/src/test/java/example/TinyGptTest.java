package example;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.attnc.runtime.AttentionMaps;
import dev.attnc.runtime.Tensor;
import dev.attnc.runtime.weights.RandomWeights;
import example.models.TinyGpt;
import java.util.Arrays;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The class attnc-maven-plugin generated from src/main/attn/tiny_gpt.attn, used as plain Java. */
class TinyGptTest {

    /** Surefire starts the test JVM with the Vector API; without it every kernel would run scalar. */
    @Test
    void runsWithTheVectorApi() {
        assertTrue(ModuleLayer.boot().findModule("jdk.incubator.vector").isPresent(),
                "add --add-modules jdk.incubator.vector to Surefire's argLine");
    }

    @Test
    void runsAndIsCausal() {
        TinyGpt model = TinyGpt.load(new RandomWeights(42));
        assertEquals(java.util.List.of("ids"), model.inputNames());

        Tensor three = model.forward(Map.of("ids", Tensor.ints(new int[] {5, 17, 42}, 3))).get("x");
        assertArrayEquals(new int[] {3, 32}, three.shape());
        for (float value : three.floatData()) {
            assertTrue(Float.isFinite(value));
        }

        // Causal: appending a token leaves the earlier rows as they were.
        Tensor four = model.forward(Map.of("ids", Tensor.ints(new int[] {5, 17, 42, 7}, 4))).get("x");
        float[] firstThree = Arrays.copyOf(four.floatData(), 3 * 32);
        assertArrayEquals(three.floatData(), firstThree, 1e-5f);
    }

    @Test
    void recordsAttentionMaps() {
        TinyGpt model = TinyGpt.load(new RandomWeights(7));
        AttentionMaps maps = AttentionMaps.all();
        model.recordAttention(maps);
        model.forward(Map.of("ids", Tensor.ints(new int[] {1, 2, 3, 4, 5}, 5)));
        assertEquals(4, maps.maps().size(), "one map per head");
        AttentionMaps.Map head = maps.maps().get(0);
        assertEquals(0f, head.weight(1, 2), "query 1 cannot see key 2");
        float sum = 0;
        for (int key = 0; key < 5; key++) {
            sum += head.weight(4, key);
        }
        assertEquals(1f, sum, 1e-5f);
    }
}
