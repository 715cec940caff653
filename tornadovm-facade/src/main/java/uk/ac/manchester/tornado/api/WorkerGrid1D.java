/*
 * Compile-only facade of the TornadoVM API (tornado-api 5.2.0-jdk21, Apache-2.0): the published
 * signatures only, written for attnc; every body throws. See tornadovm-facade/README.md.
 */
package uk.ac.manchester.tornado.api;

public class WorkerGrid1D extends AbstractWorkerGrid {

    public static final int DIM = 1;

    public WorkerGrid1D(int x) {
        super(x, 1, 1);
        throw new UnsupportedOperationException("compile-only facade of the TornadoVM API");
    }

    @Override
    public int dimension() {
        throw new UnsupportedOperationException("compile-only facade of the TornadoVM API");
    }
}
