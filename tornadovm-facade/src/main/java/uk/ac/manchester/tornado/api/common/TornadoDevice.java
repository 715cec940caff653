/*
 * Compile-only facade of the TornadoVM API (tornado-api 5.2.0-jdk21, Apache-2.0): the published
 * signatures only, written for attnc; every body throws. See tornadovm-facade/README.md.
 */
package uk.ac.manchester.tornado.api.common;

/**
 * The subset of TornadoVM's {@code TornadoDevice} interface that describes a device; the
 * memory, event and driver members are left out.
 */
public interface TornadoDevice {

    String getDeviceName();

    String getDescription();

    String getPlatformName();

    long getMaxAllocMemory();

    long getMaxGlobalMemory();

    long getDeviceLocalMemorySize();

    long[] getDeviceMaxWorkgroupDimensions();

    int getBackendIndex();

    default int getAvailableProcessors() {
        throw new UnsupportedOperationException("compile-only facade of the TornadoVM API");
    }
}
