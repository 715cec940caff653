/*
 * Compile-only facade of the TornadoVM API (tornado-api 5.2.0-jdk21, Apache-2.0): the published
 * signatures only, written for attnc; every body throws. See tornadovm-facade/README.md.
 */
package uk.ac.manchester.tornado.api;

import uk.ac.manchester.tornado.api.plan.types.WithAllGraphs;
import uk.ac.manchester.tornado.api.plan.types.WithDevice;
import uk.ac.manchester.tornado.api.plan.types.WithFreeDeviceMemory;
import uk.ac.manchester.tornado.api.plan.types.WithGraph;
import uk.ac.manchester.tornado.api.plan.types.WithGridScheduler;
import uk.ac.manchester.tornado.api.plan.types.WithPreCompilation;
import uk.ac.manchester.tornado.api.plan.types.WithPrintKernel;
import uk.ac.manchester.tornado.api.plan.types.WithProfiler;
import uk.ac.manchester.tornado.api.plan.types.WithWarmUpIterations;

/**
 * The one permitted subclass of {@link TornadoExecutionPlan}. TornadoVM permits 26 final node
 * classes here; this facade keeps the ones returned by the methods it mirrors.
 */
public abstract sealed class ExecutionPlanType extends TornadoExecutionPlan
        permits WithAllGraphs, WithDevice, WithFreeDeviceMemory, WithGraph, WithGridScheduler, WithPreCompilation,
        WithPrintKernel, WithProfiler, WithWarmUpIterations {

    public ExecutionPlanType(TornadoExecutionPlan parentNode) {
        throw new UnsupportedOperationException("compile-only facade of the TornadoVM API");
    }
}
