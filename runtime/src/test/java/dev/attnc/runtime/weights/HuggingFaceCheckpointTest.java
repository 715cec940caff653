package dev.attnc.runtime.weights;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.attnc.runtime.Tensor;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** config.json as metadata, sharded checkpoints, and the errors for broken ones. */
class HuggingFaceCheckpointTest {
    @TempDir
    Path dir;

    @Test
    void configKeysAreFlattenedAndTyped() {
        CheckpointMetadata config = HuggingFaceConfig.parse("""
                {"hidden_size": 2048, "rms_norm_eps": 1e-05, "rope_theta": 500000.0, "tie_word_embeddings": false,
                 "model_type": "llama", "architectures": ["LlamaForCausalLM"], "eos_token_id": [128001, 128009],
                 "rope_scaling": {"factor": 8.0, "original_max_position_embeddings": 8192, "rope_type": "llama3"},
                 "pad_token_id": null, "huge": 123456789012345678901234567890}
                """, "config.json");
        assertEquals(Optional.of(2048L), config.value("hidden_size"));
        assertEquals(Optional.of(1e-5), config.value("rms_norm_eps"));
        assertEquals(Optional.of(500000.0), config.value("rope_theta"));
        assertEquals(Optional.of(false), config.value("tie_word_embeddings"));
        assertEquals(Optional.of("llama"), config.value("model_type"));
        assertEquals(Optional.of(List.of(128001L, 128009L)), config.value("eos_token_id"));
        assertEquals(Optional.of(8.0), config.value("rope_scaling.factor"));
        assertEquals(Optional.of(8192L), config.value("rope_scaling.original_max_position_embeddings"));
        assertEquals(Optional.empty(), config.value("pad_token_id"));
        assertEquals(Optional.of(1.2345678901234568e29), config.value("huge"), "too large for a long: a real");
        assertEquals("config.json", config.description());
    }

    @Test
    void badConfigsAreOneClearError() {
        assertEquals("config.json: a model configuration is a JSON object, found an array",
                assertThrows(WeightException.class, () -> HuggingFaceConfig.parse("[1, 2]", "config.json")).getMessage());
        assertTrue(assertThrows(WeightException.class, () -> HuggingFaceConfig.parse("{\"a\": ", "config.json"))
                .getMessage().startsWith("config.json: not valid JSON"));
        String deep = "{\"a\":".repeat(20) + "1" + "}".repeat(20);
        assertTrue(assertThrows(WeightException.class, () -> HuggingFaceConfig.parse(deep, "config.json"))
                .getMessage().contains("nest deeper than 8 levels"));
    }

    @Test
    void aShardedCheckpointReadsEachTensorFromItsShard() throws IOException {
        Safetensors.write(dir.resolve("model-00001-of-00002.safetensors"), Map.of("a.weight", Tensor.floats(new float[] {1, 2, 3, 4}, 2, 2)));
        Safetensors.write(dir.resolve("model-00002-of-00002.safetensors"), Map.of("b.weight", Tensor.floats(new float[] {5, 6}, 2)));
        Files.writeString(dir.resolve("model.safetensors.index.json"), """
                {"metadata": {"total_size": 24}, "weight_map": {"a.weight": "model-00001-of-00002.safetensors",
                 "b.weight": "model-00002-of-00002.safetensors"}}
                """);
        Files.writeString(dir.resolve("config.json"), "{\"hidden_size\": 2}");
        try (WeightSource source = HuggingFaceCheckpoint.open(dir)) {
            assertArrayEquals(new float[] {1, 2, 3, 4}, source.floats("a.weight", new int[] {2, 2}, Init.TENSOR));
            assertArrayEquals(new float[] {5, 6}, source.floats("b.weight", new int[] {2}, Init.TENSOR));
            assertTrue(source.contains("b.weight"));
            assertFalse(source.contains("c.weight"));
            assertEquals(Optional.of(2L), source.checkpointMetadata().value("hidden_size"));
            assertEquals("model.safetensors.index.json (2 shards)", source.description());
            WeightException missing = assertThrows(WeightException.class, () -> source.floats("c.weight", new int[] {1}, Init.TENSOR));
            assertEquals("c.weight: no such tensor in model.safetensors.index.json (2 shards)", missing.getMessage());
        }
    }

    @Test
    void anIndexThatLiesOrLeavesItsFolderIsRefused() throws IOException {
        Safetensors.write(dir.resolve("one.safetensors"), Map.of("a.weight", Tensor.floats(new float[] {1}, 1)));
        Path index = dir.resolve("model.safetensors.index.json");
        Files.writeString(index, "{\"weight_map\": {\"b.weight\": \"one.safetensors\"}}");
        assertEquals("model.safetensors.index.json: maps \"b.weight\" to one.safetensors, which holds no such tensor",
                assertThrows(WeightException.class, () -> ShardedSafetensors.open(index)).getMessage());
        Files.writeString(index, "{\"weight_map\": {\"a.weight\": \"../one.safetensors\"}}");
        assertTrue(assertThrows(WeightException.class, () -> ShardedSafetensors.open(index)).getMessage()
                .contains("is not a plain .safetensors file name in the index's folder"));
        Files.writeString(index, "{\"weight_map\": {\"a.weight\": \"/etc/passwd\"}}");
        assertTrue(assertThrows(WeightException.class, () -> ShardedSafetensors.open(index)).getMessage()
                .contains("is not a plain .safetensors file name"));
        Files.writeString(index, "{\"metadata\": {}}");
        assertTrue(assertThrows(WeightException.class, () -> ShardedSafetensors.open(index)).getMessage()
                .contains("has no \"weight_map\" object"));
        Files.writeString(index, "{\"weight_map\": {\"a.weight\": \"missing.safetensors\"}}");
        assertTrue(assertThrows(WeightException.class, () -> ShardedSafetensors.open(index)).getMessage()
                .startsWith("missing.safetensors: file not found"));
    }

    @Test
    void aSingleFileBringsTheConfigBesideIt() throws IOException {
        Path file = dir.resolve("model.safetensors");
        Safetensors.write(file, Map.of("a.weight", Tensor.floats(new float[] {1}, 1)));
        try (WeightSource source = HuggingFaceCheckpoint.open(file)) {
            assertTrue(source.checkpointMetadata().keys().isEmpty(), "no config.json: no metadata");
        }
        Files.writeString(dir.resolve("config.json"), "{\"num_hidden_layers\": 22}");
        try (WeightSource source = HuggingFaceCheckpoint.open(dir)) {
            assertEquals(Optional.of(22L), source.checkpointMetadata().value("num_hidden_layers"));
            assertArrayEquals(new float[] {1}, source.floats("a.weight", new int[] {1}, Init.TENSOR));
        }
        Path empty = Files.createDirectory(dir.resolve("empty"));
        assertTrue(assertThrows(WeightException.class, () -> HuggingFaceCheckpoint.open(empty)).getMessage()
                .contains("is a folder with neither model.safetensors.index.json nor model.safetensors"));
    }
}
