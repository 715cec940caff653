/*
 * Compile-only facade of the TornadoVM API (tornado-api 5.2.0-jdk21, Apache-2.0): the published
 * signatures only, written for attnc; every body throws. See tornadovm-facade/README.md.
 */
package uk.ac.manchester.tornado.api;

import uk.ac.manchester.tornado.api.types.arrays.FloatArray;
import uk.ac.manchester.tornado.api.types.arrays.IntArray;

/**
 * The subset of TornadoVM's {@code ExecutionContext} that {@link KernelContext} implements here
 * (the half-float and Long/DoubleArray members are left out).
 */
public interface ExecutionContext {

    void localBarrier();

    void globalBarrier();

    int[] allocateIntLocalArray(int size);

    long[] allocateLongLocalArray(int size);

    float[] allocateFloatLocalArray(int size);

    double[] allocateDoubleLocalArray(int size);

    byte[] allocateByteLocalArray(int size);

    void atomicAdd(IntArray array, int index, int val);

    void atomicAdd(int[] array, int index, int val);

    void atomicAdd(FloatArray array, int index, float val);
}
