package dev.attnc.runtime.tornado.jvm;

/** The members of TornadoVM's {@code ExecutionContext} that {@link KernelContext} implements. */
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
