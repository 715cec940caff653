package dev.attnc.runtime.tornado.jvm;

import dev.attnc.runtime.kernels.Threads;
import java.lang.invoke.MethodHandle;

/**
 * Runs a kernel's outermost {@code @Parallel} loop across the CPU workers. Not part of the
 * TornadoVM API: {@link dev.attnc.runtime.tornado.TornadoSupport} rewrites such a kernel so that
 * its loop starts at {@link #offset()} and steps by {@link #stride()}, and so that a call of the
 * kernel becomes {@link #run} of its body. Every worker then runs the body and takes every
 * {@code stride}-th iteration, starting at its own index (a cyclic split, which keeps causal
 * attention rows, whose cost grows with the row, balanced).
 */
public final class ParallelLoops {

    /** The worker index and worker count of the body this thread is running, or null outside one. */
    private static final ThreadLocal<int[]> CURRENT = new ThreadLocal<>();

    private ParallelLoops() {
    }

    /** Added to the loop's first index: this worker's index, 0 outside a split call. */
    public static int offset() {
        int[] current = CURRENT.get();
        return current == null ? 0 : current[0];
    }

    /** The loop's step: the number of workers, 1 outside a split call. */
    public static int stride() {
        int[] current = CURRENT.get();
        return current == null ? 1 : current[1];
    }

    /**
     * Calls {@code body} with {@code args} once per worker. A call made from inside a body (a
     * kernel calling a kernel) runs on the calling worker alone.
     */
    public static void run(MethodHandle body, Object[] args) {
        if (CURRENT.get() != null) {
            invoke(body, args, null);
            return;
        }
        if (TrafficRecorder.active != null) {
            // Counting memory traffic: one worker takes every index in order, so warps form in order.
            invoke(body, args, new int[] {0, 1});
            return;
        }
        int workers = Threads.count();
        Threads.parallel(workers, 1, (from, to, worker) -> {
            for (int index = from; index < to; index++) {
                invoke(body, args, new int[] {index, workers});
            }
        });
    }

    private static void invoke(MethodHandle body, Object[] args, int[] split) {
        int[] outer = CURRENT.get();
        if (split != null) {
            CURRENT.set(split);
        }
        try {
            body.invokeWithArguments(args);
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException("kernel failed", t);
        } finally {
            if (outer == null) {
                CURRENT.remove();
            } else {
                CURRENT.set(outer);
            }
        }
    }
}
