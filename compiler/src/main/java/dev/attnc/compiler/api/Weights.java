package dev.attnc.compiler.api;

import dev.attnc.runtime.weights.GgufFile;
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

    /**
     * A GGUF file (llama.cpp's format: metadata, tokenizer and tensors in one file; Q8_0 and Q4_0
     * matrices stay quantized, other types are converted to float32 as they are read).
     *
     * @throws dev.attnc.runtime.weights.WeightException if the file cannot be read or is not GGUF
     */
    public static WeightSource gguf(Path file) {
        return GgufFile.open(file);
    }

    /**
     * The checkpoint at {@code path}, by what it is: a {@code .gguf} file, a Hugging Face folder
     * or its {@code config.json} / {@code model.safetensors.index.json}, a safetensors file with a
     * {@code config.json} beside it, or a lone safetensors file.
     */
    public static WeightSource open(Path path) {
        String name = path.getFileName() == null ? "" : path.getFileName().toString().toLowerCase(java.util.Locale.ROOT);
        if (name.endsWith(".gguf")) {
            return gguf(path);
        }
        if (java.nio.file.Files.isDirectory(path) || name.endsWith(".json")
                || path.resolveSibling("config.json").toFile().isFile()) {
            return huggingFace(path);
        }
        return safetensors(path);
    }
}
