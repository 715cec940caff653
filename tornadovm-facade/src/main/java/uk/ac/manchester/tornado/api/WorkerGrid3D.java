/*
 * Compile-only facade of the TornadoVM API (tornado-api 5.2.0-jdk21, Apache-2.0): the published
 * signatures only, written for attnc; every body throws. See tornadovm-facade/README.md.
 */
package uk.ac.manchester.tornado.api;

public class WorkerGrid3D extends AbstractWorkerGrid {

    public static final int DIM = 3;

    public WorkerGrid3D(int x, int y, int z) {
        super(x, y, z);
        throw new UnsupportedOperationException("compile-only facade of the TornadoVM API");
    }

    @Override
    public int dimension() {
        throw new UnsupportedOperationException("compile-only facade of the TornadoVM API");
    }
}
