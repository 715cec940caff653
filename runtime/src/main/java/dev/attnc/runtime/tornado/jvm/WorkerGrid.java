package dev.attnc.runtime.tornado.jvm;

/**
 * A launch grid, as TornadoVM's {@code WorkerGrid}: the global work (work-items per dimension),
 * the local work (the work-group size; null until set) and a global offset, always as three
 * dimensions.
 */
public interface WorkerGrid {

    int dimension();

    long[] getGlobalWork();

    long[] getLocalWork();

    long[] getNumberOfWorkgroups();

    long[] getGlobalOffset();

    void setGlobalWork(long x, long y, long z);

    void setLocalWork(long x, long y, long z);

    void setNumberOfWorkgroupsToNull();

    void setLocalWorkToNull();

    void setGlobalOffset(long x, long y, long z);
}
