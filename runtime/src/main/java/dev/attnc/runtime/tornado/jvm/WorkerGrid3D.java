package dev.attnc.runtime.tornado.jvm;

/** A 3-dimensional grid of x by y by z work-items; set the work-group size with {@link #setLocalWork}. */
public class WorkerGrid3D extends AbstractWorkerGrid {

    public static final int DIM = 3;

    public WorkerGrid3D(int x, int y, int z) {
        super(x, y, z);
    }

    @Override
    public int dimension() {
        return DIM;
    }
}
