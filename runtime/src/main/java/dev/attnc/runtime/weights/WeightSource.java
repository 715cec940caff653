package dev.attnc.runtime.weights;

import java.util.Optional;
import java.util.Set;

/**
 * Where a generated model takes its weights from: a safetensors file ({@link SafetensorsFile}),
 * a GGUF file ({@link GgufFile}) or seeded random values ({@link RandomWeights}).
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

    /**
     * The matrix {@code name} kept quantized, when this source stores it in blocks a quantized
     * kernel reads in place ({@link QuantizedMatrix}: Q8_0 or Q4_0 with rows of whole 32-value
     * blocks); empty otherwise, and by default: then {@link #floats} reads it. A model that
     * gets a matrix here multiplies with {@code dev.attnc.runtime.kernels.QuantizedLinear}
     * instead of reading it as float, and reads 2 to 4 times fewer bytes per step.
     *
     * @param shape {@code [rows, columns]} as for {@link #floats}: a linear layer's {@code [out, in]}
     * @throws WeightException where {@link #floats} would for a missing tensor or another shape;
     *     sources without quantized weights (the default) return empty instead and leave the
     *     report to {@link #floats}
     */
    default Optional<QuantizedMatrix> quantized(String name, int[] shape) {
        return Optional.empty();
    }

    /**
     * The matrix {@code name} kept in 16 bits, when this source stores it as F16 or BF16 and
     * keeps such matrices ({@link HalfMatrix}); empty otherwise, and by default: then
     * {@link #floats} reads it. A model that gets a matrix here multiplies with
     * {@code dev.attnc.runtime.kernels.HalfLinear} and reads half the bytes of float32 per step.
     *
     * @param shape {@code [rows, columns]} as for {@link #floats}: a linear layer's {@code [out, in]}
     * @throws WeightException as {@link #quantized} does
     */
    default Optional<HalfMatrix> halves(String name, int[] shape) {
        return Optional.empty();
    }

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
