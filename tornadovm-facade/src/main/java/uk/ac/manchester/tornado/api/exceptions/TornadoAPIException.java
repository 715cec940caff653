/*
 * Compile-only facade of the TornadoVM API (tornado-api 5.2.0-jdk21, Apache-2.0): the published
 * signatures only, written for attnc; every body throws. See tornadovm-facade/README.md.
 */
package uk.ac.manchester.tornado.api.exceptions;

/** Unchecked: what {@code new TaskGraph(...)} throws when no TornadoVM runtime is configured. */
public class TornadoAPIException extends RuntimeException {

    public TornadoAPIException(final String msg, Exception e) {
        throw new UnsupportedOperationException("compile-only facade of the TornadoVM API");
    }

    public TornadoAPIException(final String msg) {
        throw new UnsupportedOperationException("compile-only facade of the TornadoVM API");
    }
}
