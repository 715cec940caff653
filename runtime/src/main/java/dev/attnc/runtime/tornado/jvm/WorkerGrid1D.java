package dev.attnc.runtime.tornado.jvm;

/** A 1-dimensional grid of x work-items; set the work-group size with {@link #setLocalWork}. */
public class WorkerGrid1D extends AbstractWorkerGrid {

    public static final int DIM = 1;

    public WorkerGrid1D(int x) {
        super(x, 1, 1);
    }

    @Override
    public int dimension() {
        return DIM;
    }
}
