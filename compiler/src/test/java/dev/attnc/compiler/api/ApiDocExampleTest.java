package dev.attnc.compiler.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.attnc.compiler.Repo;
import dev.attnc.compiler.codegen.InMemoryJavac;
import dev.attnc.runtime.Model;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.lang.reflect.InvocationTargetException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * The API examples of the docs run as written: every {@code java} block that calls
 * {@code Attnc.} in docs/api.md, docs/ecosystem.md and README.md is compiled (its imports at the
 * top of a class, its statements as one method) and run; what it prints must equal the
 * {@code text} block that follows it. Paths in the examples are relative to the repository root.
 */
class ApiDocExampleTest {
    private static final Pattern FENCE = Pattern.compile("```([^\\n]*)\\n(.*?)```", Pattern.DOTALL);
    private static final List<String> DOCS = List.of("docs/api.md", "docs/ecosystem.md", "README.md");

    record Example(String doc, int index, String code, String expected) {
    }

    @Test
    void apiDocHasARunnableExample() {
        assertFalse(examples("docs/api.md").isEmpty(), "docs/api.md should show a runnable java example");
    }

    @TestFactory
    Stream<DynamicTest> examplesRunAndPrintWhatTheDocsSay() {
        List<Example> all = new ArrayList<>();
        for (String doc : DOCS) {
            if (Files.exists(Repo.path(doc))) {
                all.addAll(examples(doc));
            }
        }
        return all.stream().map(example -> DynamicTest.dynamicTest(example.doc() + " java example " + example.index(),
                () -> assertEquals(example.expected(), run(example), "what the example in " + example.doc() + " prints")));
    }

    static List<Example> examples(String doc) {
        String text = Repo.read(Repo.path(doc));
        Matcher fence = FENCE.matcher(text);
        List<String[]> blocks = new ArrayList<>();
        while (fence.find()) {
            blocks.add(new String[] {fence.group(1).trim(), fence.group(2)});
        }
        List<Example> examples = new ArrayList<>();
        for (int index = 0; index < blocks.size(); index++) {
            if (blocks.get(index)[0].equals("java") && blocks.get(index)[1].contains("Attnc.")) {
                assertTrue(index + 1 < blocks.size() && blocks.get(index + 1)[0].equals("text"),
                        doc + ": a java example that uses Attnc must be followed by a text block with what it prints");
                examples.add(new Example(doc, examples.size() + 1, blocks.get(index)[1], blocks.get(index + 1)[1]));
            }
        }
        return examples;
    }

    /** Compiles the example as a class and runs it with System.out captured. */
    static String run(Example example) throws Exception {
        StringBuilder imports = new StringBuilder();
        StringBuilder body = new StringBuilder();
        for (String line : example.code().split("\n", -1)) {
            if (line.startsWith("import ")) {
                imports.append(line).append('\n');
            } else {
                body.append("        ").append(line).append('\n');
            }
        }
        String root = Repo.root().toString().replace("\\", "\\\\");
        String code = body.toString().replace("Path.of(\"", "Path.of(\"" + root + "/");
        String className = "docexample.Example" + example.index();
        String source = "package docexample;\n" + imports + "\npublic final class Example" + example.index() + " {\n"
                + "    public static void run() throws Exception {\n" + code + "    }\n}\n";
        InMemoryJavac.Result compiled = InMemoryJavac.compileSource(className, source, List.of(Model.class, Attnc.class));
        PrintStream saved = System.out;
        ByteArrayOutputStream printed = new ByteArrayOutputStream();
        System.setOut(new PrintStream(printed, true, StandardCharsets.UTF_8));
        try {
            compiled.classes().get(className).getMethod("run").invoke(null);
        } catch (InvocationTargetException e) {
            throw e.getCause() instanceof Exception cause ? cause : e;
        } finally {
            System.setOut(saved);
        }
        return printed.toString(StandardCharsets.UTF_8).replace(System.lineSeparator(), "\n");
    }
}
