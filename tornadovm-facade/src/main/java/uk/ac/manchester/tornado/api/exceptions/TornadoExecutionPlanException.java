/*
 * Compile-only facade of the TornadoVM API (tornado-api 5.2.0-jdk21, Apache-2.0): the published
 * signatures only, written for attnc; every body throws. See tornadovm-facade/README.md.
 */
package uk.ac.manchester.tornado.api.exceptions;

/** Checked: thrown by {@code TornadoExecutionPlan.close()}. */
public class TornadoExecutionPlanException extends Exception {

    public TornadoExecutionPlanException(String reason) {
        throw new UnsupportedOperationException("compile-only facade of the TornadoVM API");
    }

    public TornadoExecutionPlanException(String message, Throwable cause) {
        throw new UnsupportedOperationException("compile-only facade of the TornadoVM API");
    }
}
