package dev.attnc.runtime.tornado.jvm;

import java.lang.reflect.Array;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Phaser;
import java.util.concurrent.locks.ReentrantLock;

/**
 * One work-group of a launch: the barrier its items share and its local arrays. An item that
 * returns deregisters from the barrier, so the others are not kept waiting for it.
 */
final class WorkGroup {

    /** Unwinds an item when another item of the launch failed. */
    static final class Aborted extends RuntimeException {
        private static final long serialVersionUID = 1L;

        Aborted() {
            super("work-group aborted", null, false, false);
        }
    }

    private final Phaser phaser;
    private final ReentrantLock lock = new ReentrantLock();
    private final List<Object> localArrays = new ArrayList<>();
    /** The local arrays so far, for {@link #isLocal} without the lock. */
    private volatile Object[] localSnapshot = new Object[0];
    private volatile boolean aborted;
    private int minBarriers = Integer.MAX_VALUE;
    private int maxBarriers = Integer.MIN_VALUE;

    /** @param onThreads whether each item runs on its own thread (else in phases, with no Phaser) */
    WorkGroup(int items, boolean onThreads) {
        this.phaser = onThreads ? new Phaser(items) : null;
    }

    void barrier(KernelContext item) {
        item.barriers++;
        int phase = phaser.arriveAndAwaitAdvance();
        if (phase < 0 || aborted) {
            throw new Aborted();
        }
    }

    /** The group's local array for this item's next allocation, made by the first item to ask. */
    <A> A localArray(KernelContext item, Class<A> type, int length) {
        if (length < 0) {
            throw new NegativeArraySizeException("local array of size " + length);
        }
        int index = item.allocations++;
        lock.lock();
        try {
            if (index == localArrays.size()) {
                localArrays.add(Array.newInstance(type.getComponentType(), length));
                localSnapshot = localArrays.toArray();
            }
            Object array = localArrays.get(index);
            if (array.getClass() != type || Array.getLength(array) != length) {
                throw new IllegalStateException("work-items of one group allocated different local arrays: allocation "
                        + index + " is " + describe(array) + " for one item and "
                        + type.getComponentType() + "[" + length + "] for another (local array sizes must be constants)");
            }
            return type.cast(array);
        } finally {
            lock.unlock();
        }
    }

    /** Whether this array is one of the group's local arrays (for {@link MemoryTraffic}). */
    boolean isLocal(Object array) {
        for (Object local : localSnapshot) {
            if (local == array) {
                return true;
            }
        }
        return false;
    }

    private static String describe(Object array) {
        return array.getClass().getComponentType() + "[" + Array.getLength(array) + "]";
    }

    /** The item has returned (or failed): it leaves the barrier. */
    void finished(KernelContext item) {
        lock.lock();
        try {
            minBarriers = Math.min(minBarriers, item.barriers);
            maxBarriers = Math.max(maxBarriers, item.barriers);
        } finally {
            lock.unlock();
        }
        if (phaser != null) {
            phaser.arriveAndDeregister();
        }
    }

    /** Releases every waiting item, which then unwinds with {@link Aborted}. */
    void abort() {
        aborted = true;
        if (phaser != null) {
            phaser.forceTermination();
        }
    }

    /** After all items have finished: null, or how their barrier counts differed. */
    String barrierMismatch() {
        lock.lock();
        try {
            return minBarriers == maxBarriers ? null
                    : "its work-items reached localBarrier()/globalBarrier() between " + minBarriers + " and " + maxBarriers
                            + " times: every item of a group must reach every barrier (on a GPU anything else is"
                            + " undefined behaviour; guard the work, not the barrier)";
        } finally {
            lock.unlock();
        }
    }
}
