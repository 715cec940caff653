package dev.attnc.runtime.tornado;

import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import org.objectweb.asm.ClassReader;
import org.objectweb.asm.ClassVisitor;
import org.objectweb.asm.Opcodes;

/**
 * TornadoVM detection, and running TornadoVM code on a plain JVM.
 *
 * <p><b>Detection.</b> TornadoVM's API jar finds its runtime through system properties that the
 * {@code tornado} launcher and {@code @tornado-argfile} set: {@code new TaskGraph(...)} loads the
 * class named by {@value #API_IMPLEMENTATION_PROPERTY} (and throws TornadoAPIException when it
 * is unset), and {@code TornadoExecutionPlan}'s static initialiser loads
 * {@value #RUNTIME_IMPLEMENTATION_PROPERTY} and {@value #TORNADO_IMPLEMENTATION_PROPERTY}.
 * {@link #available()} checks exactly that, without initialising any TornadoVM class and, on a
 * plain JVM (no properties), without trying to load one.
 *
 * <p><b>Running on the JVM.</b> A class compiled against the TornadoVM API (the real jar or
 * attnc's compile-only facade) is loaded by a {@link JvmApiClassLoader}, which rewrites every
 * {@code uk.ac.manchester.tornado.api} reference to {@value #JVM_PACKAGE}, whose classes have the
 * same simple names and signatures (see that package for how kernels run there).
 */
public final class TornadoSupport {

    /** The TornadoVM API's root package. */
    public static final String API_PACKAGE = "uk.ac.manchester.tornado.api";
    /** Where the JVM implementation of the API lives. */
    public static final String JVM_PACKAGE = "dev.attnc.runtime.tornado.jvm";

    /** Names the TaskGraph implementation; read by TornadoVM's {@code TornadoAPIProvider}. */
    public static final String API_IMPLEMENTATION_PROPERTY = "tornado.load.api.implementation";
    /** Names the runtime; read when {@code TornadoExecutionPlan} is initialised. */
    public static final String RUNTIME_IMPLEMENTATION_PROPERTY = "tornado.load.runtime.implementation";
    /** Names the settings implementation; read with the runtime. */
    public static final String TORNADO_IMPLEMENTATION_PROPERTY = "tornado.load.tornado.implementation";

    private static final String TASK_GRAPH = API_PACKAGE + ".TaskGraph";

    private TornadoSupport() {
    }

    /**
     * Whether a real TornadoVM runtime is present for the context class loader (or this class's
     * loader): see {@link #unavailableReason(ClassLoader)}.
     */
    public static boolean available() {
        return unavailableReason(defaultLoader()).isEmpty();
    }

    /** Whether a real TornadoVM runtime is present for this class loader. */
    public static boolean available(ClassLoader loader) {
        return unavailableReason(loader).isEmpty();
    }

    /** Why TornadoVM is not available to the context class loader, or empty when it is. */
    public static Optional<String> unavailableReason() {
        return unavailableReason(defaultLoader());
    }

    /**
     * Why TornadoVM is not available to this class loader, or empty when it is: the three
     * implementation properties must be set, and the API's TaskGraph and the three classes they
     * name must be loadable (none is initialised).
     */
    public static Optional<String> unavailableReason(ClassLoader loader) {
        String[] properties = { API_IMPLEMENTATION_PROPERTY, RUNTIME_IMPLEMENTATION_PROPERTY, TORNADO_IMPLEMENTATION_PROPERTY };
        String[] implementations = new String[properties.length];
        for (int i = 0; i < properties.length; i++) {
            String value = System.getProperty(properties[i]);
            if (value == null || value.isBlank()) {
                return Optional.of("system property " + properties[i] + " is not set: run with TornadoVM's `tornado` launcher"
                        + " or `java @$TORNADOVM_HOME/tornado-argfile`");
            }
            implementations[i] = value.strip();
        }
        Class<?> taskGraph = find(TASK_GRAPH, loader);
        if (taskGraph == null) {
            return Optional.of(TASK_GRAPH + " is not on the class or module path (tornado-api)");
        }
        ClassLoader apiLoader = taskGraph.getClassLoader() != null ? taskGraph.getClassLoader() : loader;
        for (int i = 0; i < implementations.length; i++) {
            if (find(implementations[i], apiLoader) == null) {
                return Optional.of(implementations[i] + " (named by " + properties[i] + ") cannot be loaded: the TornadoVM"
                        + " runtime modules are missing");
            }
        }
        return Optional.empty();
    }

    private static ClassLoader defaultLoader() {
        ClassLoader context = Thread.currentThread().getContextClassLoader();
        return context != null ? context : TornadoSupport.class.getClassLoader();
    }

    private static Class<?> find(String name, ClassLoader loader) {
        try {
            return Class.forName(name, false, loader);
        } catch (ClassNotFoundException | LinkageError e) {
            return null;
        }
    }

