package dev.attnc.runtime.weights;

import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * What a checkpoint says about itself besides its tensors: a GGUF file's key-value metadata
 * ({@code llama.embedding_length}, {@code general.architecture}) or a Hugging Face
 * {@code config.json} beside a safetensors file ({@code hidden_size}). A {@code .attn} file can
 * take its sizes and hyper-parameters from here at compile time.
 *
 * <p>Values are {@link Long} for integers (of any stored width), {@link Double} for reals,
 * {@link String}, {@link Boolean}, or an unmodifiable {@link java.util.List} of these for arrays.
 */
public interface CheckpointMetadata {

    /** The value stored under {@code key}, or empty when the checkpoint has no such key. */
    Optional<Object> value(String key);

    /** Every key this checkpoint holds. */
    Set<String> keys();

    /** What this metadata comes from, for messages: {@code stories260K.gguf}, {@code config.json}. */
    String description();

    /** Metadata with no keys: what checkpoints without any (and random weights) offer. */
    static CheckpointMetadata none(String description) {
        return of(Map.of(), description);
    }

    /** Metadata held in a map (values as described above), for sources that read it up front. */
    static CheckpointMetadata of(Map<String, Object> values, String description) {
        Map<String, Object> copy = Map.copyOf(values);
        return new CheckpointMetadata() {
            @Override
            public Optional<Object> value(String key) {
                return Optional.ofNullable(copy.get(key));
            }

            @Override
            public Set<String> keys() {
                return copy.keySet();
            }

            @Override
            public String description() {
                return description;
            }
        };
    }
}
