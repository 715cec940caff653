package dev.attnc.runtime.tornado.jvm;

import java.util.Arrays;

/**
 * Runs a work-group's items one after another, phase by phase, on one thread. Not part of the
 * TornadoVM API: {@link dev.attnc.runtime.tornado.TornadoSupport} rewrites {@code KernelContext}
 * kernels so that at barrier k an item calls {@link #suspend}, saves its locals and returns,
 * and so that a kernel starts by asking {@link #resumePoint} where to continue. The launcher then
 * calls every item of a group until each reaches its next barrier, and again, until all have
 * returned: every item has arrived before any goes on, as at a real barrier, without a thread
 * per item.
 */
public final class KernelPhases {

    private KernelPhases() {
    }

    /**
     * Marks a context created by a class whose barriers were all rewritten: launches given it
     * run their groups in phases.
     */
    public static KernelContext launchInPhases(KernelContext context) {
        context.launchInPhases = true;
        return context;
    }

    /**
     * Barrier {@code point} (1, 2, ...) of the kernel: true if the item must save its locals
     * and return (a launch in phases); otherwise the barrier is passed as usual (a thread per
     * item, or no launch at all) and the kernel goes on.
     */
    public static boolean suspend(KernelContext item, int point) {
        if (!item.inPhases) {
            item.localBarrier();
            return false;
        }
        item.barriers++;
        item.suspendedAt = point;
        return true;
    }

    /** Where the kernel goes on: 0 from its start, else the barrier it returned at. Read once per call. */
    public static int resumePoint(KernelContext item) {
        int point = item.resumeAt;
        item.resumeAt = 0;
        return point;
    }

    public static void save(KernelContext item, int slot, int value) {
        values(item, slot)[slot] = value;
    }

    public static void save(KernelContext item, int slot, long value) {
        values(item, slot)[slot] = value;
    }

    public static void save(KernelContext item, int slot, float value) {
        values(item, slot)[slot] = Float.floatToRawIntBits(value);
    }

    public static void save(KernelContext item, int slot, double value) {
        values(item, slot)[slot] = Double.doubleToRawLongBits(value);
    }

    public static void save(KernelContext item, int slot, Object value) {
        if (item.savedReferences == null || item.savedReferences.length <= slot) {
            item.savedReferences = Arrays.copyOf(item.savedReferences == null ? new Object[0] : item.savedReferences,
                    Math.max(16, 2 * slot + 2));
        }
        item.savedReferences[slot] = value;
    }

    public static int restoreInt(KernelContext item, int slot) {
        return (int) item.savedValues[slot];
    }

    public static long restoreLong(KernelContext item, int slot) {
        return item.savedValues[slot];
    }

    public static float restoreFloat(KernelContext item, int slot) {
        return Float.intBitsToFloat((int) item.savedValues[slot]);
    }

    public static double restoreDouble(KernelContext item, int slot) {
        return Double.longBitsToDouble(item.savedValues[slot]);
    }

    public static Object restoreObject(KernelContext item, int slot) {
        return item.savedReferences[slot];
    }

    private static long[] values(KernelContext item, int slot) {
        if (item.savedValues == null || item.savedValues.length <= slot) {
            item.savedValues = Arrays.copyOf(item.savedValues == null ? new long[0] : item.savedValues,
                    Math.max(16, 2 * slot + 2));
        }
        return item.savedValues;
    }
}
