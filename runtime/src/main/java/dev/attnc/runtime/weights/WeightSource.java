package dev.attnc.runtime.weights;

import java.util.Set;

/**
 * Where a generated model takes its weights from: a safetensors file ({@link SafetensorsFile})
 * or seeded random values ({@link RandomWeights}).
 *
 * <p>Implementations are safe to call from several threads at once.
 */
public interface WeightSource extends AutoCloseable {

    /**
     * The tensor {@code name} as row-major float32, converted from the stored dtype.
     *
     * @param shape the shape the model expects; the stored shape must equal it exactly
     * @param init what the weight is for, used only by sources that make values up
     * @throws WeightException if the tensor is missing, has another shape or a dtype that cannot
     *     be read as float; the message names the tensor, both shapes and this source
     */
    float[] floats(String name, int[] shape, Init init);

    /** Whether {@link #floats} can find {@code name}. */
    boolean contains(String name);

    /** The names of the tensors this source holds (for random weights: those handed out so far). */
    Set<String> names();

    /**
     * The hyper-parameters the checkpoint states about itself (GGUF metadata, a Hugging Face
     * {@code config.json}); none by default.
     */
    default CheckpointMetadata checkpointMetadata() {
        return CheckpointMetadata.none(description());
    }

    /** What this source is, for messages: {@code gpt2.safetensors}, {@code random weights (seed 42)}. */
    String description();

    /** Releases the file, if any; later reads fail. */
    @Override
    void close();
}
