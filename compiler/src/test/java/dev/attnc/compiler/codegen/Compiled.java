package dev.attnc.compiler.codegen;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import dev.attnc.compiler.FrontEnd;
import dev.attnc.compiler.Repo;
import dev.attnc.compiler.diag.SourceFile;
import dev.attnc.runtime.Model;
import dev.attnc.runtime.weights.WeightSource;
import java.lang.reflect.InvocationTargetException;
import java.nio.file.Path;
import java.util.List;

/** Test helper: .attn text to a loaded model class, through the whole JVM backend. */
public final class Compiled {
    public final JvmBackend.Generated generated;
    public final Class<?> type;

    private Compiled(JvmBackend.Generated generated, Class<?> type) {
        this.generated = generated;
        this.type = type;
    }

    public static Compiled sample(String name) {
        Path path = Repo.path("samples/" + name + "/" + name + ".attn");
        return source(path.toString(), Repo.read(path), JvmBackend.Options.defaults());
    }

    public static Compiled source(String name, String text) {
        return source(name, text, JvmBackend.Options.defaults());
    }

    public static Compiled source(String name, String text, JvmBackend.Options options) {
        SourceFile file = new SourceFile(name, text);
        FrontEnd.Result result = FrontEnd.check(file);
        assertFalse(result.diagnostics().hasErrors(), result.diagnostics().render());
        JvmBackend.Generated generated = JvmBackend.generate(result.models().get(0), file, options);
        InMemoryJavac.Result compiled = InMemoryJavac.compile(List.of(generated.file()), List.of(Model.class));
        assertEquals(List.of(), compiled.warnings(), "javac warnings on the generated code of " + name);
        return new Compiled(generated, compiled.classes().get(generated.className()));
    }

    public String source() {
        return generated.file().toString();
    }

    public Model load(WeightSource weights) {
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
