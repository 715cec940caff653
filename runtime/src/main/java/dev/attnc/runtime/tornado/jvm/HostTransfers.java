package dev.attnc.runtime.tornado.jvm;

import java.util.concurrent.atomic.AtomicLong;

/**
 * Bytes the plans of this JVM would have copied from the device to the host, had there been one:
 * every {@code EVERY_EXECUTION} transfer to the host at each {@code execute()} (whole arrays, as
 * TornadoVM moves them), and every copy asked for on a {@link TornadoExecutionResult} (whole
 * arrays, or a {@link DataRange}'s bytes). Nothing is copied on the JVM; this only counts, so
 * that tests can see what a device would move.
 */
public final class HostTransfers {
    private static final AtomicLong BYTES_TO_HOST = new AtomicLong();

    private HostTransfers() {
    }

    /** The bytes counted so far (since the JVM started). */
    public static long bytesToHost() {
        return BYTES_TO_HOST.get();
    }

    static void countToHost(long bytes) {
        BYTES_TO_HOST.addAndGet(bytes);
    }
}
