package dev.attnc.compiler.api;

import dev.attnc.runtime.weights.HuggingFaceCheckpoint;
import dev.attnc.runtime.weights.RandomWeights;
import dev.attnc.runtime.weights.SafetensorsFile;
import dev.attnc.runtime.weights.WeightSource;
import java.nio.file.Path;

/**
 * Where a model's weights come from, for {@link AttnModel#load(WeightSource)}. A model reads
 * every weight while it loads, so the source can be closed once {@code load} returned.
 */
public final class Weights {
    private Weights() {
    }

    /**
     * Seeded random weights, the same on every JVM for the same seed, scaled so that activations
     * stay of order 1: for trying a model before (or without) a checkpoint.
     */
    public static WeightSource random(long seed) {
        return new RandomWeights(seed);
    }

    /**
     * A safetensors checkpoint (F32, F16 or BF16 tensors, converted to float32 as they are read).
     *
     * @throws dev.attnc.runtime.weights.WeightException if the file cannot be read or is not safetensors
     */
    public static WeightSource safetensors(Path file) {
        return SafetensorsFile.open(file);
    }

    /**
     * A Hugging Face checkpoint: a folder holding {@code config.json} and {@code model.safetensors}
     * or {@code model.safetensors.index.json} with its shards, or one of those files. The
     * {@code config.json} beside it is its {@link WeightSource#checkpointMetadata()}, which
     * {@link CompileOptions#withCheckpoint} compiles against.
     *
     * @throws dev.attnc.runtime.weights.WeightException if a file is missing or invalid
     */
    public static WeightSource huggingFace(Path path) {
        return HuggingFaceCheckpoint.open(path);
    }
}
