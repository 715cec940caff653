package dev.attnc.runtime.tornado.jvm;

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
        int parallelism = (int) Math.min(groupCount, Math.max(1, Integer.getInteger("attnc.tornado.jvm.parallelism",
                Runtime.getRuntime().availableProcessors())));
        AtomicLong next = new AtomicLong();
        Runnable worker = () -> {
            long index;
            while (failure.get() == null && (index = next.getAndIncrement()) < groupCount) {
                runGroup(index);
            }
        };
        if (parallelism == 1) {
            worker.run();
        } else {
            List<Thread> workers = new ArrayList<>(parallelism);
            for (int i = 0; i < parallelism; i++) {
                workers.add(Thread.ofVirtual().start(worker));
            }
            joinAll(workers);
        }
        Throwable failed = failure.get();
        if (failed instanceof Error error) {
            throw error;
        }
        if (failed != null) {
            throw (RuntimeException) failed;
        }
    }

    private void runGroup(long index) {
        int[] groupId = { (int) (index % groups[0]), (int) (index / groups[0] % groups[1]), (int) (index / groups[0] / groups[1]) };
        WorkGroup group = new WorkGroup(groupSize);
        if (groupSize == 1) {
            runItem(group, groupId, new int[] { 0, 0, 0 });
        } else {
            List<Thread> items = new ArrayList<>(groupSize);
            for (int z = 0; z < local[2]; z++) {
                for (int y = 0; y < local[1]; y++) {
                    for (int x = 0; x < local[0]; x++) {
                        int[] localId = { x, y, z };
                        items.add(Thread.ofVirtual().start(() -> runItem(group, groupId, localId)));
                    }
                }
            }
            joinAll(items);
        }
        String mismatch = group.barrierMismatch();
        if (mismatch != null) {
            failure.compareAndSet(null, new IllegalStateException(where() + "work-group " + Arrays.toString(groupId) + ": " + mismatch));
        }
    }

    private void runItem(WorkGroup group, int[] groupId, int[] localId) {
        int[] globalId = new int[3];
        for (int d = 0; d < 3; d++) {
            globalId[d] = offset[d] + groupId[d] * local[d] + localId[d];
        }
        KernelContext context = new KernelContext(group, globalId, groupId, localId, global, local);
        Object[] args = task.args().clone();
        for (int i = 0; i < args.length; i++) {
            if (args[i] instanceof KernelContext) {
                args[i] = context;
            }
        }
        try {
            task.invoker().invoke(args);
        } catch (WorkGroup.Aborted aborted) {
            // Another item failed first; its failure is the one reported.
        } catch (Throwable t) {
            failure.compareAndSet(null, new IllegalStateException(where() + "work-item global " + Arrays.toString(globalId)
                    + ", group " + Arrays.toString(groupId) + ", local " + Arrays.toString(localId) + " failed: " + t, t));
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
