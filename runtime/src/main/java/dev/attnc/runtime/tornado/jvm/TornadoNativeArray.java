package dev.attnc.runtime.tornado.jvm;

/**
 * The sealed base of the arrays, as TornadoVM's {@code types.arrays.TornadoNativeArray}. Here
 * the arrays live on the Java heap; the segment sizes are those TornadoVM reports (elements
 * times element size, plus a 16-byte header in the "with header" size).
 */
public abstract sealed class TornadoNativeArray permits FloatArray, HalfFloatArray, IntArray {

    /** The header TornadoVM puts before the elements (compressed oops). */
    static final long ARRAY_HEADER = 16;

    public abstract int getSize();

    public abstract long getNumBytesOfSegmentWithHeader();

    public abstract long getNumBytesOfSegment();

    protected void clear() {
    }

    public abstract int getElementSize();

    static void checkSlice(int offset, int length, int size) {
        if (offset < 0 || length < 0 || offset + length > size) {
            throw new IllegalArgumentException("Slice out of bounds: offset " + offset + ", length " + length
                    + " of an array of " + size);
        }
    }
}
