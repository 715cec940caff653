/*
 * Compile-only facade of the TornadoVM API (tornado-api 5.2.0-jdk21, Apache-2.0): the published
 * signatures only, written for attnc; every body throws. See tornadovm-facade/README.md.
 */
package uk.ac.manchester.tornado.api;

/** What {@link TornadoExecutionPlan#execute()} returns. */
public class TornadoExecutionResult {

    TornadoExecutionResult() {
        throw new UnsupportedOperationException("compile-only facade of the TornadoVM API");
    }

    public TornadoExecutionResult transferToHost(Object... objects) {
        throw new UnsupportedOperationException("compile-only facade of the TornadoVM API");
    }

    public TornadoExecutionResult transferToHost(DataRange dataRange) {
        throw new UnsupportedOperationException("compile-only facade of the TornadoVM API");
    }

    public boolean isReady() {
        throw new UnsupportedOperationException("compile-only facade of the TornadoVM API");
    }
}
