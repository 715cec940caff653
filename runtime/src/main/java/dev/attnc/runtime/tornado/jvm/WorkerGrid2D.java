package dev.attnc.runtime.tornado.jvm;

/** A 2-dimensional grid of x by y work-items; set the work-group size with {@link #setLocalWork}. */
public class WorkerGrid2D extends AbstractWorkerGrid {

    public static final int DIM = 2;

    public WorkerGrid2D(int x, int y) {
        super(x, y, 1);
    }

    @Override
    public int dimension() {
        return DIM;
    }
}
