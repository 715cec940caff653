package dev.attnc.compiler;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.attnc.compiler.diag.SourceFile;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.opentest4j.AssertionFailedError;

/**
 * The corpus of wrong inputs in {@code src/test/resources/bad/}: each {@code NAME.attn} (or
 * {@code NAME.generated}, whose input is built here) must make the front end print exactly
 * {@code NAME.expected}, within {@link #TIME_LIMIT} (one retry after a timeout), without throwing.
 *
 * <p>{@code -Dgolden.update=true} rewrites the {@code .expected} files from what the compiler
 * prints now ({@code -Dgolden.update=name1,name2}: only those cases). Review the diff before
 * keeping it: an expected file says what a user <em>should</em> see, which is not always what
 * the compiler prints today. The corpus's README.md lists every case.
 */
class BadInputCorpusTest {
    private static final Duration TIME_LIMIT = Duration.ofSeconds(8);
    /** {@code true} rewrites every .expected file; a comma-separated list of case names, only those. */
    private static final String UPDATE = System.getProperty("golden.update", "").trim();

    /** Inputs too big or too deep to commit, built at run time; each has a NAME.generated note. */
    private static final Map<String, Supplier<String>> GENERATORS = Map.of(
            "huge_model", BadInputCorpusTest::hugeModel,
            "huge_top_level_garbage", BadInputCorpusTest::hugeTopLevelGarbage,
            "deep_nesting", BadInputCorpusTest::deepNesting,
            "deep_nesting_unclosed", BadInputCorpusTest::deepNestingUnclosed,
            "deep_unary_chain", BadInputCorpusTest::deepUnaryChain,
            "long_sum", BadInputCorpusTest::longSum,
            "name_too_long", BadInputCorpusTest::nameTooLong,
            "too_many_inputs", BadInputCorpusTest::tooManyInputs,
            "too_many_outputs", BadInputCorpusTest::tooManyOutputs);

    @TestFactory
    Stream<DynamicTest> everyCase() {
        return cases().stream().map(name -> DynamicTest.dynamicTest(name, () -> check(name)));
    }

    @Test
    void everyCaseHasAnExpectedFileAndAReadmeLine() throws IOException {
        List<String> problems = new ArrayList<>();
        String readme = Files.readString(corpus().resolve("README.md"), StandardCharsets.UTF_8);
        for (String name : cases()) {
            if (!readme.contains("`" + name + "`")) {
                problems.add("README.md does not describe `" + name + "`");
            }
            if (!updating(name) && !Files.exists(corpus().resolve(name + ".expected"))) {
                problems.add(name + " has no .expected file");
            }
        }
        try (Stream<Path> files = Files.list(corpus())) {
            files.map(p -> p.getFileName().toString())
                    .filter(f -> f.endsWith(".expected"))
                    .map(f -> f.substring(0, f.length() - ".expected".length()))
                    .filter(n -> !cases().contains(n))
                    .forEach(n -> problems.add(n + ".expected has no " + n + ".attn or " + n + ".generated beside it"));
        }
        for (String generated : GENERATORS.keySet()) {
            if (!Files.exists(corpus().resolve(generated + ".generated"))) {
                problems.add("generator `" + generated + "` has no " + generated + ".generated note");
            }
        }
        assertTrue(problems.isEmpty(), String.join("\n", problems));
    }

    @Test
    void corpusIsLargeEnough() {
        assertTrue(cases().size() >= 45, "only " + cases().size() + " cases");
    }

    private static boolean updating(String name) {
        return UPDATE.equals("true") || List.of(UPDATE.split("\\s*,\\s*")).contains(name);
    }

    private static void check(String name) throws IOException {
        String fileName = name + ".attn";
        String text = input(name);
        SourceFile source = new SourceFile(fileName, text);
        FrontEnd.Result result = null;
        // A second try only when the first ran out of time: a busy machine (parallel builds on
        // two cores) can stall one run, while a real blow-up is slow every time.
        for (int attempt = 1; result == null; attempt++) {
            int tries = attempt;
            try {
                result = assertTimeoutPreemptively(TIME_LIMIT, () -> FrontEnd.check(source),
                        () -> name + ": the front end took longer than " + TIME_LIMIT.toMillis() + " ms"
                                + (tries > 1 ? " (twice)" : ""));
            } catch (AssertionFailedError timeout) {
                if (attempt == 2) {
                    throw timeout;
                }
            } catch (Throwable thrown) {
                throw new AssertionFailedError(name + ": the front end threw " + thrown, thrown);
            }
        }
        String actual = result.diagnostics().render();
        Path expectedFile = corpus().resolve(name + ".expected");
        if (updating(name)) {
            Files.writeString(expectedFile, withTrailingNewline(actual), StandardCharsets.UTF_8);
            return;
        }
        if (!Files.exists(expectedFile)) {
            fail(name + ": no " + expectedFile.getFileName() + "; the front end printed:\n" + actual);
        }
        String expected = Files.readString(expectedFile, StandardCharsets.UTF_8);
        String want = withoutTrailingNewline(expected);
        String got = withoutTrailingNewline(actual);
        if (!want.equals(got)) {
            throw new AssertionFailedError(name + ": the diagnostics differ from " + expectedFile.getFileName()
                    + firstDifference(want, got)
                    + "\n---- expected ----\n" + want
                    + "\n---- actual ------\n" + got
                    + "\n------------------", want, got);
        }
        assertFalse(want.isEmpty(), name + ": a bad input must produce at least one diagnostic");
    }

