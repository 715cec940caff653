/*
 * Compile-only facade of the TornadoVM API (tornado-api 5.2.0-jdk21, Apache-2.0): the published
 * signatures only, written for attnc; every body throws. See tornadovm-facade/README.md.
 */
package uk.ac.manchester.tornado.api.types;

/**
 * {@code public class HalfFloat}: one IEEE 754 binary16 value. In a kernel, TornadoVM compiles
 * {@code array.get(i).getFloat32()} on a {@code HalfFloatArray} into a half load and a widening
 * conversion. TornadoVM's internal {@code @HalfType} annotation is left out.
 */
public class HalfFloat {

    public HalfFloat(float halfFloat) {
        throw new UnsupportedOperationException("compile-only facade of the TornadoVM API");
    }

    public HalfFloat(short halfFloat) {
        throw new UnsupportedOperationException("compile-only facade of the TornadoVM API");
    }

    public static HalfFloat add(HalfFloat a, HalfFloat b) {
        throw new UnsupportedOperationException("compile-only facade of the TornadoVM API");
    }

    public static HalfFloat sub(HalfFloat a, HalfFloat b) {
        throw new UnsupportedOperationException("compile-only facade of the TornadoVM API");
    }

    public static HalfFloat mult(HalfFloat a, HalfFloat b) {
        throw new UnsupportedOperationException("compile-only facade of the TornadoVM API");
    }

    public static HalfFloat div(HalfFloat a, HalfFloat b) {
        throw new UnsupportedOperationException("compile-only facade of the TornadoVM API");
    }

    public short getHalfFloatValue() {
        throw new UnsupportedOperationException("compile-only facade of the TornadoVM API");
    }

    public float getFloat32() {
        throw new UnsupportedOperationException("compile-only facade of the TornadoVM API");
    }

    @Override
    public String toString() {
        throw new UnsupportedOperationException("compile-only facade of the TornadoVM API");
    }
}
