/**
 * attnc's glue to TornadoVM: {@link dev.attnc.runtime.tornado.TornadoSupport} tells whether a
 * real TornadoVM runtime is present and, where none is, loads classes compiled against the
 * TornadoVM API onto the JVM implementation in {@code dev.attnc.runtime.tornado.jvm}.
 */
package dev.attnc.runtime.tornado;
