package dev.attnc.runtime.tornado.jvm;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.Arrays;

/**
 * A fixed-size array of floats, as TornadoVM's {@code types.arrays.FloatArray}, backed by a heap
 * {@code float[]}. New arrays are zero-filled (TornadoVM's are uninitialised off-heap memory: do
 * not rely on the zeros). Indices out of range throw {@link IndexOutOfBoundsException}.
 */
public final class FloatArray extends TornadoNativeArray {

    private static final int ELEMENT_BYTES = 4;
    private static final VarHandle ELEMENTS = MethodHandles.arrayElementVarHandle(float[].class);

    private final float[] data;

    public FloatArray(int numberOfElements) {
        if (numberOfElements < 0) {
            throw new IllegalArgumentException("negative array size " + numberOfElements);
        }
        this.data = new float[numberOfElements];
    }

    private FloatArray(float[] data) {
        this.data = data;
    }

    /** A new array holding a copy of these values. */
    public static FloatArray fromArray(float[] values) {
        return new FloatArray(values.clone());
    }

    public static FloatArray fromElements(float... values) {
        return new FloatArray(values.clone());
    }

    /** Sets every element to this value (a {@code @Parallel} loop in TornadoVM). */
    public static void initialize(FloatArray array, float value) {
        for (@Parallel int i = 0; i < array.getSize(); i++) {
            array.set(i, value);
        }
    }

    /** A new array holding the elements of these arrays one after another. */
    public static FloatArray concat(FloatArray... arrays) {
        int size = 0;
        for (FloatArray array : arrays) {
            size = Math.addExact(size, array.getSize());
        }
        float[] all = new float[size];
        int at = 0;
        for (FloatArray array : arrays) {
            System.arraycopy(array.data, 0, all, at, array.data.length);
            at += array.data.length;
        }
        return new FloatArray(all);
    }

    /** A copy of the elements. */
    public float[] toHeapArray() {
        return data.clone();
    }

    public void set(int index, float value) {
        data[index] = value;
    }

    public float get(int index) {
        return data[index];
    }

    /** Sets every element to zero. */
    @Override
    public void clear() {
        init(0.0f);
    }

    @Override
    public int getElementSize() {
        return ELEMENT_BYTES;
    }

    public void init(float value) {
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
    public FloatArray slice(int offset, int length) {
        checkSlice(offset, length, data.length);
        return new FloatArray(Arrays.copyOfRange(data, offset, offset + length));
    }

    /** Adds atomically (for {@link KernelContext#atomicAdd}); returns the previous value. */
    float atomicAdd(int index, float value) {
        return (float) ELEMENTS.getAndAdd(data, index, value);
    }

    @Override
    public String toString() {
        return "FloatArray[" + data.length + "]";
    }
}
