package dev.attnc.compiler.codegen;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.sun.source.tree.CompilationUnitTree;
import com.sun.source.tree.LiteralTree;
import com.sun.source.tree.Tree;
import com.sun.source.util.JavacTask;
import com.sun.source.util.SourcePositions;
import com.sun.source.util.TreeScanner;
import com.sun.source.util.Trees;
import dev.attnc.compiler.FrontEnd;
import dev.attnc.compiler.check.CheckedModel;
import dev.attnc.compiler.codegen.jvm.JvmModelWriter;
import dev.attnc.compiler.diag.SourceFile;
import dev.attnc.compiler.ir.Param;
import dev.attnc.runtime.Model;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.function.Function;
import javax.tools.DiagnosticCollector;
import javax.tools.JavaCompiler;
import javax.tools.JavaFileObject;
import javax.tools.SimpleJavaFileObject;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.Test;

/**
 * Text from a .attn file never becomes Java code: for 500 random files (7,500 random strings) whose comments,
 * checkpoint strings, prefixes, file names and names are drawn to hold Unicode escapes
 * ({@code \}{@code u000a}, {@code \}{@code uuu002a}), comment terminators, quotes, backslashes, Java
 * keywords, generated names, control characters and non-ASCII letters, the generated source
 * of both backends is parsed by javac's own parser and must have exactly the trees of the same
 * model written with plain text: the same imports, members and statements, node for node. Its
 * string literals must hold exactly the checkpoint names the file gave, and the only Unicode
 * escapes in it must be inside string literals, each standing for one non-ASCII character.
 */
class InertGeneratedSourceTest {
    private static final int FILES = 500;

    /** A model that sends user text through every path into generated Java. */
    private static final String TEMPLATE = """
            // %1$s
            // %2$s
            block Layer(x : [T, D]) {
              param w : linear(D, D) from "%3$s"   /* %4$s */
              a = attention(x, x, x, heads = 2) {   /* %5$s */
                score s /* %6$s */ + 0.5 * (i - j)
                mask causal
              }
              return x + w(a)   // %7$s
            }

            model %8$s {
              const D = 8   /* %9$s */
              dim T <= 16
              input %10$s : [T, D]
              param %11$s : linear(D, D) from "%12$s"
              %13$s = %11$s(%10$s) /* %14$s */
              %13$s = Layer(%13$s, prefix = "%15$s")
              output %13$s
            }
            """;

    /** Pieces drawn into comments and strings: what an attacker would try, and ordinary text. */
    private static final List<String> PIECES = List.of("\\u000a", "\\u000d", "\\uuu000a", "\\u002a\\u002f", "\\u002f\\u002a",
            "\\u0022", "\\u005c", "\\u007b", "\\u007d", "\\\\", "\\", "*/", "/*", "*", "/", "//", "\"", "'", "{", "}", "@",
            "@param", "{@code", "<", ">", "&", "&#47;", ";", "static {", "new java.io.File(\"PWNED\").createNewFile();", "class",
            "null", "this", "u", "uu", "000a", " ", "\t", "a", "Z", "0", "9", "_", "é", "ß", "中", "\u00a0", "\u2028", "\u202e",
            "\u200b", "😀", "\u0001", "\u007f", "\\n", "\\t", "\\\"");

    /** Names drawn for the model, its input, param and value: Java keywords and names the generator uses. */
    private static final List<String> NAMES = List.of("class", "null", "this", "int", "float", "return", "new", "var", "record",
            "_x", "arena", "ints", "inputs", "outputs", "weights", "tiles", "rows", "keys", "worker", "item", "MAX_T",
            "ARENA_FLOATS", "QUERY_TILE", "compute", "run", "forward", "load", "position", "Math", "Float", "Integer", "String",
            "System", "Arrays", "Map", "List", "Tensor", "Kernels", "Inputs", "dims", "plan", "graph", "X_AT", "w_weight",
            "attention_a", "a_cache", "y", "hidden", "Hidden", "S", "q", "k", "v", "out", "layer", "index", "cached", "maps");

    private static final List<String> MODEL_NAMES = List.of("class", "null", "this", "var", "record", "_x", "arena", "compute",
            "S", "hidden", "Hidden", "MAX_T", "QUERY_TILE", "dims", "plan");