    /** The input of a case: the committed file's bytes as UTF-8 (as the command line reads it), or generated. */
    private static String input(String name) throws IOException {
        Supplier<String> generator = GENERATORS.get(name);
        if (generator != null) {
            return generator.get();
        }
        Path file = corpus().resolve(name + ".attn");
        if (!Files.exists(file)) {
            fail(name + ".generated has no generator in " + BadInputCorpusTest.class.getSimpleName());
        }
        // Malformed UTF-8 becomes U+FFFD, as in cli/SourceFiles.
        return new String(Files.readAllBytes(file), StandardCharsets.UTF_8);
    }

    private static String firstDifference(String want, String got) {
        String[] a = want.split("\n", -1);
        String[] b = got.split("\n", -1);
        for (int line = 0; line < Math.max(a.length, b.length); line++) {
            String x = line < a.length ? a[line] : "<nothing>";
            String y = line < b.length ? b[line] : "<nothing>";
            if (!x.equals(y)) {
                return "; first difference on output line " + (line + 1) + ":\n  expected: " + x + "\n  actual:   " + y;
            }
        }
        return "";
    }

    /** Only a final line break is forgiven; everything else must match to the character. */
    private static String withoutTrailingNewline(String text) {
        if (text.endsWith("\r\n")) {
            return text.substring(0, text.length() - 2);
        }
        return text.endsWith("\n") ? text.substring(0, text.length() - 1) : text;
    }

    private static String withTrailingNewline(String text) {
        return text.isEmpty() || text.endsWith("\n") ? text : text + "\n";
    }

