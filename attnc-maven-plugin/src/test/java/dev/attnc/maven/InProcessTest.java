package dev.attnc.maven;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The compiler run in this JVM, as the plugin runs it when Maven is on Java 21+ (the tests run on
 * the build's JDK 21+ toolchain; the integration tests cover the forked JVM of Maven on Java 17).
 */
class InProcessTest {
    @TempDir
    Path dir;

    @Test
    void compilesAndReportsWhatItWrote() throws IOException {
        Path source = Files.writeString(dir.resolve("m.attn"), "model M {\n  dim T\n  input x : [T, 8]\n  y = relu(x)\n  output y\n}\n");
        AttncCli.Result result = AttncCli.run(getClass().getClassLoader(),
                new String[] {"compile", source.toString(), "-o", dir.resolve("out").toString(), "--package", "p"});
        assertEquals(0, result.exitCode(), result.err());
        assertEquals("wrote " + dir.resolve("out/p/M.java") + "\n", result.out());
        assertTrue(Files.readString(dir.resolve("out/p/M.java")).startsWith("package p;"));
    }

    @Test
    void errorsComeBackAsDiagnostics() throws IOException {
        Path source = Files.writeString(dir.resolve("bad.attn"), "model M {\n  output y\n}\n");
        AttncCli.Result result = AttncCli.run(getClass().getClassLoader(),
                new String[] {"compile", source.toString(), "-o", dir.resolve("out").toString()});
        assertEquals(1, result.exitCode());
        List<Diagnostics.Diagnostic> diagnostics = Diagnostics.parse(result.err());
        assertEquals(1, diagnostics.size(), result.err());
        assertEquals(source + ":2:10: error: unknown name `y`", diagnostics.get(0).headline());
    }

    @Test
    void thePackageIsCheckedByTheCompilersOneCheck() throws IOException {
        ClassLoader loader = getClass().getClassLoader();
        assertEquals("package name 'a;b': part 'a;b' holds ';', which a Java identifier cannot (use ASCII letters, digits,"
                + " _ and $)", AttncCli.packageProblem(loader, "a;b").orElseThrow());
        assertEquals("package name 'x.class': part 'class' is a Java keyword or literal",
                AttncCli.packageProblem(loader, "x.class").orElseThrow());
        assertTrue(AttncCli.packageProblem(loader, "attnc.models").isEmpty());

        Path source = Files.writeString(dir.resolve("m.attn"), "model M {\n  dim T\n  input x : [T, 8]\n  y = relu(x)\n  output y\n}\n");
        AttncCli.Result result = AttncCli.run(loader,
                new String[] {"compile", source.toString(), "-o", dir.resolve("out").toString(), "--package", "../../evil"});
        assertEquals(2, result.exitCode(), result.err());
        assertEquals("attnc: --package: package name '../../evil': part '/' holds '/', which a Java identifier cannot"
                + " (use ASCII letters, digits, _ and $)\n", result.err());
        assertFalse(Files.exists(dir.resolve("out")));
    }
}
