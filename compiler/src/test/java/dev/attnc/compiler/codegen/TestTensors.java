package dev.attnc.compiler.codegen;

import dev.attnc.runtime.Tensor;

/** Model inputs made from the double matrices the float64 references take. */
public final class TestTensors {

    private TestTensors() {
    }

    /** A [rows, cols] float tensor with each element of {@code x} rounded to float. */
    public static Tensor floats(double[][] x) {
        int cols = x[0].length;
        float[] data = new float[x.length * cols];
        for (int r = 0; r < x.length; r++) {
            for (int c = 0; c < cols; c++) {
                data[r * cols + c] = (float) x[r][c];
            }
        }
        return Tensor.floats(data, x.length, cols);
    }
}
