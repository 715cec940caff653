package dev.attnc.runtime;

import dev.attnc.runtime.kernels.Threads;
import java.util.Map;

/**
 * Checks on what a caller hands a generated model, and the copy of inputs into the model's
 * arena. Every failure is a {@link ModelInputException} naming the tensor, what was expected
 * and what was found.
 */
public final class Inputs {
    private Inputs() {
    }

    /** The input {@code name}, of the given element type and rank; {@code shape} is for messages ("[T, 768]"). */
    public static Tensor get(Map<String, Tensor> inputs, String name, DType dtype, int rank, String shape) {
        Tensor tensor = inputs.get(name);
        if (tensor == null) {
            throw new ModelInputException("missing input `" + name + "` (expected " + shape + "); given: "
                    + (inputs.isEmpty() ? "nothing" : String.join(", ", inputs.keySet())));
        }
        if (tensor.dtype() != dtype || tensor.rank() != rank) {
            throw new ModelInputException("input `" + name + "` must be " + shape + ", found " + tensor.shapeString());
        }
        return tensor;
    }

    /** Checks a dim that the model fixes (such as the width 768). */
    public static void expectDim(String name, String shape, Tensor tensor, int axis, int expected) {
        if (tensor.dim(axis) != expected) {
            throw new ModelInputException("input `" + name + "` must be " + shape + ", found " + tensor.shapeString());
        }
    }

    /**
     * Binds a run-time dim from an input: the first input to show it sets it, and every other
     * must agree. {@code current} is -1 while unbound.
     */
    public static int bind(String dim, int current, String name, Tensor tensor, int axis) {
        int value = tensor.dim(axis);
        if (current >= 0 && current != value) {
            throw new ModelInputException("inputs disagree on " + dim + ": input `" + name + "` has " + value
                    + " along it (" + tensor.shapeString() + "), an earlier input has " + current);
        }
        return value;
    }

    /**
     * A run-time dim must be at least 1 and fit the buffers the model was compiled with; the dim
     * has no bound of its own, so the compiler's --max-seq sized them.
     */
    public static void checkRange(String dim, int value, int max) {
        checkRange(dim, value, max, null);
    }

    /**
     * As {@link #checkRange(String, int, int)}, for a dim whose bound the model declares:
     * {@code bound} says where ({@code "`dim T <= 512` on line 9 of m.attn"}), null if it declares none.
     */
    public static void checkRange(String dim, int value, int max, String bound) {
        if (value < 1) {
            throw new ModelInputException(dim + " = " + value + ": inputs must hold at least one position");
        }
        if (value > max) {
            throw new ModelInputException(dim + " = " + value + " is more than this model accepts (" + max + ")"
                    + remedy(dim, bound));
        }
    }

    /** How to accept more: raise the declared bound, or compile with a larger --max-seq where none is declared. */
    private static String remedy(String dim, String bound) {
        if (bound != null) {
            return ": the model declares " + bound + "; raise that bound and compile again";
        }
        return "; " + dim + " declares no bound, so the compiler sized it: compile with a larger --max-seq"
                + " (CompileOptions.withMaxSeq in Java), or declare `dim " + dim + " <= N`";
    }

    /** New positions must fit in the KV cache beside those it holds (a dim without a declared bound). */
    public static void checkCache(String dim, int value, int cached, int max) {
        checkCache(dim, value, cached, max, null);
    }

    /** As {@link #checkCache(String, int, int, int)}; {@code bound} as {@link #checkRange(String, int, int, String)} takes it. */
    public static void checkCache(String dim, int value, int cached, int max, String bound) {
        checkRange(dim, value, max, bound);
        if (cached + value > max) {
            throw new ModelInputException(dim + " = " + value + " more positions do not fit: the KV cache holds " + cached
                    + " of at most " + max + "; call forward or reset to start a new sequence");
        }
    }

    /** Every id must pick a row of the table it indexes. */
    public static void checkIds(String name, int[] ids, int at, int count, int rows) {
        for (int index = 0; index < count; index++) {
            int id = ids[at + index];
            if (id < 0 || id >= rows) {
                throw new ModelInputException("input `" + name + "` holds id " + id + " at position " + index
                        + ", outside the " + rows + " rows of the embedding it indexes");
            }
        }
    }

    /** Copies a float tensor into a strided layout (one stride per dim). */
    public static void copy(Tensor tensor, float[] to, int at, int... strides) {
        copy(tensor.floatData(), null, tensor.shape(), to, null, at, strides);
    }

