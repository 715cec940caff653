package dev.attnc.compiler.minilm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.attnc.compiler.FrontEnd;
import dev.attnc.compiler.Repo;
import dev.attnc.compiler.codegen.InMemoryJavac;
import dev.attnc.compiler.codegen.JvmBackend;
import dev.attnc.compiler.codegen.TornadoBackend;
import dev.attnc.compiler.diag.SourceFile;
import dev.attnc.runtime.Model;
import dev.attnc.runtime.tornado.TornadoSupport;
import dev.attnc.runtime.weights.WeightSource;
import java.lang.reflect.InvocationTargetException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * minilm.attn through the TornadoVM backend, as the TornadoVM tests of the codegen package do
 * it: javac against the compile-only facade of TornadoVM's API, then loaded with every
 * TornadoVM type remapped onto attnc's JVM implementation, so the very kernels of the
 * generated class run here. With {@code -Ptornadovm} under TornadoVM's launcher, the real API.
 */
final class MiniLmTornado {
    /** Set by the tornadovm Maven profile: compile against the real tornado-api on the class path. */
    static final boolean REAL_API = "classpath".equals(System.getProperty("attnc.tornadovm.api"));

    private MiniLmTornado() {
    }

    static Class<?> compile() {
        Path path = Repo.path("samples/minilm/minilm.attn");
        SourceFile file = new SourceFile(path.toString(), Repo.read(path));
        FrontEnd.Result result = FrontEnd.check(file);
        assertFalse(result.diagnostics().hasErrors(), result.diagnostics().render());
        JvmBackend.Generated generated = TornadoBackend.generate(result.models().get(0), file, JvmBackend.Options.defaults());
        String main = generated.className();
        if (REAL_API && TornadoSupport.available()) {
            InMemoryJavac.Result compiled = InMemoryJavac.compile(List.of(generated.file()), List.of(Model.class));
            assertEquals(List.of(), compiled.warnings(), "javac warnings on the TornadoVM code of minilm");
            return compiled.classes().get(main);
        }
        List<Path> api = REAL_API ? List.of() : List.of(facade());
        InMemoryJavac.Result compiled = InMemoryJavac.compile(List.of(generated.file()), List.of(Model.class), api, false);
        assertEquals(List.of(), compiled.warnings(), "javac warnings on the TornadoVM code of minilm");
        Map<String, byte[]> others = new HashMap<>(compiled.bytes());
        byte[] mainBytes = others.remove(main);
        return TornadoSupport.loadOnJvm(main, mainBytes, others, Model.class.getClassLoader());
    }

    static Model load(Class<?> type, WeightSource weights) {
        try {
            return (Model) type.getMethod("load", WeightSource.class).invoke(null, weights);
        } catch (InvocationTargetException e) {
            if (e.getCause() instanceof RuntimeException runtime) {
                throw runtime;
            }
            throw new IllegalStateException(e.getCause());
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException(e);
        }
    }

    private static Path facade() {
        Path classes = Repo.path("tornadovm-facade/target/classes");
        assertTrue(Files.isDirectory(classes.resolve("uk/ac/manchester/tornado/api")),
                "the TornadoVM API facade is not built at " + classes + "; run mvn verify from the repository root");
        return classes;
    }
}
