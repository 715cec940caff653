package dev.attnc.runtime.tornado.jvm;

import java.util.Arrays;

/**
 * A fixed-size array of binary16 values, as TornadoVM's {@code types.arrays.HalfFloatArray},
 * backed by a heap {@code short[]} of their bits: two bytes per element, half a FloatArray's.
 * New arrays are zero-filled (TornadoVM's are uninitialised off-heap memory: do not rely on the
 * zeros). Indices out of range throw {@link IndexOutOfBoundsException}. Its element size (2)
 * is what the traffic recorder counts per access.
 */
public final class HalfFloatArray extends TornadoNativeArray {

    private static final int ELEMENT_BYTES = 2;

    private final short[] bits;

    public HalfFloatArray(int numberOfElements) {
        if (numberOfElements < 0) {
            throw new IllegalArgumentException("negative array size " + numberOfElements);
        }
        this.bits = new short[numberOfElements];
    }

    /** The elements of these arrays one after another, as {@link #concat}. */
    public HalfFloatArray(HalfFloatArray... arrays) {
        this.bits = concat(arrays).bits;
    }

    private HalfFloatArray(short[] bits) {
        this.bits = bits;
    }

    public static HalfFloatArray fromArray(HalfFloat[] values) {
        short[] bits = new short[values.length];
        for (int i = 0; i < values.length; i++) {
            bits[i] = values[i].getHalfFloatValue();
        }
        return new HalfFloatArray(bits);
    }

    public static HalfFloatArray fromElements(HalfFloat... values) {
        return fromArray(values);
    }

    /** Sets every element to this value (a {@code @Parallel} loop in TornadoVM). */
    public static void initialize(HalfFloatArray array, HalfFloat value) {
        for (@Parallel int i = 0; i < array.getSize(); i++) {
            array.set(i, value);
        }
    }

    /** A new array holding the elements of these arrays one after another. */
    public static HalfFloatArray concat(HalfFloatArray... arrays) {
        int size = 0;
        for (HalfFloatArray array : arrays) {
            size = Math.addExact(size, array.getSize());
        }
        short[] all = new short[size];
        int at = 0;
        for (HalfFloatArray array : arrays) {
            System.arraycopy(array.bits, 0, all, at, array.bits.length);
            at += array.bits.length;
        }
        return new HalfFloatArray(all);
    }

    /** A copy of the elements. */
    public HalfFloat[] toHeapArray() {
        HalfFloat[] values = new HalfFloat[bits.length];
        for (int i = 0; i < bits.length; i++) {
            values[i] = new HalfFloat(bits[i]);
        }
        return values;
    }

    /** A copy of the elements' bits. */
    public short[] toShortArray() {
        return bits.clone();
    }

    public void set(int index, HalfFloat value) {
        bits[index] = value.getHalfFloatValue();
    }

    public HalfFloat get(int index) {
        return new HalfFloat(bits[index]);
    }

    /** Sets every element to zero. */
    @Override
    public void clear() {
        Arrays.fill(bits, (short) 0);
    }

    @Override
    public int getElementSize() {
        return ELEMENT_BYTES;
    }

    public void init(HalfFloat value) {
        Arrays.fill(bits, value.getHalfFloatValue());
    }

    @Override
    public int getSize() {
        return bits.length;
    }

    @Override
    public long getNumBytesOfSegmentWithHeader() {
        return getNumBytesOfSegment() + TornadoNativeArray.ARRAY_HEADER;
    }

    @Override
    public long getNumBytesOfSegment() {
        return (long) bits.length * ELEMENT_BYTES;
    }

    /** A new array holding a copy of {@code length} elements from {@code offset}, as TornadoVM's. */
    public HalfFloatArray slice(int offset, int length) {
        TornadoNativeArray.checkSlice(offset, length, bits.length);
        return new HalfFloatArray(Arrays.copyOfRange(bits, offset, offset + length));
    }

    @Override
    public String toString() {
        return "HalfFloatArray[" + bits.length + "]";
    }
}
