package dev.attnc.compiler.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.attnc.compiler.api.CompileOptions;
import dev.attnc.compiler.api.PackageName;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 12, class 2: a package name that would write outside the output folder or inject text
 * into the source is refused, by one check, wherever a package is given.
 */
class PackageNameTest {
    @TempDir
    Path dir;

    /** Each bad name with the one line it gets. */
    static final Map<String, String> BAD = Map.ofEntries(
            Map.entry("..", "package name '..' has an empty part at the start"),
            Map.entry("a..b", "package name 'a..b' has an empty part between two dots"),
            Map.entry("a.", "package name 'a.' has an empty part at the end"),
            Map.entry("", "package name is empty; name a package such as attnc.models"),
            Map.entry("../../evil", "package name '../../evil': part '/' holds '/', which a Java identifier cannot"
                    + " (use ASCII letters, digits, _ and $)"),
            Map.entry("a;b", "package name 'a;b': part 'a;b' holds ';', which a Java identifier cannot"
                    + " (use ASCII letters, digits, _ and $)"),
            Map.entry("a;class X{}//", "package name 'a;class X{}//': part 'a;class X{}//' holds ';', which a Java"
                    + " identifier cannot (use ASCII letters, digits, _ and $)"),
            Map.entry("a\\b", "package name 'a\\b': part 'a\\b' holds '\\', which a Java identifier cannot"
                    + " (use ASCII letters, digits, _ and $)"),
            Map.entry("a b", "package name 'a b': part 'a b' holds U+0020, which a Java identifier cannot"
                    + " (use ASCII letters, digits, _ and $)"),
            Map.entry("p.\u00e9t\u00e9", "package name 'p.?t?': part '?t?' holds U+00E9, which a Java identifier cannot"
                    + " (use ASCII letters, digits, _ and $)"),
            Map.entry("a\u001b[31m", "package name 'a?[31m': part 'a?[31m' holds U+001B, which a Java identifier cannot"
                    + " (use ASCII letters, digits, _ and $)"),
            Map.entry("my.class.x", "package name 'my.class.x': part 'class' is a Java keyword or literal"),
            Map.entry("true", "package name 'true': part 'true' is a Java keyword or literal"),
            Map.entry("a.null", "package name 'a.null': part 'null' is a Java keyword or literal"),
            Map.entry("_", "package name '_': part '_' is a Java keyword or literal"),
            Map.entry("p.1st", "package name 'p.1st': part '1st' starts with a digit"),
            Map.entry("java.lang", "package name 'java.lang': part 'java' at the start names the JDK's own packages,"
                    + " where no class can be defined"),
            Map.entry("a".repeat(201), "package name is 201 characters long; at most 200 are allowed"));

    @Test
    void theCheckNamesTheBadPart() {
        BAD.forEach((name, message) -> {
            assertEquals(message, PackageName.problem(name).orElse("accepted"), name);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> PackageName.check(name));
            assertEquals(message, e.getMessage());
        });
        assertEquals("package name is empty; name a package such as attnc.models", PackageName.problem(null).orElseThrow());
    }

    @Test
    void javaPackageNamesAreAccepted() {
        for (String name : List.of("attnc.models", "p", "my.models", "A1.b_2.$c", "var.record.yield", "javax.x", "a".repeat(200),
                "javafx")) {
            assertTrue(PackageName.problem(name).isEmpty(), name);
            assertEquals(name, PackageName.check(name));
        }
    }

    @Test
    void compileOptionsUseTheSameCheck() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> CompileOptions.defaults().withPackage("../x"));
        assertEquals("package name '../x': part '/x' holds '/', which a Java identifier cannot (use ASCII letters, digits,"
                + " _ and $)", e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> CompileOptions.defaults().withPackage("a;b"));
        assertEquals("my.models", CompileOptions.defaults().withPackage("my.models").packageName());
    }

    @Test
    void compileRefusesEveryBadPackageAndWritesNothing() throws IOException {
        Path source = Files.writeString(dir.resolve("tiny.attn"), Hostile.TINY);
        Path output = dir.resolve("out/a/b/c");
        Map<String, String> before = Hostile.snapshot(dir);
        for (Map.Entry<String, String> bad : BAD.entrySet()) {
            CliTest.Run run = CliTest.attnc("compile", source.toString(), "-o", output.toString(), "--package", bad.getKey());
            Hostile.assertOneLine(run, Main.USAGE, "attnc: --package: " + bad.getValue());
            assertEquals("", run.out());
            assertEquals(before, Hostile.snapshot(dir), bad.getKey());
        }
        assertFalse(Files.exists(dir.resolve("out")), "the output folder is not even made");
    }

    @Test
    void anAbsolutePartWritesNothingAtTheRoot() throws IOException {
        Path source = Files.writeString(dir.resolve("tiny.attn"), Hostile.TINY);
        String absolute = "/tmp/attncHostile" + Long.toHexString(System.nanoTime());
        CliTest.Run run = CliTest.attnc("compile", source.toString(), "-o", dir.resolve("out").toString(), "--package",
                "a." + absolute);
        assertEquals(Main.USAGE, run.code(), run.err());
        assertTrue(run.err().startsWith("attnc: --package: package name 'a." + absolute + "': part '" + absolute
                + "' holds '/'"), run.err());
        assertFalse(Files.exists(Path.of(absolute)));
        assertFalse(Files.exists(dir.resolve("out")));
    }

    @Test
    void noWriteLeavesTheOutputFolder() {
        Path folder = dir.resolve("out");
        assertEquals(folder.resolve("p/M.java"), OutputPaths.inside(folder, "p/M.java"));
        for (String escape : List.of("../M.java", "p/../../M.java", "/etc/M.java", "", ".")) {
            Main.UsageError e = assertThrows(Main.UsageError.class, () -> OutputPaths.inside(folder, escape), escape);
            assertTrue(e.getMessage().startsWith("refusing to write "), e.getMessage());
            assertTrue(e.getMessage().endsWith(": it is not inside " + folder), e.getMessage());
        }
    }
}
