/*
 * Compile-only facade of the TornadoVM API (tornado-api 5.2.0-jdk21, Apache-2.0): the published
 * signatures only, written for attnc; every body throws. See tornadovm-facade/README.md.
 */
package uk.ac.manchester.tornado.api;

import uk.ac.manchester.tornado.api.common.TornadoDevice;
import uk.ac.manchester.tornado.api.enums.ProfilerMode;
import uk.ac.manchester.tornado.api.exceptions.TornadoExecutionPlanException;

/**
 * {@code public sealed class TornadoExecutionPlan implements AutoCloseable permits ExecutionPlanType}.
 * Its chaining methods return a new {@link ExecutionPlanType} node sharing the plan's state.
 */
public sealed class TornadoExecutionPlan implements AutoCloseable permits ExecutionPlanType {

    /** Non-final, set by a static initialiser that calls the TornadoVM runtime. */
    public static TornadoDevice DEFAULT_DEVICE = defaultDevice();

    private static TornadoDevice defaultDevice() {
        throw new UnsupportedOperationException("compile-only facade of the TornadoVM API");
    }

    public TornadoExecutionPlan(ImmutableTaskGraph... immutableTaskGraphs) {
        throw new UnsupportedOperationException("compile-only facade of the TornadoVM API");
    }

    public static TornadoDevice getDevice(int driverIndex, int deviceIndex) {
        throw new UnsupportedOperationException("compile-only facade of the TornadoVM API");
    }

    public static int getTotalPlans() {
        throw new UnsupportedOperationException("compile-only facade of the TornadoVM API");
    }

    public TornadoExecutionResult execute() {
        throw new UnsupportedOperationException("compile-only facade of the TornadoVM API");
    }

    public TornadoExecutionPlan withGraph(int graphIndex) {
        throw new UnsupportedOperationException("compile-only facade of the TornadoVM API");
    }

    public TornadoExecutionPlan withAllGraphs() {
        throw new UnsupportedOperationException("compile-only facade of the TornadoVM API");
    }

    public TornadoExecutionPlan withPreCompilation() {
        throw new UnsupportedOperationException("compile-only facade of the TornadoVM API");
    }

    public TornadoExecutionPlan withDevice(TornadoDevice device) {
        throw new UnsupportedOperationException("compile-only facade of the TornadoVM API");
    }

    public TornadoExecutionPlan withDevice(String taskName, TornadoDevice device) {
        throw new UnsupportedOperationException("compile-only facade of the TornadoVM API");
    }

    public TornadoDevice getDevice(int immutableTaskGraphIndex) {
        throw new UnsupportedOperationException("compile-only facade of the TornadoVM API");
    }

    public TornadoExecutionPlan freeDeviceMemory() {
        throw new UnsupportedOperationException("compile-only facade of the TornadoVM API");
    }

    public TornadoExecutionPlan withGridScheduler(GridScheduler gridScheduler) {
        throw new UnsupportedOperationException("compile-only facade of the TornadoVM API");
    }

    public TornadoExecutionPlan withProfiler(ProfilerMode profilerMode) {
        throw new UnsupportedOperationException("compile-only facade of the TornadoVM API");
    }

    public TornadoExecutionPlan withPrintKernel() {
        throw new UnsupportedOperationException("compile-only facade of the TornadoVM API");
    }

    public TornadoExecutionPlan withWarmUpIterations(int iterations) {
        throw new UnsupportedOperationException("compile-only facade of the TornadoVM API");
    }

    public long getId() {
        throw new UnsupportedOperationException("compile-only facade of the TornadoVM API");
    }

    @Override
    public void close() throws TornadoExecutionPlanException {
        throw new UnsupportedOperationException("compile-only facade of the TornadoVM API");
    }
}
