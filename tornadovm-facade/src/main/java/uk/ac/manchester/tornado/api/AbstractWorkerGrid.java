/*
 * Compile-only facade of the TornadoVM API (tornado-api 5.2.0-jdk21, Apache-2.0): the published
 * signatures only, written for attnc; every body throws. See tornadovm-facade/README.md.
 */
package uk.ac.manchester.tornado.api;

/** The base of {@link WorkerGrid1D}, {@link WorkerGrid2D} and {@link WorkerGrid3D}. */
public abstract class AbstractWorkerGrid implements WorkerGrid {

    protected long[] globalWork;
    protected long[] localWork;
    protected long[] numOfWorkgroups;
    protected long[] globalOffset;

    protected AbstractWorkerGrid(long x, long y, long z) {
        throw new UnsupportedOperationException("compile-only facade of the TornadoVM API");
    }

    @Override
    public long[] getGlobalWork() {
        throw new UnsupportedOperationException("compile-only facade of the TornadoVM API");
    }

    @Override
    public long[] getLocalWork() {
        throw new UnsupportedOperationException("compile-only facade of the TornadoVM API");
    }

    @Override
    public long[] getNumberOfWorkgroups() {
        throw new UnsupportedOperationException("compile-only facade of the TornadoVM API");
    }

    @Override
    public long[] getGlobalOffset() {
        throw new UnsupportedOperationException("compile-only facade of the TornadoVM API");
    }

    @Override
    public void setGlobalWork(long x, long y, long z) {
        throw new UnsupportedOperationException("compile-only facade of the TornadoVM API");
    }

    @Override
    public void setLocalWork(long x, long y, long z) {
        throw new UnsupportedOperationException("compile-only facade of the TornadoVM API");
    }

    @Override
    public void setGlobalOffset(long x, long y, long z) {
        throw new UnsupportedOperationException("compile-only facade of the TornadoVM API");
    }

    @Override
    public void setLocalWorkToNull() {
        throw new UnsupportedOperationException("compile-only facade of the TornadoVM API");
    }

    @Override
    public void setNumberOfWorkgroupsToNull() {
        throw new UnsupportedOperationException("compile-only facade of the TornadoVM API");
    }
}