    /** Copies an int tensor into a strided layout (one stride per dim). */
    public static void copy(Tensor tensor, int[] to, int at, int... strides) {
        copy(null, tensor.intData(), tensor.shape(), null, to, at, strides);
    }

    private static void copy(float[] floats, int[] ints, int[] shape, float[] toFloats, int[] toInts, int at, int[] strides) {
        if (floats != null && dense(shape, strides)) {
            bulk(floats, 0, toFloats, at, (int) Tensor.sizeOf(shape));
            return;
        }
        forEachRun(shape, strides, (flat, target, length, step) -> {
            if (step == 1) {
                // A contiguous run: the common case, one bulk copy per row.
                if (floats != null) {
                    System.arraycopy(floats, flat, toFloats, at + target, length);
                } else {
                    System.arraycopy(ints, flat, toInts, at + target, length);
                }
                return;
            }
            for (int i = 0; i < length; i++) {
                if (floats != null) {
                    toFloats[at + target + i * step] = floats[flat + i];
                } else {
                    toInts[at + target + i * step] = ints[flat + i];
                }
            }
        });
    }

    /** A new float tensor of {@code shape} read from a strided layout. */
    public static Tensor output(float[] from, int at, int[] strides, int... shape) {
        float[] data = new float[(int) Tensor.sizeOf(shape)];
        if (dense(shape, strides)) {
            bulk(from, at, data, 0, data.length);
            return Tensor.floats(data, shape);
        }
        forEachRun(shape, strides, (flat, source, length, step) -> {
            if (step == 1) {
                System.arraycopy(from, at + source, data, flat, length);
                return;
            }
            for (int i = 0; i < length; i++) {
                data[flat + i] = from[at + source + i * step];
            }
        });
        return Tensor.floats(data, shape);
    }

    /** Whether {@code strides} lay {@code shape} out densely in row-major order: then a copy is one block. */
    private static boolean dense(int[] shape, int[] strides) {
        long expected = 1;
        for (int axis = shape.length - 1; axis >= 0; axis--) {
            if (shape[axis] > 1 && strides[axis] != expected) {
                return false;
            }
            expected *= shape[axis];
        }
        return true;
    }

    /** Floats per worker below which a block is copied on one thread: splitting costs more than it saves. */
    private static final int PARALLEL_COPY = 1 << 16;

    /**
     * {@code count} floats from {@code from[fromAt]} to {@code to[toAt]}, split across the
     * kernel workers when large: one thread does not reach this machine's memory bandwidth
     * (a 6 MB input took 0.22 to 0.31 ms on one thread, 0.16 ms on two).
     */
    private static void bulk(float[] from, int fromAt, float[] to, int toAt, int count) {
        int parts = (int) Math.min(Threads.count(), Math.max(1, count / PARALLEL_COPY));
        if (parts == 1) {
            System.arraycopy(from, fromAt, to, toAt, count);
            return;
        }
        Threads.parallel(parts, 1, (first, last, worker) -> {
            for (int part = first; part < last; part++) {
                int start = (int) ((long) count * part / parts);
                int end = (int) ((long) count * (part + 1) / parts);
                System.arraycopy(from, fromAt + start, to, toAt + start, end - start);
            }
        });
    }

    /** One run of a row-major walk: the flat index of its first element, its strided offset, its length and step. */
    @FunctionalInterface
    private interface Run {
        void copy(int flat, int offset, int length, int step);
    }

    /** Walks {@code shape} in row-major order one innermost row (run) at a time. */
    private static void forEachRun(int[] shape, int[] strides, Run run) {
        if (shape.length == 0) {
            run.copy(0, 0, 1, 1);
            return;
        }
        int last = shape.length - 1;
        int length = shape[last];
        int count = (int) Tensor.sizeOf(shape);
        if (length == 0 || count == 0) {
            return;
        }
        int[] index = new int[last];
        for (int flat = 0; flat < count; flat += length) {
            int offset = 0;
            for (int axis = 0; axis < last; axis++) {
                offset += index[axis] * strides[axis];
            }
            run.copy(flat, offset, length, strides[last]);
            for (int axis = last - 1; axis >= 0; axis--) {
                if (++index[axis] < shape[axis]) {
                    break;
                }
                index[axis] = 0;
            }
        }
    }

    /** A weight stored [rows][cols] rewritten as [cols][rows] (GPT-2's Conv1D to nn.Linear's layout). */
    public static float[] transpose(float[] data, int rows, int cols) {
        float[] out = new float[data.length];
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < cols; c++) {
                out[c * rows + r] = data[r * cols + c];
            }
        }
        return out;
    }
}
