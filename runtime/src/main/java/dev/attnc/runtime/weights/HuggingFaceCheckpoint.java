package dev.attnc.runtime.weights;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * A Hugging Face checkpoint as it is downloaded: a folder with {@code config.json} and either
 * {@code model.safetensors} or {@code model.safetensors.index.json} and its shards. The weight
 * source it opens also offers the config as {@link WeightSource#checkpointMetadata}, so that a {@code .attn}
 * file can take its sizes from it.
 */
public final class HuggingFaceCheckpoint {
    /** The single-file checkpoint's name in a folder. */
    public static final String SINGLE_FILE = "model.safetensors";
    /** The index of a sharded checkpoint. */
    public static final String INDEX_FILE = "model.safetensors.index.json";

    private HuggingFaceCheckpoint() {
    }

    /**
     * Opens {@code path}: a folder (its {@value #INDEX_FILE}, else its {@value #SINGLE_FILE}), an
     * index file, or one safetensors file. The {@code config.json} beside it, when present, is the
     * source's metadata.
     *
     * @throws WeightException if a file is missing or invalid
     */
    public static WeightSource open(Path path) {
        Objects.requireNonNull(path, "path");
        Path target = path;
        if (Files.isDirectory(path)) {
            Path index = path.resolve(INDEX_FILE);
            target = Files.exists(index) ? index : path.resolve(SINGLE_FILE);
            if (!Files.exists(target)) {
                throw new WeightException(path + ": is a folder with neither " + INDEX_FILE + " nor " + SINGLE_FILE);
            }
        }
        Path name = target.getFileName();
        if (name != null && name.toString().endsWith(".index.json")) {
            return ShardedSafetensors.open(target);
        }
        SafetensorsFile file = SafetensorsFile.open(target);
        try {
            Path config = target.toAbsolutePath().getParent().resolve("config.json");
            CheckpointMetadata metadata = Files.exists(config) ? HuggingFaceConfig.read(config) : CheckpointMetadata.none(file.description());
            return new WithConfig(file, metadata);
        } catch (RuntimeException | Error e) {
            file.close();
            throw e;
        }
    }

    /** A safetensors file with the config.json beside it. */
    private record WithConfig(SafetensorsFile file, CheckpointMetadata metadata) implements WeightSource {
        @Override
        public float[] floats(String name, int[] shape, Init init) {
            return file.floats(name, shape, init);
        }

        @Override
        public Optional<HalfMatrix> halves(String name, int[] shape) {
            return file.halves(name, shape);
        }

        @Override
        public boolean contains(String name) {
            return file.contains(name);
        }

        @Override
        public Set<String> names() {
            return file.names();
        }

        @Override
        public CheckpointMetadata checkpointMetadata() {
            return metadata;
        }

        @Override
        public String description() {
            return file.description();
        }

        @Override
        public void close() {
            file.close();
        }
    }
}
