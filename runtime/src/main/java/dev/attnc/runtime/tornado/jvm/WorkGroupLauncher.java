package dev.attnc.runtime.tornado.jvm;

import dev.attnc.runtime.kernels.Threads;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/** Launches a KernelContext task over a grid; the behaviour is described on {@link KernelContext}. */
final class WorkGroupLauncher {

    /** The largest work-group, in items. */
    static final int MAX_GROUP_SIZE = 1024;
    /** The work-group size budget when the grid sets none. */
    static final int DEFAULT_GROUP_BUDGET = 256;

    private final String key;
    private final JvmTask task;
    private final int[] global = new int[3];
    private final int[] local = new int[3];
    private final int[] offset = new int[3];
    private final int[] groups = new int[3];
    private final int groupSize;
    private final long groupCount;
    private final AtomicReference<Throwable> failure = new AtomicReference<>();
    /** The open traffic recording, or null. */
    private final TrafficRecorder recorder = TrafficRecorder.active;

    private WorkGroupLauncher(String key, JvmTask task, WorkerGrid grid) {
        this.key = key;
        this.task = task;
        long[] globalWork = grid.getGlobalWork();
        long[] localWork = grid.getLocalWork();
        long[] globalOffset = grid.getGlobalOffset();
        for (int d = 0; d < 3; d++) {
            global[d] = toInt("global work", globalWork, d);
            if (global[d] < 1) {
                throw new IllegalArgumentException(where() + "global work " + Arrays.toString(globalWork) + " has a size below 1");
            }
            offset[d] = globalOffset == null ? 0 : toInt("global offset", globalOffset, d);
        }
        if (localWork == null) {
            int budget = DEFAULT_GROUP_BUDGET;
            for (int d = 0; d < 3; d++) {
                local[d] = largestDivisorAtMost(global[d], budget);
                budget /= local[d];
            }
        } else {
            for (int d = 0; d < 3; d++) {
                local[d] = toInt("local work", localWork, d);
                if (local[d] < 1) {
                    throw new IllegalArgumentException(where() + "local work " + Arrays.toString(localWork) + " has a size below 1");
                }
            }
        }
        long size = (long) local[0] * local[1] * local[2];
        if (size > MAX_GROUP_SIZE) {
            throw new IllegalArgumentException(where() + "a work-group of " + Arrays.toString(local) + " = " + size
                    + " items is larger than " + MAX_GROUP_SIZE);
        }
        groupSize = (int) size;
        long count = 1;
        for (int d = 0; d < 3; d++) {
            groups[d] = (int) ((global[d] + (long) local[d] - 1) / local[d]);
            count *= groups[d];
        }
        groupCount = count;
    }

    static void launch(String key, JvmTask task, WorkerGrid grid) {
        new WorkGroupLauncher(key, task, grid).run();
    }

    private String where() {
        return "task '" + key + "': ";
    }

    private int toInt(String what, long[] values, int d) {
        if (values.length != 3) {
            throw new IllegalArgumentException(where() + what + " " + Arrays.toString(values) + " does not have 3 dimensions");
        }
        if (values[d] > Integer.MAX_VALUE || values[d] < Integer.MIN_VALUE) {
            throw new IllegalArgumentException(where() + what + " " + Arrays.toString(values) + " does not fit an int");
        }
        return (int) values[d];
    }

    private static int largestDivisorAtMost(int n, int limit) {
        for (int candidate = Math.min(n, limit); candidate > 1; candidate--) {
            if (n % candidate == 0) {
                return candidate;
            }
        }
        return 1;
    }

    private void run() {
        boolean phased = launchesInPhases();
        // Counting memory traffic: one worker, so that the counts need no lock (unless items run on threads).
        int workers = recorder != null ? 1 : (int) Math.min(groupCount, Threads.count());
        if (recorder != null) {
            recorder.launchOnThreads(!phased);
        }
        try {
            runGroups(phased, workers);
        } finally {
            if (recorder != null) {
                recorder.launchOnThreads(false);
            }
        }
    }

    private void runGroups(boolean phased, int workers) {
        AtomicLong next = new AtomicLong();
        // Groups are handed out one at a time: rows past a run-time length cost nothing, and uneven rows balance.
        Threads.parallel(workers, 1, (from, to, worker) -> {
            long index;
            while (failure.get() == null && (index = next.getAndIncrement()) < groupCount) {
                if (phased) {
                    runGroupInPhases(index);
                } else {
                    runGroupOnThreads(index);
                }
            }
        });
        Throwable failed = failure.get();
        if (failed instanceof Error error) {
            throw error;
        }
        if (failed != null) {
            throw (RuntimeException) failed;
        }
    }

    /** Whether the task's context was made by a class whose barriers were made resumable. */
    private boolean launchesInPhases() {
        for (Object arg : task.args()) {
            if (arg instanceof KernelContext context && context.launchInPhases) {
                return true;
            }
        }
        return false;
    }

