package dev.attnc.compiler.codegen.tornadovm;

import com.palantir.javapoet.JavaFile;
import dev.attnc.compiler.codegen.InMemoryJavac;
import dev.attnc.runtime.Model;
import dev.attnc.runtime.tornado.TornadoSupport;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Compiles and loads a generated TornadoVM class in this JVM, for {@code attnc run}, {@code bench} and the API. */
public final class TornadoCompilation {

    private static final Pattern API_IMPORT = Pattern.compile("(?m)^import (uk\\.ac\\.manchester\\.tornado\\.api\\.[A-Za-z0-9_.]+);$");

    private TornadoCompilation() {
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
            return InMemoryJavac.compileSource(className, source, classpath).classes().get(className);
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
