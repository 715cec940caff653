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

    /**
     * The tensor in which GGUF files keep RoPE's per-frequency divisors: llama.cpp's conversion
     * of Llama 3.1 (and of other long-context families) stores its frequency scaling this way,
     * with no {@code rope_scaling} keys.
     */
    String ROPE_FREQS_TENSOR = "rope_freqs.weight";

    /** The most divisors accepted: half the widest rotated head width a checkpoint could have. */
    int MAX_ROPE_DIVISORS = 1 << 16;

    /**
     * RoPE's per-frequency divisors when the checkpoint stores them ({@link #ROPE_FREQS_TENSOR}):
     * pair {@code i} of a head of rotated width {@code d} turns by
     * {@code base^(-2i / d) / divisors[i]} per position. Empty when the checkpoint has none, and
     * by default. The values are few ({@code d / 2}) and fixed per checkpoint, so a {@code .attn}
     * file compiled against it can take them as constants, like its sizes.
     *
     * @throws WeightException if the tensor is there but not a vector of at most
     *     {@link #MAX_ROPE_DIVISORS} finite positive numbers; the message names it and what it holds
     */
    default Optional<double[]> ropeFrequencyDivisors() {
        return Optional.empty();
    }

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
