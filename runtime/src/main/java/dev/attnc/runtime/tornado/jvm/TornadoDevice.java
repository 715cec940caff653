package dev.attnc.runtime.tornado.jvm;

/** The descriptive members of TornadoVM's {@code common.TornadoDevice}. */
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
        return Runtime.getRuntime().availableProcessors();
    }
}
