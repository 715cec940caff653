package dev.attnc.runtime;

import java.util.Arrays;
import java.util.Objects;

/**
 * A dense row-major tensor of float32 or int32 elements with a fixed shape.
 *
 * <p>A tensor wraps the array it is made from without copying it, and {@link #floatData()}
 * and {@link #intData()} hand back that same array: kernels read and write it in place. The
 * shape is copied in and out and never changes. A rank-0 tensor (shape {@code []}) is a
 * scalar with one element.
 */
public final class Tensor {

    /** How many elements {@link #toString()} shows before it elides the rest. */
    private static final int SHOWN = 8;

    private final DType dtype;
    private final int[] shape;
    private final float[] floats;
    private final int[] ints;

    private Tensor(DType dtype, int[] shape, float[] floats, int[] ints) {
        this.dtype = dtype;
        this.shape = shape;
        this.floats = floats;
        this.ints = ints;
    }

    /**
     * A float32 tensor over {@code data} (not copied).
     *
     * @throws IllegalArgumentException if a dim is negative or {@code data.length} is not the
     *     product of the dims
     */
    public static Tensor floats(float[] data, int... shape) {
        Objects.requireNonNull(data, "data");
        int[] dims = checkedShape(data.length, shape, DType.F32);
        return new Tensor(DType.F32, dims, data, null);
    }

    /**
     * An int32 tensor over {@code data} (not copied).
     *
     * @throws IllegalArgumentException if a dim is negative or {@code data.length} is not the
     *     product of the dims
     */
    public static Tensor ints(int[] data, int... shape) {
        Objects.requireNonNull(data, "data");
        int[] dims = checkedShape(data.length, shape, DType.I32);
        return new Tensor(DType.I32, dims, null, data);
    }

    private static int[] checkedShape(int length, int[] shape, DType dtype) {
        Objects.requireNonNull(shape, "shape");
        int[] dims = shape.clone();
        for (int d : dims) {
            if (d < 0) {
                throw new IllegalArgumentException(
                        "shape " + shapeString(dtype, dims) + " has a negative dim");
            }
        }
        long needed = sizeOf(dims);
        if (needed != length) {
            throw new IllegalArgumentException("data has " + length + " elements, but shape "
                    + shapeString(dtype, dims) + " needs " + needed);
        }
        return dims;
    }

    /**
     * The number of elements of {@code shape}: the product of its dims, 1 for a scalar,
     * {@link Long#MAX_VALUE} if the product does not fit in a long.
     *
     * @throws IllegalArgumentException if a dim is negative
     */
    public static long sizeOf(int... shape) {
        long n = 1;
        boolean saturated = false;
        for (int d : shape) {
            if (d < 0) {
                throw new IllegalArgumentException("shape " + shapeString(DType.F32, shape) + " has a negative dim");
            }
            if (d == 0) {
                n = 0;
            } else if (n > Long.MAX_VALUE / d) {
                saturated = true;
            } else {
                n *= d;
            }
        }
        return n == 0 ? 0 : saturated ? Long.MAX_VALUE : n;
    }

    /** The dims, a copy. */
    public int[] shape() {
        return shape.clone();
    }

    public int rank() {
        return shape.length;
    }

    /**
     * The size of one axis; a negative axis counts from the end ({@code dim(-1)} is the last).
     *
     * @throws IndexOutOfBoundsException if there is no such axis
     */
    public int dim(int axis) {
        int a = axis < 0 ? shape.length + axis : axis;
        if (a < 0 || a >= shape.length) {
            throw new IndexOutOfBoundsException(
                    "axis " + axis + " is out of range for " + shapeString() + " (rank " + shape.length + ")");
        }
        return shape[a];
    }

    /** The number of elements. */
    public long size() {
        return dtype == DType.F32 ? floats.length : ints.length;
    }

    public DType dtype() {
        return dtype;
    }

    /**
     * The backing float array, not a copy.
     *
     * @throws IllegalStateException if this is an int32 tensor
     */
    public float[] floatData() {
        if (floats == null) {
            throw new IllegalStateException(
                    "floatData() called on an int32 tensor " + shapeString() + "; use intData()");
        }
        return floats;
    }

    /**
     * The backing int array, not a copy.
     *
     * @throws IllegalStateException if this is a float32 tensor
     */
    public int[] intData() {
        if (ints == null) {
            throw new IllegalStateException(
                    "intData() called on a float32 tensor " + shapeString() + "; use floatData()");
        }
        return ints;
    }

    /** The type as a {@code .attn} file writes it: {@code [4, 768]}, {@code int[4]}, {@code []}. */
    public String shapeString() {
        return shapeString(dtype, shape);
    }

    private static String shapeString(DType dtype, int[] shape) {
        StringBuilder sb = new StringBuilder(dtype == DType.I32 ? "int[" : "[");
        for (int i = 0; i < shape.length; i++) {
            if (i > 0) {
                sb.append(", ");
            }
            sb.append(shape[i]);
        }
        return sb.append(']').toString();
    }

    /** Same dtype, same shape and the same elements ({@link Float#equals} semantics: NaN equals NaN). */
    @Override
    public boolean equals(Object o) {
        return o instanceof Tensor t
                && dtype == t.dtype
                && Arrays.equals(shape, t.shape)
                && Arrays.equals(floats, t.floats)
                && Arrays.equals(ints, t.ints);
    }

    @Override
    public int hashCode() {
        int h = dtype.hashCode();
        h = 31 * h + Arrays.hashCode(shape);
        return 31 * h + (floats != null ? Arrays.hashCode(floats) : Arrays.hashCode(ints));
    }

    /** E.g. {@code F32[2, 3] {1.0, 2.0, 3.0, 4.0, 5.0, 6.0}}, eliding after the first 8 elements. */
    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder(dtype.name()).append(shapeString(DType.F32, shape)).append(" {");
        long n = size();
        int shown = (int) Math.min(n, SHOWN);
        for (int i = 0; i < shown; i++) {
            if (i > 0) {
                sb.append(", ");
            }
            sb.append(floats != null ? String.valueOf(floats[i]) : String.valueOf(ints[i]));
        }
        if (n > shown) {
            sb.append(", ... (").append(n - shown).append(" more)");
        }
        return sb.append('}').toString();
    }
}