    /**
     * Loads a class compiled against the TornadoVM API onto the JVM implementation.
     *
     * @param className the binary name of the class to return ({@code demo.Model})
     * @param classBytes its class file
     * @param otherClasses the other classes that must be rewritten too, by binary name: its
     *     nested classes, and any other class that uses the API (may be empty)
     * @param parent where every other class comes from
     * @throws IllegalArgumentException if a class uses API types with no JVM counterpart
     */
    public static Class<?> loadOnJvm(String className, byte[] classBytes, Map<String, byte[]> otherClasses, ClassLoader parent) {
        Map<String, byte[]> classes = new LinkedHashMap<>(otherClasses);
        classes.put(Objects.requireNonNull(className, "className"), Objects.requireNonNull(classBytes, "classBytes"));
        return load(new JvmApiClassLoader(classes, parent), className);
    }

    /**
     * Loads a class compiled against the TornadoVM API, that some other loader has already
     * loaded without running it, onto the JVM implementation: its class file and those of its
     * nest (nested, local and anonymous classes) are found with {@link #classBytes}, and every
     * other class comes from {@code type}'s own loader.
     *
     * @param companions other top-level classes that use the API and must be rewritten too
     */
    public static Class<?> loadOnJvm(Class<?> type, Class<?>... companions) {
        Map<String, byte[]> classes = new LinkedHashMap<>(classBytes(type, Map.of()));
        for (Class<?> companion : companions) {
            classes.putAll(classBytes(companion, Map.of()));
        }
        return load(new JvmApiClassLoader(classes, type.getClassLoader()), type.getName());
    }

    private static Class<?> load(JvmApiClassLoader loader, String className) {
        try {
            return Class.forName(className, false, loader);
        } catch (ClassNotFoundException e) {
            throw new IllegalStateException("cannot load " + className + " on the JVM: " + e.getMessage(), e);
        }
    }

    /**
     * The class files of a class and of every member of its nest (nested, local and anonymous
     * classes, found from its NestMembers and InnerClasses attributes without loading them), by
     * binary name. Each file is taken from {@code handedIn} (binary name to bytes) when there,
     * else read as a resource of the class's loader.
     *
     * @throws IllegalArgumentException if a class file can be found in neither
     */
    public static Map<String, byte[]> classBytes(Class<?> type, Map<String, byte[]> handedIn) {
        Class<?> host = type;
        while (host.getEnclosingClass() != null) {
            host = host.getEnclosingClass();
        }
        ClassLoader loader = host.getClassLoader() != null ? host.getClassLoader() : ClassLoader.getSystemClassLoader();
        Map<String, byte[]> found = new LinkedHashMap<>();
        Deque<String> pending = new ArrayDeque<>();
        pending.add(host.getName());
        while (!pending.isEmpty()) {
            String name = pending.poll();
            if (found.containsKey(name)) {
                continue;
            }
            byte[] bytes = handedIn.containsKey(name) ? handedIn.get(name) : readResource(loader, name);
            if (bytes == null) {
                throw new IllegalArgumentException("no class file for " + name + ": neither handed in nor a resource of "
                        + loader);
            }
            found.put(name, bytes);
            String internal = name.replace('.', '/');
            new ClassReader(bytes).accept(new ClassVisitor(Opcodes.ASM9) {
                @Override
                public void visitNestMember(String nestMember) {
                    pending.add(nestMember.replace('/', '.'));
                }

                @Override
                public void visitInnerClass(String inner, String outer, String innerName, int access) {
                    // Classes declared inside this one (a nest host lists them as nest members
                    // too; this also covers class files without a NestMembers attribute).
                    if (inner.startsWith(internal + "$")) {
                        pending.add(inner.replace('/', '.'));
                    }
                }
            }, ClassReader.SKIP_CODE | ClassReader.SKIP_DEBUG | ClassReader.SKIP_FRAMES);
        }
        return found;
    }

    private static byte[] readResource(ClassLoader loader, String className) {
        try (InputStream in = loader.getResourceAsStream(className.replace('.', '/') + ".class")) {
            return in == null ? null : in.readAllBytes();
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read the class file of " + className + ": " + e.getMessage(), e);
        }
    }

    /**
     * A class file with its TornadoVM API references rewritten to {@value #JVM_PACKAGE}.
     *
     * @throws IllegalArgumentException if it uses API types with no JVM counterpart
     */
    public static byte[] remapToJvm(byte[] classBytes) {
        return ApiRemapper.remap(classBytes);
    }

    /**
     * The JVM counterpart of a TornadoVM API class, by binary name
     * ({@code uk.ac.manchester.tornado.api.common.TornadoFunctions$Task3} gives
     * {@code dev.attnc.runtime.tornado.jvm.TornadoFunctions$Task3}); empty if it has none. A name
     * outside the API is returned unchanged.
     */
    public static Optional<String> jvmCounterpart(String apiClassName) {
        String mapped = ApiRemapper.counterpart(apiClassName.replace('.', '/'));
        return Optional.ofNullable(mapped).map(name -> name.replace('/', '.'));
    }
}
