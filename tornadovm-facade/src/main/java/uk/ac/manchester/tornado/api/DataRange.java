/*
 * Compile-only facade of the TornadoVM API (tornado-api 5.2.0-jdk21, Apache-2.0): the published
 * signatures only, written for attnc; every body throws. See tornadovm-facade/README.md.
 */
package uk.ac.manchester.tornado.api;

import uk.ac.manchester.tornado.api.types.arrays.TornadoNativeArray;

/** A part of an array to copy: an offset and a size, in elements. */
public class DataRange {

    public DataRange(TornadoNativeArray tornadoNativeArray) {
        throw new UnsupportedOperationException("compile-only facade of the TornadoVM API");
    }

    public DataRange withOffset(long offset) {
        throw new UnsupportedOperationException("compile-only facade of the TornadoVM API");
    }

    public DataRange withSize(long size) {
        throw new UnsupportedOperationException("compile-only facade of the TornadoVM API");
    }

    public long getOffset() {
        throw new UnsupportedOperationException("compile-only facade of the TornadoVM API");
    }

    public long getPartialSize() {
        throw new UnsupportedOperationException("compile-only facade of the TornadoVM API");
    }

    public void materialize() {
        throw new UnsupportedOperationException("compile-only facade of the TornadoVM API");
    }

    public TornadoNativeArray getArray() {
        throw new UnsupportedOperationException("compile-only facade of the TornadoVM API");
    }
}
