package dev.attnc.compiler.codegen;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.palantir.javapoet.JavaFile;
import com.sun.source.tree.CompilationUnitTree;
import com.sun.source.tree.IdentifierTree;
import com.sun.source.tree.MethodTree;
import com.sun.source.tree.VariableTree;
import com.sun.source.util.JavacTask;
import com.sun.source.util.TreeScanner;
import dev.attnc.compiler.FrontEnd;
import dev.attnc.compiler.Repo;
import dev.attnc.compiler.codegen.jvm.JvmModelWriter;
import dev.attnc.compiler.codegen.tornadovm.TornadoModelWriter;
import dev.attnc.compiler.diag.SourceFile;
import dev.attnc.runtime.Model;
import dev.attnc.runtime.Tensor;
import dev.attnc.runtime.weights.RandomWeights;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeSet;
import java.util.stream.Stream;
import javax.tools.JavaFileObject;
import javax.tools.SimpleJavaFileObject;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.Test;

/**
 * No name written in a .attn file changes what a generated name means. Every identifier the
 * generators write for the samples (fields, locals, methods, parameters, types they call by
 * simple name), every name in their declared lists, and Java's keywords, are each used in turn
 * as the model's name, a constant, a run-time dim, a repeat index, a param, an input, a value
 * and an attention's name. Every such model must compile and compute exactly (bit for bit) what
 * the same model with plain names computes, on the same weights and inputs.
 */
class GeneratedNamesTest {
    /** Uses every kind of name the generator turns into Java, in scopes the attention loops share. */
    private static final String TEMPLATE = """
            model %1$s {
              const %2$s = 8, Hq = 2
              dim %3$s <= 24
              input %4$s : [%3$s, %2$s]
              param rel : [2, 8] from "rel"
              %5$s = %4$s * 1.5
              repeat 2 as %6$s {
                param %7$s : linear(%2$s, %2$s) from "layer.{%6$s}.p"
                %8$s = attention(%7$s(%5$s), %5$s, %5$s, heads = Hq, cache = true) {
                  score s + 0.25 * %6$s - 0.01 * %3$s + rel[%6$s, min(i - j, 7)]
                  mask causal && i - j < %3$s - 2
                }
                %5$s = %5$s + %8$s
              }
              output %5$s
            }
            """;

    private static final List<String> PLAIN = List.of("Plain", "K", "T", "x_in", "y", "layer", "p", "a");

    private static final List<String> JAVA_KEYWORDS = List.of("abstract", "assert", "boolean", "break", "byte", "case",
            "catch", "char", "class", "const", "continue", "default", "do", "double", "else", "enum", "extends", "final",
            "finally", "float", "for", "goto", "if", "implements", "import", "instanceof", "int", "interface", "long",
            "native", "new", "package", "private", "protected", "public", "return", "short", "static", "strictfp", "super",
            "switch", "synchronized", "this", "throw", "throws", "transient", "try", "void", "volatile", "while", "true",
            "false", "null", "var", "record", "yield", "sealed", "permits", "when", "module");

    @Test
    void noUserNameChangesAGeneratedOne() {
        TreeSet<String> candidates = new TreeSet<>(identifiersOfTheSamples());
        candidates.addAll(JvmModelWriter.GENERATED_NAMES);
        candidates.addAll(TornadoModelWriter.GENERATED_NAMES);
        candidates.addAll(TornadoModelWriter.KERNEL_NAMES);
        candidates.addAll(JAVA_KEYWORDS);
        candidates.addAll(List.of("MAX_T", "MAX_K", "X_AT", "Y_AT", "Y_AT_2", "p_weight", "attention_a", "attention_a_maps",
                "a_cache", "x_in_input"));
        candidates.removeIf(name -> !name.matches("[A-Za-z_][A-Za-z_0-9]*"));
        // Names the language itself gives a meaning in clauses: a repeat index named i is hidden
        // there by the query position, in .attn already, so the model is not the same model.
        candidates.removeAll(List.of("i", "j", "h", "s", "causal", "inf", "pi"));
        // And the language's keywords, which are not names at all.
        candidates.removeAll(List.of("model", "block", "attention", "param", "input", "output", "const", "dim", "repeat", "as",
                "from", "return", "true", "false", "int", "float", "_"));
        List<String> names = new ArrayList<>(candidates);
        java.util.Collections.shuffle(names, new Random(12));

        Map<String, Tensor> expected = run(List.of(compile(PLAIN)), PLAIN).get(0);
        List<List<String>> accepted = new ArrayList<>();
        List<String> refused = new ArrayList<>();
        List<JvmBackend.Generated> generated = new ArrayList<>();
        for (int n = 0; n < names.size(); n++) {
            List<String> roles = new ArrayList<>();
            for (int role = 0; role < PLAIN.size(); role++) {
                roles.add(names.get((n + role * 7) % names.size()));
            }
            JvmBackend.Generated model = generateOrNull(roles, refused);
            if (model != null) {
                accepted.add(roles);
                generated.add(model);
            }
        }
        // The checker may refuse a name the language itself reserves (i, j, h, s, causal, functions); nothing else.
        assertTrue(refused.size() * 10 < names.size(), "the checker refused many names:\n" + String.join("\n", refused));

        List<JavaFile> files = generated.stream().map(JvmBackend.Generated::file).toList();
        InMemoryJavac.Result compiled = InMemoryJavac.compile(files, List.of(Model.class));
        List<Map<String, Tensor>> outputs = new ArrayList<>();
        for (int n = 0; n < generated.size(); n++) {
            outputs.add(runOne(compiled.classes().get(generated.get(n).className()), accepted.get(n)));
        }
        for (int n = 0; n < outputs.size(); n++) {
            Tensor want = expected.get(PLAIN.get(4));
            Tensor got = outputs.get(n).get(accepted.get(n).get(4));
            assertTrue(java.util.Arrays.equals(want.floatData(), got.floatData()),
                    "names " + accepted.get(n) + " change the output of the model");
        }
    }

