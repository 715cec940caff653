/*
 * Compile-only facade of the TornadoVM API (tornado-api 5.2.0-jdk21, Apache-2.0): the published
 * signatures only, written for attnc; every body throws. See tornadovm-facade/README.md.
 */
package uk.ac.manchester.tornado.api;

/** Made only by {@link TaskGraph#snapshot()}: no public members. */
public class ImmutableTaskGraph {

    ImmutableTaskGraph(TaskGraph taskGraph) {
        throw new UnsupportedOperationException("compile-only facade of the TornadoVM API");
    }
}
