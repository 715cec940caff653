/*
 * Compile-only facade of the TornadoVM API (tornado-api 5.2.0-jdk21, Apache-2.0): the published
 * signatures only, written for attnc; every body throws. See tornadovm-facade/README.md.
 */
package uk.ac.manchester.tornado.api.enums;

/** A class of int constants, not an enum. */
public class DataTransferMode {

    public static final int FIRST_EXECUTION = 0;

    public static final int EVERY_EXECUTION = 1;

    public static final int UNDER_DEMAND = 2;
}
