/*
 * Compile-only facade of the TornadoVM API (tornado-api 5.2.0-jdk21, Apache-2.0): the published
 * signatures only, written for attnc; every body throws. See tornadovm-facade/README.md.
 */
package uk.ac.manchester.tornado.api;

import uk.ac.manchester.tornado.api.types.arrays.FloatArray;
import uk.ac.manchester.tornado.api.types.arrays.IntArray;

/**
 * {@code public class KernelContext implements ExecutionContext}. The ids are {@code public final
 * Integer} fields initialised to 0: not compile-time constants, so code reads them with getfield.
 */
public class KernelContext implements ExecutionContext {

    public final Integer globalIdx = 0;
    public final Integer globalIdy = 0;
    public final Integer globalIdz = 0;
    public final Integer groupIdx = 0;
    public final Integer groupIdy = 0;
    public final Integer groupIdz = 0;
    public final Integer localIdx = 0;
    public final Integer localIdy = 0;
    public final Integer localIdz = 0;
    public final Integer globalGroupSizeX = 0;
    public final Integer globalGroupSizeY = 0;
    public final Integer globalGroupSizeZ = 0;
    public final Integer localGroupSizeX = 0;
    public final Integer localGroupSizeY = 0;
    public final Integer localGroupSizeZ = 0;

    public KernelContext() {
        throw new UnsupportedOperationException("compile-only facade of the TornadoVM API");
    }

    @Override
    public void localBarrier() {
        throw new UnsupportedOperationException("compile-only facade of the TornadoVM API");
    }

    @Override
    public void globalBarrier() {
        throw new UnsupportedOperationException("compile-only facade of the TornadoVM API");
    }

    @Override
    public int[] allocateIntLocalArray(int size) {
        throw new UnsupportedOperationException("compile-only facade of the TornadoVM API");
    }

    @Override
    public byte[] allocateByteLocalArray(int size) {
        throw new UnsupportedOperationException("compile-only facade of the TornadoVM API");
    }

    @Override
    public long[] allocateLongLocalArray(int size) {
        throw new UnsupportedOperationException("compile-only facade of the TornadoVM API");
    }

    @Override
    public float[] allocateFloatLocalArray(int size) {
        throw new UnsupportedOperationException("compile-only facade of the TornadoVM API");
    }

    @Override
    public double[] allocateDoubleLocalArray(int size) {
        throw new UnsupportedOperationException("compile-only facade of the TornadoVM API");
    }

    @Override
    public void atomicAdd(IntArray array, int index, int val) {
        throw new UnsupportedOperationException("compile-only facade of the TornadoVM API");
    }

    @Override
    public void atomicAdd(int[] array, int index, int val) {
        throw new UnsupportedOperationException("compile-only facade of the TornadoVM API");
    }

    @Override
    public void atomicAdd(FloatArray array, int index, float val) {
        throw new UnsupportedOperationException("compile-only facade of the TornadoVM API");
    }
}
