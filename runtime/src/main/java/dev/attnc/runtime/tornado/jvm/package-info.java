/**
 * The part of the TornadoVM API that attnc's generated code uses, implemented on a plain JVM.
 *
 * <p>Each public type here has the simple name and the member signatures of its TornadoVM
 * counterpart ({@code uk.ac.manchester.tornado.api...}, tornado-api 5.2.0-jdk21), so a class
 * compiled against the real API runs here once {@link dev.attnc.runtime.tornado.TornadoSupport}
 * has rewritten its references (the package is flat: {@code common.TornadoFunctions$Task3}
 * becomes {@code TornadoFunctions$Task3}).
 *
 * <p>How it runs:
 * <ul>
 *   <li>{@link dev.attnc.runtime.tornado.jvm.FloatArray} and
 *       {@link dev.attnc.runtime.tornado.jvm.IntArray} are heap arrays (zero-filled, where
 *       TornadoVM's off-heap ones start uninitialised).</li>
 *   <li>{@link dev.attnc.runtime.tornado.jvm.TaskGraph} records transfers and tasks. Data is
 *       shared with the host: the transfer modes, {@code persistOnDevice} and
 *       {@code consumeFromDevice} are recorded and otherwise have no effect, so a missing
 *       {@code transferToHost} is not detected here.</li>
 *   <li>{@link dev.attnc.runtime.tornado.jvm.TornadoExecutionPlan#execute()} runs the tasks of
 *       each selected graph in order, calling each task's code with its arguments. A task with
 *       no {@link dev.attnc.runtime.tornado.jvm.KernelContext} argument runs as plain Java,
 *       except that its outermost {@code @Parallel} loop is spread across the CPU workers
 *       ({@link dev.attnc.runtime.tornado.jvm.ParallelLoops}); inner {@code @Parallel} loops run
 *       in order.</li>
 *   <li>A task with a {@code KernelContext} argument is launched over the
 *       {@link dev.attnc.runtime.tornado.jvm.WorkerGrid} that the plan's
 *       {@link dev.attnc.runtime.tornado.jvm.GridScheduler} has for
 *       {@code "graphName.taskId"}: each work-item has its own {@code KernelContext}, and a
 *       group's items run in phases between barriers on one worker
 *       ({@link dev.attnc.runtime.tornado.jvm.KernelPhases}) or each on a virtual thread; see {@link dev.attnc.runtime.tornado.jvm.KernelContext} for the
 *       ids, local arrays, barriers and grids whose size is not a multiple of the work-group
 *       size.</li>
 * </ul>
 * <p>{@link dev.attnc.runtime.tornado.jvm.MemoryTraffic} counts, behind a switch that is off by
 * default, each kernel's global and local memory bytes and how well its warps' accesses are
 * coalesced, from probes added at load time.
 *
 * {@code ParallelLoops}, {@code KernelPhases}, {@code MemoryTraffic} and {@code TrafficProbes} are
 * the public types here with no TornadoVM counterpart: only code rewritten at load time calls
 * {@code ParallelLoops}, {@code KernelPhases} and {@code TrafficProbes}.
 */
package dev.attnc.runtime.tornado.jvm;
