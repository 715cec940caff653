package dev.attnc.compiler.codegen;

import com.palantir.javapoet.JavaFile;
import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.OutputStream;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import javax.tools.Diagnostic;
import javax.tools.DiagnosticCollector;
import javax.tools.FileObject;
import javax.tools.ForwardingJavaFileManager;
import javax.tools.JavaCompiler;
import javax.tools.JavaFileManager;
import javax.tools.JavaFileObject;
import javax.tools.SimpleJavaFileObject;
import javax.tools.StandardJavaFileManager;
import javax.tools.ToolProvider;

/**
 * Compiles generated sources in memory and loads them, for {@code attnc run} and the tests:
 * no files are written. Compiles with {@code -g} (TornadoVM needs local-variable tables) and
 * every lint, and reports warnings, since generated code must compile without any.
 */
public final class InMemoryJavac {

    /** Classes by name (loaded, unless compiled against extra class path entries), their bytes, and javac's warnings. */
    public record Result(Map<String, Class<?>> classes, Map<String, byte[]> bytes, List<String> warnings) {
    }

    /** javac refused the code: a bug in attnc, since generated code should always compile. */
    public static final class CompileFailure extends RuntimeException {
        private static final long serialVersionUID = 1L;

        CompileFailure(String message) {
            super(message);
        }
    }

    /** Times javac ran in this JVM (the class cache's tests count the runs it saved). */
    static final java.util.concurrent.atomic.AtomicInteger JAVAC_RUNS = new java.util.concurrent.atomic.AtomicInteger();

    /** javac's options, before the class path. */
    private static final List<String> OPTIONS = List.of("-g", "-Xlint:all", "-proc:none", "--release", "21");

    private InMemoryJavac() {
    }

    public static Result compile(List<JavaFile> files, List<Class<?>> classpathOf) {
        return compile(files, classpathOf, List.of(), true);
    }

    /** One class from source text (e.g. a generated class with its imports swapped). */
    public static Result compileSource(String className, String source, List<Class<?>> classpathOf) {
        return compileSource(className, source, classpathOf, true);
    }

    /** As {@link #compileSource(String, String, List)}; with {@code load = false} only the bytes are returned. */
    public static Result compileSource(String className, String source, List<Class<?>> classpathOf, boolean load) {
        JavaFileObject file = new SimpleJavaFileObject(URI.create("string:///" + className.replace('.', '/') + ".java"),
                JavaFileObject.Kind.SOURCE) {
            @Override
            public CharSequence getCharContent(boolean ignoreEncodingErrors) {
                return source;
            }
        };
        return compileObjects(List.of(file), classpathOf, List.of(), load);
    }

    /**
     * Compiles against this JVM's class path, the jars of {@code classpathOf}, and {@code extra}
     * entries (such as the TornadoVM API facade, which is never loaded: then pass {@code load = false}
     * and load the bytes another way).
     */
    public static Result compile(List<JavaFile> files, List<Class<?>> classpathOf, List<Path> extra, boolean load) {
        List<JavaFileObject> sources = new ArrayList<>();
        for (JavaFile file : files) {
            sources.add(file.toJavaFileObject());
        }
        if (!load || !extra.isEmpty() || !ClassCache.enabled()) {
            return compileObjects(sources, classpathOf, extra, load);
        }
        StringBuilder text = new StringBuilder();
        for (JavaFile file : files) {
            text.append(file).append('\n');
        }
        // Cached: the same sources against the same jars were compiled by an earlier run.
        List<Path> jars = new ArrayList<>();
        for (String entry : classpath(classpathOf).split(File.pathSeparator)) {
            jars.add(Path.of(entry));
        }
        String key = ClassCache.key(text.toString(), OPTIONS, jars);
        var cached = ClassCache.read(key, text.toString());
        if (cached.isPresent()) {
            Map<String, ByteArrayOutputStream> streams = new HashMap<>();
            cached.get().forEach((name, bytes) -> {
                ByteArrayOutputStream stream = new ByteArrayOutputStream(bytes.length);
                stream.writeBytes(bytes);
                streams.put(name, stream);
            });
            try {
                return new Result(load(streams, classpathOf), cached.get(), List.of());
            } catch (LinkageError | IllegalStateException e) {
                // A damaged entry: dropped, and compiled again below.
                ClassCache.forget(key);
            }
        }
        Result compiled = compileObjects(sources, classpathOf, extra, load);
        ClassCache.write(key, text.toString(), compiled.bytes());
        return compiled;
    }

