package dev.attnc.runtime.kernels;

/**
 * Whether the SIMD kernels run: the JVM must be started with
 * {@code --add-modules jdk.incubator.vector} (the {@code attnc} command does), and
 * {@code -Dattnc.simd=false} turns them off to compare with the scalar kernels.
 */
public final class Simd {
    private static final boolean MODULE_PRESENT = ModuleLayer.boot().findModule("jdk.incubator.vector").isPresent();
    private static final boolean TURNED_OFF = "false".equals(System.getProperty("attnc.simd"));
    private static final boolean ENABLED = MODULE_PRESENT && !TURNED_OFF;

    /** Said once per JVM, the first time a kernel asks, unless the scalar kernels were chosen on purpose. */
    static final String NO_VECTOR_API_WARNING = "attnc: warning: this JVM was started without"
            + " --add-modules jdk.incubator.vector, so the kernels run without SIMD, 25 to 40 times slower;"
            + " add that option to the java command (or -Dattnc.simd=false to choose the scalar kernels and"
            + " silence this)";

    static {
        if (!MODULE_PRESENT && !TURNED_OFF) {
            System.err.println(NO_VECTOR_API_WARNING);
        }
    }

    private Simd() {
    }

    public static boolean enabled() {
        return ENABLED;
    }
}
