package dev.attnc.runtime.tornado.jvm;

/** When a transfer happens, as TornadoVM's {@code enums.DataTransferMode}: int constants. */
public class DataTransferMode {

    /** Copied at the first execution of the plan only (weights, constants). */
    public static final int FIRST_EXECUTION = 0;

    /** Copied at every execution. */
    public static final int EVERY_EXECUTION = 1;

    /** Copied to the host only when asked through {@link TornadoExecutionResult#transferToHost}. */
    public static final int UNDER_DEMAND = 2;
}
