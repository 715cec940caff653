package dev.attnc.runtime.kernels;

/**
 * Whether the SIMD kernels run: the JVM must be started with
 * {@code --add-modules jdk.incubator.vector} (the {@code attnc} command does), and
 * {@code -Dattnc.simd=false} turns them off to compare with the scalar kernels.
 */
public final class Simd {
    private static final boolean ENABLED = ModuleLayer.boot().findModule("jdk.incubator.vector").isPresent()
            && !"false".equals(System.getProperty("attnc.simd"));

    private Simd() {
    }

    public static boolean enabled() {
        return ENABLED;
    }
}
