package dev.attnc.runtime.tornado.jvm;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.Arrays;

/**
 * A fixed-size array of ints, as TornadoVM's {@code types.arrays.IntArray}, backed by a heap
 * {@code int[]}. New arrays are zero-filled (TornadoVM's are uninitialised off-heap memory: do
 * not rely on the zeros). Indices out of range throw {@link IndexOutOfBoundsException}.
 */
public final class IntArray extends TornadoNativeArray {

    private static final int ELEMENT_BYTES = 4;
    private static final VarHandle ELEMENTS = MethodHandles.arrayElementVarHandle(int[].class);

    private final int[] data;

    public IntArray(int numberOfElements) {
        if (numberOfElements < 0) {
            throw new IllegalArgumentException("negative array size " + numberOfElements);
        }
        this.data = new int[numberOfElements];
    }

    private IntArray(int[] data) {
        this.data = data;
    }

    /** A new array holding a copy of these values. */
    public static IntArray fromArray(int[] values) {
        return new IntArray(values.clone());
    }

    public static IntArray fromElements(int... values) {
        return new IntArray(values.clone());
    }

    /** Sets every element to this value (a {@code @Parallel} loop in TornadoVM). */
    public static void initialize(IntArray array, int value) {
        for (@Parallel int i = 0; i < array.getSize(); i++) {
            array.set(i, value);
        }
    }

    /** A new array holding the elements of these arrays one after another. */
    public static IntArray concat(IntArray... arrays) {
        int size = 0;
        for (IntArray array : arrays) {
            size = Math.addExact(size, array.getSize());
        }
        int[] all = new int[size];
        int at = 0;
        for (IntArray array : arrays) {
            System.arraycopy(array.data, 0, all, at, array.data.length);
            at += array.data.length;
        }
        return new IntArray(all);
    }

    /** A copy of the elements. */
    public int[] toHeapArray() {
        return data.clone();
    }

    public void set(int index, int value) {
        data[index] = value;
    }

    public int get(int index) {
        return data[index];
    }

    /** Sets every element to zero. */
    @Override
    public void clear() {
        init(0);
    }

    @Override
    public int getElementSize() {
        return ELEMENT_BYTES;
    }

    public void init(int value) {
        Arrays.fill(data, value);
    }

    @Override
    public int getSize() {
        return data.length;
    }

    @Override
    public long getNumBytesOfSegmentWithHeader() {
        return getNumBytesOfSegment() + ARRAY_HEADER;
    }

    @Override
    public long getNumBytesOfSegment() {
        return (long) data.length * ELEMENT_BYTES;
    }

    /** A new array holding a copy of {@code length} elements from {@code offset}, as TornadoVM's. */
    public IntArray slice(int offset, int length) {
        checkSlice(offset, length, data.length);
        return new IntArray(Arrays.copyOfRange(data, offset, offset + length));
    }

    /** Adds atomically (for {@link KernelContext#atomicAdd}); returns the previous value. */
    int atomicAdd(int index, int value) {
        return (int) ELEMENTS.getAndAdd(data, index, value);
    }

    @Override
    public String toString() {
        return "IntArray[" + data.length + "]";
    }
}
