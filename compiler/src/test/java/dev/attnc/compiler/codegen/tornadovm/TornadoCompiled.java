package dev.attnc.compiler.codegen.tornadovm;

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
 * Test helper: a model through the TornadoVM backend, compiled by javac against the
 * compile-only facade of TornadoVM's API (never loaded), then loaded with every TornadoVM
 * type remapped to attnc's JVM implementation, so the very same kernel bytecode runs here.
 */
final class TornadoCompiled {
    /** Set by the tornadovm Maven profile: compile against the real tornado-api on the class path. */
    static final boolean REAL_API = "classpath".equals(System.getProperty("attnc.tornadovm.api"));

    final JvmBackend.Generated generated;
    final Map<String, byte[]> bytes;
    final Class<?> type;

    private TornadoCompiled(JvmBackend.Generated generated, Map<String, byte[]> bytes, Class<?> type) {
        this.generated = generated;
        this.bytes = bytes;
        this.type = type;
    }

    static Path facade() {
        Path classes = Repo.path("tornadovm-facade/target/classes");
        assertTrue(Files.isDirectory(classes.resolve("uk/ac/manchester/tornado/api")),
                "the TornadoVM API facade is not built at " + classes + "; run mvn verify from the repository root");
        return classes;
    }

    static TornadoCompiled sample(String name) {
        Path path = Repo.path("samples/" + name + "/" + name + ".attn");
        return source(path.toString(), Repo.read(path));
    }

    static TornadoCompiled source(String name, String text) {
        SourceFile file = new SourceFile(name, text);
        FrontEnd.Result result = FrontEnd.check(file);
        assertFalse(result.diagnostics().hasErrors(), result.diagnostics().render());
        JvmBackend.Generated generated = TornadoBackend.generate(result.models().get(0), file, JvmBackend.Options.defaults());
        String main = generated.className();
        if (REAL_API && TornadoSupport.available()) {
            // -Ptornadovm under TornadoVM's launcher: the real API, run on the device.
            InMemoryJavac.Result compiled = InMemoryJavac.compile(List.of(generated.file()), List.of(Model.class));
            assertEquals(List.of(), compiled.warnings(), "javac warnings on the TornadoVM code of " + name);
            return new TornadoCompiled(generated, compiled.bytes(), compiled.classes().get(main));
        }
        List<java.nio.file.Path> api = REAL_API ? List.of() : List.of(facade());
        InMemoryJavac.Result compiled = InMemoryJavac.compile(List.of(generated.file()), List.of(Model.class), api, false);
        assertEquals(List.of(), compiled.warnings(), "javac warnings on the TornadoVM code of " + name);
        Map<String, byte[]> others = new HashMap<>(compiled.bytes());
        byte[] mainBytes = others.remove(main);
        Class<?> type = TornadoSupport.loadOnJvm(main, mainBytes, others, Model.class.getClassLoader());
        return new TornadoCompiled(generated, compiled.bytes(), type);
    }

    String source() {
        return generated.file().toString();
    }

    Model load(WeightSource weights) {
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
}