    @Test
    void userTextNeverBecomesCode() {
        Random random = new Random(20261205);
        Variant plain = variant(List.of("plain description", "more", "w", "c1", "c2", "c3", "c4", "Plain", "c5", "xin",
                "proj", "proj", "y", "c6", "h.0"), "plain.attn");
        Map<String, Signature> expected = new LinkedHashMap<>();
        for (String backend : List.of("jvm", "tornadovm")) {
            expected.put(backend, signature(parse(List.of(plain.source(backend))).get(0), plain));
        }
        List<Variant> variants = new ArrayList<>();
        int rejected = 0;
        while (variants.size() < FILES) {
            Variant variant = randomVariant(random);
            if (variant == null) {
                rejected++;
                assertTrue(rejected < FILES, "the checker rejected most random files; the generator is not being tested");
                continue;
            }
            variants.add(variant);
        }
        for (String backend : expected.keySet()) {
            for (int from = 0; from < variants.size(); from += 100) {
                List<Variant> batch = variants.subList(from, Math.min(variants.size(), from + 100));
                List<CompilationUnitTree> units = parse(batch.stream().map(v -> v.source(backend)).toList());
                for (int n = 0; n < batch.size(); n++) {
                    Variant variant = batch.get(n);
                    Signature actual = signature(units.get(n), variant);
                    assertEquals(expected.get(backend).trees(), actual.trees(),
                            "the " + backend + " source of this file has other trees than the plain one:\n" + variant.text
                                    + "\n---\n" + variant.source(backend).text);
                    assertTrue(actual.strings().containsAll(variant.tensorNames()),
                            "checkpoint names " + variant.tensorNames() + " not found as string literals " + actual.strings());
                }
            }
        }
        // And javac compiles them: one file per model name (names like `class` must also resolve).
        Map<String, com.palantir.javapoet.JavaFile> files = new LinkedHashMap<>();
        variants.forEach(v -> files.putIfAbsent(v.jvm.className(), v.jvm.file()));
        InMemoryJavac.Result compiled = InMemoryJavac.compile(List.copyOf(files.values()), List.of(Model.class));
        assertEquals(files.keySet(), compiled.classes().keySet().stream().filter(files::containsKey)
                .collect(java.util.stream.Collectors.toSet()));
    }

    /** The trees of a generated file (kinds, in order, names left out) and the values of its string literals. */
    private record Signature(List<String> trees, Set<String> strings) {
    }

    private record Source(String name, String text) {
    }

    private static final class Variant {
        final String text;
        final JvmBackend.Generated jvm;
        final JvmBackend.Generated tornado;

        Variant(String text, JvmBackend.Generated jvm, JvmBackend.Generated tornado) {
            this.text = text;
            this.jvm = jvm;
            this.tornado = tornado;
        }

        Source source(String backend) {
            JvmBackend.Generated generated = backend.equals("jvm") ? jvm : tornado;
            return new Source(generated.className(), generated.file().toString());
        }

        Set<String> tensorNames() {
            Set<String> names = new HashSet<>();
            for (Param param : jvm.graph().params()) {
                param.tensorsInOrder().forEach(tensor -> names.add(param.tensorName(tensor.getKey())));
            }
            return names;
        }
    }

    private static Variant randomVariant(Random random) {
        List<String> names = new ArrayList<>(NAMES);
        java.util.Collections.shuffle(names, random);
        Function<Integer, String> text = length -> {
            StringBuilder out = new StringBuilder();
            for (int n = 0; n < length; n++) {
                out.append(PIECES.get(random.nextInt(PIECES.size())));
            }
            return out.toString();
        };
        List<String> holes = new ArrayList<>();
        holes.add(lineComment(text.apply(8)));          // 1, 2: the description
        holes.add(lineComment(text.apply(8)));
        holes.add(string(text.apply(6)));               // 3: checkpoint name in a block
        holes.add(blockComment(text.apply(6)));         // 4-6: comments echoed into // comments and Javadoc
        holes.add(blockComment(text.apply(6)));
        holes.add(blockComment(text.apply(6)));
        holes.add(lineComment(text.apply(6)));          // 7
        // 8: the model's name; names of types the generated code uses make JavaPoet write those types
        // in full, which changes the trees, so they are left to GeneratedNamesTest.
        holes.add(MODEL_NAMES.get(random.nextInt(MODEL_NAMES.size())));
        holes.add(blockComment(text.apply(6)));         // 9
        holes.add(names.get(1));                        // 10: input
        holes.add(names.get(2));                        // 11: param
        holes.add(string(text.apply(6)));               // 12: checkpoint name
        holes.add(names.get(3));                        // 13: value
        holes.add(blockComment(text.apply(6)));         // 14
        holes.add(string(text.apply(4)));               // 15: prefix
        return variant(holes, text.apply(3).replace("/", "_") + ".attn");
    }

    /** A line comment's text: anything but a line break. */
    private static String lineComment(String text) {
        return text.replace("\n", " ").replace("\r", " ");
    }

    /** A block comment's text: anything but its end. */
    private static String blockComment(String text) {
        return lineComment(text).replace("*/", "* /");
    }

