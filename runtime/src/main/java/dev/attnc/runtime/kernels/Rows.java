package dev.attnc.runtime.kernels;

/**
 * A name for a region of a float array that holds a value row after row: row r starts at
 * {@code at + r * stride} and its {@code width} columns lie next to each other. Generated models
 * make one per value of their {@code .attn} file, once per instance, and pass them to the
 * {@link Kernels} overloads that take rows ({@code Kernels.add(T, wte_out, wpe_out, x)}).
 *
 * <p>A view owns nothing: values that share memory in the arena (a split's parts, a value
 * written over one no longer needed) are views of the same array, exactly as their offsets
 * were. The number of rows is given per call, since it changes from call to call.
 *
 * @param values the array, usually the model's arena
 * @param at     where row 0 starts
 * @param stride how far apart rows start (0 for a single row)
 * @param width  the columns of a row; 0 where they are a run-time size, whose kernels take
 *               offsets and strides instead
 */
public record Rows(float[] values, int at, int stride, int width) {
    /** Where row {@code row} starts in {@link #values}. */
    public int at(int row) {
        return at + row * stride;
    }

    /** The same rows from row {@code row} on: one sequence of several packed one after another. */
    public Rows from(int row) {
        return new Rows(values, at(row), stride, width);
    }
}
