package dev.attnc.runtime.tornado.jvm;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/** Maps {@code "taskGraphName.taskName"} to the {@link WorkerGrid} a task is launched over. */
public class GridScheduler {

    private final ConcurrentHashMap<String, WorkerGrid> gridTaskMap = new ConcurrentHashMap<>();

    public GridScheduler() {
    }

    public GridScheduler(String taskName, WorkerGrid workerGrid) {
        gridTaskMap.put(taskName, workerGrid);
    }

    public void addWorkerGrid(String taskName, WorkerGrid workerGrid) {
        gridTaskMap.put(taskName, workerGrid);
    }

    public WorkerGrid get(String taskName) {
        return gridTaskMap.get(taskName);
    }

    public boolean contains(String taskScheduleName, String taskName) {
        return gridTaskMap.containsKey(taskScheduleName + "." + taskName);
    }

    public Set<String> keySet() {
        return gridTaskMap.keySet();
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder();
        gridTaskMap.forEach((name, grid) -> sb.append(name).append("::").append(grid));
        return sb.toString();
    }
}
