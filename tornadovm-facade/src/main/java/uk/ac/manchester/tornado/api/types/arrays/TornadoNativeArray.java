/*
 * Compile-only facade of the TornadoVM API (tornado-api 5.2.0-jdk21, Apache-2.0): the published
 * signatures only, written for attnc; every body throws. See tornadovm-facade/README.md.
 */
package uk.ac.manchester.tornado.api.types.arrays;

/**
 * The sealed base of TornadoVM's off-heap arrays. TornadoVM permits eleven array classes; this
 * facade keeps {@link FloatArray}, {@link HalfFloatArray} and {@link IntArray}. The
 * {@code MemorySegment} members are left out: {@code java.lang.foreign} is a preview API in Java 21.
 */
public abstract sealed class TornadoNativeArray permits FloatArray, HalfFloatArray, IntArray {

    public abstract int getSize();

    public abstract long getNumBytesOfSegmentWithHeader();

    public abstract long getNumBytesOfSegment();

    protected void clear() {
        throw new UnsupportedOperationException("compile-only facade of the TornadoVM API");
    }

    public abstract int getElementSize();
}
