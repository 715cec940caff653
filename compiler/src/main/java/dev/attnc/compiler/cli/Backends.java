package dev.attnc.compiler.cli;

import com.palantir.javapoet.JavaFile;
import dev.attnc.compiler.codegen.tornadovm.TornadoCompilation;
import java.util.Locale;

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

    /** Compiles and loads a generated TornadoVM class (see {@link TornadoCompilation#compileAndLoad}). */
    static Class<?> compileTornado(JavaFile file, String className) {
        return TornadoCompilation.compileAndLoad(file, className);
    }
}
