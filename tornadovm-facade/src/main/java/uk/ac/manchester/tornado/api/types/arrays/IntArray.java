/*
 * Compile-only facade of the TornadoVM API (tornado-api 5.2.0-jdk21, Apache-2.0): the published
 * signatures only, written for attnc; every body throws. See tornadovm-facade/README.md.
 */
package uk.ac.manchester.tornado.api.types.arrays;

/** {@code public final class IntArray extends TornadoNativeArray}: off-heap, contents uninitialised. */
public final class IntArray extends TornadoNativeArray {

    public IntArray(int numberOfElements) {
        throw new UnsupportedOperationException("compile-only facade of the TornadoVM API");
    }

    public static IntArray fromArray(int[] values) {
        throw new UnsupportedOperationException("compile-only facade of the TornadoVM API");
    }

    public static IntArray fromElements(int... values) {
        throw new UnsupportedOperationException("compile-only facade of the TornadoVM API");
    }

    public static void initialize(IntArray array, int value) {
        throw new UnsupportedOperationException("compile-only facade of the TornadoVM API");
    }

    public static IntArray concat(IntArray... arrays) {
        throw new UnsupportedOperationException("compile-only facade of the TornadoVM API");
    }

    public int[] toHeapArray() {
        throw new UnsupportedOperationException("compile-only facade of the TornadoVM API");
    }

    public void set(int index, int value) {
        throw new UnsupportedOperationException("compile-only facade of the TornadoVM API");
    }

    public int get(int index) {
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

    public void init(int value) {
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

    public IntArray slice(int offset, int length) {
        throw new UnsupportedOperationException("compile-only facade of the TornadoVM API");
    }
}
