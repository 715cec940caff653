package dev.attnc.maven;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The plugin's parts that need no Maven: diagnostics, staleness, the forked JVM's protocol. */
class PluginUnitTest {
    @TempDir
    Path dir;

    @Test
    void splitsTheCompilersOutputIntoDiagnostics() {
        String err = "/p/bad.attn:4:16: error: unknown name `z`\n"
                + "    4 |   y = x + relu(z)\n"
                + "      |                ^\n"
                + "/p/bad.attn:2:9: warning: param `g` is never used\n"
                + "    2 |   param g : [8]\n"
                + "      |         ^\n"
                + "/p/huge.attn: error: the activations of Huge do not fit in memory\n";
        List<Diagnostics.Diagnostic> found = Diagnostics.parse(err);
        assertEquals(3, found.size());
        assertEquals("/p/bad.attn:4:16: error: unknown name `z`", found.get(0).headline());
        assertEquals("    4 |   y = x + relu(z)\n      |                ^", found.get(0).detail());
        assertTrue(found.get(0).isError());
        assertFalse(found.get(1).isError());
        assertEquals("/p/huge.attn: error: the activations of Huge do not fit in memory", found.get(2).text());
    }

    @Test
    void aFileIsUpToDateWhileItsClassesAreNewer() throws IOException {
        Path source = Files.writeString(dir.resolve("m.attn"), "model M {}");
        Path out = dir.resolve("out");
        Files.createDirectories(out.resolve("a"));
        Path generated = Files.writeString(out.resolve("a/M.java"), "class M {}");
        Files.setLastModifiedTime(source, FileTime.fromMillis(1_000_000));
        Files.setLastModifiedTime(generated, FileTime.fromMillis(2_000_000));
        assertTrue(GenerateMojo.upToDate(source, out, "a/M.java"));
        assertFalse(GenerateMojo.upToDate(source, out, null), "never compiled");
        assertFalse(GenerateMojo.upToDate(source, out, "a/M.java,a/Other.java"), "a class is missing");
        Files.setLastModifiedTime(source, FileTime.fromMillis(3_000_000));
        assertFalse(GenerateMojo.upToDate(source, out, "a/M.java"), "the source changed since");
    }

    @Test
    void batchOutputSurvivesAnyText() {
        for (String text : List.of("", "wrote /x y/Z.java\n", "tabs\tand\nnewlines and \u00e9")) {
            assertEquals(text, BatchMain.decode(BatchMain.encode(text)));
            assertFalse(BatchMain.encode(text).contains(" "));
        }
    }

    @Test
    void batchCommandsKeepEveryArgumentWhole() {
        String[] args = {"compile", "/p/a\tb.attn", "-o", "/out dir/x\ny", "--package", "p", ""};
        String line = BatchMain.encodeCommand(args);
        assertFalse(line.contains("\t") || line.contains("\n"), line);
        assertEquals(List.of(args), List.of(BatchMain.decodeCommand(line)));
    }

    @Test
    void recordedOutputsNeverLeaveTheOutputFolder() throws IOException {
        Path out = dir.resolve("out");
        Files.createDirectories(out.resolve("a"));
        Path victim = Files.writeString(dir.resolve("victim.java"), "class Victim {}");
        assertEquals(List.of(out.resolve("a/M.java")),
                GenerateMojo.outputs(out, "a/M.java,../victim.java," + victim + ",a/../../victim.java,."));
        Path source = Files.writeString(dir.resolve("m.attn"), "model M {}");
        Files.setLastModifiedTime(source, FileTime.fromMillis(1_000_000));
        assertFalse(GenerateMojo.upToDate(source, out, "../victim.java"), "a path outside is not trusted as up to date");
    }

    @Test
    void theSampleConsumerUsesThisVersionAndTheBuildsPluginVersions() throws IOException {
        Path root = Path.of(System.getProperty("attnc.root", ".."));
        String sample = Files.readString(root.resolve("samples/maven-consumer/pom.xml"));
        String parent = Files.readString(root.resolve("pom.xml"));
        String version = property(parent, "version", "<artifactId>attnc-parent</artifactId>\\s*<version>([^<]+)</version>");
        assertEquals(version, property(sample, "attnc.version", "<attnc.version>([^<]+)</attnc.version>"),
                "samples/maven-consumer must use the attnc version being built");
        // Plugins the outer build already downloaded, so the integration test needs nothing new.
        for (String plugin : List.of("toolchains-plugin", "compiler-plugin", "surefire-plugin", "resources-plugin", "jar-plugin")) {
            String wanted = property(parent, plugin, "<" + plugin + ".version>([^<]+)</" + plugin + ".version>");
            assertTrue(sample.contains("<artifactId>maven-" + plugin + "</artifactId>\n        <version>" + wanted + "</version>"),
                    "samples/maven-consumer should use maven-" + plugin + " " + wanted);
        }
        assertTrue(sample.contains("<version>" + property(parent, "junit", "<junit.version>([^<]+)</junit.version>") + "</version>")
                || sample.contains("<junit.version>" + property(parent, "junit", "<junit.version>([^<]+)</junit.version>")
                        + "</junit.version>"));
    }

    private static String property(String pom, String name, String regex) {
        Matcher matcher = Pattern.compile(regex).matcher(pom);
        assertTrue(matcher.find(), "no " + name + " in the pom");
        return matcher.group(1);
    }
}
