package dev.attnc.runtime.tornado;

import dev.attnc.runtime.tornado.jvm.MemoryTraffic;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * Defines classes compiled against the TornadoVM API with their API references rewritten to
 * {@code dev.attnc.runtime.tornado.jvm} (see {@link TornadoSupport#loadOnJvm}).
 *
 * <p>The classes it was given are its own: it defines them itself, even when the parent could
 * load a class of the same name (child first). Classes of {@code dev.attnc.runtime.tornado.jvm}
 * come from the loader of this runtime; everything else comes from the parent. Every class is
 * rewritten when the loader is made, so a class that uses an API type without a JVM
 * counterpart fails there, naming the types. While {@link MemoryTraffic#instrumenting()} is on
 * when the loader is made, its classes also get traffic probes ({@link TrafficInstrumenter}).
 */
public final class JvmApiClassLoader extends ClassLoader {

    static {
        registerAsParallelCapable();
    }

    private static final String JVM_PREFIX = TornadoSupport.JVM_PACKAGE + ".";
    private static final String API_PREFIX = TornadoSupport.API_PACKAGE + ".";

    private final Map<String, byte[]> remapped;

    /**
     * @param classes binary class name ({@code demo.Model$Kernels}) to the class file compiled
     *     against the TornadoVM API (or its facade)
     * @param parent where every other class comes from
     * @throws IllegalArgumentException if a class uses API types that have no JVM counterpart,
     *     or is not the class its name says
     */
    public JvmApiClassLoader(Map<String, byte[]> classes, ClassLoader parent) {
        super("attnc-tornadovm-on-jvm", parent);
        Map<String, byte[]> map = new LinkedHashMap<>();
        // Decided once per loader: the probes cost nothing unless the switch was on when it was made.
        boolean instrumented = MemoryTraffic.instrumenting();
        classes.forEach((name, bytes) -> {
            Objects.requireNonNull(name, "class name");
            Objects.requireNonNull(bytes, "bytes of " + name);
            String declared = new org.objectweb.asm.ClassReader(bytes).getClassName().replace('/', '.');
            if (!declared.equals(name)) {
                throw new IllegalArgumentException("the bytes given for " + name + " are those of " + declared);
            }
            byte[] rewritten = ApiRemapper.remap(bytes);
            map.put(name, instrumented ? TrafficInstrumenter.instrument(rewritten) : rewritten);
        });
        this.remapped = Collections.unmodifiableMap(map);
    }

    /** The binary names of the classes this loader defines. */
    public Set<String> classNames() {
        return remapped.keySet();
    }

    /** The rewritten class file of one of this loader's classes, or null. */
    public byte[] rewrittenBytes(String className) {
        byte[] bytes = remapped.get(className);
        return bytes == null ? null : bytes.clone();
    }

    @Override
    protected Class<?> loadClass(String name, boolean resolve) throws ClassNotFoundException {
        synchronized (getClassLoadingLock(name)) {
            Class<?> loaded = findLoadedClass(name);
            if (loaded == null) {
                byte[] bytes = remapped.get(name);
                if (bytes != null) {
                    loaded = defineClass(name, bytes, 0, bytes.length);
                } else if (name.startsWith(JVM_PREFIX)) {
                    loaded = Class.forName(name, false, JvmApiClassLoader.class.getClassLoader());
                } else if (name.startsWith(API_PREFIX)) {
                    throw new ClassNotFoundException(name + ": TornadoVM API classes are replaced by "
                            + TornadoSupport.JVM_PACKAGE + " in classes loaded on the JVM");
                } else {
                    return super.loadClass(name, resolve);
                }
            }
            if (resolve) {
                resolveClass(loaded);
            }
            return loaded;
        }
    }
}
