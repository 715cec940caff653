package dev.attnc.runtime;

/**
 * An attention clause read a tensor at an index outside one of its axes, such as
 * {@code rel[h, i - j]} with {@code i - j} past the table's last column. The language treats
 * that as an error, as PyTorch does; clamping (what T5's buckets do on purpose) is written
 * explicitly: {@code rel[h, clamp(i - j, 0, 15)]}.
 *
 * <p>Generated code calls {@link #check} on every index the compiler could not prove inside
 * its axis, where the index is evaluated: one comparison when it is inside. The message names
 * the read as written, the index, the axis and its size, the values of the variables the
 * index depends on, and the clause and .attn position, e.g. {@code rel[h, i - j]: index 16 of
 * axis 1 is outside [0, 16) at i = 20, j = 4, h = 0 (score at model.attn:12:19)}.
 */
public final class TableIndexException extends IndexOutOfBoundsException {
    private static final long serialVersionUID = 1L;

    public TableIndexException(String message) {
        super(message);
    }

    /**
     * The index, when it is in {@code [0, size)}; otherwise throws.
     *
     * @param read  the read as written in the .attn file, e.g. {@code rel[h, i - j]}
     * @param axis  which index of the read this is, from 0
     * @param where the clause and source position, e.g. {@code score at model.attn:12:19}
     */
    public static int check(int index, int size, String read, int axis, String where) {
        if (index < 0 || index >= size) {
            throw outside(index, size, read, axis, where, "", new int[0]);
        }
        return index;
    }

    /** As above, naming one variable the index depends on ({@code names} such as "i") and its value. */
    public static int check(int index, int size, String read, int axis, String where, String names, int a) {
        if (index < 0 || index >= size) {
            throw outside(index, size, read, axis, where, names, new int[] {a});
        }
        return index;
    }

    /** As above with two variables ({@code names} such as "i, j"). */
    public static int check(int index, int size, String read, int axis, String where, String names, int a, int b) {
        if (index < 0 || index >= size) {
            throw outside(index, size, read, axis, where, names, new int[] {a, b});
        }
        return index;
    }

    /** As above with three variables ({@code names} such as "i, j, h"). */
    public static int check(int index, int size, String read, int axis, String where, String names, int a, int b, int c) {
        if (index < 0 || index >= size) {
            throw outside(index, size, read, axis, where, names, new int[] {a, b, c});
        }
        return index;
    }

    /**
     * Checks computed ids (such as {@code arange(T) + 2}) before an embedding reads its table:
     * each must be in {@code [0, rows)}.
     *
     * @param read  the lookup as written, e.g. {@code position(arange(T) + 2)}
     * @param where the source position, e.g. {@code embedding at model.attn:12:7}
     */
    public static void checkIds(int[] ids, int at, int stride, int count, int rows, String read, String where) {
        for (int index = 0; index < count; index++) {
            int id = ids[at + index * stride];
            if (id < 0 || id >= rows) {
                throw new TableIndexException(read + ": id " + id + " at position " + index + " is outside [0, " + rows
                        + "), the rows of the table (" + where + ")");
            }
        }
    }

    /** As above with any number of variables (an array is made per call: only for rare reads). */
    public static int check(int index, int size, String read, int axis, String where, String names, int... values) {
        if (index < 0 || index >= size) {
            throw outside(index, size, read, axis, where, names, values);
        }
        return index;
    }

    private static TableIndexException outside(int index, int size, String read, int axis, String where, String names,
            int[] values) {
        StringBuilder message = new StringBuilder(read).append(": index ").append(index).append(" of axis ").append(axis)
                .append(" is outside [0, ").append(size).append(")");
        String[] variables = names.isEmpty() ? new String[0] : names.split(", ");
        for (int v = 0; v < variables.length && v < values.length; v++) {
            message.append(v == 0 ? " at " : ", ").append(variables[v]).append(" = ").append(values[v]);
        }
        return new TableIndexException(message.append(" (").append(where).append(")").toString());
    }
}
