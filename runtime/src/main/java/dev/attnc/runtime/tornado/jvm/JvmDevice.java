package dev.attnc.runtime.tornado.jvm;

/** The one kind of device here: this JVM. Any (backend, device) index pair names it. */
final class JvmDevice implements TornadoDevice {

    static final JvmDevice DEFAULT = new JvmDevice(0, 0);

    private final int backendIndex;
    private final int deviceIndex;

    JvmDevice(int backendIndex, int deviceIndex) {
        this.backendIndex = backendIndex;
        this.deviceIndex = deviceIndex;
    }

    @Override
    public String getDeviceName() {
        return "jvm-" + backendIndex + ":" + deviceIndex;
    }

    @Override
    public String getDescription() {
        return "the JVM (attnc's implementation of the TornadoVM API; no TornadoVM runtime)";
    }

    @Override
    public String getPlatformName() {
        return "Java " + Runtime.version();
    }

    @Override
    public long getMaxAllocMemory() {
        return Runtime.getRuntime().maxMemory();
    }

    @Override
    public long getMaxGlobalMemory() {
        return Runtime.getRuntime().maxMemory();
    }

    @Override
    public long getDeviceLocalMemorySize() {
        return Runtime.getRuntime().maxMemory();
    }

    @Override
    public long[] getDeviceMaxWorkgroupDimensions() {
        return new long[] { WorkGroupLauncher.MAX_GROUP_SIZE, WorkGroupLauncher.MAX_GROUP_SIZE,
                WorkGroupLauncher.MAX_GROUP_SIZE };
    }

    @Override
    public int getBackendIndex() {
        return backendIndex;
    }

    @Override
    public String toString() {
        return getDeviceName();
    }
}