    private static JvmBackend.Generated compile(List<String> roles) {
        return generateOrNull(roles, new ArrayList<>());
    }

    private static JvmBackend.Generated generateOrNull(List<String> roles, List<String> refused) {
        String text = String.format(TEMPLATE, roles.toArray());
        SourceFile file = new SourceFile("names.attn", text);
        FrontEnd.Result result = FrontEnd.check(file);
        if (result.diagnostics().hasErrors()) {
            refused.add(roles + ": " + result.diagnostics().render().lines().findFirst().orElse(""));
            return null;
        }
        return JvmBackend.generate(result.models().get(0), file, JvmBackend.Options.defaults());
    }

    private static List<Map<String, Tensor>> run(List<JvmBackend.Generated> models, List<String> roles) {
        InMemoryJavac.Result compiled = InMemoryJavac.compile(models.stream().map(JvmBackend.Generated::file).toList(),
                List.of(Model.class));
        return models.stream().map(m -> runOne(compiled.classes().get(m.className()), roles)).toList();
    }

    /** One forward call on seeded weights and a seeded input of 20 rows. */
    private static Map<String, Tensor> runOne(Class<?> type, List<String> roles) {
        Random random = new Random(7);
        float[] x = new float[20 * 8];
        for (int n = 0; n < x.length; n++) {
            x[n] = (float) random.nextGaussian();
        }
        try (Model model = (Model) type.getMethod("load", dev.attnc.runtime.weights.WeightSource.class)
                .invoke(null, new RandomWeights(3))) {
            return model.forward(Map.of(roles.get(3), Tensor.floats(x, 20, 8)));
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Every simple name in the generated source of every sample, both backends. */
    private static List<String> identifiersOfTheSamples() {
        List<JavaFileObject> sources = new ArrayList<>();
        try (Stream<Path> files = Files.list(Repo.path("samples"))) {
            for (Path folder : files.sorted().toList()) {
                Path attn = folder.resolve(folder.getFileName() + ".attn");
                if (!Files.exists(attn)) {
                    continue;
                }
                SourceFile file = new SourceFile(attn.toString(), Files.readString(attn));
                FrontEnd.Result result = FrontEnd.check(file);
                for (var model : result.models()) {
                    for (JvmBackend.Generated generated : List.of(JvmBackend.generate(model, file, JvmBackend.Options.defaults()),
                            TornadoBackend.generate(model, file, JvmBackend.Options.defaults()))) {
                        String text = generated.file().toString();
                        sources.add(new SimpleJavaFileObject(URI.create("string:///" + generated.className().replace('.', '/')
                                + ".java"), JavaFileObject.Kind.SOURCE) {
                            @Override
                            public CharSequence getCharContent(boolean ignoreEncodingErrors) {
                                return text;
                            }
                        });
                    }
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        JavacTask task = (JavacTask) ToolProvider.getSystemJavaCompiler().getTask(null, null, d -> { }, List.of("-proc:none"),
                null, sources);
        List<String> names = new ArrayList<>();
        try {
            for (CompilationUnitTree unit : task.parse()) {
                new TreeScanner<Void, Void>() {
                    @Override
                    public Void visitIdentifier(IdentifierTree node, Void unused) {
                        names.add(node.getName().toString());
                        return null;
                    }

                    @Override
                    public Void visitVariable(VariableTree node, Void unused) {
                        names.add(node.getName().toString());
                        return super.visitVariable(node, unused);
                    }

                    @Override
                    public Void visitMethod(MethodTree node, Void unused) {
                        names.add(node.getName().toString());
                        return super.visitMethod(node, unused);
                    }
                }.scan(unit, null);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        assertTrue(names.size() > 200, "too few names found in the samples' generated code: " + names.size());
        return names;
    }
}
