package dev.attnc.compiler.ir;

import java.util.List;
import java.util.stream.Collectors;

/** Element type and shape of a value; a scalar has no dims. */
public record TensorType(DType dtype, List<Dim> shape) {

    public TensorType {
        shape = List.copyOf(shape);
    }

    public static TensorType floats(Dim... dims) {
        return new TensorType(DType.FLOAT, List.of(dims));
    }

    public int rank() {
        return shape.size();
    }

    public Dim dim(int index) {
        return shape.get(index < 0 ? shape.size() + index : index);
    }

    public Dim last() {
        return shape.get(shape.size() - 1);
    }

    public TensorType withShape(List<Dim> newShape) {
        return new TensorType(dtype, newShape);
    }

    public TensorType withLast(Dim newLast) {
        List<Dim> dims = new java.util.ArrayList<>(shape);
        dims.set(dims.size() - 1, newLast);
        return new TensorType(dtype, dims);
    }

    /** {@code [T, 768]} or {@code int[T]}, as a user would write it. */
    @Override
    public String toString() {
        String dims = shape.stream().map(Dim::toString).collect(Collectors.joining(", ", "[", "]"));
        return dtype == DType.INT ? "int" + dims : dims;
    }
}
