/*
 * Compile-only facade of the TornadoVM API (tornado-api 5.2.0-jdk21, Apache-2.0): the published
 * signatures only, written for attnc; every body throws. See tornadovm-facade/README.md.
 */
package uk.ac.manchester.tornado.api;

import java.util.Set;

/** Maps "taskGraphName.taskName" to the {@link WorkerGrid} a task is launched with. */
public class GridScheduler {

    public GridScheduler() {
        throw new UnsupportedOperationException("compile-only facade of the TornadoVM API");
    }

    public GridScheduler(String taskName, WorkerGrid workerGrid) {
        throw new UnsupportedOperationException("compile-only facade of the TornadoVM API");
    }

    public void addWorkerGrid(String taskName, WorkerGrid workerGrid) {
        throw new UnsupportedOperationException("compile-only facade of the TornadoVM API");
    }

    public WorkerGrid get(String taskName) {
        throw new UnsupportedOperationException("compile-only facade of the TornadoVM API");
    }

    public boolean contains(String taskScheduleName, String taskName) {
        throw new UnsupportedOperationException("compile-only facade of the TornadoVM API");
    }

    public Set<String> keySet() {
        throw new UnsupportedOperationException("compile-only facade of the TornadoVM API");
    }
}
