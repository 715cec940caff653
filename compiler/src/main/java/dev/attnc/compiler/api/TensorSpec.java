package dev.attnc.compiler.api;

import dev.attnc.runtime.DType;
import java.util.List;

/**
 * A model's input or output: its name, element type and shape as declared, with run-time dims
 * by name ({@code ids int[T]}, {@code x [T, 768]}).
 *
 * @param name  the name {@code forward} takes or returns it by
 * @param dtype {@link DType#F32} or {@link DType#I32}
 * @param shape one entry per axis: a number, a run-time dim such as {@code T}, or an expression of them
 */
public record TensorSpec(String name, DType dtype, List<String> shape) {

    public TensorSpec {
        shape = List.copyOf(shape);
    }

    /** {@code [T, 768]} or {@code int[T]}. */
    public String shapeString() {
        return (dtype == DType.I32 ? "int" : "") + "[" + String.join(", ", shape) + "]";
    }

    @Override
    public String toString() {
        return name + " " + shapeString();
    }
}
