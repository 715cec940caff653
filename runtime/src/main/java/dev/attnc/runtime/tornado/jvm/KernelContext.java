package dev.attnc.runtime.tornado.jvm;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * The work-item's view of a kernel launch, as TornadoVM's {@code KernelContext}.
 *
 * <p>The object a task is given only marks it as a kernel: when {@link TornadoExecutionPlan}
 * launches the task, every work-item gets its own copy, with these ids (x, y and z alike; the
 * offset is the grid's global offset, usually 0):
 * <ul>
 *   <li>{@code localGroupSizeX}: the work-group size set by {@link WorkerGrid#setLocalWork};
 *       {@code globalGroupSizeX}: the grid's global size as given (not padded);</li>
 *   <li>{@code groupIdx}: the work-group, 0 to ceil(global / local) - 1;
 *       {@code localIdx}: the item within its group, 0 to local - 1;</li>
 *   <li>{@code globalIdx = offset + groupIdx * localGroupSizeX + localIdx}.</li>
 * </ul>
 *
 * <p><b>Global sizes that are not a multiple of the local size</b> are padded: the number of
 * groups is rounded up and every group is full, so the last group's extra items have
 * {@code globalIdx >= globalGroupSizeX} and must do no work (guard the work, not the
 * barriers). This is what CUDA-style launches do; TornadoVM itself leaves it to the backend
 * (OpenCL 1.2 rejects such a launch, OpenCL 2+ runs a smaller last group, its PTX backend
 * rounds the group count down and drops the tail), so generated code should use multiples
 * where it can, and guard otherwise.
 *
 * <p>Without {@code setLocalWork} the JVM picks the work-group size, as a driver would: per
 * dimension the largest divisor of the global size that keeps the group at most 256 items.
 * Groups are at most 1024 items.
 *
 * <p><b>Execution.</b> Groups are handed out one at a time to the kernel workers
 * ({@code ATTNC_THREADS}, default the number of processors). When the task's context was made by
 * a class whose barriers were made resumable at load time ({@link KernelPhases}), a group's items
 * run one after another on its worker, each up to its next barrier, phase by phase. Otherwise
 * each work-item runs on its own virtual thread and the items of a group run concurrently (a
 * group of one item runs on the worker itself). Either way:
 * <ul>
 *   <li>{@link #localBarrier()} and {@link #globalBarrier()} wait until every item of the group
 *       has reached a barrier (both are work-group barriers, as in TornadoVM, where
 *       {@code globalBarrier} only adds a global memory fence). An item that has returned no
 *       longer takes part; but a group whose items reached barriers a different number of times
 *       fails the launch, since on a GPU that is undefined behaviour.</li>
 *   <li>{@link #allocateFloatLocalArray(int)} and the other local allocations return the same
 *       zero-filled array to every item of a group: the n-th allocation an item makes is the
 *       group's n-th local array, allocated once per group and launch.</li>
 *   <li>{@code atomicAdd} is atomic across all items of the launch.</li>
 *   <li>An exception in any item stops the launch and is rethrown by
 *       {@link TornadoExecutionPlan#execute()} inside an {@link IllegalStateException} naming
 *       the task and the item.</li>
 * </ul>
 *
 * <p>Outside a launch (a {@code KernelContext} made with {@code new} and called directly)
 * every id is 0, barriers do nothing and each allocation returns a new array, as in TornadoVM.
 *
 * <p>As in TornadoVM, the ids are {@code public final Integer} fields: not compile-time
 * constants, so code reads them with getfield and sees each item's own values.
 */
public class KernelContext implements ExecutionContext {

    public final Integer globalIdx;
    public final Integer globalIdy;
    public final Integer globalIdz;
    public final Integer groupIdx;
    public final Integer groupIdy;
    public final Integer groupIdz;
    public final Integer localIdx;
    public final Integer localIdy;
    public final Integer localIdz;
    public final Integer globalGroupSizeX;
    public final Integer globalGroupSizeY;
    public final Integer globalGroupSizeZ;
    public final Integer localGroupSizeX;
    public final Integer localGroupSizeY;
    public final Integer localGroupSizeZ;

    private static final VarHandle INTS = MethodHandles.arrayElementVarHandle(int[].class);

    /** The group this item belongs to; null outside a launch. */
    private final WorkGroup group;
    /** How many local arrays and barriers this item has reached, for {@link WorkGroup}. */
    int allocations;
    int barriers;

    /** On a context given to a task: its launches run groups in phases ({@link KernelPhases}). */
    boolean launchInPhases;
    /** On a work-item's own context: its group runs in phases. */
    final boolean inPhases;
    /** The barrier this item stopped at in its last phase (0: it returned), and where its next call resumes. */
    int suspendedAt;
    int resumeAt;
    /** Its locals at that barrier, by slot: primitives as raw bits, and references. */
    long[] savedValues;
    Object[] savedReferences;

    public KernelContext() {
        this.group = null;
        this.inPhases = false;
        globalIdx = 0;
        globalIdy = 0;
        globalIdz = 0;
        groupIdx = 0;
        groupIdy = 0;
        groupIdz = 0;
        localIdx = 0;
        localIdy = 0;
        localIdz = 0;
        globalGroupSizeX = 0;
        globalGroupSizeY = 0;
        globalGroupSizeZ = 0;
        localGroupSizeX = 0;
        localGroupSizeY = 0;
        localGroupSizeZ = 0;
    }

    KernelContext(WorkGroup group, boolean inPhases, int[] globalId, int[] groupId, int[] localId, int[] globalSize,
            int[] localSize) {
        this.group = group;
        this.inPhases = inPhases;
        globalIdx = globalId[0];
        globalIdy = globalId[1];
        globalIdz = globalId[2];
        groupIdx = groupId[0];
        groupIdy = groupId[1];
        groupIdz = groupId[2];
        localIdx = localId[0];
        localIdy = localId[1];
        localIdz = localId[2];
        globalGroupSizeX = globalSize[0];
        globalGroupSizeY = globalSize[1];
        globalGroupSizeZ = globalSize[2];
        localGroupSizeX = localSize[0];
        localGroupSizeY = localSize[1];
        localGroupSizeZ = localSize[2];
    }

    @Override
    public void localBarrier() {
        if (inPhases) {
            throw new IllegalStateException("a barrier that attnc could not make resumable was reached in a launch that"
                    + " runs work-items in phases: the kernel's class is not the one that created this KernelContext,"
                    + " or its barriers are not statements on the kernel's own KernelContext parameter");
        }
        if (group != null) {
            group.barrier(this);
        }
    }

    @Override
    public void globalBarrier() {
        localBarrier();
    }

    @Override
    public int[] allocateIntLocalArray(int size) {
        return group == null ? new int[size] : group.localArray(this, int[].class, size);
    }

    @Override
    public byte[] allocateByteLocalArray(int size) {
        return group == null ? new byte[size] : group.localArray(this, byte[].class, size);
    }

    @Override
    public long[] allocateLongLocalArray(int size) {
        return group == null ? new long[size] : group.localArray(this, long[].class, size);
    }

    @Override
    public float[] allocateFloatLocalArray(int size) {
        return group == null ? new float[size] : group.localArray(this, float[].class, size);
    }

    @Override
    public double[] allocateDoubleLocalArray(int size) {
        return group == null ? new double[size] : group.localArray(this, double[].class, size);
    }

    @Override
    public void atomicAdd(IntArray array, int index, int val) {
        array.atomicAdd(index, val);
    }

    @Override
    public void atomicAdd(int[] array, int index, int val) {
        INTS.getAndAdd(array, index, val);
    }

    @Override
    public void atomicAdd(FloatArray array, int index, float val) {
        array.atomicAdd(index, val);
    }

    @Override
    public String toString() {
        return "KernelContext[global=(" + globalIdx + "," + globalIdy + "," + globalIdz + "), group=(" + groupIdx + ","
                + groupIdy + "," + groupIdz + "), local=(" + localIdx + "," + localIdy + "," + localIdz + ")]";
    }
}
