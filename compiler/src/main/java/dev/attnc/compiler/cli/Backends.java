package dev.attnc.compiler.cli;

import com.palantir.javapoet.JavaFile;
import dev.attnc.compiler.codegen.InMemoryJavac;
import dev.attnc.runtime.Model;
import dev.attnc.runtime.tornado.TornadoSupport;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** The two backends, and how a generated TornadoVM class is made to run where TornadoVM is missing. */
enum Backends {
    JVM, TORNADOVM;

    static Backends parse(String name) {
        return switch (name.toLowerCase(Locale.ROOT)) {
            case "jvm" -> JVM;
            case "tornadovm", "tornado" -> TORNADOVM;
            default -> throw new Main.UsageError("unknown --backend '" + name + "': use jvm or tornadovm");
        };
    }

    private static final Pattern API_IMPORT = Pattern.compile("(?m)^import (uk\\.ac\\.manchester\\.tornado\\.api\\.[A-Za-z0-9_.]+);$");

    /**
     * Compiles a generated TornadoVM class. With TornadoVM in this JVM it compiles against the
     * real API; without it, against attnc's JVM implementation of the same API, by swapping
     * the imports, so that the very same kernels run on the JVM.
     */
    static Class<?> compileTornado(JavaFile file, String className) {
        String source = file.toString();
        if (!TornadoSupport.available()) {
            Matcher imports = API_IMPORT.matcher(source);
            StringBuilder swapped = new StringBuilder();
            while (imports.find()) {
                String counterpart = TornadoSupport.jvmCounterpart(imports.group(1))
                        .orElseThrow(() -> new IllegalStateException("no JVM version of " + imports.group(1)));
                imports.appendReplacement(swapped, "import " + Matcher.quoteReplacement(counterpart) + ";");
            }
            imports.appendTail(swapped);
            source = swapped.toString();
        }
        List<Class<?>> classpath = new java.util.ArrayList<>(List.of(Model.class));
        if (TornadoSupport.available()) {
            try {
                // Under TornadoVM's argfile the API is on the module path, which javac does not see by itself.
                classpath.add(Class.forName(TornadoSupport.API_PACKAGE + ".TaskGraph", false, Backends.class.getClassLoader()));
            } catch (ClassNotFoundException e) {
                throw new IllegalStateException("TornadoVM is available but its API is not loadable", e);
            }
        }
        InMemoryJavac.Result compiled = InMemoryJavac.compileSource(className, source, classpath);
        return compiled.classes().get(className);
    }
}
