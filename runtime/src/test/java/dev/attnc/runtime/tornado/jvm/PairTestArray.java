package dev.attnc.runtime.tornado.jvm;

/** An array type of the JVM package with no probe of its own shape, for MemoryTrafficTest (a stand-in for HalfFloatArray). */
public final class PairTestArray {
    private final short[] data;

    public PairTestArray(int size) {
        data = new short[size];
    }

    public short get(int index) {
        return data[index];
    }

    public void set(int index, short value) {
        data[index] = value;
    }
}
