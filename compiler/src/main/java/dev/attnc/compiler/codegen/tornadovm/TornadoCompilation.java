package dev.attnc.compiler.codegen.tornadovm;

import com.palantir.javapoet.JavaFile;
import dev.attnc.compiler.codegen.InMemoryJavac;
import dev.attnc.runtime.Model;
import dev.attnc.runtime.tornado.TornadoSupport;
import java.io.File;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Compiles and loads a generated TornadoVM class in this JVM, for {@code attnc run}, {@code bench} and the API. */
public final class TornadoCompilation {

    private static final Pattern API_IMPORT = Pattern.compile("(?m)^import (uk\\.ac\\.manchester\\.tornado\\.api\\.[A-Za-z0-9_.]+);$");

    /** Where generated classes are written for TornadoVM to read: {@code -Dattnc.tornado.classes}, else this. */
    public static final String CLASS_DIRECTORY_PROPERTY = "attnc.tornado.classes";

    /** TornadoVM's limit on the bytecode of one task graph, in bytes (its default is 4096). */
    static final String GRAPH_BYTECODE_PROPERTY = "tornado.tvm.maxbytecodesize";
    static final String GRAPH_BYTECODE_SIZE = "65536";

    /** A TornadoVM set-up that cannot run generated classes; reported in one line, without a stack trace. */
    public static final class SetupError extends RuntimeException {
        private static final long serialVersionUID = 1L;

        SetupError(String message) {
            super(message);
        }
    }

    private TornadoCompilation() {
    }

    /**
     * The directory generated classes are written to: the property, or {@code tornado-classes}
     * beside attnc's own jar (or classes folder), that is {@code compiler/target/tornado-classes}.
     */
    public static Path classDirectory() {
        String configured = System.getProperty(CLASS_DIRECTORY_PROPERTY);
        if (configured != null && !configured.isBlank()) {
            return Path.of(configured);
        }
        try {
            Path code = Path.of(TornadoCompilation.class.getProtectionDomain().getCodeSource().getLocation().toURI());
            return code.toAbsolutePath().getParent().resolve("tornado-classes");
        } catch (URISyntaxException | RuntimeException e) {
            return Path.of("tornado-classes").toAbsolutePath();
        }
    }

    /**
     * TornadoVM reads each kernel's class file through the system class loader (to find its
     * {@code @Parallel} annotations), so a class compiled in memory must also exist as a file on
     * the class path: it is written to {@link #classDirectory()}, which the user puts on
     * {@code -cp}.
     */
    private static void publish(Map<String, byte[]> classes, String className) {
        Path directory = classDirectory();
        try {
            for (Map.Entry<String, byte[]> entry : classes.entrySet()) {
                Path file = directory.resolve(entry.getKey().replace('.', '/') + ".class");
                Files.createDirectories(file.getParent());
                Files.write(file, entry.getValue());
            }
        } catch (IOException e) {
            throw new SetupError("cannot write the generated classes to " + directory + " for TornadoVM: " + e.getMessage()
                    + " (choose another directory with -D" + CLASS_DIRECTORY_PROPERTY + "=DIR, and put DIR on -cp)");
        }
        String resource = className.replace('.', '/') + ".class";
        if (ClassLoader.getSystemClassLoader().getResource(resource) == null) {
            throw new SetupError("TornadoVM reads each kernel's class file from the class path, and " + directory
                    + " is not on it (or did not exist when this JVM started): put it first on -cp (-cp \"" + directory + File.pathSeparator
                    + "compiler/target/attnc-compiler.jar" + File.pathSeparator + "compiler/target/lib/*\"), or set -D"
                    + CLASS_DIRECTORY_PROPERTY + "=DIR to a directory that is");
        }
    }

    /**
     * One task graph per model can exceed TornadoVM's default bytecode buffer (a 6-layer encoder
     * does); raise the limit unless the user set it.
     */
    private static void useLargerGraphs() {
        if (System.getProperty(GRAPH_BYTECODE_PROPERTY) == null) {
            System.setProperty(GRAPH_BYTECODE_PROPERTY, GRAPH_BYTECODE_SIZE);
        }
    }

    /**
     * With TornadoVM in this JVM, compiles against its API. Without it, compiles against attnc's
     * JVM implementation of the same API (imports swapped) and loads the class through
     * {@link TornadoSupport#loadOnJvm(String, byte[], Map, ClassLoader)}, which spreads
     * {@code @Parallel} loops across the CPU workers and lets KernelContext groups run in phases:
     * the very same kernels, run on the JVM.
     */
    public static Class<?> compileAndLoad(JavaFile file, String className) {
        String source = file.toString();
        List<Class<?>> classpath = new ArrayList<>(List.of(Model.class));
        if (TornadoSupport.available()) {
            try {
                // Under TornadoVM's argfile the API is on the module path, which javac does not see by itself.
                classpath.add(Class.forName(TornadoSupport.API_PACKAGE + ".TaskGraph", false,
                        TornadoCompilation.class.getClassLoader()));
            } catch (ClassNotFoundException e) {
                throw new IllegalStateException("TornadoVM is available but its API is not loadable", e);
            }
            InMemoryJavac.Result compiled = InMemoryJavac.compileSource(className, source, classpath);
            publish(compiled.bytes(), className);
            useLargerGraphs();
            return compiled.classes().get(className);
        }
        Matcher imports = API_IMPORT.matcher(source);
        StringBuilder swapped = new StringBuilder();
        while (imports.find()) {
            String counterpart = TornadoSupport.jvmCounterpart(imports.group(1))
                    .orElseThrow(() -> new IllegalStateException("no JVM version of " + imports.group(1)));
            imports.appendReplacement(swapped, "import " + Matcher.quoteReplacement(counterpart) + ";");
        }
        imports.appendTail(swapped);
        Map<String, byte[]> bytes = new HashMap<>(InMemoryJavac.compileSource(className, swapped.toString(), classpath, false).bytes());
        byte[] main = bytes.remove(className);
        return TornadoSupport.loadOnJvm(className, main, bytes, Model.class.getClassLoader());
    }
}
