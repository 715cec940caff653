/*
 * Compile-only facade of the TornadoVM API (tornado-api 5.2.0-jdk21, Apache-2.0): the published
 * signatures only, written for attnc; every body throws. See tornadovm-facade/README.md.
 */
package uk.ac.manchester.tornado.api.types.arrays;

import uk.ac.manchester.tornado.api.types.HalfFloat;

/**
 * {@code public final class HalfFloatArray extends TornadoNativeArray}: off-heap binary16
 * values, two bytes each. Left out: the {@code MemorySegment} members (a preview API in Java 21)
 * and the packed {@code getHalf2}/{@code setHalf2} accessors.
 */
public final class HalfFloatArray extends TornadoNativeArray {

    public HalfFloatArray(int numberOfElements) {
        throw new UnsupportedOperationException("compile-only facade of the TornadoVM API");
    }

    public HalfFloatArray(HalfFloatArray... arrays) {
        throw new UnsupportedOperationException("compile-only facade of the TornadoVM API");
    }

    public static HalfFloatArray fromArray(HalfFloat[] values) {
        throw new UnsupportedOperationException("compile-only facade of the TornadoVM API");
    }

    public static HalfFloatArray fromElements(HalfFloat... values) {
        throw new UnsupportedOperationException("compile-only facade of the TornadoVM API");
    }

    public static void initialize(HalfFloatArray array, HalfFloat value) {
        throw new UnsupportedOperationException("compile-only facade of the TornadoVM API");
    }

    public static HalfFloatArray concat(HalfFloatArray... arrays) {
        throw new UnsupportedOperationException("compile-only facade of the TornadoVM API");
    }

    public HalfFloat[] toHeapArray() {
        throw new UnsupportedOperationException("compile-only facade of the TornadoVM API");
    }

    public short[] toShortArray() {
        throw new UnsupportedOperationException("compile-only facade of the TornadoVM API");
    }

    public void set(int index, HalfFloat value) {
        throw new UnsupportedOperationException("compile-only facade of the TornadoVM API");
    }

    public HalfFloat get(int index) {
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

    public void init(HalfFloat value) {
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

    public HalfFloatArray slice(int offset, int length) {
        throw new UnsupportedOperationException("compile-only facade of the TornadoVM API");
    }
}
