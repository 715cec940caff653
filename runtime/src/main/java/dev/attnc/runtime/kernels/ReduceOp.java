package dev.attnc.runtime.kernels;

/** Reductions over one axis, as applied by {@link Kernels#reduce}. */
public enum ReduceOp {
    SUM, MEAN, MAX, MIN
}