    private int[] groupId(long index) {
        return new int[] { (int) (index % groups[0]), (int) (index / groups[0] % groups[1]), (int) (index / groups[0] / groups[1]) };
    }

    /** Every item of the group on this thread: each runs to its next barrier, then the next item, until all have returned. */
    private void runGroupInPhases(long index) {
        int[] groupId = groupId(index);
        WorkGroup group = new WorkGroup(groupSize, false);
        KernelContext[] items = new KernelContext[groupSize];
        Object[][] itemArgs = new Object[groupSize][];
        int n = 0;
        for (int z = 0; z < local[2]; z++) {
            for (int y = 0; y < local[1]; y++) {
                for (int x = 0; x < local[0]; x++) {
                    items[n] = context(group, true, groupId, new int[] { x, y, z });
                    itemArgs[n] = argsFor(items[n]);
                    n++;
                }
            }
        }
        TrafficRecorder.Item[] traffic = recorder == null ? null : recorder.groupItems(index, group, groupSize);
        boolean[] returned = new boolean[groupSize];
        for (int running = groupSize; running > 0;) {
            for (int i = 0; i < groupSize; i++) {
                if (returned[i]) {
                    continue;
                }
                KernelContext item = items[i];
                item.resumeAt = item.suspendedAt;
                item.suspendedAt = 0;
                if (traffic != null) {
                    recorder.current = traffic[i];
                }
                try {
                    task.invoker().invoke(itemArgs[i]);
                } catch (Throwable t) {
                    failed(item, t);
                    return;
                }
                if (item.suspendedAt == 0) {
                    returned[i] = true;
                    running--;
                    group.finished(item);
                }
            }
        }
        checkBarriers(group, groupId);
    }

    private void runGroupOnThreads(long index) {
        int[] groupId = groupId(index);
        WorkGroup group = new WorkGroup(groupSize, true);
        TrafficRecorder.Item[] traffic = recorder == null ? null : recorder.groupItems(index, group, groupSize);
        if (groupSize == 1) {
            runItem(group, groupId, new int[] { 0, 0, 0 }, traffic == null ? null : traffic[0]);
        } else {
            List<Thread> items = new ArrayList<>(groupSize);
            int n = 0;
            for (int z = 0; z < local[2]; z++) {
                for (int y = 0; y < local[1]; y++) {
                    for (int x = 0; x < local[0]; x++) {
                        int[] localId = { x, y, z };
                        TrafficRecorder.Item item = traffic == null ? null : traffic[n++];
                        items.add(Thread.ofVirtual().start(() -> runItem(group, groupId, localId, item)));
                    }
                }
            }
            joinAll(items);
        }
        checkBarriers(group, groupId);
    }

    private void checkBarriers(WorkGroup group, int[] groupId) {
        String mismatch = group.barrierMismatch();
        if (mismatch != null) {
            failure.compareAndSet(null, new IllegalStateException(where() + "work-group " + Arrays.toString(groupId) + ": " + mismatch));
        }
    }

    private KernelContext context(WorkGroup group, boolean inPhases, int[] groupId, int[] localId) {
        int[] globalId = new int[3];
        for (int d = 0; d < 3; d++) {
            globalId[d] = offset[d] + groupId[d] * local[d] + localId[d];
        }
        return new KernelContext(group, inPhases, globalId, groupId, localId, global, local);
    }

    /** The task's arguments with every KernelContext replaced by the item's own. */
    private Object[] argsFor(KernelContext item) {
        Object[] args = task.args().clone();
        for (int i = 0; i < args.length; i++) {
            if (args[i] instanceof KernelContext) {
                args[i] = item;
            }
        }
        return args;
    }

    private void failed(KernelContext item, Throwable t) {
        failure.compareAndSet(null, new IllegalStateException(where() + "work-item global [" + item.globalIdx + ", "
                + item.globalIdy + ", " + item.globalIdz + "], group [" + item.groupIdx + ", " + item.groupIdy + ", "
                + item.groupIdz + "], local [" + item.localIdx + ", " + item.localIdy + ", " + item.localIdz + "] failed: " + t, t));
    }

    private void runItem(WorkGroup group, int[] groupId, int[] localId, TrafficRecorder.Item traffic) {
        KernelContext context = context(group, false, groupId, localId);
        if (traffic != null) {
            recorder.setThreadItem(traffic);
        }
        try {
            task.invoker().invoke(argsFor(context));
        } catch (WorkGroup.Aborted aborted) {
            // Another item failed first; its failure is the one reported.
        } catch (Throwable t) {
            failed(context, t);
            group.abort();
        } finally {
            group.finished(context);
        }
    }

    private void joinAll(List<Thread> threads) {
        boolean interrupted = false;
        for (Thread thread : threads) {
            while (true) {
                try {
                    thread.join();
                    break;
                } catch (InterruptedException e) {
                    interrupted = true;
                }
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }
}
