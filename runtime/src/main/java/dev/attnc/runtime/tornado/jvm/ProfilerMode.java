package dev.attnc.runtime.tornado.jvm;

/** As TornadoVM's {@code enums.ProfilerMode}; the JVM implementation does not profile. */
public enum ProfilerMode {
    CONSOLE,
    SILENT;
}
