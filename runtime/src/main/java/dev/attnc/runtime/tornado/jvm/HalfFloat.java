package dev.attnc.runtime.tornado.jvm;

/**
 * One IEEE 754 binary16 value, as TornadoVM's {@code types.HalfFloat}: made from a float
 * (rounded to nearest even) or from its 16 bits, read back as a float exactly.
 */
public class HalfFloat {

    private final short bits;

    public HalfFloat(float halfFloat) {
        this.bits = Float.floatToFloat16(halfFloat);
    }

    public HalfFloat(short halfFloat) {
        this.bits = halfFloat;
    }

    public static HalfFloat add(HalfFloat a, HalfFloat b) {
        return new HalfFloat(a.getFloat32() + b.getFloat32());
    }

    public static HalfFloat sub(HalfFloat a, HalfFloat b) {
        return new HalfFloat(a.getFloat32() - b.getFloat32());
    }

    public static HalfFloat mult(HalfFloat a, HalfFloat b) {
        return new HalfFloat(a.getFloat32() * b.getFloat32());
    }

    public static HalfFloat div(HalfFloat a, HalfFloat b) {
        return new HalfFloat(a.getFloat32() / b.getFloat32());
    }

    /** The 16 bits. */
    public short getHalfFloatValue() {
        return bits;
    }

    /** The value as a float (every binary16 value is exactly a float). */
    public float getFloat32() {
        return Float.float16ToFloat(bits);
    }

    @Override
    public String toString() {
        return "HalfFloat: " + getFloat32();
    }
}
