/*
 * Compile-only facade of the TornadoVM API (tornado-api 5.2.0-jdk21, Apache-2.0): the published
 * signatures only, written for attnc; every body throws. See tornadovm-facade/README.md.
 */
package uk.ac.manchester.tornado.api.types.arrays;

/** {@code public final class FloatArray extends TornadoNativeArray}: off-heap, contents uninitialised. */
public final class FloatArray extends TornadoNativeArray {

    public FloatArray(int numberOfElements) {
        throw new UnsupportedOperationException("compile-only facade of the TornadoVM API");
    }

    public static FloatArray fromArray(float[] values) {
        throw new UnsupportedOperationException("compile-only facade of the TornadoVM API");
    }

    public static FloatArray fromElements(float... values) {
        throw new UnsupportedOperationException("compile-only facade of the TornadoVM API");
    }

    public static void initialize(FloatArray array, float value) {
        throw new UnsupportedOperationException("compile-only facade of the TornadoVM API");
    }

    public static FloatArray concat(FloatArray... arrays) {
        throw new UnsupportedOperationException("compile-only facade of the TornadoVM API");
    }

    public float[] toHeapArray() {
        throw new UnsupportedOperationException("compile-only facade of the TornadoVM API");
    }

    public void set(int index, float value) {
        throw new UnsupportedOperationException("compile-only facade of the TornadoVM API");
    }

    public float get(int index) {
        throw new UnsupportedOperationException("compile-only facade of the TornadoVM API");
    }

    @Override
    public void clear() {
        throw new UnsupportedOperationException("compile-only facade of the TornadoVM API");
    }

    @Override
    public int getElementSize() {
        throw new UnsupportedOperationException("compile-only facade of the TornadoVM API");
    }

    public void init(float value) {
        throw new UnsupportedOperationException("compile-only facade of the TornadoVM API");
    }

    @Override
    public int getSize() {
        throw new UnsupportedOperationException("compile-only facade of the TornadoVM API");
    }

    @Override
    public long getNumBytesOfSegmentWithHeader() {
        throw new UnsupportedOperationException("compile-only facade of the TornadoVM API");
    }

    @Override
    public long getNumBytesOfSegment() {
        throw new UnsupportedOperationException("compile-only facade of the TornadoVM API");
    }

    public FloatArray slice(int offset, int length) {
        throw new UnsupportedOperationException("compile-only facade of the TornadoVM API");
    }
}
