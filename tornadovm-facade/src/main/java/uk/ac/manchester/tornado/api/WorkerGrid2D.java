/*
 * Compile-only facade of the TornadoVM API (tornado-api 5.2.0-jdk21, Apache-2.0): the published
 * signatures only, written for attnc; every body throws. See tornadovm-facade/README.md.
 */
package uk.ac.manchester.tornado.api;

public class WorkerGrid2D extends AbstractWorkerGrid {

    public static final int DIM = 2;

    public WorkerGrid2D(int x, int y) {
        super(x, y, 1);
        throw new UnsupportedOperationException("compile-only facade of the TornadoVM API");
    }

    @Override
    public int dimension() {
        throw new UnsupportedOperationException("compile-only facade of the TornadoVM API");
    }
}
