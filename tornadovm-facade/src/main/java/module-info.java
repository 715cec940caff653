/*
 * Compile-only facade of the TornadoVM API (tornado-api 5.2.0-jdk21, Apache-2.0): the published
 * signatures only, written for attnc; every body throws. See tornadovm-facade/README.md.
 */

/**
 * The facade is the named module {@code tornado.api}, as the real jar is: TornadoVM's sealed
 * hierarchies (TornadoExecutionPlan, TornadoNativeArray) cross packages, which only a named
 * module allows. Exports the packages this facade has.
 */
module tornado.api {
    exports uk.ac.manchester.tornado.api;
    exports uk.ac.manchester.tornado.api.annotations;
    exports uk.ac.manchester.tornado.api.common;
    exports uk.ac.manchester.tornado.api.enums;
    exports uk.ac.manchester.tornado.api.exceptions;
    exports uk.ac.manchester.tornado.api.math;
    exports uk.ac.manchester.tornado.api.plan.types;
    exports uk.ac.manchester.tornado.api.types;
    exports uk.ac.manchester.tornado.api.types.arrays;
}
