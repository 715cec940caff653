package dev.attnc.runtime.kernels;

/**
 * A name for a column of whole numbers in an int array (token ids, positions): row r is at
 * {@code at + r * stride}. The int counterpart of {@link Rows}, made once per instance.
 *
 * @param values the array, usually the model's {@code ints}
 * @param at     where row 0 is
 * @param stride how far apart rows are
 */
public record IntRows(int[] values, int at, int stride) {
    /** Where row {@code row} is in {@link #values}. */
    public int at(int row) {
        return at + row * stride;
    }

    /** The same rows from row {@code row} on: one sequence of several packed one after another. */
    public IntRows from(int row) {
        return new IntRows(values, at(row), stride);
    }
}