    private static Result compileObjects(List<JavaFileObject> sources, List<Class<?>> classpathOf, List<Path> extra, boolean load) {
        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        if (javac == null) {
            throw new IllegalStateException("no Java compiler in this runtime: run attnc on a JDK, not a JRE");
        }
        DiagnosticCollector<JavaFileObject> diagnostics = new DiagnosticCollector<>();
        StandardJavaFileManager standard = javac.getStandardFileManager(diagnostics, Locale.ROOT, null);
        MemoryFileManager manager = new MemoryFileManager(standard);
        List<String> options = new ArrayList<>(OPTIONS);
        options.add("-classpath");
        String classpath = classpath(classpathOf);
        for (Path entry : extra) {
            classpath += File.pathSeparator + entry;
        }
        options.add(classpath);
        JAVAC_RUNS.incrementAndGet();
        boolean ok = javac.getTask(null, manager, diagnostics, options, null, sources).call();
        List<String> warnings = new ArrayList<>();
        StringBuilder errors = new StringBuilder();
        for (Diagnostic<? extends JavaFileObject> d : diagnostics.getDiagnostics()) {
            String text = (d.getSource() == null ? "" : d.getSource().getName() + ":" + d.getLineNumber() + ": ")
                    + d.getMessage(Locale.ROOT);
            if (d.getKind() == Diagnostic.Kind.ERROR) {
                errors.append(text).append('\n');
            } else if (d.getKind() == Diagnostic.Kind.WARNING || d.getKind() == Diagnostic.Kind.MANDATORY_WARNING) {
                warnings.add(text);
            }
        }
        if (!ok) {
            throw new CompileFailure("javac rejected the generated code:\n" + errors);
        }
        Map<String, byte[]> bytes = new HashMap<>();
        manager.classes.forEach((name, stream) -> bytes.put(name, stream.toByteArray()));
        return new Result(load ? load(manager.classes, classpathOf) : Map.of(), bytes, warnings);
    }

    /** Defines the classes in a loader of their own, whose parent loaded {@code classpathOf}. */
    private static Map<String, Class<?>> load(Map<String, ByteArrayOutputStream> compiled, List<Class<?>> classpathOf) {
        ClassLoader parent = classpathOf.isEmpty() ? InMemoryJavac.class.getClassLoader() : classpathOf.get(0).getClassLoader();
        MemoryClassLoader loader = new MemoryClassLoader(compiled, parent);
        Map<String, Class<?>> classes = new HashMap<>();
        for (String name : compiled.keySet()) {
            try {
                classes.put(name, loader.loadClass(name));
            } catch (ClassNotFoundException e) {
                throw new IllegalStateException("compiled class vanished: " + name, e);
            }
        }
        return classes;
    }

    /** This JVM's class path, plus the jars or folders holding the given classes (the runtime). */
    private static String classpath(List<Class<?>> classes) {
        List<String> entries = new ArrayList<>(List.of(System.getProperty("java.class.path").split(File.pathSeparator)));
        for (Class<?> type : classes) {
            try {
                String location = Path.of(type.getProtectionDomain().getCodeSource().getLocation().toURI()).toString();
                if (!entries.contains(location)) {
                    entries.add(location);
                }
            } catch (URISyntaxException | NullPointerException e) {
                throw new IllegalStateException("cannot find where " + type.getName() + " was loaded from", e);
            }
        }
        return String.join(File.pathSeparator, entries);
    }

    private static final class MemoryFileManager extends ForwardingJavaFileManager<JavaFileManager> {
        final Map<String, ByteArrayOutputStream> classes = new HashMap<>();

        MemoryFileManager(JavaFileManager fileManager) {
            super(fileManager);
        }

        @Override
        public JavaFileObject getJavaFileForOutput(Location location, String className, JavaFileObject.Kind kind, FileObject sibling) {
            return new SimpleJavaFileObject(URI.create("memory:///" + className.replace('.', '/') + kind.extension), kind) {
                @Override
                public OutputStream openOutputStream() {
                    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
                    classes.put(className, bytes);
                    return bytes;
                }
            };
        }
    }

    private static final class MemoryClassLoader extends ClassLoader {
        private final Map<String, ByteArrayOutputStream> classes;

        MemoryClassLoader(Map<String, ByteArrayOutputStream> classes, ClassLoader parent) {
            super(parent);
            this.classes = classes;
        }

        @Override
        protected Class<?> findClass(String name) throws ClassNotFoundException {
            ByteArrayOutputStream bytes = classes.get(name);
            if (bytes == null) {
                throw new ClassNotFoundException(name);
            }
            byte[] code = bytes.toByteArray();
            return defineClass(name, code, 0, code.length);
        }
    }
}