    /**
     * A string's text as written in .attn: no quote or line break, a backslash always escapes
     * something, and no braces (which name a repeat index in a checkpoint name).
     */
    private static String string(String text) {
        String line = lineComment(text).replace("{", "(").replace("}", ")");
        StringBuilder out = new StringBuilder();
        for (int at = 0; at < line.length(); at++) {
            char c = line.charAt(at);
            if (c == '\\' && at + 1 < line.length()) {
                out.append(c).append(line.charAt(++at));
            } else if (c != '\\' && c != '"') {
                out.append(c);
            }
        }
        return out.toString();
    }

    private static Variant variant(List<String> holes, String fileName) {
        String text = String.format(TEMPLATE, holes.toArray());
        SourceFile file = new SourceFile(fileName, text);
        FrontEnd.Result result = FrontEnd.check(file);
        if (result.diagnostics().hasErrors()) {
            return null;
        }
        CheckedModel model = result.models().get(0);
        JvmBackend.Generated jvm = JvmBackend.generate(model, file, JvmBackend.Options.defaults());
        JvmBackend.Generated tornado = TornadoBackend.generate(model, file, JvmBackend.Options.defaults());
        return new Variant(text, jvm, tornado);
    }

    private static List<CompilationUnitTree> parse(List<Source> sources) {
        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        DiagnosticCollector<JavaFileObject> diagnostics = new DiagnosticCollector<>();
        List<JavaFileObject> files = sources.stream().<JavaFileObject>map(source ->
                new SimpleJavaFileObject(URI.create("string:///" + source.name().replace('.', '/') + ".java"), JavaFileObject.Kind.SOURCE) {
                    @Override
                    public CharSequence getCharContent(boolean ignoreEncodingErrors) {
                        return source.text();
                    }
                }).toList();
        JavacTask task = (JavacTask) javac.getTask(null, null, diagnostics, List.of("-proc:none"), null, files);
        List<CompilationUnitTree> units = new ArrayList<>();
        try {
            task.parse().forEach(units::add);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        assertEquals(List.of(), diagnostics.getDiagnostics().stream().map(Object::toString).toList(), "javac's parser complained");
        Trees trees = Trees.instance(task);
        for (int n = 0; n < units.size(); n++) {
            checkEscapes(sources.get(n).text(), units.get(n), trees.getSourcePositions());
        }
        return units;
    }

    /** The file is ASCII, and every Unicode escape in it is inside a string literal and stands for a non-ASCII character. */
    private static void checkEscapes(String text, CompilationUnitTree unit, SourcePositions positions) {
        for (int at = 0; at < text.length(); at++) {
            assertTrue(text.charAt(at) < 0x80, "a character outside ASCII at " + at + " in\n" + text);
        }
        List<long[]> literals = new ArrayList<>();
        new TreeScanner<Void, Void>() {
            @Override
            public Void visitLiteral(LiteralTree node, Void unused) {
                if (node.getKind() == Tree.Kind.STRING_LITERAL) {
                    literals.add(new long[] {positions.getStartPosition(unit, node), positions.getEndPosition(unit, node)});
                }
                return null;
            }
        }.scan(unit, null);
        int backslashes = 0;
        for (int at = 0; at < text.length(); at++) {
            char c = text.charAt(at);
            if (c == '\\' && backslashes % 2 == 0 && at + 1 < text.length() && text.charAt(at + 1) == 'u') {
                int hex = at + 1;
                while (text.charAt(hex) == 'u') {
                    hex++;
                }
                int value = Integer.parseInt(text.substring(hex, hex + 4), 16);
                final int where = at;
                assertTrue(value >= 0x80, "a Unicode escape for ASCII character " + value + " at " + at + " in\n" + text);
                assertTrue(literals.stream().anyMatch(span -> span[0] < where && where < span[1]),
                        "a Unicode escape outside a string literal at " + at + " in\n" + text);
            }
            backslashes = c == '\\' ? backslashes + 1 : 0;
        }
    }

    private static Signature signature(CompilationUnitTree unit, Variant variant) {
        List<String> kinds = new ArrayList<>();
        Set<String> strings = new HashSet<>();
        new TreeScanner<Void, Void>() {
            @Override
            public Void scan(Tree tree, Void unused) {
                if (tree != null) {
                    kinds.add(tree.getKind().name());
                }
                return super.scan(tree, unused);
            }

            @Override
            public Void visitLiteral(LiteralTree node, Void unused) {
                if (node.getValue() instanceof String value) {
                    strings.add(value);
                }
                return super.visitLiteral(node, unused);
            }
        }.scan(unit, null);
        if (kinds.isEmpty()) {
            fail("nothing parsed");
        }
        assertFalse(JvmModelWriter.GENERATED_NAMES.isEmpty());
        return new Signature(kinds, strings);
    }
}