    /** Every case name, sorted: NAME for each NAME.attn and NAME.generated in the corpus. */
    private static List<String> cases() {
        TreeSet<String> names = new TreeSet<>();
        try (Stream<Path> files = Files.list(corpus())) {
            files.map(p -> p.getFileName().toString()).forEach(f -> {
                if (f.endsWith(".attn")) {
                    names.add(f.substring(0, f.length() - ".attn".length()));
                } else if (f.endsWith(".generated")) {
                    names.add(f.substring(0, f.length() - ".generated".length()));
                }
            });
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return List.copyOf(names);
    }

    /** The corpus in the source tree (not target/), so that golden.update rewrites the committed files. */
    private static Path corpus() {
        List<Path> candidates = new ArrayList<>();
        candidates.add(Paths.get("src", "test", "resources", "bad"));
        String root = System.getProperty("attnc.root");
        if (root != null) {
            candidates.add(Paths.get(root, "compiler", "src", "test", "resources", "bad"));
        }
        candidates.add(Paths.get("compiler", "src", "test", "resources", "bad"));
        for (Path candidate : candidates) {
            if (Files.isDirectory(candidate)) {
                return candidate;
            }
        }
        throw new IllegalStateException("cannot find the bad-input corpus; tried " + candidates);
    }

    // ---------------------------------------------------------------- generated inputs
    // Each generator is described in its NAME.generated note; keep the two in step.

    static final int HUGE_MODEL_LINES = 87_500;

    /** About 1 MB: a model whose body is 87,500 lines of `x = x + y`, then one unknown name. */
    static String hugeModel() {
        StringBuilder out = new StringBuilder(1_100_000);
        out.append("// Generated by BadInputCorpusTest: see huge_model.generated.\n");
        out.append("model Huge {\n");
        out.append("  const D = 64\n");
        out.append("  dim T\n");
        out.append("  input x : [T, D]\n");
        out.append("  input y : [T, D]\n");
        for (int i = 0; i < HUGE_MODEL_LINES; i++) {
            out.append("  x = x + y\n");
        }
        out.append("  z = x + bias\n");
        out.append("  output x, z\n");
        out.append("}\n");
        return out.toString();
    }

    static final int HUGE_GARBAGE_LINES = 87_500;

    /** About 1 MB: a valid model, then 87,500 lines of `x = x + y` outside any model. */
    static String hugeTopLevelGarbage() {
        StringBuilder out = new StringBuilder(1_100_000);
        out.append("// Generated by BadInputCorpusTest: see huge_top_level_garbage.generated.\n");
        out.append("model Valid {\n");
        out.append("  const D = 64\n");
        out.append("  dim T\n");
        out.append("  input x : [T, D]\n");
        out.append("  input y : [T, D]\n");
        out.append("  x = x + y\n");
        out.append("  output x\n");
        out.append("}\n");
        for (int i = 0; i < HUGE_GARBAGE_LINES; i++) {
            out.append("  x = x + y\n");
        }
        return out.toString();
    }

    static final int DEEP_NESTING_LINES = 1_000;

    /** A valid model but for one value nested 10,000 parentheses deep, ten to a line. */
    static String deepNesting() {
        return "// Generated by BadInputCorpusTest: see deep_nesting.generated.\n"
                + "model Deep {\n"
                + "  const D = 64\n"
                + "  dim T\n"
                + "  input x : [T, D]\n"
                + "  y =\n"
                + "((((((((((\n".repeat(DEEP_NESTING_LINES)
                + "x\n"
                + "))))))))))\n".repeat(DEEP_NESTING_LINES)
                + "  output y\n"
                + "}\n";
    }

    static final int DEEP_UNCLOSED_LINES = 10_000;

    /** 100,000 opening brackets, alternating `(` and `[`, ten to a line, never closed. */
    static String deepNestingUnclosed() {
        return "// Generated by BadInputCorpusTest: see deep_nesting_unclosed.generated.\n"
                + "model Unclosed {\n"
                + "  y =\n"
                + "([([([([([\n".repeat(DEEP_UNCLOSED_LINES);
    }

    static final int DEEP_UNARY = 50_000;

    /** Nesting without brackets: `y = - - - ... x` with 50,000 minus signs, then one error. */
    static String deepUnaryChain() {
        return "// Generated by BadInputCorpusTest: see deep_unary_chain.generated.\n"
                + "model Unary {\n"
                + "  const D = 64\n"
                + "  dim T\n"
                + "  input x : [T, D]\n"
                + "  y = " + "- ".repeat(DEEP_UNARY) + "x\n"
                + "  z = y + bias\n"
                + "  output y, z\n"
                + "}\n";
    }

    static final int LONG_SUM_TERMS = 20_001;

    /** One statement `y = x + x + ... + x` of 20,001 terms on line 6, then an unknown name. */
    static String longSum() {
        return "// Generated by BadInputCorpusTest: see long_sum.generated.\n"
                + "model LongSum {\n"
                + "  const D = 64\n"
                + "  dim T\n"
                + "  input x : [T, D]\n"
                + "  y = x" + " + x".repeat(LONG_SUM_TERMS - 1) + "\n"
                + "  z = y + bias\n"
                + "  output y, z\n"
                + "}\n";
    }

    static final int LONG_NAME = 70_000;

    /** An input named with 70,000 letters, used on the next line. */
    static String nameTooLong() {
        String name = "x".repeat(LONG_NAME);
        return "// Generated by BadInputCorpusTest: see name_too_long.generated.\n"
                + "model LongName {\n"
                + "  dim T\n"
                + "  input " + name + " : [T, 64]\n"
                + "  y = " + name + " * 2.0\n"
                + "  output y\n"
                + "}\n";
    }

    static final int MANY = 300;

    /** 300 inputs, all added into one output, one statement each. */
    static String tooManyInputs() {
        StringBuilder out = new StringBuilder("// Generated by BadInputCorpusTest: see too_many_inputs.generated.\n"
                + "model ManyInputs {\n  dim T\n");
        for (int i = 0; i < MANY; i++) {
            out.append("  input x").append(i).append(" : [T, 4]\n");
        }
        out.append("  y = x0\n");
        for (int i = 1; i < MANY; i++) {
            out.append("  y = y + x").append(i).append('\n');
        }
        return out.append("  output y\n}\n").toString();
    }

    /** One input and 300 outputs, each a different scaling of it. */
    static String tooManyOutputs() {
        StringBuilder out = new StringBuilder("// Generated by BadInputCorpusTest: see too_many_outputs.generated.\n"
                + "model ManyOutputs {\n  dim T\n  input x : [T, 4]\n");
        for (int i = 0; i < MANY; i++) {
            out.append("  y").append(i).append(" = x * ").append(i).append(".5\n");
        }
        out.append("  output y0");
        for (int i = 1; i < MANY; i++) {
            out.append(", y").append(i);
        }
        return out.append("\n}\n").toString();
    }
}
