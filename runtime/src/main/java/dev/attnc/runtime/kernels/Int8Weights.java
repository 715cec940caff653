package dev.attnc.runtime.kernels;

import java.util.Optional;

/**
 * A weight source that keeps some linear weights as 8-bit integers ({@link Int8Matrix}), such
 * as a dynamically quantized ONNX model ({@code dev.attnc.runtime.weights.OnnxQuantizedWeights}).
 * {@link Kernels#matrix} asks it first, so a generated model multiplies those weights with
 * {@link Int8Linear}; nothing in the {@code .attn} file says so: the checkpoint decides.
 */
public interface Int8Weights {

    /**
     * The matrix {@code name} as int8 when the source stores it so, else empty (then it is read
     * as float32).
     *
     * @param shape {@code [out, in]}, as the model expects it
     * @throws dev.attnc.runtime.weights.WeightException if the tensor is stored as int8 but its
     *     shape or its quantization parameters do not fit
     */
    Optional<Int8Matrix> int8(String name, int[] shape);
}
