/*
 * Compile-only facade of the TornadoVM API (tornado-api 5.2.0-jdk21, Apache-2.0): the published
 * signatures only, written for attnc; every body throws. See tornadovm-facade/README.md.
 */
package uk.ac.manchester.tornado.api.plan.types;

import uk.ac.manchester.tornado.api.ExecutionPlanType;
import uk.ac.manchester.tornado.api.TornadoExecutionPlan;

public final class WithAllGraphs extends ExecutionPlanType {

    public WithAllGraphs(TornadoExecutionPlan parent) {
        super(parent);
        throw new UnsupportedOperationException("compile-only facade of the TornadoVM API");
    }
}
